"""Submission validation and planning: malformed files, restored instructor cells, added cells."""

from __future__ import annotations

import nbformat
import pytest

from autograder.authoring import Cell
from autograder.errors import SubmissionError
from autograder.i18n import render
from autograder.prepare import plan
from tests.common import CONTRACT

AUTHORED = (
    Cell("ex1-text-1", "ex1", "", "text", "markdown", "# Exercício 1"),
    Cell("ex1-given-1", "ex1", "ex1", "given", "code", "x = [1, 2, 3]"),
    Cell("ex1-answer-1", "ex1", "ex1", "answer", "code", "# escreva aqui"),
    Cell("ex1-letter", "ex1", "ex1", "letter", "code", 'resposta_1 = ""'),
    Cell("ex1-check", "ex1", "ex1", "selfcheck", "code", 'check("ex1")'),
    Cell("ex2-letter", "ex2", "ex2", "letter", "code", 'resposta_2 = ""'),
)


def notebook(cells: list[tuple[str, str, str]]) -> bytes:
    nb = nbformat.v4.new_notebook()
    for cid, kind, src in cells:
        cell = nbformat.v4.new_markdown_cell(src) if kind == "markdown" else nbformat.v4.new_code_cell(src)
        if cid:
            cell.metadata["autograder"] = {"id": cid}
        nb.cells.append(cell)
    return nbformat.writes(nb).encode()


def test_student_code_runs_and_owned_cells_are_restored() -> None:
    data = notebook([
        ("ex1-text-1", "markdown", "# Exercício 1"),
        ("ex1-given-1", "code", "x = [999]  # edited by the student"),
        ("ex1-answer-1", "code", "y = sum(x)"),
        ("", "code", "z = y * 2  # a cell the student added"),
        ("ex1-letter", "code", 'resposta_1 = "d"'),
        ("ex1-check", "code", 'check("ex1")'),
        ("ex2-letter", "code", 'resposta_2 = "c"'),
    ])
    p = plan(data, AUTHORED, CONTRACT)
    assert [(c.role, c.source) for c in p.cells] == [
        ("given", "x = [1, 2, 3]"), ("answer", "y = sum(x)"),
        ("added", "z = y * 2  # a cell the student added"),
        ("letter", 'resposta_1 = "d"'), ("letter", 'resposta_2 = "c"'),
    ]
    assert p.restored == ("ex1-given-1 (edited)",)
    assert p.cells[2].submitted_index == 3 and p.cells[2].part == "ex1"


def test_deleted_given_cell_is_put_back() -> None:
    data = notebook([("ex1-answer-1", "code", "y = 1"), ("ex1-letter", "code", 'resposta_1 = "a"')])
    p = plan(data, AUTHORED, CONTRACT)
    assert p.cells[0].source == "x = [1, 2, 3]" and p.cells[0].submitted_index == -1
    assert p.restored == ("ex1-given-1 (deleted)",)


def test_untagged_notebook_is_noted() -> None:
    p = plan(notebook([("", "code", "resposta_1 = 'd'")]), AUTHORED, CONTRACT)
    assert any("not the notebook that was handed out" in render(n, "en") for n in p.notes)
    assert p.cells[0].role == "added"


@pytest.mark.parametrize("raw,match", [
    (b"{not json", "not valid JSON"),
    (b"\xff\xfe\x00", "not UTF-8"),
    (b'{"cells": 3, "nbformat": 4, "nbformat_minor": 5, "metadata": {}}', "cannot be read|no list of cells"),
])
def test_malformed_notebooks_get_a_sentence(raw: bytes, match: str) -> None:
    with pytest.raises(SubmissionError, match=match) as err:
        plan(raw, AUTHORED, CONTRACT, where="aluno.ipynb")
    assert "aluno.ipynb" in err.value.message()
