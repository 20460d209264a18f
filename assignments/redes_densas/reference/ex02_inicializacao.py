"""Exercício 2: limites das inicializações uniformes de Glorot e He e a variância das ativações.

Para uma camada densa com ``fan_in`` entradas e ``fan_out`` saídas:

* Glorot (Xavier) uniforme: U(−L, L) com L = sqrt(6 / (fan_in + fan_out));
* He uniforme:              U(−L, L) com L = sqrt(6 / fan_in).

A simulação (a mesma função ``propaga`` que o caderno fornece) passa um lote gaussiano por
10 camadas ReLU quadradas (256 → 256) com pesos U(−L, L) e registra o desvio padrão das
ativações após cada camada. É NumPy com gerador semeado (``default_rng(0)``): exata.

Variantes erradas registradas na chave (equívocos nomeados):

* ``he_limit_with_fan_out``: He com ``fan_out`` no lugar de ``fan_in``;
* ``normal_std_as_uniform_limit``: usar o desvio padrão da versão NORMAL
  (sqrt(2/(fan_in+fan_out)), sqrt(2/fan_in)) como limite da uniforme (variância 3× menor).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

FAN_IN, FAN_OUT = 256, 128  # a camada do enunciado
LARGURA, CAMADAS, N, SEMENTE = 256, 10, 1000, 0  # a simulação
OFFICIAL = "d"


def limite_glorot(fan_in: int, fan_out: int) -> float:
    return math.sqrt(6.0 / (fan_in + fan_out))


def limite_he(fan_in: int, fan_out: int) -> float:
    return math.sqrt(6.0 / fan_in)


def propaga(limite: float, n_camadas: int = CAMADAS, largura: int = LARGURA, n: int = N,
            semente: int = SEMENTE) -> list[float]:
    """Desvio padrão das ativações ReLU após cada camada (a mesma conta do caderno)."""
    rng = np.random.default_rng(semente)
    a = rng.standard_normal((n, largura))
    stds = []
    for _ in range(n_camadas):
        w = rng.uniform(-limite, limite, size=(largura, largura))
        a = np.maximum(0.0, a @ w)
        stds.append(float(a.std()))
    return stds


def fatos(std_glorot: Sequence[float], std_he: Sequence[float]) -> dict[str, float]:
    """Fator médio por camada (razão geométrica entre a última e a primeira camada)."""
    g, h = [float(v) for v in std_glorot], [float(v) for v in std_he]
    n = len(g) - 1
    return {
        "fator_glorot": (g[-1] / g[0]) ** (1.0 / n),
        "fator_he": (h[-1] / h[0]) ** (1.0 / n),
        "razao_glorot": g[-1] / g[0],
        "razao_he": h[-1] / h[0],
    }


def supported_letters(f: Mapping[str, float]) -> list[str]:
    """As alternativas (a)-(d) que esses números sustentam."""
    constante = 0.9 <= f["fator_he"] <= 1.1
    out = []
    glorot_constante = 0.9 <= f["fator_glorot"] <= 1.1
    if glorot_constante and constante:
        out.append("a")
    if glorot_constante and f["fator_he"] > 1.25:
        out.append("b")
    if 0.4 <= f["fator_glorot"] <= 0.6 and 0.4 <= f["fator_he"] <= 0.6:
        out.append("c")
    if 0.62 <= f["fator_glorot"] <= 0.8 and constante:
        out.append("d")
    return out


def run(profile: Any = None, seeding: str = "deterministic", progress: Any = None) -> dict[str, Any]:
    if progress:
        progress("ex2: inicialização de Glorot e He")
    std_glorot = propaga(limite_glorot(LARGURA, LARGURA))
    std_he = propaga(limite_he(LARGURA, LARGURA))
    ref = {
        "lim_glorot": limite_glorot(FAN_IN, FAN_OUT),
        "lim_he": limite_he(FAN_IN, FAN_OUT),
        "std_glorot": std_glorot,
        "std_he": std_he,
    }
    normal_glorot = math.sqrt(2.0 / (LARGURA + LARGURA))
    normal_he = math.sqrt(2.0 / LARGURA)
    variants = {
        "he_limit_with_fan_out": {"lim_he": limite_he(FAN_OUT, FAN_IN)},
        "normal_std_as_uniform_limit": {
            "lim_glorot": math.sqrt(2.0 / (FAN_IN + FAN_OUT)),
            "lim_he": math.sqrt(2.0 / FAN_IN),
            "std_glorot": propaga(normal_glorot),
            "std_he": propaga(normal_he),
        },
    }
    f = fatos(std_glorot, std_he)
    return {
        "exercise": "ex2",
        "settings": {"fan_in": FAN_IN, "fan_out": FAN_OUT, "largura": LARGURA, "camadas": CAMADAS,
                     "n": N, "semente": SEMENTE},
        "reference": ref,
        "variants": variants,
        "facts": f,
        "supports": supported_letters(f),
    }
