"""Every exit code the README documents, each from the mistake a real user makes.

README: "Exit codes: 0 success (whatever the scores), 2 usage/other, 3 datasets, 4 key, 5 contract,
6 submission unreadable, 7 batch input, 8 assignment not found or malformed, 9 of another assignment,
10 otter export cannot express a check, 11 gradebook, 12 `report`: a corrupt result file".
Each test drives the real command line (``autograder.cli.main``) and checks the exact code and that
the message says what is wrong, where, and what to do (``autograder.errors`` formats those as
"Where: ..." and "What to do: ..."). No test starts a kernel or trains: an unreadable notebook is
graded (score 0) without one. The last tests keep the README's sentence and the code in step.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
from pathlib import Path

import click
import nbformat
from click.testing import CliRunner, Result

from autograder.cli import main
from autograder.results import load_result
from tests.common import CNN, REPO, SMOKE, SMOKE_KEY

REDES = REPO / "assignments" / "redes_densas"


def cli(*args: str | Path, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], env=env)


def unreadable_notebook(path: Path) -> Path:
    """What a student uploads when the browser cut the download short: truncated JSON."""
    path.write_text('{"cells": [ {"cell_type": "code", ', encoding="utf-8")
    return path


def student_notebook(path: Path) -> Path:
    from autograder.authoring import notebook

    nbformat.write(notebook(CNN, "student", SMOKE), path)
    return path


def copied_assignment(tmp_path: Path) -> tuple[Path, dict]:
    """An instructor's copy of cnn_treinamento (no keys, no generated notebooks) and its contract."""
    folder = tmp_path / "cnn_copia"
    shutil.copytree(CNN.root, folder, ignore=shutil.ignore_patterns("__pycache__", "keys", "generated"))
    return folder, json.loads((folder / "contract.json").read_text(encoding="utf-8"))


def graded_results(tmp_path: Path) -> Path:
    """A results folder holding one real result (an unreadable notebook's: score 0, no kernel)."""
    results = tmp_path / "results"
    results.mkdir()
    res = cli("grade", unreadable_notebook(tmp_path / "ana.ipynb"), "--assignment", CNN.name,
              "--key", SMOKE_KEY, "--out", results / "ana.json")
    assert res.exit_code == 6, res.output
    return results


def says_what_to_do(res: Result) -> None:
    assert "\nWhat to do: " in res.output, res.output


# ---- 0: success, whatever the scores -----------------------------------------------------------------

def test_0_a_batch_where_a_student_scores_zero_succeeds(tmp_path: Path, keras_home: Path) -> None:
    """A class whose only notebook is unreadable: grading ran, so exit 0, and that notebook is a
    result (score 0), not exit 6 as it would be for a single `grade`."""
    turma = tmp_path / "turma"
    turma.mkdir()
    unreadable_notebook(turma / "ana.ipynb")
    res = cli("grade-batch", turma, "--assignment", CNN.name, "--key", SMOKE_KEY, "--out", tmp_path / "out",
              "--workers", "1", "--no-gradebook")
    assert res.exit_code == 0, res.output
    result = load_result(tmp_path / "out" / "results" / "ana.json")
    assert result.status == "invalid_submission" and result.score == 0
    assert re.search(r"^ana\s+0/100\s+invalid_submission", res.output, re.M), res.output


# ---- 2: usage and other errors -----------------------------------------------------------------------

def test_2_grade_of_a_class_zip_and_new_into_an_occupied_folder(tmp_path: Path) -> None:
    """`grade` of the LMS's class zip is a usage error naming the zip and the command that grades
    it; `autograder new` into a folder that is not empty (the other kind of 2) writes nothing."""
    import zipfile

    class_zip = tmp_path / "turma.zip"
    with zipfile.ZipFile(class_zip, "w") as z:
        z.writestr("Ana Souza_1001_assignsubmission_file_/exercicios.ipynb", "{}")
    res = cli("grade", class_zip, "--lang", "en")
    assert res.exit_code == 2, res.output
    assert "turma.zip" in res.output and "autograder grade-batch" in res.output

    occupied = tmp_path / "modulo_iv"
    occupied.mkdir()
    (occupied / "notas.txt").write_text("minhas notas", encoding="utf-8")
    res = cli("new", "modulo_iv", "--dir", occupied)
    assert res.exit_code == 2, res.output
    assert "Refusing to overwrite" in res.output and f"Where: {occupied}" in res.output
    says_what_to_do(res)
    assert sorted(p.name for p in occupied.iterdir()) == ["notas.txt"]


# ---- 3: datasets -------------------------------------------------------------------------------------

def test_3_a_truncated_dataset_file(tmp_path: Path) -> None:
    """A download cut short: the Keras cache holds 10 bytes of boston_housing.npz."""
    f = next(f for d in CNN.datasets for f in d.files if f.relpath == "boston_housing.npz")
    cache = tmp_path / "keras" / "datasets"
    cache.mkdir(parents=True)
    (cache / f.relpath).write_bytes(b"x" * 10)
    res = cli("data", "verify", "--assignment", CNN.name, env={"KERAS_HOME": str(tmp_path / "keras")})
    assert res.exit_code == 3, res.output
    assert f"boston_housing.npz has 10 bytes, expected {f.size}" in res.output
    assert f"Where: {cache}" in res.output and "autograder data install --from DIR" in res.output
    says_what_to_do(res)


# ---- 4: key ------------------------------------------------------------------------------------------

def test_4_a_mistyped_key_path(tmp_path: Path) -> None:
    nb = student_notebook(tmp_path / "ana.ipynb")
    typo = tmp_path / "keys" / "smoke" / "kei.json"
    res = cli("grade", nb, "--assignment", CNN.name, "--key", typo, "--out", tmp_path / "r.json")
    assert res.exit_code == 4, res.output
    assert f"No answer key at {typo}" in res.output and "pass --key PATH" in res.output
    says_what_to_do(res)
    assert not (tmp_path / "r.json").exists()


# ---- 5: contract -------------------------------------------------------------------------------------

def test_5_a_contract_whose_points_do_not_add_up(tmp_path: Path) -> None:
    """The instructor raises one check's points and forgets the exercise's total."""
    folder, contract = copied_assignment(tmp_path)
    ex1 = contract["exercises"][0]
    ex1["checks"][0]["points"] += 1
    (folder / "contract.json").write_text(json.dumps(contract), encoding="utf-8")
    res = cli("assignment", "build", "--check", "--assignment", folder)
    assert res.exit_code == 5, res.output
    assert f"exercise {ex1['id']}: checks add up to {ex1['points'] + 1:g} points" in res.output
    assert f"Where: {folder / 'contract.json'}" in res.output
    says_what_to_do(res)


# ---- 6: a single notebook that cannot be read --------------------------------------------------------

def test_6_grade_of_a_truncated_notebook_still_writes_its_result(tmp_path: Path) -> None:
    out = tmp_path / "ana.result.json"
    res = cli("grade", unreadable_notebook(tmp_path / "ana.ipynb"), "--assignment", CNN.name,
              "--key", SMOKE_KEY, "--out", out, "--lang", "en")
    assert res.exit_code == 6, res.output
    result = load_result(out)
    assert result.status == "invalid_submission" and result.score == 0
    assert f"result written to {out}" in res.output
    # what, where (line and column), what to do, in the student's language and without the
    # grader's paths; the same sentence is in the result the student gets
    text = res.output.split("  ! ", 1)[1].split("\n", 1)[0]
    assert re.fullmatch(r"The notebook is not valid JSON \(line 1, column \d+\)\. Open it in Jupyter, "
                        r"save it again and resubmit the \.ipynb\.", text), text
    assert str(tmp_path) not in text and len(result.messages) == 1


# ---- 7: batch input ----------------------------------------------------------------------------------

def test_7_a_class_download_that_is_not_a_zip(tmp_path: Path, keras_home: Path) -> None:
    """The LMS's session expired: the "zip" saved is its login page."""
    fake = tmp_path / "turma.zip"
    fake.write_text("<!DOCTYPE html><html><body>Sua sessão expirou</body></html>", encoding="utf-8")
    res = cli("grade-batch", fake, "--assignment", CNN.name, "--key", SMOKE_KEY, "--out", tmp_path / "out",
              "--no-gradebook")
    assert res.exit_code == 7, res.output
    assert f"Cannot open {fake} as a zip file" in res.output
    assert "the .zip downloaded from the LMS" in res.output
    says_what_to_do(res)
    assert not (tmp_path / "out" / "results").exists() or not any((tmp_path / "out" / "results").iterdir())


# ---- 8: assignment not found or malformed ------------------------------------------------------------

def test_8_a_mistyped_assignment_name(tmp_path: Path) -> None:
    nb = student_notebook(tmp_path / "ana.ipynb")
    res = cli("grade", nb, "--assignment", "cnn_treinameto", "--key", SMOKE_KEY)
    assert res.exit_code == 8, res.output
    assert "No assignment 'cnn_treinameto'" in res.output
    assert CNN.name in res.output.split("What to do:", 1)[1]  # says which ones exist
    says_what_to_do(res)


# ---- 9: a notebook, key or result of another assignment ----------------------------------------------

def test_9_a_notebook_graded_with_another_assignments_key(tmp_path: Path) -> None:
    """The TA grades a Módulo II notebook with the Módulo III key."""
    nb = tmp_path / "aluno.ipynb"
    shutil.copyfile(REDES / "generated" / "student.ipynb", nb)
    res = cli("grade", nb, "--key", SMOKE_KEY, "--out", tmp_path / "r.json")
    assert res.exit_code == 9, res.output
    assert "belongs to assignment 'cnn_treinamento', not 'redes_densas'" in res.output
    assert f"Where: {SMOKE_KEY}" in res.output and "use the answer key of 'redes_densas'" in res.output
    says_what_to_do(res)
    assert not (tmp_path / "r.json").exists()
    assert res.output.startswith("error: "), "nothing said about a grading that did not happen"


# ---- 10: otter export cannot express a check ---------------------------------------------------------

def test_10_otter_export_of_a_check_it_cannot_express(tmp_path: Path) -> None:
    """The instructor checks the optimizer's beta_1, which the otter exporter has no accessor for."""
    folder, contract = copied_assignment(tmp_path)
    check = next(c for e in contract["exercises"] for c in e["checks"] if c.get("path") == "optimizer.class")
    check["path"] = "optimizer.beta_1"
    (folder / "contract.json").write_text(json.dumps(contract), encoding="utf-8")
    res = cli("assignment", "otter", "--assignment", folder, "--profile", "smoke", "--key", SMOKE_KEY,
              "--out", tmp_path / "otter")
    assert res.exit_code == 10, res.output
    assert (f"Check {check['id']} compares path 'optimizer.beta_1' of {check['read']} (a keras_model), "
            "which an otter test cannot read.") in res.output
    says_what_to_do(res)
    assert not (tmp_path / "otter" / f"{CNN.name}.ipynb").exists()


# ---- 11: the gradebook -------------------------------------------------------------------------------

def test_11_gradebook_missing_folder_and_unknown_student(tmp_path: Path) -> None:
    """A gradebook path whose folder does not exist; then a real gradebook asked for a student it
    does not hold (a typo in the id), by `history` and by `show --student`."""
    res = cli("gradebook", "show", "--gradebook", tmp_path / "turma_2024" / "gradebook.sqlite")
    assert res.exit_code == 11, res.output
    assert "No folder for the gradebook" in res.output
    assert f"Where: {tmp_path / 'turma_2024' / 'gradebook.sqlite'}" in res.output
    says_what_to_do(res)

    book = tmp_path / "gradebook.sqlite"
    typo = tmp_path / "gradebok.sqlite"  # the folder exists: a typo must not become a new, empty gradebook
    res = cli("gradebook", "show", "--gradebook", typo)
    assert res.exit_code == 11 and f"No gradebook at {typo}" in res.output, res.output
    says_what_to_do(res)
    assert not typo.exists()
    imported = cli("gradebook", "import", graded_results(tmp_path), "--gradebook", book)
    assert imported.exit_code == 0 and "1 attempt(s) recorded" in imported.output, imported.output
    for command in (["history", "zoe"], ["show", "--student", "zoe"]):
        res = cli("gradebook", *command, "--gradebook", book)
        assert res.exit_code == 11, (command, res.output)
        assert "no student 'zoe' in the gradebook" in res.output and f"Where: {book}" in res.output
        assert "autograder gradebook show" in res.output
        says_what_to_do(res)
    assert cli("gradebook", "show", "--student", "ana", "--gradebook", book).exit_code == 0


# ---- 12: `report` with a corrupt result file ---------------------------------------------------------

def test_12_report_names_the_corrupt_result_and_writes_the_others(tmp_path: Path) -> None:
    """A result file cut short (the disk filled up while grade-batch wrote it)."""
    results = graded_results(tmp_path)
    (results / "bia.json").write_text('{"schema": "dl-autograder/result", "score": ', encoding="utf-8")
    out = tmp_path / "reports"
    res = cli("report", results, "--assignment", CNN.name, "--key", SMOKE_KEY, "--out", out)
    assert res.exit_code == 12, res.output
    assert "error: result file not read: bia.json" in res.output and f"Where: {results}" in res.output
    says_what_to_do(res)
    assert (out / "ana.html").is_file() and not (out / "bia.html").exists()


# ---- the README's sentence and the code agree --------------------------------------------------------

def readme_exit_codes() -> dict[int, str]:
    """code -> meaning, from README's "Exit codes: 0 success ..., 2 usage/other, ..." paragraph."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    paragraph = " ".join(text.split("Exit codes: ", 1)[1].split("\n\n", 1)[0].split())
    items = re.split(r"(?:^|, )(\d+) (?=\D)", paragraph)
    codes = {int(code): meaning for code, meaning in zip(items[1::2], items[2::2], strict=True)}
    assert items[0] == "" and codes, paragraph
    return codes


def _int_values(node: ast.expr) -> set[int]:
    """The int literals an expression can evaluate to (``1 if x else 0`` -> {0, 1})."""
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _int_values(node.body) | _int_values(node.orelse)
    return set()


def code_exit_codes() -> tuple[dict[int, list[str]], dict[int, list[str]]]:
    """From the package's source: (codes of error classes and ``*_EXIT`` constants, literal codes
    that ``sys.exit`` or a ``cli_*`` function returns), each code -> where it is set."""
    errors: dict[int, list[str]] = {}
    literal: dict[int, list[str]] = {}
    for py in sorted((REPO / "autograder").rglob("*.py")):
        rel = py.relative_to(REPO).as_posix()
        for node in ast.walk(ast.parse(py.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                for st in node.body:
                    if isinstance(st, ast.Assign) and [ast.unparse(t) for t in st.targets] == ["exit_code"]:
                        for v in _int_values(st.value):
                            errors.setdefault(v, []).append(f"{rel}:{node.name}")
            elif isinstance(node, ast.Assign) and any(ast.unparse(t).endswith("_EXIT") for t in node.targets):
                for v in _int_values(node.value):
                    errors.setdefault(v, []).append(f"{rel}:{ast.unparse(node.targets[0])}")
            elif isinstance(node, ast.Call) and ast.unparse(node.func) == "sys.exit" and node.args:
                for v in _int_values(node.args[0]):
                    literal.setdefault(v, []).append(f"{rel}:{node.lineno}")
            elif isinstance(node, ast.FunctionDef) and node.name.startswith("cli_"):
                for r in ast.walk(node):
                    if isinstance(r, ast.Return) and r.value is not None:
                        for v in _int_values(r.value):
                            literal.setdefault(v, []).append(f"{rel}:{node.name}")
    return errors, literal


def test_readme_exit_codes_and_the_error_classes_agree() -> None:
    """Every error class's code is documented, and every documented code is one the code sets
    (success, an error class, a ``*_EXIT`` constant or a literal exit); a code means one kind of error."""
    from autograder.errors import AutograderError

    documented = readme_exit_codes()
    errors, literal = code_exit_codes()
    assert documented[0].startswith("success") and documented[2].startswith("usage")
    assert click.UsageError("x").exit_code == 2 == AutograderError.exit_code
    assert set(errors) <= set(documented), {c: w for c, w in errors.items() if c not in documented}
    assert set(documented) <= {0} | set(errors) | set(literal), (documented, errors, literal)
    for code, where in errors.items():
        classes = [w for w in where if not w.endswith("_EXIT")]
        # 2 is the base class and `autograder new`'s refusal; 12 is a constant of report.py only
        assert len(classes) <= 1 or code == 2, (code, where)


def test_readme_documents_every_literal_exit_code() -> None:
    documented = readme_exit_codes()
    errors, literal = code_exit_codes()
    undocumented = {code: where for code, where in literal.items() if code not in documented}
    assert not undocumented, undocumented
