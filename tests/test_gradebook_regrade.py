"""``autograder regrade``'s logic on the gradebook: only what changed is graded (new submission, new
key, new grader version), from the notebooks the gradebook holds when there is no new download,
history kept; reports rendered again only where the grade, an override or the templates changed.
A fake grade function (no kernel): this is about what gets graded and rendered, not grading."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from autograder.assignment import load_assignment
from autograder.batch.executors import InlineExecutor
from autograder.batch.runner import grade_found
from autograder.gradebook import open_gradebook, regrade
from autograder.keymodel import key_sha256
from tests.test_gradebook import ASSIGNMENT, FakeGrader, notebook

A = load_assignment(ASSIGNMENT)


def run(gb, out: Path, key: Path, path: Path | None = None):
    found = regrade.prepare(gb, A, out, path)
    try:
        return grade_found(
            found,
            key,
            out,
            assignment=A,
            executor=InlineExecutor(FakeGrader(key_sha256(key))),
            gradebook=gb,
            origin="regrade",
        )
    finally:
        regrade.cleanup(out)


def actions(summary) -> dict[str, str]:
    return {r.student_id: r.action for r in summary.rows}


def test_regrade_grades_only_what_changed_and_renders_only_changed_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = tmp_path / "key.json"
    shutil.copy(ASSIGNMENT / "keys" / "smoke" / "key.json", key)
    for sid, score in (("ana", 3), ("bia", 5), ("caio", 7)):
        notebook(tmp_path / "download1" / f"{sid}.ipynb", score)
    out = tmp_path / "out"
    with open_gradebook(tmp_path / "gb.sqlite") as gb:
        first = run(gb, out, key, tmp_path / "download1")
        assert set(actions(first).values()) == {"graded"}
        shutil.rmtree(out / "results")  # only the gradebook remains; no download either

        unchanged = run(gb, out, key)
        assert actions(unchanged) == {"ana": "kept", "bia": "kept", "caio": "kept"}
        assert sorted(p.name for p in (out / "results").glob("*.json")) == [
            "ana.json",
            "bia.json",
            "caio.json",
        ]

        notebook(tmp_path / "download2" / "bia.ipynb", 9)  # bia resubmits late; the others are not in it
        resubmitted = run(gb, out, key, tmp_path / "download2")
        assert actions(resubmitted) == {"ana": "kept", "bia": "graded", "caio": "kept"}
        assert {g.student.lms_id: g.result.score for g in gb.latest(A.name)} == {
            "ana": 3,
            "bia": 9,
            "caio": 7,
        }

        key.write_text(json.dumps(json.loads(key.read_text()), indent=3))  # a new key (same contract)
        rekeyed = run(gb, out, key)
        assert set(actions(rekeyed).values()) == {"graded"}
        assert {g.student.lms_id: g.result.score for g in gb.latest(A.name)} == {
            "ana": 3,
            "bia": 9,
            "caio": 7,
        }
        h = gb.history("bia", A.name)
        assert len(h.submissions) == 2 and [a.origin for a in h.attempts] == ["regrade", "regrade", "regrade"]
        assert {a.key_sha256 for a in h.attempts} == {
            key_sha256(key),
            key_sha256(ASSIGNMENT / "keys" / "smoke" / "key.json"),
        }

        from autograder import __version__

        monkeypatch.setattr("autograder.batch.runner.__version__", __version__ + ".post1")
        new_grader = run(gb, out, key)  # another grader version: graded again
        assert set(actions(new_grader).values()) == {"graded"}
        monkeypatch.undo()

        reports = out / "reports"
        r1 = regrade.render_changed_reports(gb, A, key, reports)
        assert sorted(r1.rendered) == ["ana", "bia", "caio"] and r1.summary
        assert (reports / "bia.html").is_file() and (reports / "class_summary.html").is_file()
        r2 = regrade.render_changed_reports(gb, A, key, reports)
        assert r2.rendered == () and r2.unchanged == 3 and not r2.summary

        gb.override("caio", A.name, "ex1", None, 10.0, who="ta.maria", why="método correto")
        r3 = regrade.render_changed_reports(gb, A, key, reports)
        assert r3.rendered == ("caio",) and r3.summary
        assert "método correto" in (reports / "caio.md").read_text(encoding="utf-8")

        monkeypatch.setattr(regrade, "template_sha256", lambda assignment: "new templates")
        r4 = regrade.render_changed_reports(gb, A, key, reports)
        assert sorted(r4.rendered) == ["ana", "bia", "caio"]  # new templates: reports only, nothing graded
        attempts_before = len(gb.history("ana", A.name).attempts)
        assert set(actions(run(gb, out, key)).values()) == {"kept"}
        assert len(gb.history("ana", A.name).attempts) == attempts_before
