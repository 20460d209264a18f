"""The README's main command: the built-in example class, graded end to end (smoke profile).

A small class (correct, typical mistakes, broken, hostile, malformed, plus a student who
handed in two notebooks) through discovery, parallel sandboxed grading, reports and exports;
the batch is killed mid-way and resumed without regrading what was finished.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.i18n import Msg
from autograder.results import load_result
from tests.common import CNN, SMOKE_KEY

pytestmark = [pytest.mark.kernel, pytest.mark.training, pytest.mark.slow]
KEY = SMOKE_KEY


def _start(out: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "autograder.cli", "example", "--out", str(out),
                             "--key", str(KEY), "--workers", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def test_example_class_killed_resumed_reported_and_exported(tmp_path: Path, keras_home: Path) -> None:
    from autograder.example import run_example

    out = tmp_path / "example"
    proc = _start(out)
    results = out / "results"
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and not list(results.glob("*.json")):
        time.sleep(1)
    first = {p.name: p.stat().st_mtime_ns for p in results.glob("*.json")}
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert first, "no result was written before the kill"
    assert len(first) < 5, "the batch finished before it could be killed"

    # a student who handed in two notebooks: the newest is graded, the other reported
    ana = out / "submissions" / "Ana Souza_1001_assignsubmission_file_"
    (ana / "rascunho.ipynb").write_bytes((ana / "exercicios.ipynb").read_bytes())
    os.utime(ana / "rascunho.ipynb", (time.time() - 3600, time.time() - 3600))

    said: list[Msg] = []
    assert run_example(CNN, out, KEY, workers=2, echo=said.append) == 0
    assert said[0].id == "example_written" and said[-1].id == "example_done"
    for name, mtime in first.items():
        assert (results / name).stat().st_mtime_ns == mtime, f"{name} was regraded"

    by_student = {r.student.name: r for r in map(load_result, results.glob("*.json"))}
    assert set(by_student) == {"Ana Souza", "Bruno Lima", "Carla Dias", "Diego Rocha", "Eva Martins"}
    assert by_student["Ana Souza"].score == 100
    assert {r.assignment["name"] for r in by_student.values()} == {CNN.name}
    assert "rascunho.ipynb" in (out / "problems.txt").read_text()

    def misconceptions(name: str) -> set[str]:
        r = by_student[name]
        found = {c.misconception.id for e in r.exercises for c in e.checks if c.misconception}
        return found | {n.split(":", 1)[1] for e in r.exercises for n in e.notes
                        if n.startswith("misconception:")}

    assert {"hinge_01_labels", "mean_instead_of_sum", "not_divided_by_255"} <= misconceptions("Bruno Lima")
    carla = {e.id: e for e in by_student["Carla Dias"].exercises}
    assert carla["ex1"].status == "error" and carla["ex1"].error.ename == "NameError"
    assert "lr_keyword" in misconceptions("Carla Dias")
    diego = {e.id: e for e in by_student["Diego Rocha"].exercises}
    assert diego["ex3"].status == "timeout" and diego["ex4"].score == 10
    assert by_student["Eva Martins"].status == "invalid_submission"

    reports = out / "reports"
    assert (reports / "class_summary.html").exists() and (reports / "1002.html").exists()
    summary = (reports / "class_summary.md").read_text()
    assert "Carla Dias" in summary and "Eva Martins" in summary, "failed submissions are listed"
    assert "mean_instead_of_sum" in summary, "common misconceptions are listed"
    # the example shows the grader's real judgement: images not divided by 255 diverge, and a
    # model that is not trained on the asked data earns nothing for its training numbers
    bruno10 = next(e for e in by_student["Bruno Lima"].exercises if e.id == "ex10")
    bands = [c for c in bruno10.checks if c.kind == "band"]
    assert bands and all(c.points == 0 for c in bands), [(c.id, c.points) for c in bands]
    assert bruno10.score < 8.5

    # every exported grade is the result's score, cell by cell
    exports = out / "exports"
    scores = {r.student.id: r.score for r in by_student.values()}
    sheet = _rows((exports / "moodle" / "moodle_grading_worksheet_filled.csv").read_text())
    head = sheet[0]
    ident, grade, maximum = head.index("Identifier"), head.index("Grade"), head.index("Maximum Grade")
    by_participant = {r[ident].removeprefix("Participant "): r for r in sheet[1:]}
    assert set(by_participant) == set(scores)
    for sid, row in by_participant.items():
        expected = scores[sid] * float(row[maximum]) / 100.0
        assert float(row[grade]) == pytest.approx(expected, abs=0.005), (sid, row[grade])
    assert (exports / "moodle" / "feedback_files.zip").stat().st_size > 0
    canvas_rows = _rows((exports / "canvas_gradebook.csv").read_text())
    assert canvas_rows[1][0].strip() == "Points Possible" and float(canvas_rows[1][-1]) == 100.0
    by_sis = {r[2]: r for r in canvas_rows[2:]}
    for sid, score in scores.items():
        cell = by_sis[sid][-1]
        assert (cell == "" and by_student_id(by_student, sid).status == "invalid_submission") or \
            float(cell) == pytest.approx(score, abs=0.005), (sid, cell)
    for path in (exports / "gradescope").glob("*.json"):
        gs = json.loads(path.read_text())
        sid = next(s for s in scores if s in path.name)
        assert gs["score"] == pytest.approx(scores[sid], abs=1e-6)
        assert sum(t.get("score", 0) for t in gs["tests"]) == pytest.approx(gs["score"], abs=1e-6)
    checks = list(csv.DictReader(io.StringIO((exports / "all_checks.csv").read_text())))
    assert len(checks) > 100


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))


def by_student_id(by_student: dict, sid: str):  # type: ignore[no-untyped-def]
    return next(r for r in by_student.values() if r.student.id == sid)
