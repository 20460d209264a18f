"""Run a planned submission in a sandboxed kernel and extract each part's answers as JSON.

This is the only impure step of grading. Per exercise: run its cells in order within the
exercise's time budget; after each part, run the probe (``autograder.probe``) that turns the
contract's names into plain data. The first error of an exercise is recorded as the student
wrote it; the rest of that exercise is skipped (no follow-on NameErrors), except its letter
cells, which are still run and read. A timeout, memory cap or dead kernel restarts the
kernel and costs that exercise only (every exercise's given cells are self-contained).
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
FATAL = ("timeout", "memory", "dead")


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


@dataclass(frozen=True)
class Execution:
    exercises: dict[str, ExerciseRun]
    sandbox: dict[str, Any] = field(default_factory=dict)


def probe_source() -> str:
    return resources.files("autograder").joinpath("probe.py").read_text(encoding="utf-8")


def probe_cell(part: str, reads: list[tuple[str, str]], nonce: str, source: str) -> str:
    """Code that reads ``reads`` from the user namespace and displays them as JSON."""
    payload = f'{{"nonce": {nonce!r}, "part": {part!r}, "values": __ns["collect"](globals(), {reads!r})}}'
    return (
        "def __autograder_probe():\n"
        "    __ns = {}\n"
        f"    exec(compile({source!r}, '<autograder-probe>', 'exec'), __ns)\n"
        "    from IPython.display import display\n"
        f"    display({{{MIME!r}: {payload}}}, raw=True)\n"
        "__autograder_probe()\n"
        "del __autograder_probe\n"
    )


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


def _cell_error(run: Any, cell: PlannedCell) -> CellError:
    err = run.error
    return CellError(ename=str(getattr(err, "ename", run.status)), evalue=str(getattr(err, "evalue", "")),
                     cell_index=cell.submitted_index, line=getattr(err, "line", None),
                     code_line=str(getattr(err, "code_line", "")),
                     traceback=str(getattr(err, "traceback", ""))[-4000:])


def _limit_error(status: str, cell: PlannedCell, budget: float) -> CellError:
    what = {"timeout": f"the exercise's time budget of {budget:.0f} s ran out",
            "memory": "the kernel used more memory than allowed",
            "dead": "the kernel process died (e.g. os._exit, a crash in native code)"}[status]
    return CellError(ename=status.capitalize(), evalue=what, cell_index=cell.submitted_index,
                     line=None, code_line="", traceback="")


def _misconceptions(error: CellError | None, exercise: str, contract: Contract) -> tuple[str, ...]:
    if error is None:
        return ()
    text = f"{error.ename}: {error.evalue}"
    return tuple(m.id for m in contract.error_misconceptions
                 if exercise in m.exercises and re.search(m.pattern, text))


def run_exercise(ex: Exercise, cells: list[PlannedCell], sandbox: SandboxLike, budget: float,
                 contract: Contract, source: str, start_kernel: Any) -> ExerciseRun:
    deadline = time.monotonic() + budget
    status, error, notes = "ok", None, []
    extracted: dict[str, dict[str, Any]] = {}
    failed = False
    began = time.monotonic()
    loose = [c for c in cells if c.part not in {p.id for p in ex.parts}]
    for part in [None, *ex.parts]:
        part_cells = loose if part is None else [c for c in cells if c.part == part.id]
        part_failed = False
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
                remaining = max(remaining, 10.0)  # a letter cell gets a short grace period
            run = sandbox.run(cell.source, remaining)
            if run.status == "ok" or run.status == "output_limit":
                if run.status == "output_limit":
                    notes.append("output_limit")
                continue
            failed = part_failed = True
            if status == "ok":
                status = "error" if run.status == "error" else run.status
                error = (_cell_error(run, cell) if run.status == "error"
                         else _limit_error(run.status, cell, budget))
            if run.status in FATAL:
                start_kernel()
        if part is None:
            continue
        reads = [(r.name, r.type) for r in part.reads
                 if not part_failed or r.type == "letter"]
        if not reads:
            continue
        nonce = secrets.token_hex(16)
        probe = sandbox.run(probe_cell(part.id, reads, nonce, source), 120.0)
        values = parse_probe(probe.outputs, part.id, nonce) if probe.status == "ok" else None
        if values is None:
            notes.append(f"probe_failed:{part.id}")
            if probe.status in FATAL:
                start_kernel()
            continue
        extracted[part.id] = {name: values.get(name, {"__missing__": True}) for name, _ in reads}
    return ExerciseRun(ex.id, status, error, time.monotonic() - began, extracted, tuple(notes),
                       _misconceptions(error, ex.id, contract))


def kernel_starter(sandbox: SandboxLike) -> Any:
    """A function that gives ``sandbox`` a fresh kernel with the grading preamble."""

    def start_kernel() -> None:
        sandbox.restart()
        sandbox.run(PREAMBLE, 30.0)

    return start_kernel


def execute(plan: Plan, contract: Contract, budgets: Mapping[str, float], sandbox: SandboxLike,
            overrides: Mapping[str, list[PlannedCell]] | None = None,
            progress: Callable[[str, ExerciseRun | None], None] | None = None) -> Execution:
    """Run every exercise of ``plan``; never raises for what the student's code does.

    ``overrides`` replaces an exercise's cells (letters only for a cached exercise, the
    shortened given cells for a replay). ``progress(exercise id, run)`` is called before each
    exercise (run None) and after it."""
    source = probe_source()
    start_kernel = kernel_starter(sandbox)
    sandbox.run(PREAMBLE, 30.0)
    runs: dict[str, ExerciseRun] = {}
    intro = [c for c in plan.cells if c.exercise == "intro"]
    for cell in intro:
        run = sandbox.run(cell.source, 60.0)
        if run.status in FATAL:
            start_kernel()
    for ex in contract.exercises:
        cells = [c for c in plan.cells if c.exercise == ex.id]
        if overrides and ex.id in overrides:
            cells = overrides[ex.id]
        if progress:
            progress(ex.id, None)
        runs[ex.id] = run_exercise(ex, cells, sandbox, budgets.get(ex.id, 60.0), contract, source,
                                   start_kernel)
        if progress:
            progress(ex.id, runs[ex.id])
    return Execution(runs, {"backend": sandbox.backend, "enforced": dict(sandbox.enforced),
                            "not_enforced": list(sandbox.not_enforced)})
