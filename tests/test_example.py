"""The README's main command: the built-in example class, graded end to end (smoke profile).

A small class (correct, typical mistakes, broken, hostile, malformed, plus a student who
handed in two notebooks) through discovery, parallel sandboxed grading, reports and exports;
the batch is killed mid-way and resumed without regrading what was finished.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

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

    lines: list[str] = []
    assert run_example(CNN, out, KEY, workers=2, echo=lines.append) == 0
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
    exports = out / "exports"
    sheet = (exports / "moodle" / "moodle_grading_worksheet_filled.csv").read_text()
    assert "Participant 1001" in sheet and "100" in sheet
    assert (exports / "moodle" / "feedback_files.zip").stat().st_size > 0
    assert (exports / "canvas_gradebook.csv").read_text().splitlines()[1].startswith("Points Possible")
    gs = json.loads(next((exports / "gradescope").glob("*1001*.json")).read_text())
    assert gs["score"] == 100 and gs["tests"]
    assert len((exports / "all_checks.csv").read_text().splitlines()) > 100
