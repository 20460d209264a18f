"""A small class for the review tests, built in seconds: synthetic results made from the contract (the
plain data the grader writes, validated against the result schema when the gradebook records it) and
notebooks generated from the assignment's authored source, recorded in a real SQLite gradebook.

  1001 Ana Souza      full marks; her answers carry outputs
  1002 Bruno Lima     hinge with 0/1 labels (a named misconception), ex7 raised (lr=), a wrong letter
  1003 Carla Dias     an invalid submission
  1004 Diego Alves    ex10 timed out
  1005 Elisa Reis     consistency credit on the ex8 letter
  1006 Fábio Nunes    a grader error, no grade
  1007 Gabriel Costa  Ana's answers with other names, other literals, other comments, the same outputs
  1008 <script>…      a notebook whose markdown and outputs carry script and onerror payloads
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import nbformat
import pytest

from autograder.assignment import Assignment
from autograder.authoring import notebook
from autograder.gradebook import Gradebook, open_gradebook
from autograder.keymodel import key_sha256, load_key
from autograder.results import (
    CellError,
    CheckResult,
    ExerciseResult,
    GradeResult,
    Misconception,
    Student,
    result_from_dict,
    schema,
)
from tests.common import CNN, SMOKE_KEY

XSS_NAME = "<script>window.__xss='name'</script>Xavier"
XSS_MARKDOWN = (
    "\n\n<script>window.__xss = 'markdown'</script>"
    "<img src=x onerror=\"window.__xss='img'\"> <b onmouseover=\"window.__xss='b'\">hover</b>"
    ' <a href="javascript:window.__xss=\'link\'">link</a> <div class="rv-flash notice">fake</div>'
)
XSS_HTML_OUTPUT = (
    "<script>window.__xss='output'</script><img src=x onerror=\"window.__xss='out-img'\">"
    "<svg onload=\"window.__xss='svg'\"><circle r='4'/></svg>"
    "<iframe src=\"javascript:window.__xss='iframe'\"></iframe>"
    "<style>body{display:none}</style><p>visible output</p>"
)
XSS_STREAM = "<script>window.__xss='stream'</script> printed as text\n"
XSS_ERROR = "<img src=x onerror=\"window.__xss='evalue'\">"

STUDENTS = {
    "1001": ("Ana Souza", "ana@example.edu"),
    "1002": ("Bruno Lima", "bruno@example.edu"),
    "1003": ("Carla Dias", "carla@example.edu"),
    "1004": ("Diego Alves", "diego@example.edu"),
    "1005": ("Elisa Reis", "elisa@example.edu"),
    "1006": ("Fábio Nunes", "fabio@example.edu"),
    "1007": ("Gabriel Costa", "gabriel@example.edu"),
    "1008": (XSS_NAME, "x@example.edu"),
}
KEY = load_key(SMOKE_KEY)
KEY_SHA = key_sha256(SMOKE_KEY)


# kinds a result may carry (the contract may be ahead of the result schema while both are edited)
RESULT_KINDS = tuple(schema()["$defs"]["check"]["properties"]["kind"]["enum"])


def _check(c: Any, exercise: str, points: float | None = None, **changes: Any) -> CheckResult:
    kind = c.kind if c.kind in RESULT_KINDS else "exact"
    base = CheckResult(
        c.id,
        exercise,
        kind,
        "pass",
        c.points if points is None else points,
        c.points,
        message_id="letter_correct" if c.kind == "letter" else "ok",
    )
    return dataclasses.replace(base, **changes)


def _series(exercise: str) -> dict[str, Any]:
    if exercise == "ex7":
        return {
            m: {"loss": [90.0, 40.0, 25.0, 20.0], "val_loss": [95.0, 45.0, 30.0, 26.0]} for m in ("A", "B")
        }
    if exercise == "ex8":
        return {"test_mse": {"32": 24.0, "64": 26.0, "128": 31.0, "256": 40.0}}
    return {}


def result_for(student: str, assignment: Assignment = CNN) -> GradeResult:
    """The student's synthetic result (see the module)."""
    name, email = STUDENTS[student]
    who = Student(student, name, email, "moodle")
    common: dict[str, Any] = dict(
        submission_path=f"/submissions/{student}.ipynb",
        submission_sha256="0" * 64,
        student=who,
        graded_at="2024-06-01T12:00:00+00:00",
        grader_version="0.1.0",
        environment={"python": "3.11"},
        key={
            "profile": KEY.profile,
            "sha256": KEY_SHA,
            "warnings": [],
            "drift": {k: d.status for k, d in KEY.drift.items()},
        },
        sandbox={"backend": "bubblewrap", "not_enforced": []},
        assignment=assignment.identity(),
    )
    contract = assignment.contract
    if student == "1006":
        return GradeResult(
            status="grader_error",
            score=0.0,
            max_score=contract.max_score,
            exercises=(),
            messages=("The grader failed on this submission: RuntimeError: worker died.",),
            **common,
        )
    exercises = []
    for e in contract.exercises:
        checks = [_check(c, e.id) for c in e.checks]
        status, error, notes = ("ok" if e.computed else "not_computed"), None, ()
        if student == "1002" and e.id == "ex1":
            checks = [
                _check(
                    c0,
                    e.id,
                    0.0,
                    status="fail",
                    message_id="not_close_hidden",
                    params={"tolerance": "± 0.001"},
                    misconception=Misconception("hinge_01_labels"),
                )
                if c0.id == "ex1.loss_hi"
                else c
                for c, c0 in zip(checks, e.checks, strict=True)
            ]
        if student == "1002" and e.id == "ex2":
            checks = [
                _check(c0, e.id, 0.0, status="fail", message_id="letter_wrong", obtained="a")
                for c0 in e.checks
            ]
        if student == "1002" and e.id == "ex7":
            status = "error"
            error = CellError(
                "ValueError",
                "Argument(s) not recognized: {'lr': 0.02}",
                23,
                3,
                "otimizador = keras.optimizers.Adam(lr=0.02)",
                "Traceback …\nValueError: …",
            )
            checks = [
                c
                if c.kind == "letter"
                else _check(
                    c0, e.id, 0.0, status="not_run", message_id="not_reached", params={"part": "ex7_b"}
                )
                for c, c0 in zip(checks, e.checks, strict=True)
            ]
            notes = ("misconception:lr_keyword",)
        if student == "1003":
            checks, status = [], "not_run"
        if student == "1004" and e.id == "ex10":
            status = "timeout"
            error = CellError("Timeout", "the exercise's time budget of 300 s ran out", 41, None, "", "")
            checks = [
                _check(c0, e.id, 0.0, status="not_run", message_id="not_reached", params={"part": "ex10"})
                for c0 in e.checks
            ]
        if student == "1005" and e.id == "ex8":
            checks = [
                _check(
                    c0,
                    e.id,
                    c0.points * contract.consistency_credit,
                    message_id="letter_consistent",
                    obtained="b",
                    params={"credit": contract.consistency_credit},
                )
                if c0.kind == "letter"
                else c
                for c, c0 in zip(checks, e.checks, strict=True)
            ]
        score = round(sum(c.points for c in checks), 6)
        exercises.append(
            ExerciseResult(
                e.id,
                e.number,
                status,
                score,
                e.points,  # type: ignore[arg-type]
                "executed" if e.computed else "not_executed",
                tuple(checks),
                error,
                2.0,
                notes,
                _series(e.id) if status == "ok" else {},
            )
        )
    score = round(sum(e.score for e in exercises), 6)
    status = "invalid_submission" if student == "1003" else "graded"
    messages = ("No cell of this notebook carries the assignment's tags.",) if student == "1003" else ()
    return GradeResult(
        status=status,
        score=score,
        max_score=contract.max_score,  # type: ignore[arg-type]
        exercises=tuple(exercises),
        messages=messages,
        **common,
    )


# ---- notebooks ----------------------------------------------------------------------------------------


def _answer_outputs(nb: nbformat.NotebookNode, run: str, timing: str = "12ms/step") -> None:
    """Outputs for the answer cells as a student's run leaves them: numbers of their own run
    (``run``), and timings."""
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and cell.metadata.get("autograder", {}).get("role") == "answer":
            cell.outputs = [
                nbformat.v4.new_output(
                    "stream", name="stdout", text=f"answer {i}: loss 0.{run}\n1/1 - 0s - {timing}\n"
                )
            ]
            cell.execution_count = i


RENAMES = {"y_clas": "classes_pred", "hi_mult": "margem", "y_hat_hi": "saida_hinge", "yh": "rotulos"}


def _disguise(source: str) -> str:
    """The same code with other names, other literals and other comments."""
    out = source
    for old, new in RENAMES.items():
        out = re.sub(rf"\b{old}\b", new, out)
    out = re.sub(r"#[^\n]*", "# copiado? não", out)
    return out.replace(".00001", "1e-9")


def notebook_for(student: str, assignment: Assignment = CNN) -> bytes:
    nb = notebook(assignment, "solution", "smoke")
    # Gabriel's outputs are Ana's (copied with the notebook), but his run took another time
    _answer_outputs(
        nb, "1001" if student == "1007" else student, "15ms/step" if student == "1007" else "12ms/step"
    )
    if student == "1002":  # Bruno wrote his own ex1 (and added a cell)
        for cell in nb.cells:
            if cell.metadata.get("autograder", {}).get("id") == "ex1-answer-1":
                cell.source = (
                    "from sklearn.linear_model import LogisticRegression\nm = LogisticRegression()\n"
                )
        nb.cells.insert(6, nbformat.v4.new_code_cell("print('my own cell')"))
    if student == "1007":
        for cell in nb.cells:
            if cell.metadata.get("autograder", {}).get("role") == "answer":
                cell.source = _disguise(cell.source)
                cell.execution_count = (cell.execution_count or 0) + 100
    if student == "1008":
        md = next(
            c for c in nb.cells if c.cell_type == "markdown" and c.metadata["autograder"]["exercise"] == "ex1"
        )
        md.source += XSS_MARKDOWN
        answer = next(c for c in nb.cells if c.metadata.get("autograder", {}).get("id") == "ex1-answer-1")
        answer.outputs = [
            nbformat.v4.new_output("display_data", data={"text/html": XSS_HTML_OUTPUT, "text/plain": "x"}),
            nbformat.v4.new_output("stream", name="stdout", text=XSS_STREAM),
            nbformat.v4.new_output(
                "error",
                ename="ValueError",
                evalue=XSS_ERROR,
                traceback=[f"\x1b[31mValueError\x1b[0m: {XSS_ERROR}"],
            ),
        ]
        answer.source += "\n# <script>window.__xss='source'</script>"
    return nbformat.writes(nb).encode("utf-8")


def build_gradebook(path: Path, students: tuple[str, ...] = tuple(STUDENTS)) -> Gradebook:
    """A SQLite gradebook at ``path`` with the class above (each result with its notebook)."""
    gb = open_gradebook(path)
    for s in students:
        result = result_for(s)
        nb = notebook_for(s)
        gb.record(
            result.to_json(),
            notebook=nb,
            source_file=f"Moodle/{s}_assignsubmission_file_/nb.ipynb",
            late=s == "1004",
            late_info={"late": s == "1004", "layout": "moodle"},
        )
    return gb


@pytest.fixture()
def gradebook(tmp_path: Path) -> Gradebook:
    gb = build_gradebook(tmp_path / "gradebook.sqlite")
    yield gb
    gb.close()


def test_the_synthetic_results_are_valid_results() -> None:
    """Every result is what the schema accepts, and each student is what the module says."""
    results = {s: result_from_dict(json.loads(result_for(s).to_json())) for s in STUDENTS}
    assert results["1001"].score == results["1001"].max_score == CNN.contract.max_score
    assert results["1002"].score < results["1001"].score
    assert results["1003"].status == "invalid_submission"
    assert next(e for e in results["1004"].exercises if e.id == "ex10").status == "timeout"
    assert any(c.message_id == "letter_consistent" for e in results["1005"].exercises for c in e.checks)
    assert results["1006"].status == "grader_error"


def test_the_class_is_in_the_gradebook(gradebook: Gradebook) -> None:
    grades = gradebook.latest(CNN.name)
    assert {g.student.lms_id for g in grades} == set(STUDENTS) - {"1006"}  # a grader error is no grade
    assert gradebook.notebook(grades[0].submission.sha256) is not None
