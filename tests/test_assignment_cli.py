"""What a user of the command line notices about assignments as plug-ins (no kernel, no training).

Each command names its assignment (``--assignment NAME|PATH``); a notebook, key or result of
another assignment is refused (exit 9) with a sentence saying whose it is; an assignment that does
not exist is exit 8; results record which assignment they belong to.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner, Result

from autograder.authoring import notebook
from autograder.cli import main
from autograder.results import load_result
from tests.common import CNN, SMOKE, SMOKE_KEY

AUTOGRADER = Path(sys.executable).with_name("autograder")


def cli(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def student_notebook(path: Path, assignment: str | None = None) -> Path:
    """The smoke student notebook, optionally claiming to belong to ``assignment``."""
    nb = notebook(CNN, "student", SMOKE)
    if assignment is not None:
        nb.metadata["autograder"]["assignment"] = assignment
    nbformat.write(nb, path)
    return path


def edited_key(path: Path, **identity: str) -> Path:
    """A copy of the smoke key whose ``assignment`` identity is changed."""
    data = json.loads(SMOKE_KEY.read_text(encoding="utf-8"))
    data["assignment"] = {**data["assignment"], **identity}
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def malformed_notebook(path: Path) -> Path:
    path.write_text('{"cells": [ {"cell_type": "code", ', encoding="utf-8")
    return path


# ---- the entry points ----------------------------------------------------------------------------

def test_python_m_autograder_help_works() -> None:
    done = subprocess.run([sys.executable, "-m", "autograder", "--help"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Usage:")
    for command in ("grade", "grade-batch", "report", "export", "example", "assignment", "key", "data"):
        assert f"  {command} " in done.stdout, command


def test_assignment_list_names_the_installed_assignment() -> None:
    res = cli("assignment", "list")
    assert res.exit_code == 0, res.output
    line = next(x for x in res.output.splitlines() if x.startswith(CNN.name))
    assert CNN.version in line and str(CNN.root) in line


# ---- autograder assignment build --check ---------------------------------------------------------

def test_build_check_passes_on_the_committed_notebooks() -> None:
    res = cli("assignment", "build", "--check", "--assignment", CNN.name)
    assert res.exit_code == 0, res.output
    assert "out of date" not in res.output
    done = subprocess.run([str(AUTOGRADER), "assignment", "build", "--check", "--assignment", CNN.name],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def test_build_check_names_a_stale_notebook_and_build_fixes_it(tmp_path: Path) -> None:
    folder = tmp_path / "cnn_copy"
    shutil.copytree(CNN.root, folder, ignore=shutil.ignore_patterns("__pycache__", "keys"))
    student = folder / "generated" / "student.ipynb"
    nb = nbformat.read(student, as_version=4)
    nb.cells[0].source += "\nEditado à mão."
    nbformat.write(nb, student)
    res = cli("assignment", "build", "--check", "--assignment", folder)
    assert res.exit_code == 1, res.output
    assert f"out of date: {student}" in res.output
    assert "solution.ipynb" not in res.output
    assert "autograder assignment build --assignment" in res.output
    res = cli("assignment", "build", "--assignment", folder)
    assert res.exit_code == 0, res.output
    assert cli("assignment", "build", "--check", "--assignment", folder).exit_code == 0
    assert student.read_bytes() == (CNN.generated_dir / "student.ipynb").read_bytes()


# ---- an assignment that does not exist: exit 8 -----------------------------------------------------

@pytest.mark.parametrize("command", [
    ["grade", "{nb}", "--key", str(SMOKE_KEY)],
    ["grade-batch", "{dir}", "--out", "{out}"],
    ["report", "{dir}", "--out", "{out}"],
    ["export", "csv", "{dir}", "--out", "{out}/all.csv"],
    ["example", "--out", "{out}"],
    ["assignment", "build", "--check"],
    ["assignment", "notebooks", "--out", "{out}"],
], ids=lambda c: " ".join(c[:2]) if c[0] in ("export", "assignment") else c[0])
def test_an_unknown_assignment_exits_8(tmp_path: Path, command: list[str]) -> None:
    nb = student_notebook(tmp_path / "aluno.ipynb")
    fill = {"nb": str(nb), "dir": str(tmp_path), "out": str(tmp_path / "out")}
    res = cli(*[part.format(**fill) for part in command], "--assignment", "nao_existe")
    assert res.exit_code == 8, res.output
    assert "No assignment 'nao_existe'" in res.output and CNN.name in res.output  # says which exist


def test_a_folder_that_is_not_an_assignment_exits_8(tmp_path: Path) -> None:
    nb = student_notebook(tmp_path / "aluno.ipynb")
    empty = tmp_path / "not_an_assignment"
    empty.mkdir()
    res = cli("grade", nb, "--key", SMOKE_KEY, "--assignment", empty)
    assert res.exit_code == 8, res.output
    assert "not an assignment folder" in res.output


# ---- a notebook, key or result of another assignment: exit 9 ---------------------------------------

def test_a_notebook_of_another_assignment_exits_9(tmp_path: Path) -> None:
    nb = student_notebook(tmp_path / "outra.ipynb", assignment="outra_folha")
    out = tmp_path / "result.json"
    res = cli("grade", nb, "--assignment", CNN.name, "--key", SMOKE_KEY, "--out", out)
    assert res.exit_code == 9, res.output
    assert "The notebook belongs to the assignment 'outra_folha', not 'cnn_treinamento'" in res.output
    assert "--assignment outra_folha" in res.output  # what to do
    assert not out.exists()


@pytest.mark.parametrize("with_assignment", [True, False], ids=["--assignment", "from the notebook"])
def test_a_key_of_another_assignment_exits_9(tmp_path: Path, with_assignment: bool) -> None:
    nb = student_notebook(tmp_path / "aluno.ipynb")
    key = edited_key(tmp_path / "key.json", name="outra_folha")
    out = tmp_path / "result.json"
    named = ["--assignment", CNN.name] if with_assignment else []
    res = cli("grade", nb, "--key", key, "--out", out, *named)
    assert res.exit_code == 9, res.output
    assert "The answer key belongs to assignment 'outra_folha', not 'cnn_treinamento'" in res.output
    assert not out.exists()


def test_a_key_of_another_contract_version_exits_9(tmp_path: Path) -> None:
    nb = student_notebook(tmp_path / "aluno.ipynb")
    key = edited_key(tmp_path / "key.json", contract_sha256="0" * 64)
    res = cli("grade", nb, "--assignment", CNN.name, "--key", key)
    assert res.exit_code == 9, res.output
    assert "another version of 'cnn_treinamento'" in res.output and "autograder key build" in res.output


@pytest.mark.parametrize("command", [
    ["grade-batch", "{dir}", "--out", "{out}"],
    ["report", "{dir}", "--out", "{out}"],
    ["export", "gradescope-bundle", "--out", "{out}"],
], ids=lambda c: c[0] if c[0] != "export" else "export gradescope-bundle")
def test_other_commands_refuse_a_key_of_another_assignment(tmp_path: Path, command: list[str]) -> None:
    (tmp_path / "results").mkdir()
    key = edited_key(tmp_path / "key.json", name="outra_folha")
    fill = {"dir": str(tmp_path / "results"), "out": str(tmp_path / "out")}
    res = cli(*[part.format(**fill) for part in command], "--assignment", CNN.name, "--key", key)
    assert res.exit_code == 9, res.output
    assert "belongs to assignment 'outra_folha'" in res.output


def test_a_result_of_another_assignment_is_not_reported_as_this_one(tmp_path: Path) -> None:
    results = tmp_path / "results"
    results.mkdir()
    ours = cli("grade", malformed_notebook(tmp_path / "nosso.ipynb"), "--assignment", CNN.name,
               "--key", SMOKE_KEY, "--out", results / "nosso.json")
    assert ours.exit_code == 6, ours.output  # unreadable, but it has a result
    theirs = json.loads((results / "nosso.json").read_text(encoding="utf-8"))
    theirs["assignment"]["name"] = "outra_folha"
    theirs["student"]["id"] = "alheio"
    (results / "alheio.json").write_text(json.dumps(theirs), encoding="utf-8")
    res = cli("report", results, "--assignment", CNN.name, "--key", SMOKE_KEY, "--out", tmp_path / "out")
    assert res.exit_code != 0, res.output
    assert "alheio.json" in res.output and "outra_folha" in res.output
    assert not (tmp_path / "out" / "alheio.html").exists()


# ---- results record their assignment ------------------------------------------------------------------

def test_result_json_records_the_assignment(tmp_path: Path) -> None:
    """A malformed upload needs no kernel: it exits 6 but still gets a result, which says whose
    it is."""
    out = tmp_path / "result.json"
    res = cli("grade", malformed_notebook(tmp_path / "quebrado.ipynb"), "--assignment", CNN.name,
              "--key", SMOKE_KEY, "--out", out)
    assert res.exit_code == 6, res.output
    assert "is not valid JSON" in res.output and f"result written to {out}" in res.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["assignment"] == {"name": "cnn_treinamento", "version": CNN.version,
                                  "contract_sha256": CNN.contract_sha256}
    assert data["schema_version"] == 2
    result = load_result(out)
    assert result.status == "invalid_submission" and result.assignment == CNN.identity()


# ---- the CLI keeps its word -------------------------------------------------------------------------

def test_grade_of_a_zip_points_to_grade_batch(tmp_path: Path) -> None:
    import zipfile

    class_zip = tmp_path / "turma.zip"
    with zipfile.ZipFile(class_zip, "w") as z:
        z.writestr("Ana Souza_1001_assignsubmission_file_/exercicios.ipynb", "{}")
    res = CliRunner().invoke(main, ["grade", str(class_zip), "--lang", "en"])
    assert res.exit_code == 2, res.output  # a usage error: this command grades one notebook
    assert "autograder grade-batch" in res.output and "turma.zip" in res.output
    res = CliRunner().invoke(main, ["grade", str(class_zip)], env={"AUTOGRADER_LANG": "pt"})
    assert res.exit_code == 2 and "é um arquivo zip" in res.output


def test_report_names_a_corrupt_result_and_exits_12(tmp_path: Path) -> None:
    results = tmp_path / "results"
    results.mkdir()
    ours = cli("grade", malformed_notebook(tmp_path / "nosso.ipynb"), "--assignment", CNN.name,
               "--key", SMOKE_KEY, "--out", results / "nosso.json")
    assert ours.exit_code == 6, ours.output
    (results / "truncado.json").write_text('{"schema": "dl-autograder/result", "score": ', encoding="utf-8")
    res = cli("report", results, "--assignment", CNN.name, "--key", SMOKE_KEY, "--out", tmp_path / "out")
    assert res.exit_code == 12, res.output
    assert "error: result file not read: truncado.json" in res.output
    assert (tmp_path / "out" / "nosso.html").is_file(), "the readable results still get their reports"
    (results / "truncado.json").unlink()
    assert cli("report", results, "--assignment", CNN.name, "--key", SMOKE_KEY,
               "--out", tmp_path / "out").exit_code == 0


def test_the_default_key_is_the_installed_assignments_from_any_folder(tmp_path: Path) -> None:
    """Without --key, `grade` uses the installed assignment's committed full key, whatever the
    working directory (here one with no assignments/ folder)."""
    nb = malformed_notebook(tmp_path / "quebrado.ipynb")
    elsewhere = tmp_path / "outra_pasta"
    elsewhere.mkdir()
    done = subprocess.run([str(AUTOGRADER), "grade", str(nb), "--assignment", CNN.name, "--out", "r.json"],
                          capture_output=True, text=True, timeout=300, cwd=elsewhere)
    assert done.returncode == 6, done.stdout + done.stderr
    data = json.loads((elsewhere / "r.json").read_text(encoding="utf-8"))
    import hashlib

    assert data["key"]["sha256"] == hashlib.sha256(CNN.key_path("full").read_bytes()).hexdigest()
    assert data["key"]["profile"] == "full"
    assert "is not valid JSON" in done.stdout and str(tmp_path) not in data["messages"][0]
