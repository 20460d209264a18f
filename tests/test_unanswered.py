"""Unanswered exercises are not executed: they earn 0 with a reason, cost no time, and the
exercises around them are graded as before (README, "Unanswered exercises")."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner

from autograder import prepare
from autograder.authoring import load_source, notebook, rendered_cells, undeclared_needs
from autograder.cli import main
from autograder.contract import parse_contract
from autograder.errors import ContractError
from autograder.results import load_result
from tests.common import CNN, CONTRACT, EXPENSIVE, SMOKE, SMOKE_KEY, leave_as_handed_out


def _authored() -> tuple:
    from autograder.api import authored_cells

    return authored_cells(CNN.authored, SMOKE)


def _plan(nb: nbformat.NotebookNode) -> prepare.Plan:
    return prepare.plan(nbformat.writes(nb).encode(), _authored(), CONTRACT)


def test_handed_out_notebook_skips_everything_and_solution_nothing() -> None:
    assert _plan(notebook(CNN, "student", SMOKE)).skipped == tuple(e.id for e in CONTRACT.exercises)
    assert _plan(notebook(CNN, "solution", SMOKE)).skipped == ()
    assert _plan(leave_as_handed_out(notebook(CNN, "solution", SMOKE), EXPENSIVE)).skipped == EXPENSIVE


def test_comments_and_layout_are_not_an_answer_but_code_a_letter_or_an_added_cell_are() -> None:
    nb = leave_as_handed_out(notebook(CNN, "solution", SMOKE), EXPENSIVE)
    cells = {c.metadata["autograder"]["id"]: c for c in nb.cells}
    cells["ex7-answer-1"].source += "\n# não consegui fazer\n\n"
    assert "ex7" in _plan(nb).skipped
    cells["ex7-letter"].source = 'resposta_7 = "b"'
    assert "ex7" not in _plan(nb).skipped
    cells["ex7-letter"].source = 'resposta_7 = ""'
    cells["ex8-answer-1"].source += "\nprint(("  # code that does not parse is something written
    assert "ex8" not in _plan(nb).skipped
    nb.cells.insert(nb.cells.index(cells["ex10-letter"]), nbformat.v4.new_code_cell("print(model1)"))
    assert _plan(nb).skipped == ("ex7",)


def test_an_exercise_a_later_one_needs_runs_even_unanswered() -> None:
    data = json.loads(CNN.path("contract.json").read_text(encoding="utf-8"))
    ex8 = next(e for e in data["exercises"] if e["id"] == "ex8")
    ex8["needs"] = ["ex7"]
    contract = parse_contract(data)
    nb = leave_as_handed_out(notebook(CNN, "solution", SMOKE), ("ex7", "ex10"))
    plan = prepare.plan(nbformat.writes(nb).encode(), _authored(), contract)
    assert plan.skipped == ("ex10",)
    nb = leave_as_handed_out(notebook(CNN, "solution", SMOKE), EXPENSIVE)
    assert prepare.plan(nbformat.writes(nb).encode(), _authored(), contract).skipped == EXPENSIVE
    ex8["needs"] = ["ex9"]
    with pytest.raises(ContractError, match="ex8: needs 'ex9', which is not an earlier exercise"):
        parse_contract(data)


def test_build_refuses_an_undeclared_dependency_between_exercises() -> None:
    """If exercise 8 stopped loading its own data, skipping an unanswered exercise 7 would leave
    its names undefined: the build says which names, from where, and what to declare."""
    module = load_source(CNN)
    cells = rendered_cells(module, SMOKE, "solution")
    assert undeclared_needs(cells, CONTRACT) == []
    without = tuple(c for c in cells if c.id != "ex8-given-1")
    problems = undeclared_needs(without, CONTRACT)
    assert len(problems) == 1 and problems[0].id == "authoring_undeclared_need"
    assert problems[0].text("en").startswith("ex8 uses keras, np, x_test, x_train")
    assert 'add "needs": ["ex7"] to ex8' in problems[0].text("en")
    assert 'acrescente "needs": ["ex7"] a ex8' in problems[0].text("pt")


@pytest.mark.kernel
def test_a_class_answering_only_the_cheap_exercises_is_graded_without_running_the_others(
        tmp_path: Path, keras_home: Path) -> None:
    nb_path = tmp_path / "aluno.ipynb"
    nbformat.write(leave_as_handed_out(notebook(CNN, "solution", SMOKE), EXPENSIVE), nb_path)
    out = tmp_path / "result.json"
    res = CliRunner().invoke(main, ["grade", str(nb_path), "--key", str(SMOKE_KEY), "--out", str(out)])
    assert res.exit_code == 0, res.output
    result = load_result(out)
    by_id = {e.id: e for e in result.exercises}
    for e in CONTRACT.exercises:
        if e.id in EXPENSIVE:
            assert by_id[e.id].status == "unanswered" and by_id[e.id].score == 0, e.id
            assert by_id[e.id].seconds == 0 and "unanswered" in by_id[e.id].notes
            assert by_id[e.id].verification == "not_executed"
            assert {(c.status, c.points, c.message_id) for c in by_id[e.id].checks} == {
                ("missing", 0.0, "unanswered")}
        else:
            assert by_id[e.id].score == by_id[e.id].max_score, (e.id, by_id[e.id].checks)
    assert result.score == sum(e.points for e in CONTRACT.exercises if e.id not in EXPENSIVE)
    from autograder.report import student_report

    report = student_report(result, None, CNN, fmt="md", lang="pt")
    assert "Não respondido: as células de resposta estão como foram entregues" in report
    assert "parou antes, por causa do erro acima" not in report  # no error happened
    assert report.count("Não respondido: o exercício está como foi entregue.") == sum(
        len(e.checks) for e in CONTRACT.exercises if e.id in EXPENSIVE)
