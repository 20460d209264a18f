"""Turn reference runs into an answer key: a pure function, no training, no I/O.

Tolerance rule for training quantities (documented in README.md and in every key report):

    For each observed value v (the deterministic run and every sheet-seeded run) accept
    [v - pad(v), v + pad(v)] with pad(v) = max(k * s, rel * |v|, abs), where s is the standard
    deviation of the *healthy* runs (runs whose ReLU output unit is not dead). The band is the
    union of these intervals, merged where they overlap.

Why not "mean ± k std": honest results can be bimodal (some runs of exercises 7 and 8 end with
a dead output unit and MSE ≈ 586). A mean between the modes accepts neither mode's neighbours
sensibly; a union of intervals around every observed value accepts both modes and nothing
in between. ``rel`` and ``abs`` floor the band when few runs agree too well.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from autograder.environment import Environment
from autograder.keymodel import AnswerKey, Drift, Quantity


@dataclass(frozen=True)
class BandPolicy:
    rel: float
    abs: float
    k: float = 3.0

    def describe(self) -> str:
        return (f"union over observed runs of v ± max({self.k:g}·std(healthy runs), "
                f"{self.rel:g}·|v|, {self.abs:g})")


MSE_POLICY = BandPolicy(rel=0.35, abs=2.0)
MAE_POLICY = BandPolicy(rel=0.25, abs=0.5)
CE_POLICY = BandPolicy(rel=0.5, abs=0.05)
ACC_POLICY = BandPolicy(rel=0.0, abs=0.06)
POLICIES = {"MSE": MSE_POLICY, "MAE": MAE_POLICY, "cross-entropy": CE_POLICY, "accuracy": ACC_POLICY}


@dataclass(frozen=True)
class Run:
    """One reference run as written by ``python -m reference.run``."""

    exercise: int
    seeding: str  # "deterministic" | "sheet"
    index: int
    data: Mapping[str, Any]


def merge_intervals(intervals: Sequence[tuple[float, float]]) -> list[list[float]]:
    out: list[list[float]] = []
    for lo, hi in sorted(intervals):
        if out and lo <= out[-1][1]:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return out


def band(values: Sequence[float], degenerate: Sequence[bool], policy: BandPolicy) -> list[list[float]]:
    healthy = [v for v, d in zip(values, degenerate, strict=True) if not d]
    s = statistics.pstdev(healthy) if len(healthy) >= 2 else 0.0
    pads = [max(policy.k * s, policy.rel * abs(v), policy.abs) for v in values]
    return merge_intervals([(v - p, v + p) for v, p in zip(values, pads, strict=True)])


def spread(values: Sequence[float], degenerate: Sequence[bool]) -> dict[str, Any]:
    finite = [v for v in values if math.isfinite(v)]
    return {
        "n": len(values),
        "min": min(finite) if finite else None,
        "max": max(finite) if finite else None,
        "mean": statistics.fmean(finite) if finite else None,
        "std": statistics.pstdev(finite) if len(finite) >= 2 else 0.0,
        "degenerate": sum(bool(d) for d in degenerate),
    }


def _band_quantity(qid: str, description: str, units: str, runs: Sequence[Run],
                   pick: Any, dead: Any, policy: BandPolicy, source: str) -> Quantity:
    det = [r for r in runs if r.seeding == "deterministic"]
    sheet = [r for r in runs if r.seeding == "sheet"]
    ordered = det + sheet
    values = [float(pick(r.data)) for r in ordered]
    degenerate = [bool(dead(r.data)) for r in ordered]
    return Quantity(
        id=qid, description=description, units=units, source=source,
        value=values[0] if det else (statistics.median(values) if values else None),
        observed=tuple(float(pick(r.data)) for r in sheet),
        spread=spread(values, degenerate),
        tolerance={"kind": "band", "intervals": band(values, degenerate, policy),
                   "rule": policy.describe()},
    )


def _exact(qid: str, description: str, value: Any, source: str, units: str = "",
           variants: dict[str, Any] | None = None) -> Quantity:
    return Quantity(id=qid, description=description, value=value, tolerance={"kind": "exact"},
                    source=source, units=units, variants=variants or {})


def _close(qid: str, description: str, value: Any, rel: float, abs_: float, source: str,
           variants: dict[str, Any] | None = None) -> Quantity:
    return Quantity(id=qid, description=description, value=value,
                    tolerance={"kind": "close", "rel": rel, "abs": abs_},
                    source=source, variants=variants or {})


def _first_with(runs: Sequence[Run], key: str, *path: str) -> Any:
    for r in sorted(runs, key=lambda r: (r.seeding != "deterministic", r.index)):
        d: Any = r.data
        for p in path:
            d = d.get(p, {}) if isinstance(d, Mapping) else {}
        if isinstance(d, Mapping) and key in d:
            return d[key]
    return None


def ex1_quantities(run: Run) -> list[Quantity]:
    ref = run.data["reference"]
    var = run.data["variants"]
    src = "reference/ex01_losses.py, lbfgs converged (tol=1e-8)"
    qs = [_close("ex1.y_hat", "P(y=1) from the logistic regression, per instance",
                 ref["y_hat"], 0.0, 1e-3, src,
                 {"default_tolerance": var["default_tolerance"]["y_hat"]})]
    for name, values in ref["per_instance"].items():
        variants = {}
        if name == "loss_hi":
            variants["hinge_01_labels"] = var["hinge_01_labels"]["per_instance"]["loss_hi"]
        qs.append(_close(f"ex1.{name}", f"per-instance {name}", values, 0.0, 1e-3, src, variants))
        mean_variants = {}
        if name == "loss_hi":
            mean_variants["hinge_01_labels"] = var["hinge_01_labels"]["means"]["loss_hi"]
        qs.append(_close(f"ex1.mean.{name}", f"mean {name}", ref["means"][name], 0.0, 5e-4, src,
                         mean_variants))
    qs.append(_exact("ex1.order", "losses ordered from smallest to largest mean",
                     ref["order_smallest_first"], src))
    return qs


def ex3_quantities(run: Run) -> list[Quantity]:
    ref, var = run.data["reference"], run.data["variants"]
    src = "reference/ex03_init_losses.py"
    return [
        _close("ex3.loss_ec", "categorical cross-entropy at initialisation", ref["loss_ec"], 0.0,
               1e-3, src, {"mean_instead_of_sum": var["mean_instead_of_sum"]["loss_ec"]}),
        _close("ex3.loss_qu", "quadratic loss at initialisation", ref["loss_qu"], 0.0, 1e-3, src,
               {"mean_instead_of_sum": var["mean_instead_of_sum"]["loss_qu"]}),
    ]


_EX7_METRICS = {
    "loss": ("training MSE, last epoch", MSE_POLICY),
    "mae": ("training MAE, last epoch", MAE_POLICY),
    "val_loss": ("validation (test) MSE, last epoch", MSE_POLICY),
    "val_mae": ("validation (test) MAE, last epoch", MAE_POLICY),
}


def ex7_quantities(runs: Sequence[Run]) -> list[Quantity]:
    src = "reference/ex07_adam_decay.py"
    qs: list[Quantity] = []
    for model in ("A", "B"):
        for metric, (desc, policy) in _EX7_METRICS.items():
            qs.append(_band_quantity(
                f"ex7.{model}.final.{metric}", f"model {model}: {desc}", "", runs,
                lambda d, m=model, k=metric: d[m]["final"][k],
                lambda d, m=model: d[m]["dead_output"], policy, src))
        det = [r for r in runs if r.seeding == "deterministic"][0].data[model]
        qs.append(_exact(f"ex7.{model}.params", f"model {model}: parameters", det["params"], src))
        qs.append(_exact(f"ex7.{model}.epochs", f"model {model}: epochs",
                         len(det["history"]["loss"]), src))
        summary = _first_with(runs, "model", model)
        if summary:
            opt = summary.get("optimizer") or {}
            qs.append(_exact(f"ex7.{model}.optimizer_class", f"model {model}: optimizer",
                             opt.get("class"), src))
            qs.append(_exact(f"ex7.{model}.layers", f"model {model}: layers",
                             [[la.get("class"), la.get("units"), la.get("activation")]
                              for la in summary["layers"]], src))
    det_b = [r for r in runs if r.seeding == "deterministic"][0].data["B"]["history"]
    qs.append(_close("ex7.B.learning_rate", "model B: learning rate per epoch (scheduler)",
                     det_b.get("learning_rate"), 1e-4, 1e-6, src))
    qs.append(_close("ex7.A.learning_rate", "model A: learning rate (Adam default)", 0.001,
                     1e-4, 1e-7, src))
    fp = _first_with(runs, "x_test_mean", "data")
    if fp is not None:
        data = [r for r in runs if "data" in r.data][0].data["data"]
        qs.append(_close("ex7.data.x_train_col_mean", "training features after z-score: column means",
                         data["x_train_mean"], 0.0, 1e-3, src,
                         {"not_normalised": data["variants"]["not_normalised"]["x_train_mean"]}))
        qs.append(_close("ex7.data.x_test_col_mean",
                         "test features normalised with the TRAINING mean/std: column means",
                         data["x_test_mean"], 0.0, 1e-3, src,
                         {"normalised_with_test_statistics":
                              data["variants"]["normalised_with_test_statistics"]["x_test_mean"],
                          "not_normalised": data["variants"]["not_normalised"]["x_test_mean"]}))
    return qs


def ex8_quantities(runs: Sequence[Run]) -> list[Quantity]:
    src = "reference/ex08_batch_size.py"
    det = [r for r in runs if r.seeding == "deterministic"][0].data
    qs = [_exact("ex8.epochs", "epochs per batch size, int(log2(512*batch))",
                 {b: v["epochs"] for b, v in det["by_batch"].items()}, src),
          _exact("ex8.ranking", "two best and two worst batch sizes (deterministic run)",
                 {"best": det["ranking"]["best"], "worst": det["ranking"]["worst"]}, src)]
    for b in det["by_batch"]:
        qs.append(_band_quantity(
            f"ex8.test_mse.{b}", f"batch {b}: test MSE after training", "", runs,
            lambda d, b=b: d["by_batch"][b]["test_mse"],
            lambda d, b=b: d["by_batch"][b]["dead_output"], MSE_POLICY, src))
    return qs


_EX10_METRICS = {
    "train_loss": ("loss on the training images", CE_POLICY),
    "train_accuracy": ("accuracy on the training images", ACC_POLICY),
    "test_loss": ("loss on the test images", CE_POLICY),
    "test_accuracy": ("accuracy on the test images", ACC_POLICY),
}


def ex10_quantities(runs: Sequence[Run]) -> list[Quantity]:
    src = "reference/ex10_inception_resnet.py"
    det = [r for r in runs if r.seeding == "deterministic"][0].data
    qs = [
        _exact("ex10.train_images", "number of training images", det["data"]["train_images"], src),
        _close("ex10.x_max", "largest pixel value after preprocessing", det["data"]["x_max"], 0.0,
               1e-6, src, {"not_divided_by_255": 255.0}),
    ]
    for name in ("Inception", "ResNet"):
        qs.append(_exact(f"ex10.{name}.params", f"{name}: parameters", det[name]["params"], src))
        qs.append(_exact(f"ex10.{name}.epochs", f"{name}: epochs", len(det[name]["history"]["loss"]),
                         src))
        for metric, (desc, policy) in _EX10_METRICS.items():
            qs.append(_band_quantity(
                f"ex10.{name}.{metric}", f"{name}: {desc}", "", runs,
                lambda d, n=name, m=metric: d[n][m], lambda d: False, policy, src))
        steps = _first_with(runs, "steps", name)
        if steps:
            qs.append(_exact(f"ex10.{name}.steps", f"{name}: batches per epoch", steps, src,
                             variants={"trained_on_all_images": math.ceil(60000 / 64)}))
        summary = _first_with(runs, "model", name)
        if summary and summary.get("optimizer"):
            opt = summary["optimizer"]
            qs.append(_exact(f"ex10.{name}.optimizer_class", f"{name}: optimizer", opt["class"], src))
            qs.append(_close(f"ex10.{name}.learning_rate", f"{name}: SGD learning rate",
                             opt["learning_rate"], 1e-4, 0.0, src))
            qs.append(_close(f"ex10.{name}.momentum", f"{name}: SGD momentum", opt["momentum"],
                             1e-4, 0.0, src))
    return qs


def curve(qid: str, description: str, runs: Sequence[Run], pick: Any, source: str) -> Quantity:
    """A per-epoch curve for plots: the deterministic run, and the min/max envelope of all runs."""
    ordered = sorted(runs, key=lambda r: (r.seeding != "deterministic", r.index))
    curves = [[float(v) for v in pick(r.data)] for r in ordered]
    n = min(len(c) for c in curves)
    lo = [min(c[i] for c in curves) for i in range(n)]
    hi = [max(c[i] for c in curves) for i in range(n)]
    return Quantity(id=qid, description=description, value=curves[0], source=source,
                    observed=tuple(curves[1:]), tolerance={"kind": "envelope", "lower": lo, "upper": hi})


def curve_quantities(exercise: int, runs: Sequence[Run]) -> list[Quantity]:
    if exercise == 7:
        return [curve(f"ex7.{m}.curve.{k}", f"model {m}: {k} per epoch", runs,
                      lambda d, m=m, k=k: d[m]["history"][k], "reference/ex07_adam_decay.py")
                for m in ("A", "B") for k in ("loss", "val_loss")]
    if exercise == 10:
        return [curve(f"ex10.{n}.curve.loss", f"{n}: training loss per epoch", runs,
                      lambda d, n=n: d[n]["history"]["loss"], "reference/ex10_inception_resnet.py")
                for n in ("Inception", "ResNet")]
    return []


def drift_verdict(exercise: int, official: str, runs: Sequence[Run],
                  extra: dict[str, Any] | None = None) -> Drift:
    letters: Counter[str] = Counter()
    for r in runs:
        letters.update(r.data.get("supports", []))
    supporting = sum(official in r.data.get("supports", []) for r in runs)
    det = [r for r in runs if r.seeding == "deterministic"]
    det_supports = list(det[0].data.get("supports", [])) if det else []
    n = len(runs)
    if det and official in det_supports and supporting * 2 > n:
        status = "holds"
    elif supporting > 0:
        status = "weak"
    else:
        status = "does_not_hold"
    others = ", ".join(f"({k}) in {v}" for k, v in sorted(letters.items()) if k != official)
    summary = (f"Exercise {exercise}: the official answer ({official}) is supported by "
               f"{supporting} of {n} runs today"
               + (f"; the numbers support {others}" if others else "")
               + (f"; the deterministic run supports {', '.join(det_supports) or 'no option'}"
                  if det else "") + ".")
    return Drift(exercise=exercise, official=official, status=status, runs=n,
                 runs_supporting_official=supporting, letters_supported=dict(letters),
                 deterministic_supports=det_supports, summary=summary, details=extra or {})


def _ex8_details(runs: Sequence[Run]) -> dict[str, Any]:
    worst = sum(sorted(r.data["ranking"]["worst"]) == [128, 256] for r in runs)
    best = sum(sorted(r.data["ranking"]["best"]) == [4, 16] for r in runs)
    return {"runs_with_official_worst_128_256": worst, "runs_with_official_best_4_16": best,
            "per_run": [{"seeding": r.seeding, "index": r.index, **r.data["ranking"]} for r in runs]}


def _reproduces(exercise: int, official: str, ok: bool, what: str) -> Drift:
    return Drift(exercise=exercise, official=official,
                 status="reproduces" if ok else "does_not_hold", runs=1,
                 runs_supporting_official=int(ok), letters_supported={official: int(ok)},
                 deterministic_supports=[official] if ok else [],
                 summary=f"Exercise {exercise}: {what}")


def assemble(profile: str, profile_settings: Mapping[str, Any], runs: Sequence[Run],
             answers: Mapping[str, Any], environment: Environment, built_at: str) -> AnswerKey:
    """Build the key from every run of every computed exercise."""
    by_ex: dict[int, list[Run]] = {}
    for r in runs:
        by_ex.setdefault(r.exercise, []).append(r)
    quantities: list[Quantity] = []
    drift: dict[str, Drift] = {}
    letters = answers["answers"]
    if 1 in by_ex:
        quantities += ex1_quantities(by_ex[1][0])
        means = by_ex[1][0].data["reference"]["means"]
        sheet = answers["sheet_2021"]["1"]["means"]
        ok = all(round(means[k], 4) == round(v, 4) for k, v in sheet.items())
        drift["ex1"] = _reproduces(1, letters["1"]["letter"], ok,
                                   "the four means reproduce the sheet to 4 d.p." if ok else
                                   "the four means do NOT reproduce the sheet to 4 d.p.")
    if 3 in by_ex:
        quantities += ex3_quantities(by_ex[3][0])
        ref = by_ex[3][0].data["reference"]
        ok = abs(ref["loss_ec"] - 1.6093879136840585) < 1e-12 and abs(ref["loss_qu"] - 0.8) < 1e-12
        drift["ex3"] = _reproduces(3, letters["3"]["letter"], ok,
                                   "CE = 1.6094 and quadratic = 0.8 reproduce exactly." if ok else
                                   "the values do NOT reproduce the sheet.")
    if 7 in by_ex:
        quantities += ex7_quantities(by_ex[7]) + curve_quantities(7, by_ex[7])
        drift["ex7"] = drift_verdict(7, letters["7"]["letter"], by_ex[7])
    if 8 in by_ex:
        quantities += ex8_quantities(by_ex[8])
        drift["ex8"] = drift_verdict(8, letters["8"]["letter"], by_ex[8], _ex8_details(by_ex[8]))
    if 10 in by_ex:
        quantities += ex10_quantities(by_ex[10]) + curve_quantities(10, by_ex[10])
        drift["ex10"] = drift_verdict(10, letters["10"]["letter"], by_ex[10])
    timings = {f"ex{e}": max(float(r.data.get("wall_seconds", 0.0)) for r in rs)
               for e, rs in by_ex.items()}
    return AnswerKey(
        profile=profile, built_at=built_at, environment=environment,
        quantities={q.id: q for q in quantities},
        answers={k: dict(v) for k, v in letters.items()},
        drift=drift, timings=timings, runs={f"ex{e}": len(rs) for e, rs in by_ex.items()},
        profile_settings=dict(profile_settings), sheet_2021=dict(answers["sheet_2021"]),
    )
