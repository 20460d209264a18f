"""otter-grader interoperability: the master notebook's structure (no otter needed), then
``otter assign`` / ``otter run`` for real (offline, no Docker) when otter is available.

otter-grader pins ``wrapt<2`` while this project's TensorFlow stack has wrapt 2, so otter may
live in a separate environment: ``$OTTER_PYTHON``, else this interpreter, else
``<repo>/.venv-otter/bin/python`` (a venv layered on ``.venv`` through a ``.pth`` file).
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest

from autograder.errors import KeyError_
from autograder.export import otter as otter_export
from tests.common import CNN, CONTRACT, FULL, REPO, SMOKE, SMOKE_KEY, unavailable

KEY = SMOKE_KEY
# checks of the student's source code (kind "source") read no variable: otter cannot test them, so
# the master leaves them, and their points, out (autograder/export/otter.py)
SOURCE_POINTS = sum(c.points for e in CONTRACT.exercises for c in e.checks if c.kind == "source")
OTTER_MAX = CONTRACT.max_score - SOURCE_POINTS
OTTER_TIMEOUT_S = 1200


def find_otter_python() -> str | None:
    """An interpreter that can ``import otter``, or None."""
    candidates = [os.environ.get("OTTER_PYTHON"), sys.executable,
                  str(REPO / ".venv-otter" / "bin" / "python")]
    for python in candidates:
        if not python or not Path(python).exists():
            continue
        probe = subprocess.run([python, "-c", "import otter"], capture_output=True, timeout=120)
        if probe.returncode == 0:
            return python
    return None


# --------------------------------------------------------------------------------------------
# The master notebook (no otter needed)
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def master() -> nbformat.NotebookNode:
    return otter_export.master_notebook(CNN, SMOKE, KEY)


def sources(nb: nbformat.NotebookNode, cell_type: str) -> list[str]:
    return [c.source for c in nb.cells if c.cell_type == cell_type]


def test_master_starts_with_the_assignment_config(master: nbformat.NotebookNode) -> None:
    first = master.cells[0]
    assert first.cell_type == "raw" and first.source.startswith("# ASSIGNMENT CONFIG")
    assert "ok_format: false" in first.source and "run_tests: false" in first.source


def test_one_question_per_part_with_balanced_blocks(master: nbformat.NotebookNode) -> None:
    stack: list[str] = []
    questions: list[tuple[str, float]] = []
    for raw in sources(master, "raw"):
        m = re.match(r"# (BEGIN|END) (QUESTION|SOLUTION|TESTS)", raw)
        if not m:
            continue
        if m.group(1) == "BEGIN":
            stack.append(m.group(2))
            if m.group(2) == "QUESTION":
                name = re.search(r"name: (\w+)", raw)
                points = re.search(r"points: ([\d.]+)", raw)
                assert name and points
                questions.append((name.group(1), float(points.group(1))))
        else:
            assert stack and stack.pop() == m.group(2)
    assert not stack
    assert [q for q, _ in questions] == [p.id for e in CONTRACT.exercises for p in e.parts]
    assert SOURCE_POINTS > 0
    assert math.isclose(sum(p for _, p in questions), OTTER_MAX)


def test_every_check_has_one_hidden_test_and_no_test_reveals_a_public_value(
        master: nbformat.NotebookNode) -> None:
    tests = [s for s in sources(master, "code") if s.startswith('""" # BEGIN TEST CONFIG')]
    hidden = [s for s in tests if "hidden: true" in s]
    public = [s for s in tests if "hidden: false" in s]
    assert len(public) == sum(len(e.parts) for e in CONTRACT.exercises)
    assert all("points: 0\n" in s and "expected" not in s for s in public)
    names = {re.search(r"def (test_\w+)\(", s).group(1) for s in hidden}  # type: ignore[union-attr]
    assert names == {otter_export._function_name(c.id) for e in CONTRACT.exercises for c in e.checks
                     if c.kind != "source"}
    assert all(s.rstrip().endswith("# IGNORE") for s in tests)


def test_student_view_of_the_master_has_no_solution(master: nbformat.NotebookNode) -> None:
    solutions = []
    inside = False
    for cell in master.cells:
        if cell.cell_type == "raw" and cell.source.startswith("# BEGIN SOLUTION"):
            inside = True
        elif cell.cell_type == "raw" and cell.source.startswith("# END SOLUTION"):
            inside = False
        elif inside:
            solutions.append(cell.source)
    letters = [s for s in solutions if s.rstrip().endswith("# SOLUTION")]
    answers = [s for s in solutions if "# BEGIN SOLUTION" in s and s.rstrip().endswith("# END SOLUTION")]
    assert len(letters) == len(CONTRACT.exercises)
    assert len(letters) + len(answers) == len(solutions)
    outside = [c.source for c in master.cells if c.cell_type == "code" and c.source not in solutions
               and not c.source.startswith('"""')]
    assert not any("model1.fit(" in s or "Inception.compile(" in s for s in outside)


def test_a_key_of_another_profile_is_refused() -> None:
    with pytest.raises(KeyError_, match="profile 'smoke'") as raised:
        otter_export.master_notebook(CNN, FULL, KEY)
    assert raised.value.exit_code == 4 and "--profile smoke" in str(raised.value)


def test_unknown_paths_are_refused() -> None:
    read = CONTRACT.reads()["ex7_a:model1"]
    with pytest.raises(otter_export.OtterExportError, match="an otter test cannot read"):
        otter_export.accessor(read, "weights[0]")
    assert otter_export.accessor(CONTRACT.reads()["ex7_b:history"], "history.val_mae[-1]").expression \
        == 'float(value.history["val_mae"][-1])'


# --------------------------------------------------------------------------------------------
# otter assign / otter run
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def otter() -> str:
    python = find_otter_python()
    if python is None:
        unavailable("otter-grader is not importable (install it, or point $OTTER_PYTHON at an "
                    "interpreter that has it, e.g. .venv-otter/bin/python)")
    return python


def run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=OTTER_TIMEOUT_S,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert done.returncode == 0, f"{' '.join(cmd)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def assigned(otter: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("otter")
    path = otter_export.write_master(CNN, root / "master", SMOKE, KEY)
    run([otter, "-m", "otter", "assign", str(path), str(root / "dist")], cwd=root / "master")
    return root / "dist"


def grade(otter: str, dist: Path, submission: Path, out: Path) -> dict[str, Any]:
    zips = sorted((dist / "autograder").glob("*.zip"))
    assert len(zips) == 1
    out.mkdir(parents=True, exist_ok=True)
    run([otter, "-m", "otter", "run", "--no-logo", "-a", str(zips[0]), "-o", str(out), str(submission)],
        cwd=out)
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    scored = [t for t in results["tests"] if "max_score" in t]
    return {"score": sum(t["score"] for t in scored), "max": sum(t["max_score"] for t in scored),
            "tests": scored}


@pytest.mark.otter
def test_otter_assign_accepts_the_master(assigned: Path) -> None:
    student = nbformat.read(assigned / "student" / "cnn_treinamento.ipynb", as_version=4)
    assert list((assigned / "autograder").glob("*.zip"))
    code = "\n".join(line for c in student.cells if c.cell_type == "code"
                     for line in c.source.splitlines() if not line.lstrip().startswith("#"))
    assert "model1.fit(" not in code and "Inception.compile(" not in code
    assert 'resposta_7 = "' not in code and "resposta_7 = ..." in code
    public = json.dumps(student.metadata["otter"]["tests"])
    assert "hidden=True" not in public and "expected" not in public


@pytest.mark.otter
@pytest.mark.kernel
def test_otter_run_gives_the_untouched_student_notebook_zero(
        otter: str, assigned: Path, keras_home: Path, tmp_path: Path) -> None:
    result = grade(otter, assigned, assigned / "student" / "cnn_treinamento.ipynb", tmp_path)
    assert result["max"] == pytest.approx(OTTER_MAX)
    assert result["score"] == 0, [(t["name"], t["score"]) for t in result["tests"] if t["score"]]


@pytest.mark.otter
@pytest.mark.kernel
@pytest.mark.training
def test_otter_run_gives_the_solution_full_marks(
        otter: str, assigned: Path, keras_home: Path, tmp_path: Path) -> None:
    result = grade(otter, assigned, assigned / "autograder" / "cnn_treinamento.ipynb", tmp_path)
    missed = [(t["name"], t["score"], t["output"][-500:]) for t in result["tests"]
              if t["score"] != t["max_score"]]
    assert result["score"] == pytest.approx(OTTER_MAX), missed
