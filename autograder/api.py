"""Grade one submission. The whole pipeline, in order, in one place (``grade``):

    submission .ipynb
      -> prepare.plan              validate, restore instructor cells, plan the cells   (pure)
      -> cache_replay.plan_fast    --mode fast: what the cache or a replay may serve    (pure + cache)
      -> execute.execute           run in a sandboxed kernel, extract answers as JSON   (sandbox)
      -> cache_replay.settle       merge cached / replay-verified answers; re-run the rest (sandbox)
      -> evaluate                  compare with the answer key, in this process         (pure)
      -> scoring                   per-exercise and total scores                        (pure)
      -> GradeResult               result.json, read by reports and exports             (plain data)

Everything about the exercise sheet comes from the ``Assignment`` passed in; the key must be
that assignment's (``AssignmentMismatch`` otherwise).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder import __version__, cache_replay, checks, data, prepare, scoring
from autograder.assignment import Assignment, check_same, notebook_assignment
from autograder.authoring import authored_cells
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
    mode: str = "full"  # "full": execute everything; "fast": cache + replay (autograder.cache_replay)
    cache_dir: Path | None = None  # where "fast" keeps executed exercises (none: no cache)
    replay_exercises: tuple[str, ...] | None = None  # None: those the assignment declares
    replay_epochs: int = 3  # epochs replayed before trusting the submitted values


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def _key_info(key: AnswerKey, key_sha256: str) -> dict[str, Any]:
    return {"profile": key.profile, "sha256": key_sha256, "built_at": key.built_at,
            "environment": key.environment.to_dict(), "warnings": key.warnings_here(),
            "drift": {k: d.status for k, d in key.drift.items()}}


def invalid_result(path: Path, sha256: str, student: Student, assignment: Assignment, key: AnswerKey,
                   key_sha256: str, message: str) -> GradeResult:
    """A submission that cannot be graded at all: every exercise 0, the reason said once."""
    exercises = tuple(
        ExerciseResult(e.id, e.number, "not_run", 0.0, e.points, "not_executed", ())
        for e in assignment.contract.exercises)
    return GradeResult(
        submission_path=str(path), submission_sha256=sha256, student=student,
        status="invalid_submission", score=0.0, max_score=assignment.contract.max_score,
        exercises=exercises, graded_at=_now(), grader_version=__version__,
        environment=current().to_dict(), key=_key_info(key, key_sha256), sandbox={},
        assignment=assignment.identity(), messages=(message,))


def evaluate(execution: Execution, assignment: Assignment, key: AnswerKey,
             verification: dict[str, str] | None = None) -> tuple[ExerciseResult, ...]:
    """Compare and score (pure): extracted answers + key -> exercise results."""
    contract = assignment.contract
    out = []
    for e in contract.exercises:
        run = execution.exercises.get(e.id)
        extracted = run.extracted if run else {}
        results = checks.evaluate_exercise(e, extracted, key, contract, assignment.hooks.own_letters)
        out.append(scoring.exercise_result(e.id, e.number, e.computed, run, results,
                                           (verification or {}).get(e.id, "executed"),
                                           assignment.series_reads(e.id)))
    return tuple(out)


def make_sandbox(options: GradeOptions, datasets_dir: Path | None) -> Any:
    from autograder.sandbox import Limits, Sandbox

    limits = Limits(memory_mb=options.memory_mb, max_processes=options.max_processes,
                    max_output_bytes=options.max_output_bytes)
    return Sandbox(limits, datasets_dir=datasets_dir, backend=options.backend)


def grade(submission: Path, key: AnswerKey, assignment: Assignment, *, key_sha256: str = "",
          options: GradeOptions | None = None, student: Student | None = None,
          sandbox_factory: Callable[[], SandboxLike] | None = None,
          progress: Callable[[str, ExerciseRun | None], None] | None = None) -> GradeResult:
    """Grade ``submission`` of ``assignment`` against ``key``.

    Raises only when grading itself is impossible (no datasets, a key of another assignment);
    a broken, hostile or foreign submission gets a result, never an exception."""
    options = options or GradeOptions()
    check_same(assignment, key.assignment, "answer key")
    contract = assignment.contract
    submission = Path(submission)
    student = student or Student(id=submission.stem, source="filename")
    raw = submission.read_bytes()
    sha = hashlib.sha256(raw).hexdigest()
    profile = assignment.profile(key.profile)

    # 1. validate and plan (pure)
    foreign = notebook_assignment(raw)
    if foreign and foreign != assignment.name:
        return invalid_result(submission, sha, student, assignment, key, key_sha256,
                              f"This notebook belongs to the assignment {foreign!r}, not "
                              f"{assignment.name!r}: it was not graded.")
    try:
        plan = prepare.plan(raw, authored_cells(assignment.authored, profile), contract,
                            where=str(submission))
    except SubmissionError as exc:
        return invalid_result(submission, sha, student, assignment, key, key_sha256, exc.message())
    datasets_dir = options.datasets_dir or data.verify_cache(assignment.datasets)
    budgets = scoring.budgets(contract, key.timings, options.time_floor_s, options.time_factor,
                              options.time_overrides)

    # 2. fast mode: what the cache or a short replay may serve
    fast = cache_replay.FastPlan()
    if options.mode == "fast":
        replayable = (options.replay_exercises if options.replay_exercises is not None
                      else tuple(assignment.replay_settings))
        context = cache_replay.context(key.profile, current().to_dict(), __version__,
                                       assignment.identity())
        fast = cache_replay.plan_fast(raw, plan, assignment, profile, context, options.cache_dir,
                                      replayable, options.replay_epochs)

    # 3. execute in the sandbox, then settle what fast mode served
    sandbox = sandbox_factory() if sandbox_factory else make_sandbox(options, datasets_dir)
    with sandbox:
        execution = execute(plan, contract, budgets, sandbox, fast.overrides, progress)

        def run_full(ex: Any, cells: list[prepare.PlannedCell]) -> Any:
            return run_exercise(ex, cells, sandbox, budgets[ex.id], contract, probe_source(),
                                kernel_starter(sandbox))

        execution, verification = cache_replay.settle(fast, execution, plan, assignment,
                                                      options.cache_dir if options.mode == "fast" else None,
                                                      run_full)

    # 4. compare and score (pure)
    exercises = evaluate(execution, assignment, key, verification)
    score, max_score = scoring.totals(exercises)
    return GradeResult(
        submission_path=str(submission), submission_sha256=sha, student=student, status="graded",
        score=score, max_score=max_score, exercises=exercises, graded_at=_now(),
        grader_version=__version__, environment=current().to_dict(),
        key=_key_info(key, key_sha256),
        sandbox={**execution.sandbox, "budgets_s": budgets, "memory_mb": options.memory_mb,
                 "max_processes": options.max_processes,
                 "max_output_bytes": options.max_output_bytes},
        assignment=assignment.identity(), restored_cells=plan.restored, messages=plan.notes)
