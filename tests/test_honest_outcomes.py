"""Honest outcomes are never penalised: a dead ReLU output (the constant-zero predictor) is
accepted wherever the sheet's seeding can produce it, and a student who seeds exercise 8 as the
sheet says gets the credit of the grading context the key measured.

The dead outcome's numbers are computed here from the dataset file itself (Keras's own split of
Boston Housing), not taken from the key.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import nbformat
import numpy as np
import pytest

from autograder.checks import evaluate_exercise
from autograder.i18n import translate
from autograder.keymodel import load_key
from tests.common import CNN, FULL_KEY, SMOKE, SMOKE_KEY
from tests.conftest import data_source
from tests.test_checks import perfect, solution_code


def zero_predictor() -> dict[str, float]:
    """MSE and MAE of predicting 0 for every house, on Keras's training and test split
    (``boston_housing.load_data``: shuffled with seed 113, the last 20 % for test)."""
    with np.load(data_source() / "boston_housing.npz") as f:
        y = np.asarray(f["y"], dtype=float)
        x = f["x"]
    order = np.arange(len(x))
    np.random.RandomState(113).shuffle(order)
    y = y[order]
    n = int(len(y) * 0.8)
    train, test = y[:n], y[n:]
    return {"loss": float(np.mean(train ** 2)), "mae": float(np.mean(np.abs(train))),
            "val_loss": float(np.mean(test ** 2)), "val_mae": float(np.mean(np.abs(test)))}


ZERO = zero_predictor()
KEYS = {"smoke": SMOKE_KEY, "full": FULL_KEY}


def test_the_zero_predictor_is_what_the_sheet_reports() -> None:
    """The numbers the guide measured for a dead output: train MSE 586.16, test MSE 615.86."""
    assert round(ZERO["loss"], 2) == 586.16 and round(ZERO["val_loss"], 2) == 615.86


def _grade(key_name: str, extracted: dict[str, Any], exercise: str) -> dict[str, Any]:
    key = load_key(KEYS[key_name])
    profile = CNN.profile(key_name)
    code = solution_code(profile)
    return {c.id: c for c in evaluate_exercise(CNN.contract.exercise(exercise), extracted, key,
                                               CNN.contract, CNN.hooks.own_letters, code.get(exercise, ""))}


@pytest.mark.parametrize("key_name", sorted(KEYS))
def test_a_dead_output_at_any_batch_size_costs_nothing(key_name: str) -> None:
    ans = perfect(KEYS[key_name].parent / "runs")
    batches = list(ans["ex8"]["mse_por_batch"])
    for dead in batches:  # at every batch size in turn, as the sheet's seeding can give it
        one = copy.deepcopy(ans)
        one["ex8"]["mse_por_batch"][dead] = np.float32(ZERO["val_loss"]).item()  # Keras's float32
        c = _grade(key_name, one, "ex8")["ex8.test_mse"]
        assert c.status == "pass" and c.points == c.max_points, (dead, c.params)
        assert c.message_id == "band_map_degenerate" and c.params["degenerate"] == ["dead_relu_output"]
        assert c.params["degenerate_keys"] == [dead]
    everything = copy.deepcopy(ans)
    everything["ex8"]["mse_por_batch"] = {b: ZERO["val_loss"] for b in batches}
    assert _grade(key_name, everything, "ex8")["ex8.test_mse"].points == 2.5


@pytest.mark.parametrize("key_name", sorted(KEYS))
@pytest.mark.parametrize("model,part", [("A", "ex7_a"), ("B", "ex7_b")])
def test_a_dead_output_in_exercise_7_costs_nothing(key_name: str, model: str, part: str) -> None:
    ans = perfect(KEYS[key_name].parent / "runs")
    history = ans[part]["history"]["history"]
    for metric, value in ZERO.items():
        history[metric] = [value] * len(history[metric])
    res = _grade(key_name, ans, "ex7")
    for metric in ("loss", "val_loss", "val_mae"):
        c = res[f"ex7.{model}.{metric}"]
        assert c.status == "pass" and c.points == c.max_points, (metric, c.message_id)
    if key_name == "full":  # 50 epochs: the healthy band is far from the dead outcome
        assert res[f"ex7.{model}.loss"].message_id == "degenerate_accepted"


@pytest.mark.parametrize("key_name", sorted(KEYS))
def test_near_the_dead_outcome_is_not_the_dead_outcome(key_name: str) -> None:
    ans = perfect(KEYS[key_name].parent / "runs")
    first = min(ans["ex8"]["mse_por_batch"], key=int)
    ans["ex8"]["mse_por_batch"][first] = ZERO["val_loss"] * 1.01
    c = _grade(key_name, ans, "ex8")["ex8.test_mse"]
    key = load_key(KEYS[key_name])
    inside = any(lo <= ZERO["val_loss"] * 1.01 <= hi
                 for lo, hi in key.quantity(f"ex8.test_mse.{first}").tolerance["intervals"])
    assert c.message_id != "band_map_degenerate"
    assert (c.status == "pass") is inside


def test_the_key_states_the_rule_and_the_evidence() -> None:
    for path in KEYS.values():
        key = load_key(path)
        for b in key.profile_settings["ex8_batches"]:
            d = key.quantity(f"ex8.test_mse.{b}").degenerate["dead_relu_output"]
            assert d["value"] == pytest.approx(ZERO["val_loss"], rel=1e-9)
        for model in ("A", "B"):
            for metric, value in ZERO.items():
                d = key.quantity(f"ex7.{model}.final.{metric}").degenerate["dead_relu_output"]
                assert d["value"] == pytest.approx(value, rel=1e-9)
        details = key.drift["ex8"].details
        assert details["notebook_runs"] == 2 and details["notebook_runs_identical"] is True
        report = path.with_name("report.md").read_text()
        assert f"## {translate('keyreport_degenerate_heading', CNN.language)}" in report
        assert "dead_relu_output" in report and "notebook_runs_identical" in report
        intro = CNN.key_report_intro("en")
        assert "grading context" in intro and "constant-zero predictor" in intro


# ---- through the real pipeline -------------------------------------------------------------

def _student_notebook(folder: Path) -> Path:
    """The smoke solution as an honest student writes it: exercise 8 seeded as the sheet says
    (numpy and TensorFlow seeds before each model); in exercise 7 the student rebuilt network
    A with another seed (5), whose ReLU output unit is dead from the start; exercise 10 left
    undone (it is not under test and costs the most)."""
    from autograder.authoring import notebook

    nb = notebook(CNN, "solution", SMOKE)
    for cell in nb.cells:
        cid = cell.metadata.get("autograder", {}).get("id")
        if cid == "ex8-answer-2":
            cell.source = "import tensorflow as tf\n" + cell.source.replace(
                "keras.utils.set_random_seed(2)", "np.random.seed(1)\n    tf.random.set_seed(2)")
        elif cid == "ex7-answer-2":
            cell.source = (
                "keras.utils.set_random_seed(5)  # outra semente\n"
                "model1 = keras.Sequential()\n"
                "model1.add(keras.Input(shape=(x_train.shape[1],)))\n"
                "model1.add(keras.layers.Dense(16, activation='relu'))\n"
                "model1.add(keras.layers.Dense(8, activation='relu'))\n"
                "model1.add(keras.layers.Dense(1, activation='relu'))\n" + cell.source)
        elif cid and cid.startswith("ex10-answer"):
            cell.source = "# não fiz\n"
    path = folder / "honesto.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.mark.kernel
@pytest.mark.training
@pytest.mark.slow
def test_an_honest_student_loses_nothing_to_the_seed(tmp_path: Path, keras_home: Path) -> None:
    """Also: a key built with another TensorFlow/Keras is said loudly, end to end."""
    from click.testing import CliRunner

    from autograder.cli import main
    from autograder.results import load_result

    # graded with the smoke key as if built with another TensorFlow/Keras: the drift warning is
    # said loudly in the CLI, the result and the report (and grading is unchanged)
    data = json.loads(SMOKE_KEY.read_text())
    data["environment"] = {**data["environment"], "tensorflow": "2.12.0", "keras": "2.12.0"}
    key = tmp_path / "old_key.json"
    key.write_text(json.dumps(data))
    nb = _student_notebook(tmp_path)
    out = tmp_path / "honesto.result.json"
    res = CliRunner().invoke(main, ["grade", str(nb), "--key", str(key), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "tensorflow 2.12.0" in res.output and "keras 2.12.0" in res.output
    result = load_result(out)
    warnings = result.key["warnings"]
    assert any("tensorflow 2.12.0" in w for w in warnings) and any("keras 2.12.0" in w for w in warnings)
    ex = {e.id: e for e in result.exercises}
    ex8 = {c.id: c for c in ex["ex8"].checks}
    assert ex8["ex8.seeds"].status == "pass", "seeds before each model, inside the loop"
    assert ex8["ex8.test_mse"].points == ex8["ex8.test_mse"].max_points, ex8["ex8.test_mse"].params
    assert ex["ex8"].score == 10
    ex7 = {c.id: c for c in ex["ex7"].checks}
    history = json.loads(json.dumps(ex["ex7"].series["A"]))
    assert history["loss"][-1] == pytest.approx(ZERO["loss"], rel=1e-4), "the output unit is dead"
    for cid in ("ex7.A.loss", "ex7.A.val_loss", "ex7.A.val_mae"):
        assert ex7[cid].status == "pass" and ex7[cid].points == ex7[cid].max_points, cid
    assert all(c.points == c.max_points for c in ex7.values() if c.kind != "letter")

    # the report says what happened, in Portuguese and in English, without a penalty
    for lang, sentence in (("pt", "A unidade de saída ReLU morreu"), ("en", "The ReLU output unit died")):
        reports = tmp_path / f"reports_{lang}"
        (tmp_path / "results").mkdir(exist_ok=True)
        (tmp_path / "results" / out.name).write_bytes(out.read_bytes())
        rep = CliRunner().invoke(main, ["report", str(tmp_path / "results"), "--key", str(key),
                                        "--lang", lang, "--out", str(reports)])
        assert rep.exit_code == 0, rep.output
        md = [p for p in reports.glob("*.md") if not p.name.startswith("class_summary")]
        text = md[0].read_text()
        assert sentence in text, lang
        assert "2.12.0" in text and "2.12.0" in (reports / "class_summary.md").read_text(), lang
