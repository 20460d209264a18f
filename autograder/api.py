"""Grade one submission. The whole pipeline, in order, in one place:

    submission .ipynb
      -> prepare.plan          validate, restore instructor cells, plan the cells   (pure)
      -> execute.execute       run in a sandboxed kernel, extract answers as JSON   (sandbox)
      -> checks.evaluate_*     compare with the answer key, in this process         (pure)
      -> scoring               per-exercise and total scores                        (pure)
      -> GradeResult           result.json, read by reports and exports             (plain data)
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder import __version__, checks, data, prepare, scoring, speed
from autograder.contract import Contract, load_contract
from autograder.environment import current
from autograder.errors import SubmissionError
from autograder.execute import (
    Execution,
    ExerciseRun,
    SandboxLike,
    execute,
    kernel_starter,
    probe_source,
    run_exercise,
)
from autograder.keymodel import AnswerKey
from autograder.prepare import PlannedCell
from autograder.results import ExerciseResult, GradeResult, Student


@dataclass(frozen=True)
class GradeOptions:
    """How to grade. Every limit is data, recorded in the result."""

    time_floor_s: float = 60.0  # minimum time budget per exercise
    time_factor: float = 3.0  # budget = max(floor, factor × the key's reference time)
    time_overrides: dict[str, float] = field(default_factory=dict)  # exercise id -> seconds
    memory_mb: int = 4096
    max_processes: int = 256  # processes + threads (TensorFlow starts many threads)
    max_output_bytes: int = 2_000_000
    backend: str = "auto"  # "bubblewrap" | "none" | "auto"
    datasets_dir: Path | None = None  # default: the verified Keras cache
    mode: str = "full"  # "full": execute everything; "fast": cache + replay (autograder.speed)
    cache_dir: Path | None = None  # where "fast" keeps executed exercises (none: no cache)
    replay_exercises: tuple[str, ...] = ("ex10",)  # exercises "fast" may replay-verify
    replay_epochs: int = 3  # epochs replayed before trusting the submitted values


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def _key_info(key: AnswerKey, key_sha256: str) -> dict[str, Any]:
    return {"profile": key.profile, "sha256": key_sha256, "built_at": key.built_at,
            "environment": key.environment.to_dict(), "warnings": key.warnings_here(),
            "drift": {k: d.status for k, d in key.drift.items()}}


def invalid_result(path: Path, sha256: str, student: Student, contract: Contract, key: AnswerKey,
                   key_sha256: str, message: str) -> GradeResult:
    """A submission that cannot be graded at all: every exercise 0, the reason said once."""
    exercises = tuple(
        ExerciseResult(e.id, e.number, "not_run", 0.0, e.points, "not_executed", ())
        for e in contract.exercises)
    return GradeResult(
        submission_path=str(path), submission_sha256=sha256, student=student,
        status="invalid_submission", score=0.0, max_score=contract.max_score, exercises=exercises,
        graded_at=_now(), grader_version=__version__, environment=current().to_dict(),
        key=_key_info(key, key_sha256), sandbox={}, messages=(message,))


def evaluate(plan: prepare.Plan, execution: Execution, contract: Contract, key: AnswerKey,
             verification: dict[str, str] | None = None) -> tuple[ExerciseResult, ...]:
    """Compare and score (pure): extracted answers + key -> exercise results."""
    out = []
    for e in contract.exercises:
        run = execution.exercises.get(e.id)
        extracted = run.extracted if run else {}
        results = checks.evaluate_exercise(e, extracted, key, contract)
        out.append(scoring.exercise_result(e.id, e.number, e.computed, run, results,
                                           (verification or {}).get(e.id, "executed")))
    return tuple(out)


def authored_for(profile: str | Any) -> Any:
    from assignments.build import authored_cells
    from reference.profiles import get_profile

    return authored_cells(get_profile(profile) if isinstance(profile, str) else profile)


@dataclass
class _FastPlan:
    """What ``mode="fast"`` decided per exercise before execution."""

    overrides: dict[str, list[PlannedCell]] = field(default_factory=dict)
    cached: dict[str, ExerciseRun] = field(default_factory=dict)
    submitted: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    fingerprints: dict[str, str] = field(default_factory=dict)


def _fast_plan(raw: bytes, plan: prepare.Plan, contract: Contract, key: AnswerKey,
               options: GradeOptions) -> _FastPlan:
    from reference.profiles import get_profile

    fast = _FastPlan()
    if options.mode != "fast":
        return fast
    ctx = speed.context(key.profile, current().to_dict(), __version__, contract)
    cache = speed.ExerciseCache(options.cache_dir) if options.cache_dir else None
    profile = get_profile(key.profile)
    for e in contract.exercises:
        if not e.computed:
            continue
        fp = fast.fingerprints[e.id] = speed.fingerprint(e.id, plan.cells, ctx)
        hit = cache.get(fp) if cache else None
        if hit is not None:
            fast.cached[e.id] = hit
            fast.overrides[e.id] = [c for c in plan.cells if c.exercise == e.id and c.role == "letter"]
            continue
        if e.id not in options.replay_exercises:
            continue
        submitted = speed.submitted_values(raw, e.id)
        epochs = getattr(profile, f"{e.id}_epochs", 0)
        k = speed.replay_profile_epochs(epochs, options.replay_epochs)
        if submitted is None or k is None:
            continue
        replay = prepare.plan(raw, authored_for(speed.with_epochs(profile, e.id, k)), contract)
        fast.overrides[e.id] = [c for c in replay.cells if c.exercise == e.id]
        fast.submitted[e.id] = submitted
    return fast


def _settle(fast: _FastPlan, execution: Execution, plan: prepare.Plan, contract: Contract,
            budgets: dict[str, float], sandbox: SandboxLike,
            options: GradeOptions) -> tuple[Execution, dict[str, str]]:
    """Merge cached and replay-verified answers; run in full whatever a replay did not confirm."""
    runs = dict(execution.exercises)
    verification: dict[str, str] = {}
    for ex in contract.exercises:
        run = runs.get(ex.id)
        if run is None:
            continue
        if ex.id in fast.cached:
            cached = fast.cached[ex.id]
            runs[ex.id] = dataclasses.replace(
                run, extracted=speed.merge(speed.without_letters(ex, cached.extracted),
                                           speed.only_letters(ex, run.extracted)))
            verification[ex.id] = "cached"
            continue
        if ex.id in fast.submitted:
            ok, why = (speed.replay_agrees(ex, run.extracted, fast.submitted[ex.id])
                       if run.status == "ok" else (False, f"the replay ended with {run.status}"))
            if ok:
                runs[ex.id] = dataclasses.replace(run, extracted=speed.merge(
                    speed.without_letters(ex, fast.submitted[ex.id]), speed.only_letters(ex, run.extracted)))
                verification[ex.id] = "replay_verified"
                continue
            cells = [c for c in plan.cells if c.exercise == ex.id]
            full = run_exercise(ex, cells, sandbox, budgets[ex.id], contract, probe_source(),
                                kernel_starter(sandbox))
            run = runs[ex.id] = dataclasses.replace(full, notes=full.notes + (f"replay_mismatch: {why}",))
        verification[ex.id] = "executed"
        if ex.id in fast.fingerprints and options.cache_dir and speed.cacheable(ex.id, plan.cells, run):
            speed.ExerciseCache(options.cache_dir).put(fast.fingerprints[ex.id], dataclasses.replace(
                run, extracted=speed.without_letters(ex, run.extracted)))
    return dataclasses.replace(execution, exercises=runs), verification


def make_sandbox(options: GradeOptions, datasets_dir: Path | None) -> Any:
    from autograder.sandbox import Limits, Sandbox

    limits = Limits(memory_mb=options.memory_mb, max_processes=options.max_processes,
                    max_output_bytes=options.max_output_bytes)
    return Sandbox(limits, datasets_dir=datasets_dir, backend=options.backend)


def grade(submission: Path, key: AnswerKey, *, key_sha256: str = "",
          options: GradeOptions | None = None, student: Student | None = None,
          contract: Contract | None = None,
          sandbox_factory: Callable[[], SandboxLike] | None = None) -> GradeResult:
    """Grade ``submission`` against ``key``. Raises only when grading itself is impossible
    (no datasets, broken key); a broken or hostile submission gets a result, never an exception."""
    options = options or GradeOptions()
    contract = contract or load_contract()
    submission = Path(submission)
    student = student or Student(id=submission.stem, source="filename")
    raw = submission.read_bytes()
    sha = hashlib.sha256(raw).hexdigest()
    try:
        plan = prepare.plan(raw, authored_for(key.profile), contract, where=str(submission))
    except SubmissionError as exc:
        return invalid_result(submission, sha, student, contract, key, key_sha256, exc.message())
    datasets_dir = options.datasets_dir or data.verify_cache()
    budgets = scoring.budgets(contract, key.timings, options.time_floor_s, options.time_factor,
                              options.time_overrides)
    fast = _fast_plan(raw, plan, contract, key, options)
    sandbox = sandbox_factory() if sandbox_factory else make_sandbox(options, datasets_dir)
    with sandbox:
        execution = execute(plan, contract, budgets, sandbox, fast.overrides)
        execution, verification = _settle(fast, execution, plan, contract, budgets, sandbox, options)
    exercises = evaluate(plan, execution, contract, key, verification)
    score, max_score = scoring.totals(exercises)
    return GradeResult(
        submission_path=str(submission), submission_sha256=sha, student=student, status="graded",
        score=score, max_score=max_score, exercises=exercises, graded_at=_now(),
        grader_version=__version__, environment=current().to_dict(),
        key=_key_info(key, key_sha256),
        sandbox={**execution.sandbox, "budgets_s": budgets, "memory_mb": options.memory_mb,
                 "max_processes": options.max_processes,
                 "max_output_bytes": options.max_output_bytes},
        restored_cells=plan.restored, messages=plan.notes)
