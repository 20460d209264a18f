"""One notebook through the whole pipeline (real kernel, sandbox, smoke key)."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner

from autograder.cli import main
from autograder.results import load_result, validate
from tests.common import CNN, SMOKE, SMOKE_KEY

pytestmark = [pytest.mark.kernel, pytest.mark.training, pytest.mark.slow]
KEY = SMOKE_KEY


def _write(kind: str, folder: Path) -> Path:
    from autograder.authoring import notebook

    path = folder / f"{kind}.ipynb"
    nbformat.write(notebook(CNN, kind, SMOKE), path)
    return path


def test_solution_notebook_gets_full_marks(tmp_path: Path, keras_home: Path) -> None:
    nb = _write("solution", tmp_path)
    out = tmp_path / "result.json"
    res = CliRunner().invoke(main, ["grade", str(nb), "--key", str(KEY), "--out", str(out),
                                    "--backend", "bubblewrap", "--lang", "en"])
    assert res.exit_code == 0, res.output
    assert "solution: 100 / 100" in res.output
    data = json.loads(out.read_text())
    assert validate(data) == []
    result = load_result(out)
    assert result.status == "graded" and result.score == result.max_score == 100
    assert result.assignment == {"name": "cnn_treinamento", "version": CNN.version,
                                 "contract_sha256": CNN.contract_sha256}
    assert {e.verification for e in result.exercises} == {"executed"}
    assert result.sandbox["backend"] == "bubblewrap" and result.sandbox["not_enforced"] == []
    ex8 = next(e for e in result.exercises if e.id == "ex8")
    assert set(ex8.series["test_mse"]) == {"32", "64", "128", "256"}


def test_empty_notebook_gets_zero_with_a_reason_per_exercise(tmp_path: Path, keras_home: Path) -> None:
    """The student notebook as handed out (full profile), graded with the smoke key: a score of 0
    with a reason per exercise, nothing executed, progress per exercise, and the profile mismatch
    said loudly."""
    nb = tmp_path / "student.ipynb"
    nb.write_bytes(CNN.path("generated", "student.ipynb").read_bytes())
    out = tmp_path / "result.json"
    res = CliRunner().invoke(main, ["grade", str(nb), "--key", str(KEY), "--out", str(out)],
                             env={"AUTOGRADER_LANG": None})  # the CLI then speaks the assignment's language
    assert res.exit_code == 0, "a score of 0 is not a grading failure"
    for e in CNN.contract.exercises:  # progress per exercise, in the assignment's language
        assert f"{e.id}: não respondido em 0.0 s" in res.output
    assert "ATENÇÃO: este caderno foi gerado para o perfil 'full'" in res.output
    result = load_result(out)
    assert result.messages[0] == 'profile_mismatch:{"key": "smoke", "notebook": "full"}'
    from autograder.report import student_report

    report = student_report(result, None, CNN, fmt="md", lang="pt")
    assert "ATENÇÃO: este caderno foi gerado para o perfil 'full'" in report
    # nothing the student wrote, nothing run: no credit for what the given cells build, and a
    # reason for every exercise and check
    assert result.score == 0
    for e in result.exercises:
        assert e.status == "unanswered" and e.notes == ("unanswered",) and e.seconds == 0, e.id
        assert all(c.status == "missing" and c.message_id == "unanswered" for c in e.checks)
    assert report.count("Não respondido: as células de resposta estão como foram entregues") == 10

def test_grade_with_missing_key_fails_clearly(tmp_path: Path) -> None:
    nb = tmp_path / "x.ipynb"
    nb.write_text("{}")
    res = CliRunner().invoke(main, ["grade", str(nb), "--assignment", CNN.name,
                                    "--key", str(tmp_path / "none.json")])
    assert res.exit_code == 4 and "No answer key" in res.output
