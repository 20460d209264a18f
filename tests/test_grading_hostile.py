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
import psutil
import pytest

from autograder.api import GradeOptions, grade
from autograder.assignment import Assignment
from autograder.contract import parse_contract
from autograder.i18n import render
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


def assert_no_leftover_process(before: set[int]) -> None:
    """Every process the grading started (kernel, bwrap, watchdog, what the code forked) is gone."""
    left = [p for p in psutil.Process().children(recursive=True) if p.pid not in before]
    alive = []
    for p in left:
        try:
            if p.status() != psutil.STATUS_ZOMBIE:
                alive.append((p.pid, " ".join(p.cmdline())[:80]))
        except psutil.NoSuchProcess:
            pass
    assert not alive, alive


def by_id(result: GradeResult) -> dict[str, Any]:
    return {e.id: e for e in result.exercises}


def assert_others_unaffected(result: GradeResult) -> None:
    ex = by_id(result)
    for eid in ("ex1", "ex2", "ex4", "ex5", "ex6"):
        assert ex[eid].score == ex[eid].max_score, (eid, ex[eid].status, ex[eid].error)


# status, or "status:ExactException" where an access must be refused. The two patch_* cases break
# their own kernel's messaging (isinstance and json.dumps are what ipykernel replies with), so the
# kernel may stop answering: timeout and restart is then the honest outcome. Every case: no point,
# the other exercises unaffected, no process left behind.
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
                 "loss_ec = k['quantities']['ex3.loss_ec']['value']\n", "error:FileNotFoundError", {}),
    "import_grader": ("from autograder.keymodel import load_key\n", "error:ModuleNotFoundError", {}),
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
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    result = run(path, conceptual, keras_home, **opts)
    ex3 = by_id(result)["ex3"]
    status, _, ename = status.partition(":")
    if "_or_" in status:
        assert ex3.status in status.split("_or_"), ex3.status
    else:
        assert ex3.status == status, (ex3.status, ex3.error)
    if ename:  # the access is refused with this exact exception
        assert ex3.error is not None and ex3.error.ename == ename, ex3.error
    assert_no_leftover_process(before)
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
    assert result.messages[0].startswith("invalid_not_json:")
    assert "não é um JSON válido" in render(result.messages[0], "pt")
    assert str(tmp_path) not in render(result.messages[0], "pt")  # no path of the grading machine


# ---- 5. interrupted work: one rule per status ------------------------------------------------

@pytest.mark.parametrize("tail, status, note, read", [
    ("x = bytearray(10 ** 15)\n", "error", None, True),  # MemoryError raised in the cell
    ("while True:\n    pass\n", "timeout", "interrupted", True),  # SIGINT stops it; the kernel lives
    ("import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass\n",
     "timeout", "kernel_restarted", False),  # ignores SIGINT: the kernel had to be killed
], ids=["memory error", "interrupted loop", "killed kernel"])
def test_a_letter_assigned_before_the_cell_stopped(tail: str, status: str, note: str | None, read: bool,
                                                   solution: Any, tmp_path: Path, conceptual: Assignment,
                                                   keras_home: Path) -> None:
    """The student answered, then left a slow (or broken) line in the same cell. What the cell
    assigned before it stopped is read unless the kernel had to be killed."""
    letter = load_key(KEY_PATH).letter(3)
    path = write_variant(solution, tmp_path, replace={"ex3-letter": f"resposta_3 = {letter!r}\n{tail}"})
    result = run(path, conceptual, keras_home, ex3_time=4.0)
    ex3 = by_id(result)["ex3"]
    assert ex3.status == status, (ex3.status, ex3.error)
    if note:
        assert note in ex3.notes, ex3.notes
    got = next(c for c in ex3.checks if c.kind == "letter")
    assert (got.points == got.max_points) is read, (got.status, got.obtained)
    # as after any error, the part that stopped is read for its letters only: the other checks
    # say "not reached" (not a follow-on "missing")
    computed = {(c.status, c.message_id) for c in ex3.checks if c.kind != "letter"}
    assert computed == {("not_run", "not_reached")}
    assert_others_unaffected(result)
    from autograder.report import rule_text

    assert rule_text(ex3, "pt").startswith("Como foi lido"), "the report says which rule applied"


# ---- 4. no student action in one exercise changes how another is read -----------------------------

@pytest.fixture(scope="module")
def up_to_ex7() -> Assignment:
    """The real assignment restricted to exercises 1-7 (exercise 7 trains, smoke profile)."""
    data = json.loads(CNN.path("contract.json").read_text())
    data = {**data, "exercises": [e for e in data["exercises"] if e["number"] <= 7]}
    restricted = dataclasses.replace(CNN)
    restricted.__dict__.update(contract=parse_contract(data), authored=CNN.authored)
    return restricted


REBIND_IN_EX4 = """# um json mais rápido (só dumps e loads) para o resto do caderno
import sys, types, os
import json as _json
rapido = types.ModuleType("json")
rapido.dumps, rapido.loads = _json.dumps, _json.loads
sys.modules["json"] = rapido
import builtins
builtins.round = lambda x, *a: 0
os.chdir("/tmp")
"""


@pytest.mark.training
def test_rebinding_json_in_exercise_4_does_not_cost_exercise_7(solution: Any, tmp_path: Path,
                                                              up_to_ex7: Assignment,
                                                              keras_home: Path) -> None:
    """A cell the student added after exercise 4's answer replaces ``sys.modules["json"]`` (and
    ``round``, and the working directory): exercise 7's given cells import Keras, which needs the
    real ``json``; before each exercise the guard puts back what student code replaced."""
    nb = copy.deepcopy(solution)
    at = next(i for i, c in enumerate(nb.cells) if c.metadata["autograder"]["id"] == "ex4-letter")
    nb.cells.insert(at + 1, nbformat.v4.new_code_cell(REBIND_IN_EX4))
    path = tmp_path / "rebind.ipynb"
    nbformat.write(nb, path)
    result = grade(path, load_key(KEY_PATH), up_to_ex7,
                   options=GradeOptions(backend="bubblewrap", datasets_dir=keras_home / "datasets"))
    ex = by_id(result)
    assert ex["ex4"].score == ex["ex4"].max_score
    assert ex["ex7"].status == "ok" and ex["ex7"].score == ex["ex7"].max_score, \
        [(c.id, c.status, c.message_id) for c in ex["ex7"].checks if c.status != "pass"]
    assert "guard_restarted" not in ex["ex7"].notes


def test_tracebacks_hide_the_graders_paths(solution: Any, tmp_path: Path, conceptual: Assignment,
                                           keras_home: Path) -> None:
    code = "import numpy as np\nnp.linalg.inv(np.zeros((2, 2)))\n" + CORRECT_EX3
    result = run(write_variant(solution, tmp_path, replace={"ex3-answer-1": code}), conceptual, keras_home)
    err = by_id(result)["ex3"].error
    assert err.ename == "LinAlgError" and "numpy" in err.traceback
    import sys

    assert sys.prefix not in err.traceback and "<python>" in err.traceback, err.traceback[-600:]


# hostile code in the training exercises' first answer cell; the other training exercises left as
# handed out (not run), so each case costs one TensorFlow import, not a training
TRAINING_HOSTILE = {
    "ex7": ("import os\nos._exit(1)\n", "dead", ""),
    "ex8": (f"import json\nk = json.load(open({str(KEY_PATH)!r}))\n", "error", "FileNotFoundError"),
    "ex10": ("import ctypes\nctypes.string_at(0)\n", "dead", ""),
}


@pytest.mark.parametrize("exercise", sorted(TRAINING_HOSTILE))
def test_hostile_code_in_a_training_exercise_costs_only_that_exercise(
        exercise: str, solution: Any, tmp_path: Path, keras_home: Path) -> None:
    from tests.common import EXPENSIVE, leave_as_handed_out

    code, status, ename = TRAINING_HOSTILE[exercise]
    nb = leave_as_handed_out(copy.deepcopy(solution), tuple(e for e in EXPENSIVE if e != exercise))
    path = write_variant(nb, tmp_path, replace={f"{exercise}-answer-1": code})
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    options = GradeOptions(backend="bubblewrap", datasets_dir=keras_home / "datasets")
    result = grade(path, load_key(KEY_PATH), CNN, options=options)
    assert_no_leftover_process(before)
    ex = by_id(result)
    assert ex[exercise].status == status, (ex[exercise].status, ex[exercise].error)
    if ename:
        assert ex[exercise].error is not None and ex[exercise].error.ename == ename
    bands = [c for c in ex[exercise].checks if c.kind in ("band", "band_map")]
    assert bands and all(c.points == 0 for c in bands), "no training credit without the training"
    for e in CNN.contract.exercises:
        if e.id in EXPENSIVE and e.id != exercise:
            assert ex[e.id].status == "unanswered"
        elif e.id not in EXPENSIVE:
            assert ex[e.id].score == ex[e.id].max_score, (e.id, ex[e.id].status, ex[e.id].error)
    assert result.status == "graded" and result.sandbox["backend"] == "bubblewrap"
