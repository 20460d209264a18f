"""The SMOKE notebooks in a real kernel: the solution runs top to bottom and passes its
self-checks with the key's values; the untouched student notebook fails them helpfully.

Each notebook is executed once per module (the solution trains on the smoke profile).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import nbformat
import pytest

from autograder import authoring as build
from tests.common import CNN, CONTRACT, SMOKE, SMOKE_KEY

pytestmark = pytest.mark.kernel

KEY_PATH = SMOKE_KEY
TIMEOUT_S = 900


def execute(kind: build.Kind, allow_errors: bool) -> tuple[nbformat.NotebookNode, float]:
    from nbclient import NotebookClient

    nb = build.notebook(CNN, kind, SMOKE)
    start = time.perf_counter()
    NotebookClient(nb, timeout=TIMEOUT_S, kernel_name="python3", allow_errors=allow_errors,
                   resources={"metadata": {"path": str(Path.cwd())}}).execute()
    return nb, time.perf_counter() - start


@pytest.fixture(scope="module")
def solution_run(keras_home: Path) -> nbformat.NotebookNode:
    nb, _seconds = execute("solution", allow_errors=False)
    return nb


@pytest.fixture(scope="module")
def student_run(keras_home: Path) -> nbformat.NotebookNode:
    nb, _seconds = execute("student", allow_errors=True)
    return nb


@pytest.fixture(scope="module")
def key() -> dict[str, Any]:
    return dict(json.loads(KEY_PATH.read_text(encoding="utf-8")))


def cells_by_id(nb: nbformat.NotebookNode) -> dict[str, Any]:
    return {c.metadata["autograder"]["id"]: c for c in nb.cells}


def printed(cell: Any) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.output_type == "stream")


def payload(cell: Any) -> dict[str, Any]:
    found = [o.data[build.SELFCHECK_MIME] for o in cell.get("outputs", [])
             if o.output_type == "display_data" and build.SELFCHECK_MIME in o.get("data", {})]
    assert len(found) == 1, f"{cell.metadata['autograder']['id']}: no self-check display_data"
    return dict(found[0])


def check_cells(nb: nbformat.NotebookNode) -> list[Any]:
    return [c for c in nb.cells if c.metadata["autograder"]["role"] == "selfcheck"
            and c.metadata["autograder"]["id"] != "intro-selfcheck"]


def within(got: Any, quantity: dict[str, Any]) -> bool:
    """The key's rule: |got - v| <= max(rel·|v|, abs), element by element."""
    import numpy as np

    tol = quantity["tolerance"]
    assert tol["kind"] == "close"
    want = np.asarray(quantity["value"], dtype=float)
    got_arr = np.asarray(got, dtype=float)
    margin = np.maximum(tol["rel"] * np.abs(want), tol["abs"])
    return got_arr.shape == want.shape and bool(np.all(np.abs(got_arr - want) <= margin))


# --------------------------------------------------------------------------------------------
# The solution
# --------------------------------------------------------------------------------------------


@pytest.mark.training
def test_smoke_solution_executes_top_to_bottom(solution_run: nbformat.NotebookNode) -> None:
    for cell in solution_run.cells:
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert not errors, (cell.metadata["autograder"]["id"], errors[:1])
        assert cell.execution_count is not None


@pytest.mark.training
def test_self_check_passes_for_every_exercise_and_part(solution_run: nbformat.NotebookNode) -> None:
    cells = check_cells(solution_run)
    targets = [payload(c)["part"] or payload(c)["exercise"] for c in cells]
    assert targets == ["ex1", "ex2", "ex3", "ex4", "ex5", "ex6", "ex7_dados", "ex7_a", "ex7", "ex8",
                       "ex9", "ex10_dados", "ex10"]
    for cell in cells:
        text = printed(cell)
        assert "✘" not in text and "Tudo certo" in text, text
        data = payload(cell)
        assert data["passed"] is True and data["profile"] == "smoke"
        assert data["schema"] == "dl-autograder/selfcheck" and data["module"] == "cnn_treinamento"


@pytest.mark.training
def test_obtained_values_for_ex1_and_ex3_match_the_smoke_key(
        solution_run: nbformat.NotebookNode, key: dict[str, Any]) -> None:
    cells = cells_by_id(solution_run)
    ex1 = payload(cells["ex1-check"])["values"]["ex1"]
    for name in ("y_hat", "loss_qu", "loss_ec", "loss_01", "loss_hi"):
        assert within(ex1[name], key["quantities"][f"ex1.{name}"]), name
    ex3 = payload(cells["ex3-check"])["values"]["ex3"]
    for name in ("loss_ec", "loss_qu"):
        assert within(ex3[name], key["quantities"][f"ex3.{name}"]), name
    letters = {payload(cells[f"{e.id}-check"])["values"][e.parts[-1].id][f"resposta_{e.number}"]
               for e in CONTRACT.exercises}
    assert letters <= set("abcd")


@pytest.mark.training
def test_structural_facts_of_ex7_ex8_ex10_match_the_key(
        solution_run: nbformat.NotebookNode, key: dict[str, Any]) -> None:
    q = {k: v["value"] for k, v in key["quantities"].items()}
    cells = cells_by_id(solution_run)
    ex7 = payload(cells["ex7-check"])["values"]
    assert ex7["ex7_a"]["model1"]["params"] == ex7["ex7_b"]["model2"]["params"] == 369 == q["ex7.A.params"]
    for part, label in (("ex7_a", "A"), ("ex7_b", "B")):
        hist = ex7[part]["history"]
        assert hist["epochs"] == q[f"ex7.{label}.epochs"] == SMOKE.ex7_epochs
        assert len(hist["history"]["loss"]) == SMOKE.ex7_epochs
    assert "learning_rate" in ex7["ex7_b"]["history"]["history"]
    assert "learning_rate" not in ex7["ex7_a"]["history"]["history"]  # A's own history, kept
    ex8 = payload(cells["ex8-check"])["values"]["ex8"]
    assert ex8["epocas_por_batch"] == q["ex8.epochs"]
    assert sorted(ex8["mse_por_batch"], key=int) == [str(b) for b in SMOKE.ex8_batches]
    assert ex8["model"]["params"] == 369
    ex10 = payload(cells["ex10-check"])["values"]
    assert ex10["ex10"]["Inception"]["params"] == 196154 == q["ex10.Inception.params"]
    assert ex10["ex10"]["ResNet"]["params"] == 186058 == q["ex10.ResNet.params"]
    for name, label in (("histInc", "Inception"), ("histResNet", "ResNet")):
        assert ex10["ex10"][name]["epochs"] == q[f"ex10.{label}.epochs"] == SMOKE.ex10_epochs
        assert ex10["ex10"][name]["steps"] == q[f"ex10.{label}.steps"]
    assert ex10["ex10_dados"]["x_train"]["shape"] == [60000, 28, 28, 1]
    assert abs(ex10["ex10_dados"]["x_train"]["max"] - q["ex10.x_max"]) < 1e-6


# --------------------------------------------------------------------------------------------
# The untouched student notebook
# --------------------------------------------------------------------------------------------


def test_untouched_student_notebook_fails_its_checks_helpfully(
        student_run: nbformat.NotebookNode) -> None:
    for cell in check_cells(student_run) + [cells_by_id(student_run)["intro-selfcheck"]]:
        assert not [o for o in cell.outputs if o.output_type == "error"], cell.metadata
    ex1 = printed(cells_by_id(student_run)["ex1-check"])
    assert "✘ `y_hat` não está definido; esperado: probabilidades da classe 1" in ex1
    assert "✘ `resposta_1` ainda está vazia: escreva uma única letra entre 'a', 'b', 'c' ou 'd'." in ex1
    assert 'Corrija os itens marcados com ✘ e rode check("ex1") de novo.' in ex1
    for cell in check_cells(student_run):
        data = payload(cell)
        if data["part"] != "ex7_dados":  # the given data already has the right shape
            assert data["passed"] is False, data["part"] or data["exercise"]


def test_only_given_cells_that_print_answers_fail_before_the_student_answers(
        student_run: nbformat.NotebookNode) -> None:
    failing = {c.metadata["autograder"]["id"] for c in student_run.cells if c.cell_type == "code"
               and any(o.output_type == "error" for o in c.outputs)}
    assert failing == {"ex1-given-2", "ex10-given-5"}
