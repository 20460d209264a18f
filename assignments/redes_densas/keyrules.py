"""As regras da chave deste módulo: as grandezas de cada exercício calculado e suas tolerâncias.

``assemble(answers, runs)`` transforma as execuções de referência terminadas em ``KeyParts``
(grandezas, veredictos de deriva e os valores que a própria folha publica). O motor acrescenta
tempos, número de execuções, as letras oficiais e a identidade do módulo.

* Exercícios 1 e 2 (NumPy, exatos): ``close`` com ±1e-6 (ex. 1 e limites do ex. 2) e ±1e-5
  relativo nas simulações do ex. 2 (10 produtos de matrizes: arredondamento do BLAS). Cada
  erro típico é uma variante registrada, reconhecida como equívoco nomeado.
* Exercício 4 (treino): faixas (``band_quantity``) a partir da execução determinística e das
  execuções semeadas como a folha pede. Pisos: entropia cruzada binária rel 0.25 / abs 0.03,
  acurácia 0 / 0.06, k = 3, dentro dos limites físicos (perda ≥ 0, acurácia em [0, 1]). Uma
  rede ReLU que colapsou (perda ≥ 0.9·ln 2, como a sigmoide) é marcada como degenerada: fica na
  faixa, fora do desvio padrão.

As frases que a chave guarda (a descrição de cada grandeza, o resumo dos veredictos dos ex. 1 e
2) são mensagens do ``messages.json`` deste módulo (``key.<grandeza>``, ``key.drift.*``),
gravadas codificadas (``said``): os relatórios as dizem no idioma de quem lê.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import Any

from autograder.sdk import (
    BandPolicy,
    Drift,
    KeyParts,
    Quantity,
    Run,
    band_quantity,
    close,
    curve,
    drift_verdict,
    exact,
    first_with,
    reproduces,
)
from autograder.sdk import encode as said  # a coded sentence of messages.json (the report renders it)

from .reference import ex04_moons

BCE_POLICY = BandPolicy(rel=0.25, abs=0.03, lower=0.0)  # uma perda nunca é negativa
ACC_POLICY = BandPolicy(rel=0.0, abs=0.06, lower=0.0, upper=1.0)  # acurácia em [0, 1]
EXACT_ABS = 1e-6  # ex. 1 e limites do ex. 2: seis casas decimais
SIM_REL = 1e-5  # simulação do ex. 2

SRC_EX1 = "reference/ex01_ativacoes.py"
SRC_EX2 = "reference/ex02_inicializacao.py"
SRC_EX4 = "reference/ex04_moons.py"

_EX1_NAMES = ("a_sigmoide", "d_sigmoide", "a_tanh", "d_tanh", "a_relu", "d_relu")

_EX4_METRICS = {"loss": BCE_POLICY, "accuracy": ACC_POLICY, "val_loss": BCE_POLICY,
                "val_accuracy": ACC_POLICY}
_EX4_NAMES = ("sig", "relu")  # sigmoid and ReLU networks


def _deterministic(runs: Sequence[Run]) -> Run:
    return [r for r in runs if r.seeding == "deterministic"][0]


def _variants_of(variants: Mapping[str, Mapping[str, Any]], name: str) -> dict[str, Any]:
    """misconception id -> value of ``name`` under that mistake (only the mistakes that touch it)."""
    return {vid: values[name] for vid, values in variants.items() if name in values}


def ex1_quantities(run: Run) -> list[Quantity]:
    ref, var = run.data["reference"], run.data["variants"]
    return [close(f"ex1.{name}", said(f"key.ex1.{name}"), ref[name], 0.0, EXACT_ABS, SRC_EX1,
                  _variants_of(var, name))
            for name in _EX1_NAMES]


def ex2_quantities(run: Run) -> list[Quantity]:
    ref, var = run.data["reference"], run.data["variants"]
    s = run.data["settings"]
    layer = {"fan_in": s["fan_in"], "fan_out": s["fan_out"]}
    sim = {"layers": s["camadas"], "width": s["largura"], "seed": s["semente"]}
    return [
        close("ex2.lim_glorot", said("key.ex2.lim_glorot", **layer), ref["lim_glorot"], 0.0,
              EXACT_ABS, SRC_EX2, _variants_of(var, "lim_glorot")),
        close("ex2.lim_he", said("key.ex2.lim_he", **layer), ref["lim_he"], 0.0, EXACT_ABS, SRC_EX2,
              _variants_of(var, "lim_he")),
        close("ex2.std_glorot", said("key.ex2.std_glorot", **sim), ref["std_glorot"], SIM_REL,
              1e-12, SRC_EX2, _variants_of(var, "std_glorot")),
        close("ex2.std_he", said("key.ex2.std_he", **sim), ref["std_he"], SIM_REL, 1e-12, SRC_EX2,
              _variants_of(var, "std_he")),
    ]


def ex4_quantities(runs: Sequence[Run]) -> list[Quantity]:
    det = _deterministic(runs).data
    qs: list[Quantity] = []
    for label in _EX4_NAMES:
        dead = (lambda d: bool(d["relu"].get("collapsed"))) if label == "relu" else (lambda d: False)
        for metric, policy in _EX4_METRICS.items():
            qid = f"ex4.{label}.final.{metric}"
            qs.append(band_quantity(
                qid, said(f"key.{qid}"), "", runs,
                lambda d, n=label, m=metric: d[n]["final"][m], dead, policy, SRC_EX4))
        net = det[label]
        p = f"ex4.{label}"
        qs.append(exact(f"{p}.params", said(f"key.{p}.params"), net["params"], SRC_EX4))
        qs.append(exact(f"{p}.epochs", said(f"key.{p}.epochs"), len(net["history"]["loss"]), SRC_EX4))
        qs.append(exact(f"{p}.steps", said(f"key.{p}.steps"), net["steps"], SRC_EX4,
                        variants={"trained_on_validation_too":
                                  math.ceil(ex04_moons.N_SAMPLES / ex04_moons.BATCH_SIZE)}))
        summary = first_with(runs, "model", label) or {}
        opt = summary.get("optimizer") or {}
        qs.append(exact(f"{p}.layers", said(f"key.{p}.layers"),
                        [[la.get("class"), la.get("units"), la.get("activation")]
                         for la in summary.get("layers", [])], SRC_EX4))
        qs.append(exact(f"{p}.optimizer_class", said(f"key.{p}.optimizer_class"), opt.get("class"),
                        SRC_EX4))
        qs.append(close(f"{p}.learning_rate", said(f"key.{p}.learning_rate"),
                        opt.get("learning_rate"), 1e-4, 1e-7, SRC_EX4,
                        {"sgd_default_learning_rate": 0.01}))
        qs.append(exact(f"{p}.loss_function", said(f"key.{p}.loss_function"), summary.get("loss"),
                        SRC_EX4))
        for k in ("loss", "val_loss"):
            qs.append(curve(f"{p}.curve.{k}", said(f"key.{p}.curve", metric=k), runs,
                            lambda d, n=label, m=k: d[n]["history"][m], SRC_EX4))
    return qs


def assemble(answers: Mapping[str, Any], runs: Sequence[Run]) -> KeyParts:
    """Todas as grandezas e veredictos de deriva da chave, a partir das execuções terminadas."""
    by_ex: dict[str, list[Run]] = {}
    for r in runs:
        by_ex.setdefault(r.exercise, []).append(r)
    letters = answers["answers"]
    published = dict(answers.get("published", {}))
    quantities: list[Quantity] = []
    drift: dict[str, Drift] = {}
    if "ex1" in by_ex:
        run = by_ex["ex1"][0]
        quantities += ex1_quantities(run)
        official = letters["1"]["letter"]
        ok = official in run.data["supports"] and _matches_published(quantities, published, "ex1.")
        drift["ex1"] = _reproduces(1, official, ok,
                                   said("key.drift.ex1_supported", official=official) if ok else
                                   said("key.drift.not_supported", exercise=1))
    if "ex2" in by_ex:
        run = by_ex["ex2"][0]
        quantities += ex2_quantities(run)
        official = letters["2"]["letter"]
        f = run.data["facts"]
        ok = official in run.data["supports"] and _matches_published(quantities, published, "ex2.")
        drift["ex2"] = _reproduces(2, official, ok,
                                   said("key.drift.ex2_supported", official=official,
                                        glorot=f"{f['fator_glorot']:.3f}", he=f"{f['fator_he']:.3f}")
                                   if ok else said("key.drift.not_supported", exercise=2))
    if "ex4" in by_ex:
        quantities += ex4_quantities(by_ex["ex4"])
        drift["ex4"] = drift_verdict(4, letters["4"]["letter"], by_ex["ex4"])
    return KeyParts(quantities=tuple(quantities), drift=drift, published=published)


def _reproduces(exercise: int, official: str, ok: bool, summary: str) -> Drift:
    """``reproduces``, its summary the whole coded sentence of ``messages.json`` (exercise
    number included)."""
    return dataclasses.replace(reproduces(exercise, official, ok, ""), summary=summary)


def _matches_published(quantities: Sequence[Quantity], published: Mapping[str, Any], prefix: str) -> bool:
    """Os valores de hoje batem com os da folha (4 casas) em toda grandeza publicada do exercício."""
    by_id = {q.id: q for q in quantities}
    for qid, value in published.items():
        if not qid.startswith(prefix) or qid not in by_id:
            continue
        today = by_id[qid].value
        pairs = zip(today, value, strict=False) if isinstance(value, list) else [(today, value)]
        if any(round(float(a), 4) != round(float(b), 4) for a, b in pairs):
            return False
    return True
