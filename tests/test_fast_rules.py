"""Fast mode's rules and the time budgets, as pure functions on real notebooks and keys (no
kernel): what may be served from the cache, what a replay must agree on, what the submitted
weights must reproduce, and the budgets' reference time."""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path
from typing import Any

import nbformat
import numpy as np
import pytest

from autograder import api, scoring
from autograder.authoring import authored_cells, notebook
from autograder.cache_replay import (
    Recompute,
    cacheable,
    is_deterministic,
    recompute_agrees,
    recompute_specs,
    replay_agrees,
    submitted_weights,
    uncovered,
    valid_weights,
)
from autograder.execute import ExerciseRun
from autograder.i18n import render
from autograder.keymodel import load_key
from autograder.prepare import plan
from autograder.selfcheck_runtime import encode_weights
from tests.common import CNN, CONTRACT, FULL_KEY, SMOKE, SMOKE_KEY

SHEET_SEEDED_EX8 = '''\
# Sua resposta (Exercício 8, laço): para cada batch_size em batches,
#   defina as sementes (keras.utils.set_random_seed(2)), crie model = my_dnn(), ...
import tensorflow as tf
for batch_size in batches:
    np.random.seed(1)
    tf.random.set_seed(2)
    model = my_dnn()
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.02), loss='mse', metrics=['mae'])
    epochs = int(np.log2((batch_size * 512)))
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=batch_size,
                        callbacks=[callbacklr], verbose=0)
    score = model.evaluate(x_test, y_test, verbose=0)
    mse_por_batch[batch_size] = score[0]
    epocas_por_batch[batch_size] = epochs
'''


def planned(edits: dict[str, str]) -> Any:
    """The smoke solution notebook, with some cells' code replaced as a student would write it."""
    nb = notebook(CNN, "solution", SMOKE)
    for cell in nb.cells:
        cid = cell.metadata["autograder"]["id"]
        if cid in edits:
            cell.source = edits[cid]
    return plan(nbformat.writes(nb).encode(), authored_cells(CNN.authored, SMOKE), CONTRACT)


def cells_of(p: Any, exercise: str) -> list[Any]:
    return [c for c in p.cells if c.exercise == exercise]


# ---- the cache serves only what the exercise's own code decides -------------------------------

def test_the_solution_seeds_every_training_exercise_deterministically() -> None:
    p = planned({})
    assert all(is_deterministic(cells_of(p, e)) for e in ("ex7", "ex8", "ex10"))


def test_a_sheet_seeded_exercise_8_is_not_served_from_the_cache() -> None:
    """The student kept the instructor's comment naming set_random_seed, but seeds as the sheet
    says: the comment does not count, and np.random.seed/tf.random.set_seed leave Python's random
    to the earlier cells, so the exercise is always executed."""
    p = planned({"ex8-answer-2": SHEET_SEEDED_EX8})
    mine = cells_of(p, "ex8")
    assert "set_random_seed(2)" in "".join(c.source for c in mine)  # only in a comment
    assert not is_deterministic(mine)
    run = ExerciseRun("ex8", "ok", None, 1.0, {})
    assert not cacheable("ex8", p.cells, run, CNN.training_exercises)
    assert cacheable("ex8", planned({}).cells, run, CNN.training_exercises)


def test_seeding_in_a_string_or_after_fit_does_not_count() -> None:
    in_a_string = 'print("keras.utils.set_random_seed(2)")\n' + SHEET_SEEDED_EX8.replace(
        "    np.random.seed(1)\n    tf.random.set_seed(2)\n", "")
    assert not is_deterministic(cells_of(planned({"ex8-answer-2": in_a_string}), "ex8"))
    late = SHEET_SEEDED_EX8.replace("    np.random.seed(1)\n    tf.random.set_seed(2)\n", "").replace(
        "    score = model.evaluate", "    keras.utils.set_random_seed(2)\n    score = model.evaluate")
    assert not is_deterministic(cells_of(planned({"ex8-answer-2": late}), "ex8"))


def test_exercise_7_seeded_by_its_given_cells_but_reseeded_as_the_sheet_says_is_not_cached() -> None:
    answer = ("import tensorflow as tf\nnp.random.seed(1)\ntf.random.set_seed(2)\n"
              "model1.compile(optimizer='adam', loss='mse', metrics=['mae'])\n"
              "history = model1.fit(x_train, y_train, epochs=epochs, validation_data=(x_test, y_test))\n")
    assert not is_deterministic(cells_of(planned({"ex7-answer-2": answer}), "ex7"))


# ---- what a replay must cover ---------------------------------------------------------------

def test_every_credited_value_of_the_replayable_exercises_is_covered() -> None:
    ex10 = CONTRACT.exercise("ex10")
    specs = recompute_specs(CNN, ex10)
    assert {s.name for s in specs} == {"score1T", "score2T", "score1", "score2", "histInc", "histResNet"}
    assert uncovered(ex10, specs, 1) == []
    # without the recomputation, the final scores are not verified: no replay
    assert "ex10.Inception.train_loss" in uncovered(ex10, (), 1)


def test_a_value_nothing_verifies_forbids_the_replay() -> None:
    """Exercise 7's learning-rate schedule (the whole list) cannot come from a 3-epoch replay."""
    ex7 = CONTRACT.exercise("ex7")
    assert "ex7.B.learning_rate" in uncovered(ex7, (), 3)


# ---- what the replay and the submitted weights must agree on ----------------------------------

def _history(loss: list[float], epochs: int | None = None) -> dict[str, Any]:
    return {"history": {"loss": loss, "accuracy": [0.1] * len(loss)}, "epochs": epochs or len(loss),
            "steps": 2}


def test_the_replay_must_honour_epochs_and_the_submission_must_have_them() -> None:
    ex10 = CONTRACT.exercise("ex10")
    sub = {"ex10": {"histInc": _history([2.3, 2.2])}}
    ok, why = replay_agrees(ex10, {"ex10": {"histInc": _history([2.3])}}, sub, (1, 2))
    assert not ok and why.startswith("replay_no_value")  # the other reads are missing: never accepted
    part = next(p for p in ex10.parts if p.id == "ex10")
    only_hist = dataclasses.replace(ex10, parts=(dataclasses.replace(
        part, reads=tuple(r for r in part.reads if r.name == "histInc")),))
    assert replay_agrees(only_hist, {"ex10": {"histInc": _history([2.3])}}, sub, (1, 2)) == (True, "")
    ok, why = replay_agrees(only_hist, {"ex10": {"histInc": _history([2.3, 2.2, 2.1])}}, sub, (1, 2))
    assert not ok and why.startswith("replay_epochs_ignored") and "`epochs`" in render(why, "en")
    ok, why = replay_agrees(only_hist, {"ex10": {"histInc": _history([2.3])}},
                            {"ex10": {"histInc": _history([2.3, 2.2, 2.1])}}, (1, 2))
    assert not ok and why.startswith("replay_submitted_epochs")
    ok, why = replay_agrees(only_hist, {"ex10": {"histInc": _history([2.0])}}, sub, (1, 2))
    assert not ok and why.startswith("replay_epoch:")
    assert render(why, "pt") == "`histInc`: loss na época 1 é 2.3 no envio e 2.0 na repetição"


def _specs() -> tuple[Recompute, ...]:
    return recompute_specs(CNN, CONTRACT.exercise("ex10"))


def _submitted() -> dict[str, Any]:
    return {"ex10": {"score1T": [2.29, 0.117], "score2T": [2.29, 0.133], "score1": [2.30, 0.125],
                     "score2": [2.31, 0.070], "histInc": _history([2.30, 2.297]),
                     "histResNet": _history([2.33, 2.307])}}


def _recomputed(sub: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {k: list(v) for k, v in sub["ex10"].items() if k.startswith("score")}
    out["histInc"] = {"train": {"loss": 2.291, "accuracy": 0.117}}
    out["histResNet"] = {"train": {"loss": 2.290, "accuracy": 0.133}}
    return out


def test_honest_values_agree_with_the_weights() -> None:
    sub = _submitted()
    dtypes = {"Inception": "<f2", "ResNet": "<f2"}
    assert recompute_agrees(_specs(), _recomputed(sub), sub, dtypes) == (True, "")


@pytest.mark.parametrize("edit, reason", [
    (lambda s: s["ex10"]["score1"].__setitem__(1, 0.93), "replay_score"),  # a forged test accuracy
    (lambda s: s["ex10"]["histInc"]["history"]["loss"].__setitem__(-1, 0.01), "replay_last_epoch"),
], ids=["edited final score", "edited last epoch"])
def test_an_edited_value_disagrees_with_the_weights(edit: Any, reason: str) -> None:
    sub = _submitted()
    recomputed = _recomputed(sub)
    edit(sub)
    ok, why = recompute_agrees(_specs(), recomputed, sub, {"Inception": "<f2", "ResNet": "<f2"})
    assert not ok and why.startswith(reason), why
    assert "Inception" not in render(why, "pt") or "score" in why or "histInc" in render(why, "pt")


def test_weights_that_do_not_fit_disagree() -> None:
    sub = _submitted()
    ok, why = recompute_agrees(_specs(), {"__error__": "ValueError: shapes"}, sub, {})
    assert not ok and why == "replay_weights_unusable"


class _Model:
    def __init__(self, arrays: list[Any]) -> None:
        self.arrays = arrays

    def get_weights(self) -> list[Any]:
        return self.arrays


def test_weights_are_saved_compactly_and_a_tampered_blob_is_refused() -> None:
    blob = encode_weights(_Model([np.ones((3, 4), np.float32), np.zeros(4, np.float32)]))
    assert blob is not None and blob["dtype"] == "<f2" and blob["count"] == 16
    assert valid_weights(blob)
    assert not valid_weights({**blob, "count": 17})
    assert not valid_weights({**blob, "data": blob["data"][:-8] + "!!!!!!!!"})
    huge = encode_weights(_Model([np.full(2, 1e6, np.float32)]))
    assert huge is not None and huge["dtype"] == "<f4" and valid_weights(huge)


def test_submitted_weights_are_read_from_the_exercise_check(tmp_path: Path) -> None:
    nb = notebook(CNN, "solution", SMOKE)
    blob = encode_weights(_Model([np.ones(3, np.float32)]))
    payload = {"schema": "dl-autograder/selfcheck", "exercise": "ex10", "part": "", "values": {},
               "weights": {"ex10": {"Inception": blob, "ResNet": {"dtype": "<f2", "data": "x"}}}}
    check = next(c for c in nb.cells if c.metadata["autograder"]["id"] == "ex10-check")
    check.outputs = [nbformat.v4.new_output("display_data",
                                            data={"application/vnd.dl-autograder.selfcheck+json": payload})]
    raw = nbformat.writes(nb).encode()
    assert submitted_weights(raw, "ex10") == {("ex10", "Inception"): blob}  # the broken one is dropped
    assert submitted_weights(raw, "ex7") == {}


def test_the_self_check_saves_weights_only_for_replayable_exercises() -> None:
    source = next(c.source for c in notebook(CNN, "student", SMOKE).cells
                  if c.metadata["autograder"]["role"] == "selfcheck")
    config = json.loads(source.split("_ag_json.loads(r'''", 1)[1].split("''')", 1)[0])
    assert config["weights"] == {"ex10": [["ex10", "Inception"], ["ex10", "ResNet"]]}


# ---- time budgets from a robust reference ---------------------------------------------------------

def test_budgets_come_from_the_fastest_recorded_run() -> None:
    key = load_key(FULL_KEY)
    reference, rule = api.time_reference(key, FULL_KEY.parent / "runs")
    runs = [json.loads(p.read_text())["wall_seconds"] for p in (FULL_KEY.parent / "runs").glob("ex10-*.json")
            if p.stem.split("-")[1] in ("deterministic", "sheet")]
    assert rule == "fastest_run" and reference["ex10"] == pytest.approx(min(runs), abs=1e-3)
    assert reference["ex10"] < key.timings["ex10"]  # the slowest run was measured under load
    budgets = scoring.budgets(CONTRACT, reference, 60.0, 3.0)
    assert budgets["ex10"] == pytest.approx(3 * min(runs), abs=0.1)
    assert budgets["ex1"] == 60.0  # the floor
    slowest, rule = api.time_reference(key, None)
    assert rule == "slowest_run" and slowest["ex10"] == pytest.approx(key.timings["ex10"], abs=1e-3)


def test_overrides_win_and_budgets_are_recorded_in_seconds() -> None:
    key = load_key(SMOKE_KEY)
    budgets = scoring.budgets(CONTRACT, key.timings, 60.0, 3.0, {"ex3": 7})
    assert budgets["ex3"] == 7.0 and all(isinstance(v, float) for v in budgets.values())


def test_a_copy_of_the_key_elsewhere_finds_no_runs_and_says_so(tmp_path: Path) -> None:
    copy_path = tmp_path / "key.json"
    copy_path.write_bytes(SMOKE_KEY.read_bytes())
    key = load_key(copy_path)
    opts = api.GradeOptions(key_runs_dir=tmp_path / "runs")
    assert api._runs_dir(opts, CNN, key, "x") == tmp_path / "runs"
    assert api.time_reference(key, tmp_path / "runs")[1] == "slowest_run"
    assert copy.deepcopy(opts).audit_share == 0.1
