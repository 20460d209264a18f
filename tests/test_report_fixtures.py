"""Synthetic grading results for the report and export tests (no kernels, no training).

The results go through the real pure steps of the pipeline (``checks.evaluate_exercise`` and
``scoring.exercise_result``) on answers built from the smoke key, so message ids, params and
series are what the grader really produces. Four students:

  ana    full marks
  bruno  misconceptions (hinge with 0/1 labels, mean instead of sum), wrong letters, an
         out-of-band MSE in exercise 8 and exercise 7 failing with the Keras 3 ``lr=`` error
  carla  an invalid submission (not the assignment's notebook)
  diego  exercise 10 timed out (the cell was interrupted; the kernel survived)
"""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from autograder import checks, scoring
from autograder.assignment import Assignment
from autograder.contract import Contract
from autograder.execute import ExerciseRun
from autograder.i18n import encode
from autograder.keymodel import AnswerKey, load_key
from autograder.results import CellError, ExerciseResult, GradeResult, Student
from tests.common import CNN, SMOKE_KEY

KEY_PATH = SMOKE_KEY
_TOKEN = re.compile(r"\.?([A-Za-z_][A-Za-z0-9_]*)|\[(-?\d+)\]|\[([A-Za-z_][A-Za-z0-9_,]*)\]")

KEY_WARNING = ("Key built with TensorFlow 2.21.0, grading ran TensorFlow 2.20.0: training numbers "
               "may differ.")
SANDBOX = {"backend": "none", "enforced": {"time": "kernel interrupt"},
           "not_enforced": ["memory (no cgroup v2 delegation here)"],
           "budgets_s": {f"ex{n}": 60.0 for n in range(1, 10)} | {"ex10": 300.0},
           "time_reference_rule": "fastest_run", "time_factor": 3.0, "time_floor_s": 60.0,
           "memory_mb": 4096}
LR_ERROR = CellError(
    ename="ValueError", evalue="Argument(s) not recognized: {'lr': 0.02}", cell_index=23, line=3,
    code_line="otimizador = keras.optimizers.Adam(lr=0.02)",
    traceback="Traceback (most recent call last):\n  Cell In[24], line 3\nValueError: Argument(s) "
              "not recognized: {'lr': 0.02}")
TIMEOUT = CellError(ename="Timeout", evalue="the exercise's time budget of 300 s ran out",
                    cell_index=41, line=None, code_line="", traceback="")


def _put(container: Any, key: Any, tokens: list[tuple[str, str, str]], value: Any) -> None:
    """Set ``value`` at the contract path ``tokens`` below ``container[key]`` (the inverse of
    ``checks.resolve`` for the paths the contract uses)."""
    if not tokens:
        container[key] = value
        return
    name, index, fields = tokens[0]
    if fields:
        container[key] = [dict(zip(fields.split(","), row, strict=True)) for row in value]
        return
    if name:
        child = container[key] if isinstance(container, dict) and isinstance(container.get(key), dict) else {}
        container[key] = child
        _put(child, name, tokens[1:], value)
        return
    i = int(index)
    child = container.get(key) if isinstance(container.get(key), list) else []
    while len(child) < (i + 1 if i >= 0 else 1):
        child.append(None)
    container[key] = child
    _put(child, i, tokens[1:], value)


def correct_answers(contract: Contract, key: AnswerKey) -> dict[str, dict[str, dict[str, Any]]]:
    """exercise id -> extracted answers (part -> name -> value) that pass every check."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for e in contract.exercises:
        parts: dict[str, dict[str, Any]] = {p.id: {} for p in e.parts}
        for c in e.checks:
            if c.kind == "ordering" or not c.read:  # orderings, and checks of the code itself
                continue
            part, name = c.read.split(":", 1)
            if c.kind == "letter":
                parts[part][name] = key.letter(e.number)
            elif c.kind == "band_map":
                prefix = c.key + "."
                parts[part][name] = {q[len(prefix):]: key.quantities[q].value
                                     for q in key.quantities if q.startswith(prefix)}
            else:
                tokens = [tuple(m.groups("")) for m in _TOKEN.finditer(c.path)] if c.path else []
                _put(parts[part], name, tokens, copy.deepcopy(key.quantity(c.key).value))  # type: ignore[arg-type]
        out[e.id] = parts
    # whole curves for the plots (the checks read only the last epoch)
    for label, part, name in (("A", "ex7_a", "history"), ("B", "ex7_b", "history")):
        h = out["ex7"][part][name]["history"]
        for metric in ("loss", "val_loss"):
            h[metric] = list(key.quantity(f"ex7.{label}.curve.{metric}").value)
        for metric in ("mae", "val_mae"):
            h[metric] = [key.quantity(f"ex7.{label}.final.{metric}").value] * len(h["loss"])
    for label, name in (("Inception", "histInc"), ("ResNet", "histResNet")):
        out["ex10"]["ex10"][name]["history"] = {"loss": list(key.quantity(f"ex10.{label}.curve.loss").value)}
    return out


def solution_code() -> dict[str, str]:
    """Exercise id -> the code the solution notebook's answer cells hold (for the source checks)."""
    import nbformat

    from autograder.authoring import authored_cells, notebook
    from autograder.prepare import plan, student_code

    profile = CNN.profile(load_key(KEY_PATH).profile)
    raw = nbformat.writes(notebook(CNN, "solution", profile)).encode()
    return student_code(plan(raw, authored_cells(CNN.authored, profile), CNN.contract))


def _grade(student: Student, contract: Contract, key: AnswerKey,
           runs: dict[str, ExerciseRun]) -> GradeResult:
    exercises = []
    code = solution_code()
    for e in contract.exercises:
        run = runs[e.id]
        results = checks.evaluate_exercise(e, run.extracted, key, contract, CNN.hooks.own_letters,
                                           code.get(e.id, ""))
        exercises.append(scoring.exercise_result(e.id, e.number, e.computed, run, results,
                                                 series=CNN.series_reads(e.id)))
    score, max_score = scoring.totals(exercises)
    return GradeResult(
        submission_path=f"/submissions/{student.id}.ipynb", submission_sha256="0" * 64,
        student=student, status="graded", score=score, max_score=max_score,
        exercises=tuple(exercises), graded_at="2024-06-01T12:00:00+00:00", grader_version="0.1.0",
        environment={"python": "3.11.7"},
        key={"profile": key.profile, "sha256": "f" * 64, "warnings": [KEY_WARNING],
             "drift": {k: d.status for k, d in key.drift.items()}},
        sandbox=SANDBOX, assignment=CNN.identity())


def _ok(exercise: str, extracted: dict[str, dict[str, Any]]) -> ExerciseRun:
    return ExerciseRun(exercise, "ok", None, 1.5, extracted)


def build_results(contract: Contract, key: AnswerKey) -> dict[str, GradeResult]:
    good = correct_answers(contract, key)
    runs = {eid: _ok(eid, parts) for eid, parts in good.items()}
    ana = _grade(Student("1001", "Ana Souza", "ana@example.edu", "moodle"), contract, key, runs)

    bad = copy.deepcopy(good)
    bad["ex1"]["ex1"]["loss_hi"] = key.quantity("ex1.loss_hi").variants["hinge_01_labels"]
    bad["ex1"]["ex1"]["resposta_1"] = "b"  # official (d)
    bad["ex2"]["ex2"]["resposta_2"] = "a"  # official (c)
    bad["ex3"]["ex3"]["loss_ec"] = key.quantity("ex3.loss_ec").variants["mean_instead_of_sum"]
    bad["ex8"]["ex8"]["mse_por_batch"]["256"] = 512.0  # outside the band of honest results
    ex7 = {k: v for k, v in bad["ex7"].items() if k != "ex7_b"}
    ex7["ex7_b"] = {"resposta_7": key.letter(7)}  # after the error only the letter cell is read
    bruno_runs = {eid: _ok(eid, parts) for eid, parts in bad.items()}
    bruno_runs["ex7"] = ExerciseRun("ex7", "error", LR_ERROR, 3.0, ex7, misconceptions=("lr_keyword",))
    bruno = _grade(Student("1002", "Bruno Lima", "bruno@example.edu", "moodle"), contract, key, bruno_runs)

    carla = GradeResult(
        submission_path="/submissions/carla.ipynb", submission_sha256="1" * 64,
        student=Student("1003", "Carla Dias", "carla@example.edu", "moodle"),
        status="invalid_submission", score=0.0, max_score=contract.max_score,
        exercises=tuple(ExerciseResult(e.id, e.number, "not_run", 0.0, e.points, "not_executed", ())
                        for e in contract.exercises),
        graded_at="2024-06-01T12:00:00+00:00", grader_version="0.1.0", environment={},
        key={"profile": key.profile, "sha256": "f" * 64, "warnings": [KEY_WARNING]}, sandbox={},
        assignment=CNN.identity(),
        messages=(encode("not_handed_out"),))

    diego_runs = dict(runs)
    diego_runs["ex10"] = ExerciseRun(
        "ex10", "timeout", TIMEOUT, 300.0,
        {"ex10_dados": good["ex10"]["ex10_dados"], "ex10": {"resposta_10": key.letter(10)}},
        notes=("interrupted",))
    diego = _grade(Student("1004", "Diego Alves", "diego@example.edu", "moodle"), contract, key, diego_runs)
    return {"ana": ana, "bruno": bruno, "carla": carla, "diego": diego}


# Fixtures are named with ``name=`` so test modules can import them (``from
# tests.test_report_fixtures import results_fixture``) without shadowing their arguments.
@pytest.fixture(scope="session", name="contract")
def contract_fixture() -> Contract:
    return CNN.contract


@pytest.fixture(scope="session", name="assignment")
def assignment_fixture() -> Assignment:
    return CNN


@pytest.fixture(scope="session", name="key")
def key_fixture() -> AnswerKey:
    return load_key(KEY_PATH)


@pytest.fixture(scope="session", name="results")
def results_fixture(assignment: Assignment, key: AnswerKey) -> dict[str, GradeResult]:
    return build_results(assignment.contract, key)


def test_fixture_results_are_what_the_tests_expect(results: dict[str, GradeResult]) -> None:
    ana, bruno, carla, diego = (results[k] for k in ("ana", "bruno", "carla", "diego"))
    assert ana.score == ana.max_score == 100
    assert bruno.score < 80
    ex7 = next(e for e in bruno.exercises if e.id == "ex7")
    assert ex7.status == "error" and ex7.error == LR_ERROR
    assert any(c.misconception and c.misconception.id == "hinge_01_labels"
               for e in bruno.exercises for c in e.checks)
    assert carla.status == "invalid_submission" and carla.score == 0
    assert next(e for e in diego.exercises if e.id == "ex10").status == "timeout"
    assert set(next(e for e in ana.exercises if e.id == "ex7").series) == {"A", "B"}
