"""The grading engine against hostile and broken submissions (real kernels, real sandbox).

Each case puts hostile code in exercise 3's answer cell of an otherwise correct notebook
(exercises 1-6, no training, so each case takes seconds). What must hold every time:
the case gets its named status, exercise 3 earns no point from the cheat, and the other
exercises are graded exactly as if nothing had happened.
"""

from __future__ import annotations

import copy
import dataclasses
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest

from autograder.api import GradeOptions, grade
from autograder.assignment import Assignment
from autograder.contract import parse_contract
from autograder.keymodel import load_key
from autograder.results import GradeResult
from tests.common import CNN, SMOKE, SMOKE_KEY

pytestmark = pytest.mark.kernel
KEY_PATH = SMOKE_KEY
CORRECT_EX3 = "loss_ec = -np.sum((y * np.log(yh + .00001)))\nloss_qu = np.sum(np.power(y - yh, 2))\n"


@pytest.fixture(scope="module")
def conceptual() -> Assignment:
    """The real assignment with its contract restricted to exercises 1-6 (nothing to train); the
    authored cells (and the contract's identity, so the smoke key still belongs to it) are the
    real ones'."""
    data = json.loads(CNN.path("contract.json").read_text())
    data = {**data, "exercises": [e for e in data["exercises"] if e["number"] <= 6]}
    restricted = dataclasses.replace(CNN)
    restricted.__dict__.update(contract=parse_contract(data), authored=CNN.authored)
    assert restricted.contract.max_score < CNN.contract.max_score
    return restricted


@pytest.fixture(scope="module")
def solution() -> Any:
    from autograder.authoring import notebook

    return notebook(CNN, "solution", SMOKE)


@pytest.fixture(scope="module")
def host_server() -> Iterator[int]:
    """A server on the HOST's loopback; the sandbox must not reach it."""
    srv = http.server.HTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield srv.server_address[1]
    srv.shutdown()


def write_variant(nb: Any, tmp: Path, replace: dict[str, str] | None = None,
                  drop: tuple[str, ...] = (), rename: dict[str, str] | None = None) -> Path:
    nb = copy.deepcopy(nb)
    cells = []
    for cell in nb.cells:
        cid = cell.metadata["autograder"]["id"]
        if cid in drop:
            continue
        if replace and cid in replace:
            cell.source = replace[cid]
        if rename and cid in rename:
            cell.metadata["autograder"]["id"] = rename[cid]
        cells.append(cell)
    nb.cells = cells
    path = tmp / "submission.ipynb"
    nbformat.write(nb, path)
    return path


def run(path: Path, assignment: Assignment, keras_home: Path, **opts: Any) -> GradeResult:
    options = GradeOptions(backend="bubblewrap", time_overrides={"ex3": opts.pop("ex3_time", 15.0)},
                           datasets_dir=keras_home / "datasets", **opts)
    return grade(path, load_key(KEY_PATH), assignment, options=options)


def by_id(result: GradeResult) -> dict[str, Any]:
    return {e.id: e for e in result.exercises}


def assert_others_unaffected(result: GradeResult) -> None:
    ex = by_id(result)
    for eid in ("ex1", "ex2", "ex4", "ex5", "ex6"):
        assert ex[eid].score == ex[eid].max_score, (eid, ex[eid].status, ex[eid].error)


HOSTILE = {
    "infinite_loop": ("while True:\n    pass\n", "timeout", {"ex3_time": 4.0}),
    "memory_bomb": ("chunks = []\nwhile True:\n    chunks.append(bytearray(50 * 1024 * 1024))\n",
                    "memory", {"memory_mb": 1024}),
    # contained either by the process watchdog (memory) or by RLIMIT_NPROC (fork raises: error)
    "fork_bomb": ("import os\nwhile True:\n    os.fork()\n", "memory_or_error", {}),
    "huge_file": ("with open('grande.bin', 'wb') as f:\n    while True:\n        f.write(b'0' * (1 << 20))\n",
                  "error_or_memory", {}),
    "os_exit": ("import os\nos._exit(1)\n", "dead", {}),
    "segfault": ("import ctypes\nctypes.string_at(0)\n", "dead", {}),
    "read_key": (f"import json\nk = json.load(open({str(KEY_PATH)!r}))\n"
                 "loss_ec = k['quantities']['ex3.loss_ec']['value']\n", "error", {}),
    "import_grader": ("from autograder.keymodel import load_key\n", "error", {}),
    "always_equal": ("class Igual:\n    def __eq__(self, other):\n        return True\n"
                     "    __hash__ = None\n    def __float__(self):\n        return 1.6093879136840585\n"
                     "loss_ec = Igual()\nloss_qu = Igual()\n", "ok", {}),
    "patch_numpy_and_builtins": ("import numpy, builtins\nnumpy.isclose = lambda *a, **k: True\n"
                                 "numpy.allclose = lambda *a, **k: True\nbuiltins.abs = lambda x: 0\n"
                                 "builtins.isinstance = lambda *a: True\nloss_ec, loss_qu = 0.0, 0.0\n",
                                 "ok_or_timeout", {"ex3_time": 8.0}),
    "patch_probe_display": ("import IPython.display as d, json\n_real = d.display\n"
                            "def display(obj, *a, **k):\n"
                            "    for v in obj.values():\n"
                            "        if isinstance(v, dict) and 'values' in v:\n"
                            "            v['values'] = {'loss_ec': 'hacked', 'loss_qu': [1, 2]}\n"
                            "    return _real(obj, *a, **k)\n"
                            "d.display = display\njson.dumps = lambda *a, **k: '{}'\n"
                            "loss_ec, loss_qu = 0.0, 0.0\n", "ok_or_timeout", {"ex3_time": 8.0}),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_code_gets_named_status_and_no_point(case: str, solution: Any, tmp_path: Path,
                                                     conceptual: Assignment,
                                                     keras_home: Path) -> None:
    code, status, opts = HOSTILE[case]
    path = write_variant(solution, tmp_path, replace={"ex3-answer-1": code})
    result = run(path, conceptual, keras_home, **opts)
    ex3 = by_id(result)["ex3"]
    if "_or_" in status:
        assert ex3.status in status.split("_or_"), ex3.status
    else:
        assert ex3.status == status, (ex3.status, ex3.error)
    computed = [c for c in ex3.checks if c.kind != "letter"]
    assert sum(c.points for c in computed) == 0, [(c.id, c.status, c.obtained) for c in computed]
    assert next(c for c in ex3.checks if c.kind == "letter").points == 4, "the letter still counts"
    if ex3.status != "ok":
        assert ex3.error is not None and ex3.error.ename, "a named error for every failed run"
    assert_others_unaffected(result)
    assert result.status == "graded" and result.sandbox["backend"] == "bubblewrap"


def test_network_is_unreachable(solution: Any, tmp_path: Path, conceptual: Assignment,
                                keras_home: Path, host_server: int) -> None:
    code = (f"import urllib.request\nurllib.request.urlopen('http://127.0.0.1:{host_server}/', timeout=3)\n"
            + CORRECT_EX3)
    result = run(write_variant(solution, tmp_path, replace={"ex3-answer-1": code}),
                 conceptual, keras_home)
    ex3 = by_id(result)["ex3"]
    assert ex3.status == "error" and ex3.error.ename == "URLError"
    assert ex3.error.line == 2 and "urlopen" in ex3.error.code_line, "the student's own line"
    assert_others_unaffected(result)


def test_original_error_not_follow_on(solution: Any, tmp_path: Path, conceptual: Assignment,
                                      keras_home: Path) -> None:
    code = "loss_ec = -np.sum(y * np.log(yh))\nloss_qu = 1 / 0\n"
    result = run(write_variant(solution, tmp_path, replace={"ex3-answer-1": code}),
                 conceptual, keras_home)
    err = by_id(result)["ex3"].error
    assert (err.ename, err.line, err.code_line) == ("ZeroDivisionError", 2, "loss_qu = 1 / 0")
    assert err.cell_index == 13


def test_huge_output_is_capped_and_answers_still_graded(solution: Any, tmp_path: Path,
                                                        conceptual: Assignment,
                                                        keras_home: Path) -> None:
    code = "print('x' * (100 * 1024 * 1024))\n" + CORRECT_EX3
    result = run(write_variant(solution, tmp_path, replace={"ex3-answer-1": code}),
                 conceptual, keras_home)
    ex3 = by_id(result)["ex3"]
    assert "output_limit" in ex3.notes and ex3.score == ex3.max_score
    assert_others_unaffected(result)


def test_edited_deleted_and_renamed_instructor_cells_are_restored(
        solution: Any, tmp_path: Path, conceptual: Assignment, keras_home: Path) -> None:
    path = write_variant(solution, tmp_path, replace={"ex1-given-2": "print('nada')"},
                         drop=("ex3-given-1",), rename={"ex1-given-1": "meu-id"})
    result = run(path, conceptual, keras_home)
    assert set(result.restored_cells) == {"ex1-given-2 (edited)", "ex3-given-1 (deleted)",
                                          "ex1-given-1 (deleted)"}
    assert result.score == result.max_score


def test_malformed_notebook_is_invalid_not_a_crash(tmp_path: Path, conceptual: Assignment,
                                                   keras_home: Path) -> None:
    path = tmp_path / "quebrado.ipynb"
    path.write_text('{"cells": [ {"cell_type": "code", ')
    result = run(path, conceptual, keras_home)
    assert result.status == "invalid_submission" and result.score == 0
    assert "not valid JSON" in result.messages[0]
