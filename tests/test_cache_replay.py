"""Fast grading: the content cache and replay verification, on real kernels (smoke profile)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat
import pytest

from autograder.api import GradeOptions, grade
from autograder.cache_replay import SELFCHECK_MIME, normalise, submitted_values
from autograder.keymodel import load_key
from tests.common import CNN, SMOKE_KEY

pytestmark = [pytest.mark.kernel, pytest.mark.training, pytest.mark.slow]


def verification(result: Any) -> dict[str, str]:
    return {e.id: e.verification for e in result.exercises if e.id in ("ex1", "ex3", "ex7", "ex8", "ex10")}


def tamper(path: Path, out: Path, ex3_code: str | None = None, scale_loss: float | None = None) -> Path:
    nb = nbformat.read(path, 4)
    for cell in nb.cells:
        meta = cell.metadata["autograder"]
        if ex3_code and meta["id"] == "ex3-answer-1":
            cell.source = cell.source + ex3_code
        for o in cell.get("outputs", []):
            payload = o.get("data", {}).get(SELFCHECK_MIME)
            if scale_loss and payload and payload["exercise"] == "ex10" and not payload["part"]:
                loss = payload["values"]["ex10"]["histInc"]["history"]["loss"]
                loss[:] = [v * scale_loss for v in loss]
    nbformat.write(nb, out)
    return out


def test_normalise_ignores_comments_and_blank_lines() -> None:
    assert normalise("x = 1  \n\n# comentário\n  # outro\ny = 2") == "x = 1\ny = 2"


def test_submitted_values_are_read_from_the_selfcheck_outputs(executed_solution_smoke: Path) -> None:
    values = submitted_values(executed_solution_smoke.read_bytes(), "ex10")
    assert values is not None
    assert values["ex10"]["Inception"]["params"] == 196154
    assert len(values["ex10"]["histInc"]["history"]["loss"]) == 2


def test_cache_and_replay(executed_solution_smoke: Path, tmp_path: Path, keras_home: Path) -> None:
    key = load_key(SMOKE_KEY)
    options = GradeOptions(mode="fast", cache_dir=tmp_path / "cache", replay_epochs=1,
                           datasets_dir=keras_home / "datasets")

    first = grade(executed_solution_smoke, key, CNN, options=options)
    assert first.score == first.max_score
    assert verification(first) == {"ex1": "executed", "ex3": "executed", "ex7": "executed",
                                   "ex8": "executed", "ex10": "replay_verified"}
    assert len(list((tmp_path / "cache").rglob("*.json"))) == 4  # replayed exercises are not cached

    # same code except exercise 3, and exercise 10's recorded losses edited by the student
    edited = tamper(executed_solution_smoke, tmp_path / "edited.ipynb", ex3_code="\n_extra = 1\n",
                    scale_loss=0.5)
    second = grade(edited, key, CNN, options=options)
    assert verification(second) == {"ex1": "cached", "ex3": "executed", "ex7": "cached",
                                    "ex8": "cached", "ex10": "executed"}
    ex10 = next(e for e in second.exercises if e.id == "ex10")
    assert any(n.startswith("replay_mismatch: histInc: loss at epoch 1") for n in ex10.notes)
    lost = [(c.id, c.status, c.message_id, c.params.get("detail")) for e in second.exercises
            for c in e.checks if c.points < c.max_points]
    assert second.score == second.max_score, lost
    # what the cache served is what was executed the first time
    ex8_first = next(e for e in first.exercises if e.id == "ex8")
    ex8_second = next(e for e in second.exercises if e.id == "ex8")
    assert json.dumps(ex8_first.series) == json.dumps(ex8_second.series)
