"""Every deviation the grader can detect names its mistake (pure: no kernel).

Each case changes the perfect answers the way a student's notebook would change them: the
values come from the student's code computed here (NumPy, scikit-learn), or from the code
itself (the answer cell as the student would write it, for the ``source`` checks and for
numbers typed in). The key only names the mistake; it never supplies the wrong value the test
feeds, except for training outcomes that only a run can give (those the key records by running
the variant).
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from autograder.checks import LETTER_AS_TEXT, TYPED_IN, evaluate_exercise
from autograder.contract import Contract
from autograder.i18n import has_message
from autograder.keymodel import load_key
from tests.common import CNN, SMOKE, SMOKE_KEY
from tests.test_checks import perfect, solution_code

KEY = load_key(SMOKE_KEY)
X = np.array([-1.8, -1.5, -0.8, -0.4, -0.2, 0.0, 0.1, 0.5, 1.0, 1.3])
Y = np.array([0.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 1.0])
YH = 2 * Y - 1


def _grade(extracted: dict[str, Any], exercise: str, code: dict[str, str] | None = None) -> dict[str, Any]:
    code = solution_code() if code is None else code
    return {c.id: c for c in evaluate_exercise(CNN.contract.exercise(exercise), extracted, KEY, CNN.contract,
                                               CNN.hooks.own_letters, code.get(exercise, ""))}


def _proba() -> np.ndarray:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(solver="lbfgs").fit(X.reshape(-1, 1), Y)
    return np.asarray(model.predict_proba(X.reshape(-1, 1)))


def _ex1_losses(y_hat: np.ndarray, log: Callable[[Any], Any] = np.log) -> dict[str, list[float]]:
    y_clas = (y_hat >= 0.5) * 1.0
    return {"loss_qu": ((Y - y_hat) ** 2).tolist(),
            "loss_ec": (-(Y * log(y_hat + .00001) + (1 - Y) * log(1 - y_hat + .00001))).tolist(),
            "loss_01": ((Y != y_clas) * 1.0).tolist(),
            "loss_hi": np.maximum(0, 1 - YH * (y_hat - 0.5) * 2).tolist()}


Case = tuple[str, Callable[[dict[str, Any]], None], str, str]  # exercise, change, check, misconception


def _set(part: str, name: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(ans: dict[str, Any]) -> None:
        ans[part][name] = value
    return change


def _history(part: str, metric: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(ans: dict[str, Any]) -> None:
        if value is None:
            ans[part]["history"]["history"].pop(metric)
        else:
            ans[part]["history"]["history"][metric] = value
    return change


def _model(part: str, name: str, **changes: Any) -> Callable[[dict[str, Any]], None]:
    def change(ans: dict[str, Any]) -> None:
        model = ans[part][name]
        for k, v in changes.items():
            if k in ("class", "learning_rate", "momentum"):
                model["optimizer"][k] = v
            else:
                model[k] = v
    return change


def _ex1_predict(ans: dict[str, Any]) -> None:
    labels = (_proba()[:, 1] >= 0.5) * 1.0  # what LogisticRegression.predict returns
    ans["ex1"]["y_hat"] = labels.tolist()
    ans["ex1"].update(_ex1_losses(labels))


def _ex1_class0(ans: dict[str, Any]) -> None:
    ans["ex1"]["y_hat"] = _proba()[:, 0].tolist()


def _ex1_log2(ans: dict[str, Any]) -> None:
    ans["ex1"]["loss_ec"] = _ex1_losses(_proba()[:, 1], np.log2)["loss_ec"]


def _ex1_abs(ans: dict[str, Any]) -> None:
    ans["ex1"]["loss_qu"] = np.abs(Y - _proba()[:, 1]).tolist()


def _ex1_hinge01(ans: dict[str, Any]) -> None:
    ans["ex1"]["loss_hi"] = np.maximum(0, 1 - Y * (_proba()[:, 1] - 0.5) * 2).tolist()


def _ex1_hinge_raw(ans: dict[str, Any]) -> None:
    ans["ex1"]["loss_hi"] = np.maximum(0, 1 - YH * _proba()[:, 1]).tolist()


def _ex1_inverted(ans: dict[str, Any]) -> None:
    ans["ex1"]["loss_01"] = (Y == ((_proba()[:, 1] >= 0.5) * 1.0)).astype(float).tolist()


def _ex1_means(ans: dict[str, Any]) -> None:
    ans["ex1"]["loss_qu"] = float(np.mean(_ex1_losses(_proba()[:, 1])["loss_qu"]))


def _schedule(start: int, rate: float, rounded: bool = True, epochs: int = SMOKE.ex7_epochs) -> list[float]:
    lr, out = 0.02, []
    for epoch in range(epochs):
        if epoch >= start:
            lr = lr * math.exp(-rate)
            lr = round(lr, 4) if rounded else lr
        out.append(lr)
    return out


def _ex8_mae(ans: dict[str, Any]) -> None:
    runs = json.loads((SMOKE_KEY.parent / "runs" / "ex8-deterministic-0.json").read_text())
    ans["ex8"]["mse_por_batch"] = {b: v["test_mae"] for b, v in runs["by_batch"].items()}


def _ex8_left_out(ans: dict[str, Any]) -> None:
    first = min(ans["ex8"]["mse_por_batch"], key=int)
    del ans["ex8"]["mse_por_batch"][first]
    del ans["ex8"]["epocas_por_batch"][first]


def _inception_pool_removed(ans: dict[str, Any]) -> None:
    """The second module's 2×2 max pooling left out: the same 196,154 parameters (the global
    average pooling makes the classifier independent of the map's size), another network."""
    layers = ans["ex10"]["Inception"]["layers"]
    del layers[max(i for i, la in enumerate(layers) if la["class"] == "MaxPooling2D")]


def _resnet_relu_before_sum(ans: dict[str, Any]) -> None:
    """The residual block's second convolution with ReLU instead of linear: the same parameters."""
    layers = ans["ex10"]["ResNet"]["layers"]
    next(la for la in layers if la.get("activation") == "linear")["activation"] = "relu"


def _resnet_without_projection(ans: dict[str, Any]) -> None:
    """The first block without its 1×1 convolution (1 input channel -> 64: 64 weights + 64 biases)."""
    model = ans["ex10"]["ResNet"]
    i = next(i for i, la in enumerate(model["layers"]) if la.get("kernel_size") == [1, 1])
    filters = model["layers"].pop(i)["filters"]
    model["params"] -= filters * 1 * 1 * 1 + filters


VALUE_CASES: list[Case] = [
    ("ex1", _ex1_predict, "ex1.y_hat", "predict_instead_of_proba"),
    ("ex1", _ex1_predict, "ex1.loss_ec", "predict_instead_of_proba"),
    ("ex1", _ex1_class0, "ex1.y_hat", "proba_of_class_0"),
    ("ex1", _ex1_log2, "ex1.loss_ec", "log_base_2"),
    ("ex1", _ex1_abs, "ex1.loss_qu", "absolute_instead_of_squared"),
    ("ex1", _ex1_hinge01, "ex1.loss_hi", "hinge_01_labels"),
    ("ex1", _ex1_hinge_raw, "ex1.loss_hi", "hinge_without_rescaling"),
    ("ex1", _ex1_inverted, "ex1.loss_01", "zero_one_inverted"),
    ("ex1", _ex1_means, "ex1.loss_qu", "mean_instead_of_per_instance"),
    ("ex1", _set("ex1", "loss_01", [0.5] * 10), "ex1.loss_01", "wrong_zero_one_loss"),
    ("ex3", _set("ex3", "loss_ec", float(-np.log2(0.20001))), "ex3.loss_ec", "log_base_2"),
    ("ex3", _set("ex3", "loss_ec", float(-np.log10(0.20001))), "ex3.loss_ec", "log_base_10"),
    ("ex3", _set("ex3", "loss_ec", float(-np.log(0.20001) - 4 * np.log(0.80001))), "ex3.loss_ec",
     "binary_cross_entropy_terms"),
    ("ex3", _set("ex3", "loss_qu", 0.64), "ex3.loss_qu", "quadratic_true_class_only"),
    ("ex3", _set("ex3", "loss_qu", 0.16), "ex3.loss_qu", "mean_instead_of_sum"),
    ("ex3", _set("ex3", "loss_qu", 4.0), "ex3.loss_qu", "wrong_quadratic_loss"),
    ("ex7", _model("ex7_a", "model1", params=993), "ex7.A.params", "wider_network"),
    ("ex7", _model("ex7_a", "model1", **{"class": "SGD"}), "ex7.A.optimizer", "wrong_optimizer"),
    ("ex7", _model("ex7_a", "model1", learning_rate=0.02), "ex7.A.learning_rate", "learning_rate_of_model_b"),
    ("ex7", _model("ex7_a", "model1", learning_rate=0.01), "ex7.A.learning_rate", "wrong_learning_rate"),
    ("ex7", _history("ex7_b", "learning_rate", None), "ex7.B.learning_rate", "scheduler_not_passed"),
    ("ex7", _history("ex7_b", "learning_rate", _schedule(0, 0.05)), "ex7.B.learning_rate",
     "decay_from_first_epoch"),
    ("ex7", _history("ex7_b", "learning_rate", [0.01] * SMOKE.ex7_epochs), "ex7.B.learning_rate",
     "wrong_schedule"),
    ("ex7", _model("ex7_a", "model1", loss="mae"), "ex7.A.loss_function", "wrong_loss"),
    ("ex7", _model("ex7_b", "model2", loss="mae"), "ex7.B.loss_function", "wrong_loss"),
    ("ex7", _history("ex7_a", "val_loss", None), "ex7.A.val_loss", "no_validation_data"),
    ("ex7", _history("ex7_a", "loss", [1e4] * SMOKE.ex7_epochs), "ex7.A.loss", "outside_honest_spread"),
    ("ex8", _ex8_mae, "ex8.test_mse", "mae_reported_as_mse"),
    ("ex8", _ex8_left_out, "ex8.test_mse", "batch_size_left_out"),
    ("ex8", _ex8_left_out, "ex8.epochs", "batch_size_left_out"),
    ("ex8", _set("ex8", "epocas_por_batch", {str(b): int(np.log2(b)) for b in SMOKE.ex8_batches}),
     "ex8.epochs", "epochs_without_512"),
    ("ex8", _set("ex8", "epocas_por_batch", {str(b): 20 for b in SMOKE.ex8_batches}), "ex8.epochs",
     "wrong_epochs_formula"),
    ("ex8", _model("ex8", "model", learning_rate=0.02), "ex8.learning_rate", "scheduler_not_passed"),
    ("ex8", _model("ex8", "model", loss="mae"), "ex8.loss_function", "wrong_loss"),
    ("ex10", _model("ex10", "ResNet", params=186058 - 128), "ex10.ResNet.params",
     "residual_without_projection"),
    ("ex10", _model("ex10", "Inception", params=150000), "ex10.Inception.params", "changed_network"),
    ("ex10", _model("ex10", "Inception", momentum=0.9), "ex10.Inception.momentum", "wrong_momentum"),
    ("ex10", _model("ex10", "Inception", loss="mse"), "ex10.Inception.loss_function", "wrong_loss"),
    ("ex10", _model("ex10", "ResNet", loss="sparse_categorical_crossentropy"), "ex10.ResNet.loss_function",
     "wrong_loss"),
    ("ex10", _inception_pool_removed, "ex10.Inception.layers", "changed_network"),
    ("ex10", _resnet_relu_before_sum, "ex10.ResNet.layers", "changed_network"),
    ("ex10", _resnet_without_projection, "ex10.ResNet.layers", "residual_without_projection"),
]


@pytest.mark.parametrize("exercise,change,check,misconception", VALUE_CASES,
                         ids=[f"{c[2]}-{c[3]}" for c in VALUE_CASES])
def test_a_wrong_value_names_its_mistake(exercise: str, change: Callable[[dict[str, Any]], None],
                                         check: str, misconception: str) -> None:
    ans = copy.deepcopy(perfect())
    change(ans)
    c = _grade(ans, exercise)[check]
    assert c.status in ("fail", "invalid") and c.points == 0, (c.status, c.message_id)
    assert c.misconception is not None and c.misconception.id == misconception


def test_linear_output_keeps_369_parameters_but_is_named() -> None:
    ans = copy.deepcopy(perfect())
    ans["ex7_a"]["model1"]["layers"][-1]["activation"] = "linear"
    res = _grade(ans, "ex7")
    assert res["ex7.A.params"].status == "pass"
    assert res["ex7.A.layers"].misconception.id == "linear_output"
    assert res["ex7.A.loss"].status == "fail" and res["ex7.A.loss"].message_id == "requires_failed"


@pytest.mark.training
def test_the_asked_loss_under_any_of_its_keras_names_is_the_asked_loss(tmp_path: Path) -> None:
    """'mse', 'MSE', 'mean_squared_error', MeanSquaredError() and the function itself are one loss:
    a real Keras model compiled each way, read by the grader's probe, passes exercise 7's loss
    check and keeps its training credit ('mae' is another loss and does not)."""
    import subprocess
    import sys

    script = (
        "import json, keras\n"
        "from autograder.probe import keras_model\n"
        "out = {}\n"
        "for label, loss in [('mse', 'mse'), ('MSE', 'MSE'), ('name', 'mean_squared_error'),\n"
        "                    ('class', keras.losses.MeanSquaredError()),\n"
        "                    ('function', keras.losses.mean_squared_error),\n"
        "                    ('mae', 'mae')]:\n"
        "    m = keras.Sequential([keras.Input((13,)), keras.layers.Dense(1)])\n"
        "    m.compile(optimizer='adam', loss=loss)\n"
        "    out[label] = keras_model(m)['loss']\n"
        "print(json.dumps(out))\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    read = json.loads(run.stdout.strip().splitlines()[-1])
    assert read == {"mse": "mean_squared_error", "MSE": "mean_squared_error", "name": "mean_squared_error",
                    "class": "mean_squared_error", "function": "mean_squared_error",
                    "mae": "mean_absolute_error"}
    for label, loss in read.items():
        ans = copy.deepcopy(perfect())
        ans["ex7_a"]["model1"]["loss"] = loss
        res = _grade(ans, "ex7")
        passed = res["ex7.A.loss_function"].status == "pass" and res["ex7.A.loss"].points > 0
        assert passed == (label != "mae"), (label, res["ex7.A.loss_function"])


# a model compiled with another loss, or a network changed without changing its parameter count:
# the check that sees it fails, and the training numbers of that model earn nothing
MODEL_CASES: list[tuple[str, Callable[[dict[str, Any]], None], str, str]] = [
    ("ex7", _model("ex7_a", "model1", loss="mae"), "ex7.A.loss_function", "ex7.A.params"),
    ("ex7", _model("ex7_b", "model2", loss="mae"), "ex7.B.loss_function", "ex7.B.params"),
    ("ex8", _model("ex8", "model", loss="mae"), "ex8.loss_function", "ex8.params"),
    ("ex10", _model("ex10", "Inception", loss="mse"), "ex10.Inception.loss_function",
     "ex10.Inception.params"),
    ("ex10", _model("ex10", "ResNet", loss="sparse_categorical_crossentropy"), "ex10.ResNet.loss_function",
     "ex10.ResNet.params"),
    ("ex10", _inception_pool_removed, "ex10.Inception.layers", "ex10.Inception.params"),
    ("ex10", _resnet_relu_before_sum, "ex10.ResNet.layers", "ex10.ResNet.params"),
]


@pytest.mark.parametrize("exercise,change,check,unchanged", MODEL_CASES,
                         ids=[f"{c[2]}-{c[3]}" for c in MODEL_CASES])
def test_the_training_numbers_of_another_model_earn_nothing(
        exercise: str, change: Callable[[dict[str, Any]], None], check: str, unchanged: str) -> None:
    bands = [c.id for c in CNN.contract.exercise(exercise).checks
             if check in c.requires and c.kind in ("band", "band_map")]
    assert bands, f"no training check requires {check}"
    before = _grade(perfect(), exercise)
    assert all(before[b].status == "pass" and before[b].points > 0 for b in bands)
    ans = copy.deepcopy(perfect())
    change(ans)
    res = _grade(ans, exercise)
    assert res[check].status == "fail" and res[check].points == 0
    assert res[unchanged].status == "pass", "the parameter count alone does not see it"
    assert all(res[b].points == 0 and res[b].message_id == "requires_failed"
               and check in res[b].params["requires_failed"] for b in bands)


# ---- what the student wrote: source checks and numbers typed in -----------------------------

EX8_LOOP = "ex8-answer-2"
SOURCE_CASES = [
    # one network trained across all batch sizes
    ("ex8", {EX8_LOOP: ("for batch_size in batches:\n    # sementes antes de cada rede (a folha: seed(1); "
                        "set_seed(2); veja o exercício 7)\n    keras.utils.set_random_seed(2)\n"
                        "    model = my_dnn()\n",
                        "keras.utils.set_random_seed(2)\nmodel = my_dnn()\nfor batch_size in batches:\n")},
     "ex8.fresh_model", "one_model_for_all_batches"),
    ("ex8", {EX8_LOOP: ("for batch_size in batches:\n    # sementes antes de cada rede (a folha: seed(1); "
                        "set_seed(2); veja o exercício 7)\n    keras.utils.set_random_seed(2)\n",
                        "keras.utils.set_random_seed(2)\nfor batch_size in batches:\n")},
     "ex8.seeds", "seeds_set_once"),
    ("ex8", {EX8_LOOP: ("    keras.utils.set_random_seed(2)\n", "")}, "ex8.seeds", "seeds_not_set"),
    ("ex8", {EX8_LOOP: ("model.evaluate(x_test, y_test", "model.evaluate(x_train, y_train")},
     "ex8.test_set", "test_metrics_on_training_data"),
    ("ex7", {"ex7-answer-2": ("validation_data=(x_test, y_test)", "validation_data=(x_train, y_train)")},
     "ex7.validation", "validation_on_training_data"),
    ("ex10", {"ex10-answer-4": ("score1 = Inception.evaluate(x_test, y_test",
                                "score1 = Inception.evaluate(x_sub, y_sub")},
     "ex10.test_set", "test_metrics_on_training_data"),
]


@pytest.mark.parametrize("exercise,edits,check,misconception", SOURCE_CASES,
                         ids=[f"{c[2]}-{c[3]}" for c in SOURCE_CASES])
def test_what_the_code_does_is_named(exercise: str, edits: dict[str, tuple[str, str]], check: str,
                                     misconception: str) -> None:
    code = solution_code(SMOKE, edits)
    res = _grade(perfect(), exercise, code)
    c = res[check]
    assert c.status == "fail" and c.points == 0 and c.message_id == "source_violated"
    assert c.misconception.id == misconception
    # the results of code that does not do what was asked earn nothing as if it did
    dependants = [ch.id for ch in CNN.contract.exercise(exercise).checks
                  if check in ch.requires and ch.kind != "letter"]
    assert all(res[d].points == 0 and res[d].message_id == "requires_failed" for d in dependants)


def test_a_seeding_loop_through_a_helper_function_is_understood() -> None:
    old = ("for batch_size in batches:\n    # sementes antes de cada rede (a folha: seed(1); set_seed(2); "
           "veja o exercício 7)\n    keras.utils.set_random_seed(2)\n    model = my_dnn()\n")
    new = ("def nova_rede():\n    keras.utils.set_random_seed(2)\n    return my_dnn()\n\n"
           "for batch_size in batches:\n    model = nova_rede()\n")
    res = _grade(perfect(), "ex8", solution_code(SMOKE, {EX8_LOOP: (old, new)}))
    assert res["ex8.fresh_model"].status == res["ex8.seeds"].status == "pass"


def test_numbers_typed_in_get_no_credit_even_when_right() -> None:
    ans = perfect()
    code = solution_code(SMOKE, {"ex3-answer-1": ("loss_ec = -np.sum((y * np.log(yh + .00001)))",
                                                  "loss_ec = 1.6094")})
    res = _grade(ans, "ex3", code)
    assert res["ex3.loss_ec"].status == "fail" and res["ex3.loss_ec"].points == 0
    assert res["ex3.loss_ec"].misconception.id == TYPED_IN and res["ex3.loss_ec"].message_id == "typed_in"
    assert res["ex3.loss_qu"].status == "pass", "only the typed-in value loses its credit"
    typed = solution_code(SMOKE, {"ex8-answer-2": ("mse_por_batch[batch_size] = score[0]",
                                                   "mse_por_batch[batch_size] = 22.5")})
    assert _grade(ans, "ex8", typed)["ex8.test_mse"].misconception.id == TYPED_IN


def test_an_empty_dict_then_filled_by_the_code_is_not_typed_in() -> None:
    code = solution_code(SMOKE, {"ex8-answer-2": ("for batch_size in batches:",
                                                  "mse_por_batch = {}\nfor batch_size in batches:")})
    assert _grade(perfect(), "ex8", code)["ex8.test_mse"].status == "pass"


def test_a_letter_written_as_the_options_text_is_named() -> None:
    ans = perfect()
    ans["ex1"]["resposta_1"] = "Quadrática, 0-1, Entropia Cruzada, Hinge"
    c = _grade(ans, "ex1")["ex1.letter"]
    assert c.message_id == "invalid_letter" and c.misconception.id == LETTER_AS_TEXT


@pytest.mark.parametrize("exercise,letter,misconception", [
    ("ex1", "a", "hinge_is_not_smallest"), ("ex3", "c", "mean_instead_of_sum"),
    ("ex3", "b", "cross_entropy_of_other_base_or_classes"), ("ex4", "b", "momentum_is_not_adam"),
    ("ex6", "c", "inception_and_resnet_swapped"), ("ex9", "a", "defaults_are_enough"),
])
def test_a_wrong_letter_names_the_distractors_mistake(exercise: str, letter: str, misconception: str) -> None:
    ans = perfect()
    number = exercise[2:]
    ans[exercise][f"resposta_{number}"] = letter
    c = _grade(ans, exercise)[f"{exercise}.letter"]
    assert c.status == "fail" and c.misconception.id == misconception


def test_the_issues_wider_network_no_longer_scores_ten() -> None:
    """A 32-16-1 network (993 parameters) rebuilt in the answer cell and trained as asked: its
    training numbers may fall in the bands, but they are not the asked network's."""
    ans = perfect()
    ans["ex7_a"]["model1"]["params"] = 993
    ans["ex7_a"]["model1"]["layers"][0]["units"] = 32
    ans["ex7_a"]["model1"]["layers"][1]["units"] = 16
    res = _grade(ans, "ex7")
    score = sum(c.points for c in res.values())
    assert score < 10 - 0.9, score
    assert res["ex7.A.params"].misconception.id == "wider_network"
    assert all(res[c].points == 0 for c in ("ex7.A.loss", "ex7.A.val_loss", "ex7.A.val_mae"))


# ---- coverage: every detectable deviation has a name, in both languages -----------------------

def deviation_table(contract: Contract, key: Any, messages: Any) -> dict[str, tuple[int, int]]:
    """Per exercise: (detectable deviations, named ones). A deviation is a check that can fail
    (named when the contract gives its failure a misconception), each wrong variant its key
    records, each wrong letter, a letter written as text, numbers typed in, and each error
    pattern. Accepted alternatives and honest degenerate outcomes are not deviations."""
    out = {}
    for e in contract.exercises:
        detectable = named = 0
        for c in e.checks:
            if c.kind == "letter":
                wrong = [x for x in contract.letter_choices if x != key.letter(e.number)]
                detectable += len(wrong) + 1  # each distractor, and the option's text
                named += sum(x in c.wrong_letters for x in wrong) + 1
                continue
            detectable += 1
            named += bool(c.misconceptions)
            q = key.quantities.get(c.key)
            prefix = c.key + "."
            qs = [q] if q else [v for k, v in key.quantities.items() if k.startswith(prefix)][:1]
            for quantity in qs:
                variants = [v for v in quantity.variants if not v.startswith("accepted:")]
                detectable += len(variants)
                named += len(variants)
        numeric = any(r.type != "letter" for p in e.parts for r in p.reads)
        errors = [m for m in contract.error_misconceptions if e.id in m.exercises]
        detectable += int(numeric) + len(errors)
        named += int(numeric) + len(errors)
        out[e.id] = (detectable, named)
    return out


def test_every_detectable_deviation_is_named() -> None:
    table = deviation_table(CNN.contract, KEY, CNN.messages)
    unnamed = {e: d - n for e, (d, n) in table.items() if d != n}
    assert unnamed == {}
    assert sum(d for d, _n in table.values()) > 150


def _ids(contract: Contract, key: Any) -> set[str]:
    ids = {m.id for m in contract.error_misconceptions}
    for e in contract.exercises:
        for c in e.checks:
            ids |= set(c.misconceptions.values()) | set(c.wrong_letters.values())
    for q in key.quantities.values():
        ids |= {v for v in q.variants if not v.startswith("accepted:")}
    return ids


@pytest.mark.parametrize("key_path", [SMOKE_KEY, CNN.key_path("full")], ids=["smoke", "full"])
def test_every_misconception_has_a_sentence_in_both_languages(key_path: Path) -> None:
    key = load_key(key_path)
    messages = CNN.messages
    for mid in sorted(_ids(CNN.contract, key)):
        for lang in ("pt", "en"):
            assert f"misconception.{mid}" in messages[lang], (lang, mid)
    for q in key.quantities.values():
        for reason in q.degenerate:
            assert all(f"degenerate.{reason}" in messages[lang] for lang in ("pt", "en"))
    for engine_id in (TYPED_IN, LETTER_AS_TEXT):
        assert has_message(f"misconception.{engine_id}")
        assert f"misconception.{engine_id}" not in messages["en"], "the engine's own, not the sheet's"


# ---- through the real pipeline: a notebook as a student writes it ----------------------------

WIDER_A = """model1 = keras.Sequential()
model1.add(keras.Input(shape=(x_train.shape[1],)))
model1.add(keras.layers.Dense(32, activation="relu"))
model1.add(keras.layers.Dense(16, activation="relu"))
model1.add(keras.layers.Dense(1, activation="relu"))
"""

STUDENT_EDITS = {
    # ex1: the class label where the probability is asked
    "ex1-answer-1": ("y_hat = logr1.predict_proba(x.reshape(-1, 1))[:, 1].ravel()",
                     "y_hat = logr1.predict(x.reshape(-1, 1)).astype(float)"),
    # ex3: the number copied from the printout, and the base-2 logarithm in the other loss
    "ex3-answer-1": ("loss_ec = -np.sum((y * np.log(yh + .00001)))\n\nloss_qu = np.sum(np.power(y - yh, 2))",
                     "loss_ec = -np.sum((y * np.log2(yh + .00001)))\n\nloss_qu = 0.8"),
    # ex7 A: the issue's student rebuilds model1 as a 32-16-1 network and trains it as asked
    "ex7-answer-2": ("model1.compile(", WIDER_A + "model1.compile("),
    # ex7 B: the scheduler is defined, but not passed to fit
    "ex7-answer-3": ("callbacks=[callbacklr], ", ""),
    # ex8: seeds set once, before the loop; the MAE stored where the MSE belongs
    EX8_LOOP: ("mse_por_batch[batch_size] = score[0]", "mse_por_batch[batch_size] = score[1]"),
}


@pytest.mark.kernel
@pytest.mark.training
@pytest.mark.slow
def test_a_notebook_with_typical_mistakes_gets_each_one_named(tmp_path: Path, keras_home: Path) -> None:
    import nbformat
    from click.testing import CliRunner

    from autograder.authoring import notebook
    from autograder.cli import main
    from autograder.results import load_result

    nb = notebook(CNN, "solution", SMOKE)
    for cell in nb.cells:
        cid = cell.metadata.get("autograder", {}).get("id")
        if cid in STUDENT_EDITS:
            old, new = STUDENT_EDITS[cid]
            assert old in cell.source, cid
            cell.source = cell.source.replace(old, new)
        if cid == EX8_LOOP:
            cell.source = "keras.utils.set_random_seed(2)\n" + cell.source.replace(
                "    keras.utils.set_random_seed(2)\n", "")
        if cid and cid.startswith("ex10-answer"):
            cell.source = "# não fiz\n"
    path = tmp_path / "aluno.ipynb"
    nbformat.write(nb, path)
    out = tmp_path / "aluno.json"
    res = CliRunner().invoke(main, ["grade", str(path), "--key", str(SMOKE_KEY), "--out", str(out)])
    assert res.exit_code == 0, res.output
    result = load_result(out)
    named = {(c.id, c.misconception.id) for e in result.exercises for c in e.checks if c.misconception}
    assert {("ex1.y_hat", "predict_instead_of_proba"), ("ex3.loss_ec", "log_base_2"),
            ("ex3.loss_qu", TYPED_IN), ("ex7.A.params", "wider_network"),
            ("ex7.B.learning_rate", "scheduler_not_passed"), ("ex8.seeds", "seeds_set_once"),
            ("ex8.test_mse", "mae_reported_as_mse")} <= named, sorted(named)
    ex7 = next(e for e in result.exercises if e.id == "ex7")
    assert ex7.score < 10, "a network that is not the asked one never scores 10/10"
    a_bands = [c for c in ex7.checks if c.id in ("ex7.A.loss", "ex7.A.val_loss", "ex7.A.val_mae")]
    assert all(c.points == 0 for c in a_bands)


def test_consistency_credit_needs_the_asked_model() -> None:
    """Own numbers from a network that is not the asked one do not support a letter."""
    ans = perfect()
    own = CNN.hooks.own_letters("ex7", ans)
    other = [x for x in own if x != KEY.letter(7)]
    assert other, "the smoke profile's 4 epochs support another letter than the official one"
    ans["ex7_b"]["resposta_7"] = other[0]
    assert _grade(ans, "ex7")["ex7.letter"].message_id == "letter_consistent"
    ans["ex7_a"]["model1"]["params"] = 993
    c = _grade(ans, "ex7")["ex7.letter"]
    assert c.points == 0 and c.params["requires_failed"] == ["ex7.A.params"]
    assert c.misconception.id == "generalisation_gap_misread"
