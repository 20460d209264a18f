"""Fast grading: the content cache and replay verification, on real kernels (smoke profile).

The submissions are the smoke solution notebook as a student runs it (its self-check outputs,
values and trained weights, saved in the file), then edited the way a student would edit a
notebook's JSON to forge a result."""

from __future__ import annotations

import base64
import dataclasses
import json
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
import numpy as np
import pytest

from autograder.api import GradeOptions, grade
from autograder.assignment import Assignment
from autograder.cache_replay import SELFCHECK_MIME, normalise, submitted_values, submitted_weights
from autograder.contract import parse_contract
from autograder.i18n import render
from autograder.keymodel import load_key
from tests.common import CNN, SMOKE, SMOKE_KEY
from tests.test_fast_rules import SHEET_SEEDED_EX8

pytestmark = [pytest.mark.kernel, pytest.mark.training, pytest.mark.slow]


def verification(result: Any) -> dict[str, str]:
    return {e.id: e.verification for e in result.exercises if e.id in ("ex1", "ex3", "ex7", "ex8", "ex10")}


def ex10_payload(nb: Any) -> dict[str, Any]:
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            payload = o.get("data", {}).get(SELFCHECK_MIME)
            if payload and payload["exercise"] == "ex10" and not payload["part"]:
                return dict(payload)
    raise AssertionError("the executed notebook has no exercise-level check of ex10")


def tamper(path: Path, out: Path, ex3_code: str | None = None, ex8_code: str | None = None,
           payload: Callable[[dict[str, Any]], None] | None = None) -> Path:
    nb = nbformat.read(path, 4)
    for cell in nb.cells:
        meta = cell.metadata["autograder"]
        if ex3_code and meta["id"] == "ex3-answer-1":
            cell.source = cell.source + ex3_code
        if ex8_code and meta["id"] == "ex8-answer-2":
            cell.source = ex8_code
    if payload:
        payload(ex10_payload(nb))
    nbformat.write(nb, out)
    return out


@pytest.fixture(scope="module")
def only_ex10() -> Assignment:
    """The real assignment with its contract restricted to exercise 10 (the one fast mode
    replays); the authored cells and the contract's identity are the real ones'."""
    data = json.loads(CNN.path("contract.json").read_text())
    data = {**data, "exercises": [e for e in data["exercises"] if e["id"] == "ex10"]}
    restricted = dataclasses.replace(CNN)
    restricted.__dict__.update(contract=parse_contract(data), authored=CNN.authored)
    return restricted


def fast(tmp_path: Path, keras_home: Path, **kw: Any) -> GradeOptions:
    return GradeOptions(mode="fast", cache_dir=tmp_path / "cache", replay_epochs=1,
                        datasets_dir=keras_home / "datasets", **{"audit_share": 0.0, **kw})


def test_normalise_ignores_comments_and_blank_lines() -> None:
    assert normalise("x = 1  \n\n# comentário\n  # outro\ny = 2") == "x = 1\ny = 2"


def test_the_self_check_saves_values_and_compact_weights(executed_solution_smoke: Path) -> None:
    raw = executed_solution_smoke.read_bytes()
    values = submitted_values(raw, "ex10")
    assert values is not None
    assert values["ex10"]["Inception"]["params"] == 196154
    assert len(values["ex10"]["histInc"]["history"]["loss"]) == SMOKE.ex10_epochs
    weights = submitted_weights(raw, "ex10")
    assert set(weights) == {("ex10", "Inception"), ("ex10", "ResNet")}
    assert {w["count"] for w in weights.values()} == {196154, 186058}
    # float16, deflated, base64: what the weights add to the notebook (README, fast mode)
    added = sum(len(w["data"]) for w in weights.values())
    assert all(w["dtype"] == "<f2" for w in weights.values()) and added < 1.05e6, added


def test_cache_and_replay(executed_solution_smoke: Path, tmp_path: Path, keras_home: Path) -> None:
    """Exercise 8 seeded as the sheet says is executed every time; the others are cached; a
    replay whose first epoch disagrees with the submission is executed in full."""
    key = load_key(SMOKE_KEY)
    options = fast(tmp_path, keras_home)
    sheet = tamper(executed_solution_smoke, tmp_path / "sheet.ipynb", ex8_code=SHEET_SEEDED_EX8)

    first = grade(sheet, key, CNN, options=options)
    assert verification(first) == {"ex1": "executed", "ex3": "executed", "ex7": "executed",
                                   "ex8": "executed", "ex10": "replay_verified"}
    assert first.sandbox["mode"] == "fast" and first.sandbox["audited"] is False
    ex10 = next(e for e in first.exercises if e.id == "ex10")
    assert ex10.score == ex10.max_score, [(c.id, c.status) for c in ex10.checks]
    # ex1, ex3, ex7; the sheet-seeded ex8 and the replayed ex10 are not cached
    assert len(list((tmp_path / "cache").rglob("*.json"))) == 3

    def scale_first_epoch(payload: dict[str, Any]) -> None:
        loss = payload["values"]["ex10"]["histInc"]["history"]["loss"]
        loss[:] = [v * 0.5 for v in loss]

    edited = tamper(sheet, tmp_path / "edited.ipynb", ex3_code="\n_extra = 1\n", payload=scale_first_epoch)
    second = grade(edited, key, CNN, options=options)
    assert verification(second) == {"ex1": "cached", "ex3": "executed", "ex7": "cached",
                                    "ex8": "executed", "ex10": "executed"}
    ex10 = next(e for e in second.exercises if e.id == "ex10")
    mismatch = [n for n in ex10.notes if n.startswith("replay_mismatch:")]
    assert mismatch and mismatch[0].startswith("replay_mismatch:replay_epoch:"), ex10.notes
    ex7_first = next(e for e in first.exercises if e.id == "ex7")
    ex7_second = next(e for e in second.exercises if e.id == "ex7")
    assert json.dumps(ex7_first.series) == json.dumps(ex7_second.series)  # what the cache served


def _edit_final_score(payload: dict[str, Any]) -> None:
    payload["values"]["ex10"]["score1"][1] = 0.93  # a forged test accuracy for Inception


def _edit_last_epoch(payload: dict[str, Any]) -> None:
    payload["values"]["ex10"]["histResNet"]["history"]["loss"][-1] = 0.001  # "it converged"


def _edit_weights(payload: dict[str, Any]) -> None:
    blob = payload["weights"]["ex10"]["Inception"]
    flat = np.frombuffer(zlib.decompress(base64.b64decode(blob["data"])), dtype=blob["dtype"]).copy()
    flat *= 1.5  # every weight scaled: a model that is not the one trained
    blob["data"] = base64.b64encode(zlib.compress(flat.tobytes(), 9)).decode("ascii")


@pytest.mark.parametrize("edit, reason", [
    (_edit_final_score, "replay_score"),
    (_edit_last_epoch, "replay_last_epoch"),
    (_edit_weights, "replay_score"),
], ids=["edited final score", "edited last epoch", "edited weights"])
def test_a_forged_submission_is_executed_in_full(edit: Callable[[dict[str, Any]], None], reason: str,
                                                 executed_solution_smoke: Path, tmp_path: Path,
                                                 keras_home: Path, only_ex10: Assignment) -> None:
    path = tamper(executed_solution_smoke, tmp_path / "forged.ipynb", payload=edit)
    result = grade(path, load_key(SMOKE_KEY), only_ex10, options=fast(tmp_path, keras_home))
    (ex10,) = result.exercises
    assert ex10.verification == "executed" and ex10.status == "ok"
    mismatch = [n for n in ex10.notes if n.startswith("replay_mismatch:")]
    assert mismatch and mismatch[0].startswith(f"replay_mismatch:{reason}:"), ex10.notes
    assert "re-executado por completo" in render_note(mismatch[0])
    # graded on the grader's own run, not on the forged values
    score1 = next(c for c in ex10.checks if c.id == "ex10.Inception.test_accuracy")
    assert score1.obtained != 0.93


def render_note(note: str) -> str:
    from autograder.report import note_text

    text = note_text(note, "pt")
    assert "{" not in text and "replay_" not in text, text
    return text


def test_the_audit_re_executes_a_drawn_submission_in_full(executed_solution_smoke: Path, tmp_path: Path,
                                                          keras_home: Path, only_ex10: Assignment) -> None:
    result = grade(executed_solution_smoke, load_key(SMOKE_KEY), only_ex10,
                   options=fast(tmp_path, keras_home, audit_share=1.0))
    (ex10,) = result.exercises
    assert ex10.verification == "executed" and "audit" in ex10.notes
    assert result.sandbox["audited"] is True and result.sandbox["audit_share"] == 1.0
    assert render("note_audit", "pt").startswith("Auditoria")
