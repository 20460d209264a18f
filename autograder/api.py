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

import dataclasses
import datetime as _dt
import hashlib
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autograder import __version__, cache_replay, checks, data, prepare, scoring
from autograder.assignment import Assignment, check_same, notebook_assignment
from autograder.authoring import authored_cells
from autograder.environment import current
from autograder.errors import SubmissionError
from autograder.execute import Execution, ExerciseRun, SandboxLike, Session, execute, run_exercise
from autograder.i18n import encode
from autograder.keymodel import AnswerKey
from autograder.results import ExerciseResult, GradeResult, Student

if TYPE_CHECKING:
    from autograder.sandbox.zygote import WarmHandle


@dataclass(frozen=True)
class GradeOptions:
    """How to grade. Every limit is data, recorded in the result."""

    time_floor_s: float = 60.0  # minimum time budget per exercise
    time_factor: float = 3.0  # budget = max(floor, factor × the exercise's reference time)
    # reference time per exercise (``time_reference``): None = the fastest run the key recorded
    time_reference: dict[str, float] | None = None
    key_runs_dir: Path | str | None = None  # where the key's run records are (default: beside it)
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
    audit_share: float = 0.1  # fast mode: share of submissions whose replayable exercises run in full
    late_due: str = ""  # --due: the late policy's due date (ISO 8601), instead of assignment.toml's
    moodle_worksheet: str = ""  # --worksheet: Moodle's grading worksheet (team members, submission times)


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


TRAINING_RUNS = ("deterministic", "sheet")  # run records whose wall time measures an exercise


def time_reference(key: AnswerKey, runs_dir: Path | None) -> tuple[dict[str, float], str]:
    """The reference time of each exercise for its budget, and the rule that gave it.

    Load on the machine only ever slows a run down, so the fastest run the key recorded
    (``runs/<exercise>-<seeding>-<n>.json``, ``wall_seconds``) is the robust reference; the key's
    ``timings`` (its slowest run) are used only when no run records are found."""
    fastest: dict[str, float] = {}
    for path in sorted(runs_dir.glob("*.json")) if runs_dir and runs_dir.is_dir() else ():
        exercise, _, rest = path.stem.partition("-")
        if rest.split("-")[0] not in TRAINING_RUNS:
            continue
        try:
            seconds = float(json.loads(path.read_text(encoding="utf-8")).get("wall_seconds", 0.0))
        except (OSError, ValueError, AttributeError, TypeError):
            continue
        if seconds > 0:
            fastest[exercise] = min(seconds, fastest.get(exercise, seconds))
    if fastest:
        return {e: round(fastest.get(e, t), 3) for e, t in {**key.timings, **fastest}.items()}, \
            "fastest_run"
    return {e: round(float(t), 3) for e, t in key.timings.items()}, "slowest_run"


def _runs_dir(options: GradeOptions, assignment: Assignment, key: AnswerKey, key_sha256: str) -> Path | None:
    if options.key_runs_dir:
        return Path(options.key_runs_dir)
    committed = assignment.key_path(key.profile)
    try:
        same = bool(key_sha256) and committed.is_file() and hashlib.sha256(
            committed.read_bytes()).hexdigest() == key_sha256
    except OSError:
        same = False
    return committed.parent / "runs" if same else None


def profile_mismatch(raw: bytes, key: AnswerKey) -> str:
    """A coded message when the notebook was generated for another profile than the key's."""
    try:
        meta = json.loads(raw).get("metadata", {}).get("autograder", {})
        profile = meta.get("profile")
    except (ValueError, AttributeError, UnicodeDecodeError):
        return ""
    if isinstance(profile, str) and profile and profile != key.profile:
        return encode("profile_mismatch", notebook=profile, key=key.profile)
    return ""


def _invalid_message(exc: SubmissionError) -> str:
    """Why a notebook cannot be read, as a coded message (no path of the grading machine)."""
    cause = exc.__cause__
    if isinstance(cause, UnicodeDecodeError):
        return encode("invalid_not_utf8")
    inner = cause.__cause__ or cause.__context__ if cause is not None else None
    for found in (cause, inner):
        if isinstance(found, json.JSONDecodeError):
            return encode("invalid_not_json", line=found.lineno, column=found.colno)
    if cause is not None and type(cause).__name__ == "NotJSONError":
        return encode("invalid_not_json_unknown")
    if exc.what.id == "prepare_too_large":
        return encode("invalid_too_large", limit_mb=round(prepare.MAX_NOTEBOOK_BYTES / 1e6))
    if exc.what.id == "prepare_no_cells":
        return encode("invalid_no_cells")
    return encode("invalid_unreadable", detail=type(cause).__name__ if cause is not None else "")


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
             verification: dict[str, str] | None = None,
             code: dict[str, str] | None = None) -> tuple[ExerciseResult, ...]:
    """Compare and score (pure): extracted answers + key -> exercise results. ``code``: what the
    student wrote per exercise (``prepare.student_code``), for source checks and typed-in values."""
    contract = assignment.contract
    out = []
    for e in contract.exercises:
        run = execution.exercises.get(e.id)
        extracted = run.extracted if run else {}
        results = checks.evaluate_exercise(e, extracted, key, contract, assignment.hooks.own_letters,
                                           (code or {}).get(e.id, "") if code is not None else None)
        out.append(scoring.exercise_result(e.id, e.number, e.computed, run, results,
                                           (verification or {}).get(e.id, "executed"),
                                           assignment.series_reads(e.id)))
    return tuple(out)


def sandbox_limits(options: GradeOptions) -> Any:
    """The sandbox's ``Limits`` for ``options``."""
    from autograder.sandbox import Limits

    return Limits(memory_mb=options.memory_mb, max_processes=options.max_processes,
                  max_output_bytes=options.max_output_bytes)


def make_sandbox(options: GradeOptions, datasets_dir: Path | None, warm: WarmHandle | None = None) -> Any:
    """The sandbox a submission runs in; with ``warm``, its kernels are forked from that warm
    sandbox's zygote when it fits these limits and datasets (else a cold sandbox, as without)."""
    from autograder.sandbox import Sandbox

    return Sandbox(sandbox_limits(options), datasets_dir=datasets_dir, backend=options.backend, warm=warm)


def grade(submission: Path, key: AnswerKey, assignment: Assignment, *, key_sha256: str = "",
          options: GradeOptions | None = None, student: Student | None = None,
          sandbox_factory: Callable[[], SandboxLike] | None = None,
          progress: Callable[[str, ExerciseRun | None], None] | None = None,
          warm: WarmHandle | None = None) -> GradeResult:
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
                              encode("submission_foreign", notebook=foreign, assignment=assignment.name))
    try:
        plan = prepare.plan(raw, authored_cells(assignment.authored, profile), contract,
                            where=str(submission))
    except SubmissionError as exc:
        return invalid_result(submission, sha, student, assignment, key, key_sha256, _invalid_message(exc))
    messages = tuple(m for m in (profile_mismatch(raw, key),) if m) + plan.notes
    datasets_dir = options.datasets_dir or data.verify_cache(assignment.datasets)
    if options.time_reference is not None:
        reference, rule = dict(options.time_reference), "given"
    else:
        reference, rule = time_reference(key, _runs_dir(options, assignment, key, key_sha256))
    budgets = scoring.budgets(contract, reference, options.time_floor_s, options.time_factor,
                              options.time_overrides)

    # 2. fast mode: what the cache or a short replay may serve
    fast = cache_replay.FastPlan()
    audited = False
    if options.mode == "fast":
        replayable = (options.replay_exercises if options.replay_exercises is not None
                      else tuple(assignment.replay_settings))
        # the audit: an unpredictable share of fast-mode submissions runs its replayable
        # exercises in full (README, "fast mode"); recorded in the result
        audited = bool(replayable) and random.SystemRandom().random() < options.audit_share
        if audited:
            replayable = ()
        context = cache_replay.context(key.profile, current().to_dict(), __version__,
                                       assignment.identity())
        fast = cache_replay.plan_fast(raw, plan, assignment, profile, context, options.cache_dir,
                                      replayable, options.replay_epochs)

    # 3. execute in the sandbox, then settle what fast mode served
    sandbox = sandbox_factory() if sandbox_factory else make_sandbox(options, datasets_dir, warm)
    with sandbox:
        session = Session(sandbox)
        execution = execute(plan, contract, budgets, session, fast.overrides, progress, fast.after())

        def run_full(ex: Any, cells: list[prepare.PlannedCell]) -> Any:
            return run_exercise(ex, cells, session, budgets[ex.id], contract)

        execution, verification = cache_replay.settle(fast, execution, plan, assignment,
                                                      options.cache_dir if options.mode == "fast" else None,
                                                      run_full)
    if audited:
        execution = _audit_notes(execution, assignment)

    # 4. compare and score (pure)
    exercises = evaluate(execution, assignment, key, verification, prepare.student_code(plan))
    score, max_score = scoring.totals(exercises)
    return GradeResult(
        submission_path=str(submission), submission_sha256=sha, student=student, status="graded",
        score=score, max_score=max_score, exercises=exercises, graded_at=_now(),
        grader_version=__version__, environment=current().to_dict(),
        key=_key_info(key, key_sha256),
        sandbox={**execution.sandbox, "budgets_s": budgets, "time_reference_s": reference,
                 "time_reference_rule": rule, "time_factor": options.time_factor,
                 "time_floor_s": options.time_floor_s, "memory_mb": options.memory_mb,
                 "max_processes": options.max_processes,
                 "max_output_bytes": options.max_output_bytes, "mode": options.mode,
                 **({"audit_share": options.audit_share, "audited": audited}
                    if options.mode == "fast" else {})},
        assignment=assignment.identity(), restored_cells=plan.restored, messages=messages)


def _audit_notes(execution: Execution, assignment: Assignment) -> Execution:
    """Say, in each replayable exercise of an audited submission, that it was run in full."""
    runs = {e: (dataclasses.replace(r, notes=r.notes + ("audit",)) if e in assignment.replay_settings else r)
            for e, r in execution.exercises.items()}
    return dataclasses.replace(execution, exercises=runs)
