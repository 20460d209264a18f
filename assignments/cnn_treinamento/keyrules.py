"""This sheet's answer-key rules: which quantities each computed exercise has, and their tolerances.

``assemble(answers, runs)`` turns the finished reference runs into ``KeyParts`` (quantities,
drift verdicts, and the sheet's published 2021 numbers under the quantity ids). The engine adds
timings, run counts, the official letters and the assignment's identity.

Band floors for training quantities (see ``autograder.sdk.BandPolicy``): MSE rel 0.35 / abs 2,
MAE 0.25 / 0.5, cross-entropy 0.5 / 0.05, accuracy 0 / 0.06, k = 3; bands never leave the
physical limits (MSE, MAE, cross-entropy >= 0; accuracy in [0, 1]). Runs of exercises 7 and 8
can end with a dead ReLU output unit (the model predicts 0 for every house, MSE ≈ 586): such a
run is flagged degenerate, kept in the band and left out of the std.

The honest degenerate outcome (rule "dead_relu_output"): a dead ReLU output is the constant-zero
predictor, so its MSE is mean(y²) and its MAE mean(|y|) on the evaluated set, exactly (the
``variants`` run computes them from the data). It is accepted, without penalty, for every batch
size of exercise 8 and for both models of exercise 7 (the sheet's seeding can produce it
anywhere), within max(1e-4·v, 1e-3) (float32 sums).

Exercise 8's bands also take the ``notebook`` runs: the solution notebook seeded as the sheet
says, run by the grader itself after the notebook's earlier cells (the grading context).

The sentences the key keeps (each quantity's description, the summaries of the verdicts of
exercises 1 and 3) are this sheet's ``messages.json`` messages (``key.*``, ``key.drift.*``), kept
coded (``said``): the reports say them in the reader's language.
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
    band_variant,
    close,
    curve,
    degenerate_value,
    drift_verdict,
    exact,
    first_with,
    loss_name,
    reproduces,
)
from autograder.sdk import encode as said  # a coded sentence of messages.json (the report renders it)

MSE_POLICY = BandPolicy(rel=0.35, abs=2.0, lower=0.0)
MAE_POLICY = BandPolicy(rel=0.25, abs=0.5, lower=0.0)
CE_POLICY = BandPolicy(rel=0.5, abs=0.05, lower=0.0)
ACC_POLICY = BandPolicy(rel=0.0, abs=0.06, lower=0.0, upper=1.0)
DEAD = "dead_relu_output"  # the honest degenerate outcome's reason (messages.json: degenerate.*)
POLICIES = {"MSE": MSE_POLICY, "MAE": MAE_POLICY, "cross-entropy": CE_POLICY, "accuracy": ACC_POLICY}

# ex3's exact values: -log(0.2 + 1e-5) and 4·0.2² + 0.8², summed over the vector
EX3_LOSS_EC = 1.6093879136840585
EX3_LOSS_QU = 0.8


def _reproduces(exercise: int, official: str, ok: bool, summary: str) -> Drift:
    """``reproduces``, its summary the whole coded sentence of ``messages.json`` (exercise
    number included)."""
    return dataclasses.replace(reproduces(exercise, official, ok, ""), summary=summary)


def _deterministic(runs: Sequence[Run]) -> Run:
    return [r for r in runs if r.seeding == "deterministic"][0]


def _variants_run(runs: Sequence[Run]) -> Mapping[str, Any]:
    """The ``variants`` run's data (wrong variants and degenerate outcomes), {} when not built."""
    return next((r.data for r in runs if r.seeding == "variants"), {})


def _training(runs: Sequence[Run]) -> list[Run]:
    return [r for r in runs if r.seeding in ("deterministic", "sheet", "notebook")]


# which of exercise 1's wrong variants name a mistake in each per-instance loss (others give the
# right values for that loss, or the same values as a more specific mistake)
_EX1_LOSS_VARIANTS = {
    "loss_qu": ("predict_instead_of_proba", "proba_of_class_0", "absolute_instead_of_squared",
                "mean_instead_of_per_instance"),
    "loss_ec": ("predict_instead_of_proba", "proba_of_class_0", "log_base_2", "log_base_10",
                "mean_instead_of_per_instance"),
    "loss_01": ("zero_one_inverted", "mean_instead_of_per_instance"),
    "loss_hi": ("hinge_01_labels", "hinge_without_rescaling", "predict_instead_of_proba",
                "proba_of_class_0", "mean_instead_of_per_instance"),
}


def ex1_quantities(run: Run) -> list[Quantity]:
    ref = run.data["reference"]
    var = run.data["variants"]
    src = "reference/ex01_losses.py, lbfgs converged (tol=1e-8)"
    y_hat_variants = {"accepted:default_tolerance": var["default_tolerance"]["y_hat"]}
    y_hat_variants.update({v: var[v]["y_hat"] for v in ("predict_instead_of_proba", "proba_of_class_0")
                           if v in var})
    qs = [close("ex1.y_hat", said("key.ex1.y_hat"),
                ref["y_hat"], 0.0, 1e-3, src, y_hat_variants)]
    for name, values in ref["per_instance"].items():
        variants = {v: var[v]["per_instance"][name] for v in _EX1_LOSS_VARIANTS[name]
                    if name in var.get(v, {}).get("per_instance", {})}
        qs.append(close(f"ex1.{name}", said("key.ex1.per_instance", loss=name), values, 0.0, 1e-3,
                        src, variants))
        mean_variants = {}
        if name == "loss_hi":
            mean_variants["hinge_01_labels"] = var["hinge_01_labels"]["means"]["loss_hi"]
        qs.append(close(f"ex1.mean.{name}", said("key.ex1.mean", loss=name), ref["means"][name], 0.0,
                        5e-4, src, mean_variants))
    qs.append(exact("ex1.order", said("key.ex1.order"),
                    ref["order_smallest_first"], src))
    return qs


def ex3_quantities(run: Run) -> list[Quantity]:
    ref, var = run.data["reference"], run.data["variants"]
    src = "reference/ex03_init_losses.py"
    ec = ("accepted:natural_log_without_eps", "mean_instead_of_sum", "log_base_2", "log_base_10",
          "binary_cross_entropy_terms")
    qu = ("mean_instead_of_sum", "quadratic_true_class_only")
    return [
        close("ex3.loss_ec", said("key.ex3.loss_ec"), ref["loss_ec"], 0.0,
              1e-3, src, {v: var[v.removeprefix("accepted:")]["loss_ec"] for v in ec
                          if "loss_ec" in var.get(v.removeprefix("accepted:"), {})}),
        close("ex3.loss_qu", said("key.ex3.loss_qu"), ref["loss_qu"], 0.0, 1e-3, src,
              {v: var[v]["loss_qu"] for v in qu if "loss_qu" in var.get(v, {})}),
    ]


# metric -> (policy, the constant-zero predictor's value on the evaluated set); the description
# is messages.json's ``key.ex7.final.<metric>``
_EX7_METRICS = {
    "loss": (MSE_POLICY, "train_mse"),
    "mae": (MAE_POLICY, "train_mae"),
    "val_loss": (MSE_POLICY, "test_mse"),
    "val_mae": (MAE_POLICY, "test_mae"),
}


def _dead(zero: Mapping[str, Any], name: str) -> dict[str, Any]:
    """The dead-output outcome of a quantity, when the variants run computed it."""
    return {DEAD: degenerate_value(zero[name])} if name in zero else {}


def _layers(summary: Mapping[str, Any]) -> list[list[Any]]:
    return [[la.get("class"), la.get("units"), la.get("activation")] for la in summary["layers"]]


# Every field the grader reads of a layer (``keras_model``), in the order of the contract's path
# ``layers[class,filters,kernel_size,strides,pool_size,padding,activation,units]``: a changed
# convolutional network can keep its parameter count (a pooling layer removed or resized, another
# stride, padding or activation), so exercise 10 compares them all.
CONV_LAYER_FIELDS = ("class", "filters", "kernel_size", "strides", "pool_size", "padding", "activation",
                     "units")


def _conv_layers(summary: Mapping[str, Any]) -> list[list[Any]]:
    return [[la.get(k) for k in CONV_LAYER_FIELDS] for la in summary["layers"]]


def _loss(qid: str, description: str, summary: Mapping[str, Any] | None, source: str) -> list[Quantity]:
    """The loss the reference model was compiled with, as the grader reads it (``model.loss`` under
    Keras's one name for it: 'mse' and MeanSquaredError() are both mean_squared_error), when the
    reference runs recorded it."""
    loss = (summary or {}).get("loss")
    return [exact(qid, description, loss_name(loss), source)] if isinstance(loss, str) else []


def ex7_quantities(all_runs: Sequence[Run]) -> list[Quantity]:
    src = "reference/ex07_adam_decay.py"
    runs = _training(all_runs)
    var = _variants_run(all_runs)
    zero = var.get("zero_predictor", {})
    nets = var.get("networks", {})
    qs: list[Quantity] = []
    for model in ("A", "B"):
        for metric, (policy, zero_name) in _EX7_METRICS.items():
            qs.append(band_quantity(
                f"ex7.{model}.final.{metric}", said(f"key.ex7.final.{metric}", model=model), "", runs,
                lambda d, m=model, k=metric: d[m]["final"][k],
                lambda d, m=model: d[m]["dead_output"], policy, src,
                degenerate=_dead(zero, zero_name)))
        det = _deterministic(runs).data[model]
        qs.append(exact(f"ex7.{model}.params", said("key.ex7.params", model=model), det["params"], src,
                        variants={k: v["params"] for k, v in nets.items() if v["params"] != det["params"]}))
        qs.append(exact(f"ex7.{model}.epochs", said("key.ex7.epochs", model=model),
                        len(det["history"]["loss"]), src))
        summary = first_with(runs, "model", model)
        if summary:
            opt = summary.get("optimizer") or {}
            qs.append(exact(f"ex7.{model}.optimizer_class", said("key.ex7.optimizer_class", model=model),
                            opt.get("class"), src))
            qs.append(exact(f"ex7.{model}.layers", said("key.ex7.layers", model=model), _layers(summary),
                            src,
                            variants={k: _layers(v) for k, v in nets.items()}))
            qs += _loss(f"ex7.{model}.loss_function", said("key.ex7.loss_function", model=model),
                        summary, src)
    det_b = _deterministic(runs).data["B"]["history"]
    qs.append(close("ex7.B.learning_rate", said("key.ex7.learning_rate_scheduler", model="B"),
                    det_b.get("learning_rate"), 1e-4, 1e-6, src,
                    {k: v for k, v in var.get("learning_rate", {}).items()
                     if v != det_b.get("learning_rate")}))
    qs.append(close("ex7.A.learning_rate", said("key.ex7.learning_rate_adam", model="A"), 0.001,
                    1e-4, 1e-7, src, {"learning_rate_of_model_b": 0.02}))
    fp = first_with(runs, "x_test_mean", "data")
    if fp is not None:
        data = [r for r in runs if "data" in r.data][0].data["data"]
        norm = var.get("normalisation", {})
        qs.append(close("ex7.data.x_train_col_mean", said("key.ex7.data.x_train_col_mean"),
                        data["x_train_mean"], 0.0, 1e-3, src,
                        {"not_normalised": data["variants"]["not_normalised"]["x_train_mean"],
                         **{k: v["x_train_mean"] for k, v in norm.items()}}))
        qs.append(close("ex7.data.x_test_col_mean", said("key.ex7.data.x_test_col_mean"),
                        data["x_test_mean"], 0.0, 1e-3, src,
                        {"normalised_with_test_statistics":
                             data["variants"]["normalised_with_test_statistics"]["x_test_mean"],
                         "not_normalised": data["variants"]["not_normalised"]["x_test_mean"],
                         **{k: v["x_test_mean"] for k, v in norm.items()}}))
    return qs


def notebook_as_run(run: Run, zero: Mapping[str, Any]) -> Run:
    """A ``notebook`` run (the grader's extracted values of the solution notebook seeded as the
    sheet says) in the shape of a reference run: test MSE by batch, dead outputs flagged."""
    values = run.data.get("extracted", {}).get("ex8", {}).get("mse_por_batch", {})
    dead = zero.get("test_mse")
    by_batch = {str(b): {"test_mse": float(v), "dead_output": dead is not None and
                         abs(float(v) - float(dead)) <= max(1e-4 * abs(float(dead)), 1e-3)}
                for b, v in values.items() if isinstance(v, (int, float))}
    return Run(run.exercise, run.seeding, run.index, {**run.data, "by_batch": by_batch})


def ex8_quantities(all_runs: Sequence[Run]) -> list[Quantity]:
    src = "reference/ex08_batch_size.py"
    var = _variants_run(all_runs)
    zero = var.get("zero_predictor", {})
    runs = [notebook_as_run(r, zero) if r.seeding == "notebook" else r for r in _training(all_runs)]
    det = _deterministic(runs).data
    qs = [exact("ex8.epochs", said("key.ex8.epochs"),
                {b: v["epochs"] for b, v in det["by_batch"].items()}, src,
                variants=dict(var.get("epochs", {}))),
          exact("ex8.ranking", said("key.ex8.ranking"),
                {"best": det["ranking"]["best"], "worst": det["ranking"]["worst"]}, src)]
    qs += _loss("ex8.loss_function", said("key.ex8.loss_function"),
                next((v["model"] for v in det["by_batch"].values() if isinstance(v.get("model"), Mapping)),
                     None), src)
    lr = var.get("final_learning_rate", {})
    if lr:
        qs.append(close("ex8.learning_rate", said("key.ex8.learning_rate"), lr["reference"], 1e-3,
                        1e-6, src,
                        {k: v for k, v in lr.items() if k != "reference"}))
    reference_runs = [r for r in runs if r.seeding in ("deterministic", "sheet")]
    for b in det["by_batch"]:
        # the wrong variants of the healthy runs (a dead output's MAE and training MSE are
        # known in closed form, and would stretch the variants over the right answers)
        healthy = [r.data["by_batch"][b] for r in reference_runs
                   if not r.data["by_batch"].get(b, {}).get("dead_output", True)]
        train = [v["train_mse"] for v in healthy if "train_mse" in v]
        mae = [v["test_mae"] for v in healthy if "test_mae" in v]
        variants = {}
        if mae:
            variants["mae_reported_as_mse"] = band_variant(mae, MAE_POLICY)
        if train:
            variants["test_metrics_on_training_data"] = band_variant(train, MSE_POLICY)
        qs.append(band_quantity(
            f"ex8.test_mse.{b}", said("key.ex8.test_mse", batch=b), "",
            [r for r in runs if b in r.data["by_batch"]],
            lambda d, b=b: d["by_batch"][b]["test_mse"],
            lambda d, b=b: d["by_batch"][b]["dead_output"], MSE_POLICY, src,
            degenerate=_dead(zero, "test_mse"), variants=variants))
    return qs


# metric -> policy; the description is messages.json's ``key.ex10.<metric>``
_EX10_METRICS = {"train_loss": CE_POLICY, "train_accuracy": ACC_POLICY, "test_loss": CE_POLICY,
                 "test_accuracy": ACC_POLICY}


# Fashion-MNIST has 10 classes: chance is an accuracy of 0.1 and a cross-entropy of ln 10 ≈ 2.3.
# A loss far above chance means training diverged; an accuracy near chance, that it never learned.
_EX10_WRONG = {"loss": {"training_diverged": {"intervals": [[10.0, 1e300]]}},
               "accuracy": {"chance_level_accuracy": {"intervals": [[0.0, 0.15]]}}}


def ex10_quantities(all_runs: Sequence[Run]) -> list[Quantity]:
    src = "reference/ex10_inception_resnet.py"
    runs = _training(all_runs)
    var = _variants_run(all_runs)
    nets = {k: v for k, v in var.get("networks", {}).items() if isinstance(v, dict)}
    det = _deterministic(runs).data
    qs = [
        exact("ex10.train_images", said("key.ex10.train_images"), det["data"]["train_images"], src),
        close("ex10.x_max", said("key.ex10.x_max"), det["data"]["x_max"], 0.0, 1e-6, src,
              {"not_divided_by_255": 255.0}),
    ]
    for name in ("Inception", "ResNet"):
        qs.append(exact(f"ex10.{name}.params", said("key.ex10.params", name=name), det[name]["params"],
                        src,
                        variants={k: v["params"] for k, v in nets.items()
                                  if name == "ResNet" and v.get("params") != det[name]["params"]}))
        qs.append(exact(f"ex10.{name}.epochs", said("key.ex10.epochs", name=name),
                        len(det[name]["history"]["loss"]), src))
        for metric, policy in _EX10_METRICS.items():
            qs.append(band_quantity(
                f"ex10.{name}.{metric}", said(f"key.ex10.{metric}", name=name), "", runs,
                lambda d, n=name, m=metric: d[n][m], lambda d: False, policy, src,
                variants=_EX10_WRONG[metric.split("_")[1]]))
        steps = first_with(runs, "steps", name)
        if steps:
            batch = det.get("profile_settings", {}).get("ex10_batch_size", 64)
            all_images = var.get("steps", {}).get("trained_on_all_images", math.ceil(60000 / batch))
            qs.append(exact(f"ex10.{name}.steps", said("key.ex10.steps", name=name), steps, src,
                            variants={"trained_on_all_images": all_images}))
        summary = first_with(runs, "model", name)
        if summary:
            qs += _loss(f"ex10.{name}.loss_function", said("key.ex10.loss_function", name=name),
                        summary, src)
            qs.append(exact(f"ex10.{name}.layers", said("key.ex10.layers", name=name),
                            _conv_layers(summary), src,
                            variants={k: _conv_layers(v) for k, v in nets.items()
                                      if name == "ResNet" and "layers" in v}))
        if summary and summary.get("optimizer"):
            opt = summary["optimizer"]
            qs.append(exact(f"ex10.{name}.optimizer_class", said("key.ex10.optimizer_class", name=name),
                            opt["class"], src))
            qs.append(close(f"ex10.{name}.learning_rate", said("key.ex10.learning_rate", name=name),
                            opt["learning_rate"], 1e-4, 0.0, src))
            qs.append(close(f"ex10.{name}.momentum", said("key.ex10.momentum", name=name),
                            opt["momentum"], 1e-4, 0.0, src))
    return qs


def curve_quantities(exercise: str, all_runs: Sequence[Run]) -> list[Quantity]:
    """Per-epoch curves for the reports' plots, padded by the same rule as the bands the checks
    use; ``final`` names the band the last epoch is checked against."""
    runs = [r for r in all_runs if r.seeding in ("deterministic", "sheet")]
    if exercise == "ex7":
        return [curve(f"ex7.{m}.curve.{k}", said("key.ex7.curve", model=m, metric=k), runs,
                      lambda d, m=m, k=k: d[m]["history"][k], "reference/ex07_adam_decay.py",
                      MSE_POLICY, lambda d, m=m: d[m]["dead_output"], f"ex7.{m}.final.{k}")
                for m in ("A", "B") for k in ("loss", "val_loss")]
    if exercise == "ex10":
        return [curve(f"ex10.{n}.curve.loss", said("key.ex10.curve.loss", name=n), runs,
                      lambda d, n=n: d[n]["history"]["loss"], "reference/ex10_inception_resnet.py",
                      CE_POLICY, None, f"ex10.{n}.train_loss")
                for n in ("Inception", "ResNet")]
    return []


def _reference_runs(runs: Sequence[Run]) -> list[Run]:
    """The training runs in fresh processes (deterministic and sheet-seeded)."""
    return [r for r in runs if r.seeding in ("deterministic", "sheet")]


def _notebook_details(runs: Sequence[Run]) -> dict[str, Any]:
    """What the grading context gives a student who seeds as the sheet says (``notebook`` runs):
    test MSE by batch size in each run, whether the runs agree, the batch sizes whose output
    died. This is the measured argument the key report states."""
    zero = _variants_run(runs).get("zero_predictor", {})
    nb = [notebook_as_run(r, zero) for r in runs if r.seeding == "notebook"]
    if not nb:
        return {}
    mse = [{b: round(v["test_mse"], 4) for b, v in r.data["by_batch"].items()} for r in nb]
    return {"notebook_runs": len(nb), "notebook_runs_identical": all(m == mse[0] for m in mse),
            "notebook_test_mse": mse,
            "notebook_dead_output_at": sorted({b for r in nb for b, v in r.data["by_batch"].items()
                                               if v["dead_output"]}, key=int)}


def _ex8_details(runs: Sequence[Run]) -> dict[str, Any]:
    worst = sum(sorted(r.data["ranking"]["worst"]) == [128, 256] for r in runs)
    best = sum(sorted(r.data["ranking"]["best"]) == [4, 16] for r in runs)
    return {"runs_with_official_worst_128_256": worst, "runs_with_official_best_4_16": best,
            "per_run": [{"seeding": r.seeding, "index": r.index, **r.data["ranking"]} for r in runs]}


def published(sheet: Mapping[str, Any]) -> dict[str, Any]:
    """The sheet's 2021 numbers (``answers.json`` ``sheet_2021``) under the key's quantity ids."""
    out: dict[str, Any] = {}
    if "1" in sheet:
        out["ex1.y_hat"] = sheet["1"]["y_hat"]
        out.update({f"ex1.mean.{k}": v for k, v in sheet["1"]["means"].items()})
    if "3" in sheet:
        out.update({f"ex3.{k}": v for k, v in sheet["3"].items()})
    if "7" in sheet:
        out.update({f"ex7.{m}.final.{k}": v for m in ("A", "B") for k, v in sheet["7"][m].items()})
        out["ex7.A.params"] = out["ex7.B.params"] = sheet["7"].get("params")
    if "8" in sheet:
        out.update({f"ex8.test_mse.{b}": v for b, v in sheet["8"]["test_mse"].items()})
    if "10" in sheet:
        out.update({f"ex10.{n}.{k}": v for n in ("Inception", "ResNet")
                    for k, v in sheet["10"][n].items()})
    return out


def assemble(answers: Mapping[str, Any], runs: Sequence[Run]) -> KeyParts:
    """Every quantity and drift verdict of the key, from the finished runs of every exercise."""
    by_ex: dict[str, list[Run]] = {}
    for r in runs:
        by_ex.setdefault(r.exercise, []).append(r)
    quantities: list[Quantity] = []
    drift: dict[str, Drift] = {}
    letters = answers["answers"]
    if "ex1" in by_ex:
        quantities += ex1_quantities(by_ex["ex1"][0])
        means = by_ex["ex1"][0].data["reference"]["means"]
        sheet = answers["sheet_2021"]["1"]["means"]
        ok = all(round(means[k], 4) == round(v, 4) for k, v in sheet.items())
        drift["ex1"] = _reproduces(1, letters["1"]["letter"], ok,
                                   said("key.drift.ex1_reproduces" if ok else "key.drift.ex1_differs"))
    if "ex3" in by_ex:
        quantities += ex3_quantities(by_ex["ex3"][0])
        ref = by_ex["ex3"][0].data["reference"]
        ok = abs(ref["loss_ec"] - EX3_LOSS_EC) < 1e-12 and abs(ref["loss_qu"] - EX3_LOSS_QU) < 1e-12
        drift["ex3"] = _reproduces(3, letters["3"]["letter"], ok,
                                   said("key.drift.ex3_reproduces" if ok else "key.drift.ex3_differs"))
    if "ex7" in by_ex:
        quantities += ex7_quantities(by_ex["ex7"]) + curve_quantities("ex7", by_ex["ex7"])
        drift["ex7"] = drift_verdict(7, letters["7"]["letter"], _reference_runs(by_ex["ex7"]))
    if "ex8" in by_ex:
        ref8 = _reference_runs(by_ex["ex8"])
        drift["ex8"] = drift_verdict(8, letters["8"]["letter"], ref8,
                                     {**_ex8_details(ref8), **_notebook_details(by_ex["ex8"])})
        quantities += ex8_quantities(by_ex["ex8"])
    if "ex10" in by_ex:
        quantities += ex10_quantities(by_ex["ex10"]) + curve_quantities("ex10", by_ex["ex10"])
        drift["ex10"] = drift_verdict(10, letters["10"]["letter"], _reference_runs(by_ex["ex10"]))
    return KeyParts(quantities=tuple(quantities), drift=drift,
                    published=published(answers.get("sheet_2021", {})))
