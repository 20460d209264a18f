"""Run a planned submission in a sandboxed kernel and extract each part's answers as JSON.

This is the only impure step of grading. Per exercise: run its cells in order within the
exercise's time budget; after each part, the probe (``autograder.probe``) turns the contract's
names into plain data. The first error of an exercise is recorded as the student wrote it; the
rest of that exercise is skipped (no follow-on NameErrors), except its letter cells, which are
still run and read.

Isolation between exercises (nothing a student does in one exercise changes how another is
read): right after every kernel start, before any student code, the grader installs a *guard*
(``GUARD``) in the kernel. It binds the probe to objects taken at that moment (a private copy
of the builtins, the display publisher, the user namespace, NumPy) and snapshots the module
table, the builtins, the public functions and classes of every loaded module, the working
directory, the environment variables and IPython's input transformers. Before each exercise the
guard puts every one of those back (a replaced ``sys.modules["json"]``, a patched ``np.isclose``
or ``builtins.abs``, a changed directory); the random state and the student's variables are
left alone. If the guard itself is gone, the kernel is restarted.

Interrupted work (one rule, per status; README "The sandbox"):

* ``error``: the cell raised (a Python ``MemoryError`` too); the kernel is alive and what the
  exercise's cells assigned before is read: earlier parts in full, the failed part's letters.
* ``timeout``: the budget ran out and the cell was interrupted. If the kernel stopped (SIGINT),
  it is read exactly as after an error (note ``interrupted``). If it had to be killed, its
  namespace is gone (note ``kernel_restarted``).
* ``memory`` (the watchdog's memory, process or disk cap) and ``dead`` (the kernel exited): the
  kernel was killed; its namespace is gone (note ``kernel_restarted``).

After a kill the kernel restarts: the exercise's remaining letter cells run in it (a short
grace period) and are read; the next exercise starts in it (every exercise's given cells are
self-contained).
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Protocol

from autograder import compare
from autograder.contract import Contract, Exercise
from autograder.prepare import Plan, PlannedCell
from autograder.probe import MIME
from autograder.results import CellError

PREAMBLE = (
    "def check(*args, **kwargs):\n"
    "    \"\"\"The self-check is not run while grading.\"\"\"\n"
    "    return None\n"
)
# statuses after which the exercise's remaining (non-letter) cells are not run
FATAL = ("timeout", "memory", "dead")
# a kernel that had to be killed: its namespace is gone, a new one is started
KILLED = ("memory", "dead")
LETTER_GRACE_S = 10.0  # a letter cell still runs for this long after the budget ran out
PROBE_TIMEOUT_S = 120.0
GUARD_TIMEOUT_S = 60.0

# Runs INSIDE the kernel, in a private namespace whose builtins are a copy taken before any
# student code (``NAME``, ``PROBE`` and ``MIME`` are given). Binds ``NAME`` in the builtins to an
# object with ``emit(part, reads, nonce)`` (the probe), ``restore()`` (undo what student code
# changed in the interpreter since) and ``namespace`` (the user namespace, for fast mode's
# recomputation). Standard library and IPython only (NumPy when installed).
GUARD = r'''
import builtins as _bi
import os as _os
import sys as _sys
import types as _types

try:
    import numpy as _numpy  # loaded now, so that its functions are part of the snapshot
except Exception:
    _numpy = None
import IPython as _ipython

_shell = _ipython.get_ipython()
_user_ns = _shell.user_ns
_publish = _shell.display_pub.publish
_probe = {"__builtins__": dict(__builtins__), "__name__": "autograder_probe"}
exec(compile(PROBE, "<autograder-probe>", "exec"), _probe)
_collect = _probe["collect"]


# the kernel itself rebinds these around every request (stdin forwarding, IPython's traps)
_PER_REQUEST = {("builtins", "input"), ("getpass", "getpass"), ("sys", "excepthook")}


def _public(name, module):
    try:
        items = list(vars(module).items())
    except Exception:
        return {}
    return {k: v for k, v in items if not k.startswith("_") and (name, k) not in _PER_REQUEST
            and (callable(v) or isinstance(v, type))}


_modules = dict(_sys.modules)
_functions = {name: _public(name, m) for name, m in _modules.items()}
_streams = {k: getattr(_sys, k) for k in ("stdin", "stdout", "stderr", "displayhook")}
_cwd = _os.getcwd()
_environ = dict(_os.environ)
_lists = {k: list(getattr(_shell, k)) for k in
          ("input_transformers_cleanup", "input_transformers_post", "ast_transformers")
          if isinstance(getattr(_shell, k, None), list)}
_events = {k: list(v) for k, v in _shell.events.callbacks.items()}


def emit(part, reads, nonce):
    """Read ``reads`` from the user namespace and display them as JSON with ``nonce``."""
    values = _collect(_user_ns, reads)
    _publish(data={MIME: {"nonce": nonce, "part": part, "values": values}}, metadata={})


def restore():
    """Put back what student code replaced since the guard was installed; how many things."""
    changed = 0
    for name, module in _modules.items():
        if _sys.modules.get(name) is not module:
            _sys.modules[name] = module
            changed += 1
    current = vars(_bi)
    for k, v in _builtins.items():
        if k != "input" and current.get(k, _builtins) is not v:
            current[k] = v
            changed += 1
    for name, attrs in _functions.items():
        try:
            space = vars(_modules[name])
        except Exception:
            continue
        for k, v in attrs.items():
            if space.get(k, _builtins) is not v:
                space[k] = v
                changed += 1
    for k, v in _streams.items():
        if getattr(_sys, k) is not v:
            setattr(_sys, k, v)
            changed += 1
    if _os.getcwd() != _cwd:
        _os.chdir(_cwd)
        changed += 1
    for k, v in _environ.items():
        if _os.environ.get(k) != v:
            _os.environ[k] = v
            changed += 1
    for k, v in _lists.items():
        if getattr(_shell, k) != v:
            getattr(_shell, k)[:] = v
            changed += 1
    for k, v in _events.items():
        if _shell.events.callbacks.get(k) != v:
            _shell.events.callbacks[k][:] = v
            changed += 1
    return changed


_guard = _types.SimpleNamespace(emit=emit, restore=restore, namespace=_user_ns)
vars(_bi)[NAME] = _guard
_builtins = dict(vars(_bi))
'''


class SandboxLike(Protocol):
    backend: str
    enforced: Mapping[str, str]
    not_enforced: tuple[str, ...]

    def run(self, code: str, timeout_s: float) -> Any: ...

    def restart(self) -> None: ...

    def __enter__(self) -> SandboxLike: ...

    def __exit__(self, *exc: object) -> None: ...


@dataclass(frozen=True)
class ExerciseRun:
    exercise: str
    status: str  # see results.ExerciseStatus
    error: CellError | None
    seconds: float
    extracted: dict[str, dict[str, Any]]  # part -> name -> plain value
    notes: tuple[str, ...] = ()
    misconceptions: tuple[str, ...] = ()
    recomputed: dict[str, Any] = field(default_factory=dict)  # fast mode: values recomputed after it


@dataclass(frozen=True)
class Execution:
    exercises: dict[str, ExerciseRun]
    sandbox: dict[str, Any] = field(default_factory=dict)


def probe_source() -> str:
    return resources.files("autograder").joinpath("probe.py").read_text(encoding="utf-8")


def guard_cell(name: str, source: str) -> str:
    """The cell that installs the guard as ``name`` (run before any student code)."""
    env = {"NAME": name, "PROBE": source, "MIME": MIME}
    return (f"exec(compile({GUARD!r}, '<autograder-guard>', 'exec'), "
            f"{{'__builtins__': dict(__import__('builtins').__dict__), "
            f"'__name__': 'autograder_guard', **{env!r}}})\n")


def probe_cell(name: str, part: str, reads: list[tuple[str, str]], nonce: str) -> str:
    """The cell that makes the guard ``name`` display ``reads`` as JSON."""
    return f"{name}.emit({part!r}, {reads!r}, {nonce!r})\n"


def parse_probe(outputs: tuple[dict[str, Any], ...], part: str, nonce: str) -> dict[str, Any] | None:
    """The probe's values if a display with the right nonce came back as plain data."""
    for out in outputs:
        data = out.get("data", {}) if isinstance(out, dict) else {}
        payload = data.get(MIME) if isinstance(data, dict) else None
        if (isinstance(payload, dict) and payload.get("nonce") == nonce
                and payload.get("part") == part and isinstance(payload.get("values"), dict)):
            values = payload["values"]
            if compare.is_plain_data(values, max_depth=8, max_items=500_000):
                return dict(values)
    return None


class Session:
    """One sandboxed kernel as grading uses it: after every start, the grading preamble and the
    guard run before any student code. ``restore()`` before each exercise, ``probe()`` after
    each part."""

    def __init__(self, sandbox: SandboxLike, source: str | None = None) -> None:
        self.sandbox = sandbox
        self.source = source if source is not None else probe_source()
        self.name = f"__autograder_{secrets.token_hex(8)}"
        self.restarts = 0

    @property
    def alive(self) -> bool:
        """Whether the kernel survived the last cell (a sandbox that cannot say: assume not)."""
        return bool(getattr(self.sandbox, "alive", False))

    def prepare(self) -> None:
        """The preamble and the guard, in the kernel that is running now."""
        self.sandbox.run(PREAMBLE, 30.0)
        self.sandbox.run(guard_cell(self.name, self.source), GUARD_TIMEOUT_S)

    def restart(self) -> None:
        """A fresh kernel, prepared."""
        self.restarts += 1
        self.sandbox.restart()
        self.prepare()

    def run(self, code: str, timeout_s: float) -> Any:
        return self.sandbox.run(code, timeout_s)

    def restore(self) -> bool:
        """Undo what student code changed in the interpreter; False when the guard was gone and
        the kernel had to be restarted instead."""
        run = self.sandbox.run(f"{self.name}.restore()\n", GUARD_TIMEOUT_S)
        if run.status == "ok":
            return True
        self.restart()
        return False

    def probe(self, part: str, reads: list[tuple[str, str]]) -> tuple[dict[str, Any] | None, str]:
        """The values of ``reads`` now, and the probe cell's status."""
        nonce = secrets.token_hex(16)
        run = self.sandbox.run(probe_cell(self.name, part, reads, nonce), PROBE_TIMEOUT_S)
        values = parse_probe(run.outputs, part, nonce) if run.status == "ok" else None
        return values, str(run.status)

    def display_cell(self, code: str, tag: str, timeout_s: float) -> tuple[dict[str, Any] | None, str]:
        """Run ``code``, which must define ``__autograder_result`` (plain data); display it through
        the guard's publisher with a fresh nonce and return it (fast mode's recomputation)."""
        nonce = secrets.token_hex(16)
        wrapped = (f"{code}\n{self.name}.emit({tag!r}, [('__autograder_result', 'plain')], {nonce!r})\n"
                   "del __autograder_result\n")
        run = self.sandbox.run(wrapped, timeout_s)
        values = parse_probe(run.outputs, tag, nonce) if run.status == "ok" else None
        if run.status in KILLED or (run.status == "timeout" and not self.alive):
            self.restart()
        found = values.get("__autograder_result") if values else None
        return (found if isinstance(found, dict) else None), str(run.status)


def _cell_error(run: Any, cell: PlannedCell) -> CellError:
    err = run.error
    return CellError(ename=str(getattr(err, "ename", run.status)), evalue=str(getattr(err, "evalue", "")),
                     cell_index=cell.submitted_index, line=getattr(err, "line", None),
                     code_line=str(getattr(err, "code_line", "")),
                     traceback=str(getattr(err, "traceback", ""))[-4000:])


LIMIT_ENAMES = {"timeout": "Timeout", "dead": "KernelDied"}


def _limit_error(status: str, cell: PlannedCell, budget: float, run: Any = None) -> CellError:
    """The limit that stopped the exercise. ``ename`` says which (the report translates it);
    ``evalue`` is an English sentence for logs."""
    what = {"timeout": f"the exercise's time budget of {budget:.0f} s ran out",
            "memory": "the kernel used more memory than allowed",
            "dead": "the kernel process died (e.g. os._exit, a crash in native code)"}[status]
    ename = LIMIT_ENAMES.get(status, "MemoryLimitExceeded")
    if status == "memory" and run is not None and getattr(run.error, "ename", "").endswith("LimitExceeded"):
        ename, what = str(run.error.ename), str(run.error.evalue)
    return CellError(ename=ename, evalue=what, cell_index=cell.submitted_index,
                     line=None, code_line="", traceback="")


def _misconceptions(error: CellError | None, exercise: str, contract: Contract) -> tuple[str, ...]:
    if error is None:
        return ()
    text = f"{error.ename}: {error.evalue}"
    return tuple(m.id for m in contract.error_misconceptions
                 if exercise in m.exercises and re.search(m.pattern, text))


def run_exercise(ex: Exercise, cells: list[PlannedCell], session: Session, budget: float,
                 contract: Contract) -> ExerciseRun:
    """Run one exercise's cells in ``session`` (restored first) and read each part."""
    notes: list[str] = []
    if not session.restore():
        notes.append("guard_restarted")
    deadline = time.monotonic() + budget
    status, error = "ok", None
    extracted: dict[str, dict[str, Any]] = {}
    failed = False
    began = time.monotonic()
    loose = [c for c in cells if c.part not in {p.id for p in ex.parts}]
    for part in [None, *ex.parts]:
        part_cells = loose if part is None else [c for c in cells if c.part == part.id]
        part_failed = failed  # a part after the one that stopped is not run: read its letters only
        for cell in part_cells:
            if (failed and cell.role != "letter") or not cell.source.strip():
                continue
            remaining = deadline - time.monotonic()
            if status in FATAL or remaining <= 0:
                if remaining <= 0 and status == "ok":
                    status, error = "timeout", _limit_error("timeout", cell, budget)
                    failed = part_failed = True
                if cell.role != "letter":
                    continue
                remaining = max(remaining, LETTER_GRACE_S)
            run = session.run(cell.source, remaining)
            if run.status == "ok" or run.status == "output_limit":
                if run.status == "output_limit":
                    notes.append("output_limit")
                continue
            failed = part_failed = True
            if status == "ok":
                status = "error" if run.status == "error" else run.status
                error = (_cell_error(run, cell) if run.status == "error"
                         else _limit_error(run.status, cell, budget, run))
            if run.status in KILLED or (run.status == "timeout" and not session.alive):
                notes.append("kernel_restarted")
                session.restart()
            elif run.status == "timeout":
                notes.append("interrupted")
        if part is None:
            continue
        reads = [(r.name, r.type) for r in part.reads
                 if not part_failed or r.type == "letter"]
        if not reads:
            if part_failed:
                extracted[part.id] = {r.name: {"__not_reached__": True} for r in part.reads}
            continue
        values, probe_status = session.probe(part.id, reads)
        if values is None:
            notes.append(f"probe_failed:{part.id}")
            if probe_status in KILLED or (probe_status == "timeout" and not session.alive):
                session.restart()
            continue
        extracted[part.id] = {name: values.get(name, {"__missing__": True}) for name, _ in reads}
        if part_failed:  # the part stopped: its other names are not read (stale values of another
            # exercise may hold them); their checks say "not reached", not "missing"
            extracted[part.id].update({r.name: {"__not_reached__": True} for r in part.reads
                                       if r.type != "letter"})
    return ExerciseRun(ex.id, status, error, time.monotonic() - began, extracted,
                       tuple(dict.fromkeys(notes)), _misconceptions(error, ex.id, contract))


After = Callable[[ExerciseRun, Session], ExerciseRun]


def execute(plan: Plan, contract: Contract, budgets: Mapping[str, float], session: Session,
            overrides: Mapping[str, list[PlannedCell]] | None = None,
            progress: Callable[[str, ExerciseRun | None], None] | None = None,
            after: Mapping[str, After] | None = None) -> Execution:
    """Run every exercise of ``plan``; never raises for what the student's code does.

    ``overrides`` replaces an exercise's cells (letters only for a cached exercise, the
    shortened given cells for a replay); ``after[exercise id]`` runs right after that exercise,
    in its kernel (fast mode's recomputation). ``progress(exercise id, run)`` is called before
    each exercise (run None) and after it."""
    session.prepare()
    runs: dict[str, ExerciseRun] = {}
    intro = [c for c in plan.cells if c.exercise == "intro"]
    for cell in intro:
        run = session.run(cell.source, 60.0)
        if run.status in KILLED or (run.status == "timeout" and not session.alive):
            session.restart()
    for ex in contract.exercises:
        if ex.id in plan.skipped:  # left as handed out: nothing the student wrote to run
            runs[ex.id] = ExerciseRun(ex.id, "unanswered", None, 0.0, {}, ("unanswered",))
            if progress:
                progress(ex.id, runs[ex.id])
            continue
        cells = [c for c in plan.cells if c.exercise == ex.id]
        if overrides and ex.id in overrides:
            cells = overrides[ex.id]
        if progress:
            progress(ex.id, None)
        run = run_exercise(ex, cells, session, budgets.get(ex.id, 60.0), contract)
        if after and ex.id in after:
            run = after[ex.id](run, session)
        runs[ex.id] = run
        if progress:
            progress(ex.id, run)
    sandbox = session.sandbox
    return Execution(runs, {"backend": sandbox.backend, "enforced": dict(sandbox.enforced),
                            "not_enforced": list(sandbox.not_enforced)})
