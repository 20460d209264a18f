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
"""

from __future__ import annotations

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

from .reference import ex04_moons

BCE_POLICY = BandPolicy(rel=0.25, abs=0.03, lower=0.0)  # uma perda nunca é negativa
ACC_POLICY = BandPolicy(rel=0.0, abs=0.06, lower=0.0, upper=1.0)  # acurácia em [0, 1]
EXACT_ABS = 1e-6  # ex. 1 e limites do ex. 2: seis casas decimais
SIM_REL = 1e-5  # simulação do ex. 2

SRC_EX1 = "reference/ex01_ativacoes.py"
SRC_EX2 = "reference/ex02_inicializacao.py"
SRC_EX4 = "reference/ex04_moons.py"

_EX1_DESCRIPTIONS = {
    "a_sigmoide": "sigmoid at z = [-4, -2, -1, 0, 1, 2, 4]",
    "d_sigmoide": "derivative of the sigmoid, s·(1 − s)",
    "a_tanh": "tanh at z",
    "d_tanh": "derivative of tanh, 1 − tanh²",
    "a_relu": "ReLU at z",
    "d_relu": "derivative of ReLU (0 at z = 0)",
}

_EX4_METRICS = {
    "loss": ("training binary cross-entropy, last epoch", BCE_POLICY),
    "accuracy": ("training accuracy, last epoch", ACC_POLICY),
    "val_loss": ("validation binary cross-entropy, last epoch", BCE_POLICY),
    "val_accuracy": ("validation accuracy, last epoch", ACC_POLICY),
}
_EX4_NAMES = {"sig": "sigmoid network", "relu": "ReLU network"}


def _deterministic(runs: Sequence[Run]) -> Run:
    return [r for r in runs if r.seeding == "deterministic"][0]


def _variants_of(variants: Mapping[str, Mapping[str, Any]], name: str) -> dict[str, Any]:
    """misconception id -> value of ``name`` under that mistake (only the mistakes that touch it)."""
    return {vid: values[name] for vid, values in variants.items() if name in values}


def ex1_quantities(run: Run) -> list[Quantity]:
    ref, var = run.data["reference"], run.data["variants"]
    return [close(f"ex1.{name}", desc, ref[name], 0.0, EXACT_ABS, SRC_EX1, _variants_of(var, name))
            for name, desc in _EX1_DESCRIPTIONS.items()]


def ex2_quantities(run: Run) -> list[Quantity]:
    ref, var = run.data["reference"], run.data["variants"]
    s = run.data["settings"]
    layer = f"fan_in = {s['fan_in']}, fan_out = {s['fan_out']}"
    sim = f"{s['camadas']} ReLU layers {s['largura']}→{s['largura']}, default_rng({s['semente']})"
    return [
        close("ex2.lim_glorot", f"Glorot uniform limit, {layer}", ref["lim_glorot"], 0.0, EXACT_ABS,
              SRC_EX2, _variants_of(var, "lim_glorot")),
        close("ex2.lim_he", f"He uniform limit, {layer}", ref["lim_he"], 0.0, EXACT_ABS, SRC_EX2,
              _variants_of(var, "lim_he")),
        close("ex2.std_glorot", f"std of the activations per layer, Glorot ({sim})",
              ref["std_glorot"], SIM_REL, 1e-12, SRC_EX2, _variants_of(var, "std_glorot")),
        close("ex2.std_he", f"std of the activations per layer, He ({sim})", ref["std_he"],
              SIM_REL, 1e-12, SRC_EX2, _variants_of(var, "std_he")),
    ]


def ex4_quantities(runs: Sequence[Run]) -> list[Quantity]:
    det = _deterministic(runs).data
    qs: list[Quantity] = []
    for label, what in _EX4_NAMES.items():
        dead = (lambda d: bool(d["relu"].get("collapsed"))) if label == "relu" else (lambda d: False)
        for metric, (desc, policy) in _EX4_METRICS.items():
            qs.append(band_quantity(
                f"ex4.{label}.final.{metric}", f"{what}: {desc}", "", runs,
                lambda d, n=label, m=metric: d[n]["final"][m], dead, policy, SRC_EX4))
        net = det[label]
        qs.append(exact(f"ex4.{label}.params", f"{what}: parameters", net["params"], SRC_EX4))
        qs.append(exact(f"ex4.{label}.epochs", f"{what}: epochs", len(net["history"]["loss"]), SRC_EX4))
        qs.append(exact(f"ex4.{label}.steps", f"{what}: batches per epoch", net["steps"], SRC_EX4,
                        variants={"trained_on_validation_too":
                                  math.ceil(ex04_moons.N_SAMPLES / ex04_moons.BATCH_SIZE)}))
        summary = first_with(runs, "model", label) or {}
        opt = summary.get("optimizer") or {}
        qs.append(exact(f"ex4.{label}.layers", f"{what}: layers (class, units, activation)",
                        [[la.get("class"), la.get("units"), la.get("activation")]
                         for la in summary.get("layers", [])], SRC_EX4))
        qs.append(exact(f"ex4.{label}.optimizer_class", f"{what}: optimizer", opt.get("class"), SRC_EX4))
        qs.append(close(f"ex4.{label}.learning_rate", f"{what}: SGD learning rate",
                        opt.get("learning_rate"), 1e-4, 1e-7, SRC_EX4,
                        {"sgd_default_learning_rate": 0.01}))
        qs.append(exact(f"ex4.{label}.loss_function", f"{what}: loss", summary.get("loss"), SRC_EX4))
        for k in ("loss", "val_loss"):
            qs.append(curve(f"ex4.{label}.curve.{k}", f"{what}: {k} per epoch", runs,
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
        drift["ex1"] = reproduces(1, official, ok,
                                  "σ'(0) = 0.25, tanh'(0) = 1 and both saturate at |z| = 4 (< 0.02): "
                                  f"the numbers support ({official})." if ok else
                                  "today's numbers do NOT support the official letter.")
    if "ex2" in by_ex:
        run = by_ex["ex2"][0]
        quantities += ex2_quantities(run)
        official = letters["2"]["letter"]
        f = run.data["facts"]
        ok = official in run.data["supports"] and _matches_published(quantities, published, "ex2.")
        drift["ex2"] = reproduces(2, official, ok,
                                  f"limits reproduce; per-layer std factor Glorot {f['fator_glorot']:.3f}, "
                                  f"He {f['fator_he']:.3f}: the numbers support ({official})." if ok else
                                  "today's numbers do NOT support the official letter.")
    if "ex4" in by_ex:
        quantities += ex4_quantities(by_ex["ex4"])
        drift["ex4"] = drift_verdict(4, letters["4"]["letter"], by_ex["ex4"])
    return KeyParts(quantities=tuple(quantities), drift=drift, published=published)


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
