"""Comparison with the key (pure): a perfect student, named misconceptions, letters, bad values,
for both committed keys.

The "perfect" answers are the reference runs' own numbers, shaped the way the in-kernel probe
reports them, with the solution notebook's own code (what the student wrote) for the source
checks; no kernel is started here. Values a wrong, diverged or chance-level model produces must
fail, against the smoke and the full key alike.
"""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import pytest

from autograder.checks import evaluate_exercise, resolve
from autograder.contract import load_contract
from autograder.keymodel import AnswerKey, load_key
from autograder.probe import loss_name
from tests.common import CNN, FULL_KEY, SMOKE, SMOKE_KEY

RUNS = SMOKE_KEY.parent / "runs"


def _run(name: str, runs: Path = RUNS) -> dict[str, Any]:
    return json.loads((runs / f"{name}.json").read_text())


def solution_code(profile: Any = SMOKE, edits: dict[str, tuple[str, str]] | None = None) -> dict[str, str]:
    """Exercise id -> what the solution notebook's student cells hold (``prepare.student_code``),
    with ``edits`` (cell id -> (old, new)) applied as a student would change them."""
    import nbformat

    from autograder.authoring import authored_cells, notebook
    from autograder.prepare import plan, student_code

    nb = notebook(CNN, "solution", profile)
    for cell in nb.cells:
        cid = cell.metadata.get("autograder", {}).get("id")
        if edits and cid in edits:
            old, new = edits[cid]
            assert old in cell.source, (cid, old)
            cell.source = cell.source.replace(old, new)
    return student_code(plan(nbformat.writes(nb).encode(), authored_cells(CNN.authored, profile),
                             CNN.contract))


def _history(h: dict[str, Any], steps: int) -> dict[str, Any]:
    return {"history": h["history"], "epochs": len(h["history"]["loss"]), "steps": steps}


def _as_read(model: dict[str, Any]) -> dict[str, Any]:
    """A model summary as the grader's probe reads it today (runs recorded before the loss had one
    name say 'mse')."""
    return {**model, "loss": loss_name(model.get("loss"))}


def perfect(runs: Path = RUNS) -> dict[str, dict[str, Any]]:
    ex1 = _run("ex1-deterministic-0", runs)["reference"]
    ex3 = _run("ex3-deterministic-0", runs)["reference"]
    ex7 = _run("ex7-deterministic-0", runs)
    ex8 = _run("ex8-deterministic-0", runs)
    ex10 = _run("ex10-deterministic-0", runs)
    for name in ("Inception", "ResNet"):  # the full key's first run predates the model summary
        if "model" not in ex10[name]:
            later = _run("ex10-sheet-0", runs)[name]
            ex10[name] = {**ex10[name], "model": later["model"], "steps": later["steps"]}
    d = ex7["data"]
    return {
        "ex1": {"y_hat": ex1["y_hat"], **ex1["per_instance"], "resposta_1": "d"},
        "ex2": {"resposta_2": "c"}, "ex4": {"resposta_4": "a"}, "ex5": {"resposta_5": "c"},
        "ex6": {"resposta_6": "d"}, "ex9": {"resposta_9": "d"},
        "ex3": {"loss_ec": ex3["loss_ec"], "loss_qu": ex3["loss_qu"], "resposta_3": "a"},
        "ex7_dados": {"x_train": {"col_mean": d["x_train_mean"], "max": 9.0},
                      "x_test": {"col_mean": d["x_test_mean"], "max": 9.0}},
        "ex7_a": {"model1": _as_read(ex7["A"]["model"]), "history": _history(ex7["A"], ex7["A"]["steps"])},
        "ex7_b": {"model2": _as_read(ex7["B"]["model"]), "history": _history(ex7["B"], ex7["B"]["steps"]),
                  "resposta_7": "b"},
        "ex8": {"mse_por_batch": {b: v["test_mse"] for b, v in ex8["by_batch"].items()},
                "epocas_por_batch": {b: v["epochs"] for b, v in ex8["by_batch"].items()},
                "model": _as_read(ex8["by_batch"][max(ex8["by_batch"], key=int)]["model"]),
                "resposta_8": "a"},
        "ex10_dados": {"x_train": {"max": 1.0, "shape": [60000, 28, 28, 1]}},
        "ex10": {"Inception": _as_read(ex10["Inception"]["model"]),
                 "ResNet": _as_read(ex10["ResNet"]["model"]),
                 "histInc": _history(ex10["Inception"], ex10["Inception"]["steps"]),
                 "histResNet": _history(ex10["ResNet"], ex10["ResNet"]["steps"]),
                 "score1T": [ex10["Inception"]["train_loss"], ex10["Inception"]["train_accuracy"]],
                 "score1": [ex10["Inception"]["test_loss"], ex10["Inception"]["test_accuracy"]],
                 "score2T": [ex10["ResNet"]["train_loss"], ex10["ResNet"]["train_accuracy"]],
                 "score2": [ex10["ResNet"]["test_loss"], ex10["ResNet"]["test_accuracy"]],
                 "resposta_10": "a"},
    }


@pytest.fixture(scope="module")
def env() -> tuple[Any, Any]:
    return CNN.contract, load_key(SMOKE_KEY)


CODE = solution_code()


def grade(extracted: dict[str, Any], env: tuple[Any, Any], exercise: str,
          code: dict[str, str] | None = None) -> dict[str, Any]:
    contract, key = env
    code = CODE if code is None else code
    return {c.id: c for c in evaluate_exercise(contract.exercise(exercise), extracted, key, contract,
                                               CNN.hooks.own_letters, code.get(exercise, ""))}


@pytest.mark.parametrize("exercise", [f"ex{i}" for i in range(1, 11)])
def test_perfect_answers_get_full_marks(env: tuple[Any, Any], exercise: str) -> None:
    results = grade(perfect(), env, exercise)
    failing = {cid: (c.status, c.message_id, c.params.get("detail")) for cid, c in results.items()
               if c.points != c.max_points}
    assert failing == {}


# ---- values that must fail, for both keys ------------------------------------------------

KEYS = {"smoke": (SMOKE_KEY, SMOKE), "full": (FULL_KEY, CNN.profile("full"))}


@pytest.fixture(scope="module", params=sorted(KEYS))
def both(request: pytest.FixtureRequest) -> tuple[str, AnswerKey, dict[str, dict[str, Any]], dict[str, str]]:
    path, profile = KEYS[request.param]
    return request.param, load_key(path), perfect(path.parent / "runs"), solution_code(profile)


def _grade(both: Any, extracted: dict[str, Any], exercise: str) -> dict[str, Any]:
    _name, key, _perfect, code = both
    return {c.id: c for c in evaluate_exercise(CNN.contract.exercise(exercise), extracted, key,
                                               CNN.contract, CNN.hooks.own_letters, code.get(exercise, ""))}


def test_the_deterministic_runs_score_full_marks_with_both_keys(both: Any) -> None:
    for exercise in ("ex7", "ex8", "ex10"):
        res = _grade(both, both[2], exercise)
        assert {cid: c.message_id for cid, c in res.items() if c.points != c.max_points} == {}


def test_chance_level_models_fail_their_bands(both: Any) -> None:
    """A network that learned nothing: 10 classes, accuracy 0.1 and loss ln 10 everywhere."""
    ans = copy.deepcopy(both[2])
    for name in ("score1T", "score1", "score2T", "score2"):
        ans["ex10"][name] = [2.302585, 0.1]
    res = _grade(both, ans, "ex10")
    for cid in ("ex10.Inception.test_accuracy", "ex10.ResNet.test_accuracy", "ex10.ResNet.train_accuracy"):
        assert res[cid].status == "fail" and res[cid].points == 0, cid
        assert res[cid].misconception.id == "chance_level_accuracy", cid
    if both[0] == "full":  # the smoke networks learn little: a chance-level loss is near theirs
        assert all(res[c].points == 0 for c in res if c.endswith("_loss"))


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), 7.5e14])
def test_diverged_models_never_pass_a_band(both: Any, bad: float) -> None:
    ans = copy.deepcopy(both[2])
    ans["ex10"]["score1T"] = [bad, 0.1]
    ans["ex10"]["score1"] = [bad, 0.1]
    ans["ex10"]["score2"] = [bad, 0.1]
    ans["ex7_a"]["history"]["history"]["loss"][-1] = bad
    res = _grade(both, ans, "ex10")
    for cid in ("ex10.Inception.train_loss", "ex10.Inception.test_loss", "ex10.Inception.test_accuracy",
                "ex10.ResNet.test_loss", "ex10.ResNet.test_accuracy"):
        assert res[cid].status == "fail" and res[cid].points == 0, cid
    assert res["ex10.Inception.test_loss"].misconception.id == "training_diverged"
    a = _grade(both, ans, "ex7")["ex7.A.loss"]
    assert a.status == "fail" and a.misconception.id in ("training_diverged", "outside_honest_spread")


def test_values_between_the_modes_fail(both: Any) -> None:
    """Between a healthy run (≈ 20) and the dead output (615.86) nothing is accepted."""
    key = both[1]
    ans = copy.deepcopy(both[2])
    ans["ex8"]["mse_por_batch"] = {b: 300.0 for b in ans["ex8"]["mse_por_batch"]}
    c = _grade(both, ans, "ex8")["ex8.test_mse"]
    assert c.status == "fail" and c.points == 0 and c.params["passed"] == 0
    for b in ans["ex8"]["mse_por_batch"]:
        intervals = key.quantity(f"ex8.test_mse.{b}").tolerance["intervals"]
        assert not any(lo <= 300.0 <= hi for lo, hi in intervals)


def test_values_just_outside_the_band_fail_and_just_inside_pass(both: Any) -> None:
    key = both[1]
    q = key.quantity("ex7.B.final.val_loss")
    lo, hi = q.tolerance["intervals"][0]
    for value, ok in ((hi * 1.02 + 0.01, False), (hi - 1e-6, True), (max(lo * 0.98 - 0.01, -1.0), False)):
        ans = copy.deepcopy(both[2])
        ans["ex7_b"]["history"]["history"]["val_loss"][-1] = value
        c = _grade(both, ans, "ex7")["ex7.B.val_loss"]
        assert (c.status == "pass") is ok, (value, q.tolerance["intervals"])
        if not ok:
            assert c.misconception.id == "outside_honest_spread" and c.message_id == "out_of_band"


def test_bands_never_cross_physical_limits(both: Any) -> None:
    key = both[1]
    for qid, q in key.quantities.items():
        if q.tolerance["kind"] != "band":
            continue
        lows = [lo for lo, _hi in q.tolerance["intervals"]]
        assert min(lows) >= 0.0, qid
        if qid.endswith("accuracy"):
            assert max(hi for _lo, hi in q.tolerance["intervals"]) <= 1.0, qid


def test_hinge_with_01_labels_is_named(env: tuple[Any, Any]) -> None:
    from assignments.cnn_treinamento.reference.ex01_losses import run

    ans = perfect()
    ans["ex1"]["loss_hi"] = run()["variants"]["hinge_01_labels"]["per_instance"]["loss_hi"]
    c = grade(ans, env, "ex1")["ex1.loss_hi"]
    assert c.status == "fail" and c.misconception and c.misconception.id == "hinge_01_labels"
    assert c.obtained != c.expected and c.difference > 0.1 and c.tolerance == "± 0.001"


def test_mean_instead_of_sum_is_named(env: tuple[Any, Any]) -> None:
    ans = perfect()
    ans["ex3"].update(loss_ec=1.6093879136840585 / 5, loss_qu=0.16)
    res = grade(ans, env, "ex3")
    assert {res[c].misconception.id for c in ("ex3.loss_ec", "ex3.loss_qu")} == {"mean_instead_of_sum"}
    assert res["ex3.loss_ec"].points == 0


def test_normalising_test_with_its_own_statistics_is_named(env: tuple[Any, Any]) -> None:
    ans = perfect()
    ans["ex7_dados"]["x_test"]["col_mean"] = [0.0] * 13
    c = grade(ans, env, "ex7")["ex7.normalisation.test"]
    assert c.status == "fail" and c.misconception.id == "normalised_with_test_statistics"


def test_images_not_divided_and_all_images_are_named(env: tuple[Any, Any]) -> None:
    ans = perfect()
    ans["ex10_dados"]["x_train"]["max"] = 255.0
    ans["ex10"]["histInc"]["steps"] = math.ceil(60000 / SMOKE.ex10_batch_size)  # all 60,000 images
    res = grade(ans, env, "ex10")
    assert res["ex10.scaling"].misconception.id == "not_divided_by_255"
    assert res["ex10.Inception.steps"].misconception.id == "trained_on_all_images"


def test_wrong_letter_consistent_with_own_numbers_gets_credit(env: tuple[Any, Any]) -> None:
    ans = perfect()
    # an honest run where 4 and 16 are best, 128 and 256 worst supports (a) ...
    ans["ex8"]["mse_por_batch"] = {"2": 22.0, "4": 19.0, "8": 23.0, "16": 21.0, "32": 25.0,
                                   "64": 23.5, "128": 30.0, "256": 129.0}
    assert grade(ans, env, "ex8")["ex8.letter"].status == "pass"
    # ... and one where the student's own numbers support (c): answering (c) is consistent
    ans["ex8"]["mse_por_batch"] = {"2": 40.0, "4": 39.0, "8": 23.0, "16": 22.0, "32": 18.0,
                                   "64": 19.0, "128": 24.0, "256": 25.0}
    ans["ex8"]["resposta_8"] = "c"
    c = grade(ans, env, "ex8")["ex8.letter"]
    assert c.status == "pass" and c.message_id == "letter_consistent" and c.points == c.max_points
    ans["ex8"]["resposta_8"] = "b"
    c = grade(ans, env, "ex8")["ex8.letter"]
    assert c.status == "fail" and c.points == 0 and c.params["own_letters"] == ["c"]


@pytest.mark.parametrize("value,reason", [("(D)", "pass"), (" d ", "pass"), ("e", "invalid_letter"),
                                          (4, "invalid_letter"), ("d e", "invalid_letter")])
def test_letter_forms(env: tuple[Any, Any], value: Any, reason: str) -> None:
    ans = perfect()
    ans["ex1"]["resposta_1"] = value
    c = grade(ans, env, "ex1")["ex1.letter"]
    assert (c.status if reason == "pass" else c.message_id) == reason


def test_values_that_are_not_plain_data_are_rejected(env: tuple[Any, Any]) -> None:
    ans = perfect()
    ans["ex3"]["loss_ec"] = {"__unsupported__": "__main__.AlwaysEqual"}
    ans["ex3"]["loss_qu"] = {"__missing__": True}
    res = grade(ans, env, "ex3")
    assert res["ex3.loss_ec"].status == "invalid" and res["ex3.loss_ec"].points == 0
    assert "AlwaysEqual" in res["ex3.loss_ec"].params["detail"]
    assert res["ex3.loss_qu"].status == "missing"


def test_part_never_reached_is_not_run(env: tuple[Any, Any]) -> None:
    ans = perfect()
    del ans["ex7_b"]
    res = grade(ans, env, "ex7")
    assert res["ex7.B.loss"].status == "not_run" and res["ex7.B.loss"].message_id == "not_reached"
    assert res["ex7.A.loss"].status == "pass"


def test_shape_mismatch_is_reported(env: tuple[Any, Any]) -> None:
    ans = perfect()
    ans["ex1"]["y_hat"] = [[v] for v in ans["ex1"]["y_hat"]]
    c = grade(ans, env, "ex1")["ex1.y_hat"]
    assert c.message_id == "shape_mismatch" and "(10, 1)" in c.params["detail"]


def test_path_resolution() -> None:
    v = {"a": {"b": [1, 2, 3]}, "layers": [{"class": "Dense", "units": 3}, {"class": "Add"}]}
    assert resolve(v, "a.b[-1]") == 3
    assert resolve(v, "layers[class,units]") == [["Dense", 3], ["Add", None]]
    with pytest.raises(KeyError):
        resolve(v, "a.c")


def test_contract_points_add_up() -> None:
    contract = load_contract(CNN.path("contract.json"))
    assert contract.max_score == 100
    assert all(e.points == 10 for e in contract.exercises)


def test_inconsistent_contract_is_refused(repo: Path) -> None:
    from autograder.contract import parse_contract
    from autograder.errors import ContractError

    data = json.loads((repo / "assignments" / "cnn_treinamento" / "contract.json").read_text())
    broken = copy.deepcopy(data)
    broken["exercises"][0]["checks"][0]["read"] = "ex1:nao_existe"
    with pytest.raises(ContractError, match="does not declare"):
        parse_contract(broken)
    broken = copy.deepcopy(data)
    broken["exercises"][0]["parts"][0]["reads"][0]["type"] = "tensor"
    with pytest.raises(ContractError, match="does not match its schema"):
        parse_contract(broken)
