"""Exercício 1: sigmoide, tanh e ReLU e suas derivadas em pontos dados (NumPy, exato).

Variantes erradas registradas na chave (equívocos nomeados):

* ``sigmoid_derivative_as_s``: derivada da sigmoide tomada como s(z) em vez de s(z)·(1 − s(z));
  com ela o máximo "vale 0.5" e a sigmoide "não satura" — exatamente a alternativa (a);
* ``tanh_derivative_not_squared``: 1 − tanh(z) em vez de 1 − tanh(z)²;
* ``relu_derivative_one_at_zero``: ReLU'(0) = 1 (``z >= 0``), contra a convenção do enunciado
  (e do TensorFlow), ReLU'(0) = 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

Z = [-4.0, -2.0, -1.0, 0.0, 1.0, 2.0, 4.0]
OFFICIAL = "c"


def sigmoide(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def valores(z: Sequence[float] = Z) -> dict[str, list[float]]:
    """As seis grandezas pedidas, como listas de floats (uma por ponto de ``z``)."""
    z_arr = np.asarray(z, dtype=float)
    s = sigmoide(z_arr)
    t = np.tanh(z_arr)
    r = np.maximum(0.0, z_arr)
    return {
        "a_sigmoide": s.tolist(),
        "d_sigmoide": (s * (1.0 - s)).tolist(),
        "a_tanh": t.tolist(),
        "d_tanh": (1.0 - t ** 2).tolist(),
        "a_relu": r.tolist(),
        "d_relu": (z_arr > 0).astype(float).tolist(),
    }


def variantes(z: Sequence[float] = Z) -> dict[str, dict[str, list[float]]]:
    """Os valores que os erros típicos produzem: equívoco -> {nome lido: valores}."""
    z_arr = np.asarray(z, dtype=float)
    s = sigmoide(z_arr)
    t = np.tanh(z_arr)
    return {
        "sigmoid_derivative_as_s": {"d_sigmoide": s.tolist()},
        "tanh_derivative_not_squared": {"d_tanh": (1.0 - t).tolist()},
        "relu_derivative_one_at_zero": {"d_relu": (z_arr >= 0).astype(float).tolist()},
    }


def fatos(z: Sequence[float], d_sig: Sequence[float], d_tanh: Sequence[float],
          d_relu: Sequence[float]) -> dict[str, Any]:
    """Os fatos por trás das alternativas: máximos das derivadas, valores em z = 0 e em |z| = 4."""
    zs = [float(v) for v in z]
    ds, dt, dr = ([float(v) for v in arr] for arr in (d_sig, d_tanh, d_relu))
    i0, i4, im4 = zs.index(0.0), zs.index(4.0), zs.index(-4.0)
    return {
        "max_d_sigmoide": max(ds),
        "d_sigmoide_em_0": ds[i0],
        "d_sigmoide_em_4": ds[i4],
        "d_sigmoide_borda": [ds[im4], ds[i4]],
        "max_d_tanh": max(dt),
        "d_tanh_em_0": dt[i0],
        "d_tanh_borda": [dt[im4], dt[i4]],
        "d_relu_em_0": dr[i0],
        "d_relu_positivos": sorted({dr[i] for i, v in enumerate(zs) if v > 0}),
    }


def _perto(a: float, b: float, tol: float = 1e-3) -> bool:
    return abs(a - b) < tol


def supported_letters(f: Mapping[str, Any]) -> list[str]:
    """As alternativas (a)-(d) que esses números sustentam (o enunciado as descreve)."""
    out = []
    borda = list(f["d_sigmoide_borda"]) + list(f["d_tanh_borda"])
    maximos_certos = (_perto(f["max_d_sigmoide"], 0.25) and _perto(f["d_sigmoide_em_0"], 0.25)
                      and _perto(f["max_d_tanh"], 1.0) and _perto(f["d_tanh_em_0"], 1.0))
    if _perto(f["d_sigmoide_em_0"], 0.5) and _perto(f["d_tanh_em_0"], 1.0) \
            and f["d_sigmoide_em_4"] > 0.9 and max(f["d_tanh_borda"]) < 0.02:
        out.append("a")
    if maximos_certos and min(borda) > 0.1:
        out.append("b")
    if maximos_certos and max(borda) < 0.02 and f["d_relu_positivos"] == [1.0]:
        out.append("c")
    if _perto(f["d_sigmoide_em_0"], 1.0) and _perto(f["d_tanh_em_0"], 1.0) \
            and _perto(f["d_relu_em_0"], 1.0):
        out.append("d")
    return out


def run(profile: Any = None, seeding: str = "deterministic", progress: Any = None) -> dict[str, Any]:
    if progress:
        progress("ex1: ativações e derivadas")
    ref = valores()
    f = fatos(Z, ref["d_sigmoide"], ref["d_tanh"], ref["d_relu"])
    wrong = variantes()["sigmoid_derivative_as_s"]["d_sigmoide"]
    f_wrong = fatos(Z, wrong, ref["d_tanh"], ref["d_relu"])
    return {
        "exercise": "ex1",
        "z": list(Z),
        "reference": ref,
        "variants": variantes(),
        "facts": f,
        "supports": supported_letters(f),
        "variant_supports": {"sigmoid_derivative_as_s": supported_letters(f_wrong)},
    }
