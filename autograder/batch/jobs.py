"""One grading job: plain data in, one result file out. This is what runs in a worker.

A job is self-contained plain data (paths, the student, the options as a dict), so any executor can
ship it anywhere. ``run_job`` grades it and writes the result JSON atomically itself; whatever goes
wrong in grading becomes a ``grader_error`` result, written like any other.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import json
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from autograder import __version__, late
from autograder.api import GradeOptions
from autograder.environment import current
from autograder.fsutil import write_atomic
from autograder.i18n import Msg, decode, encode, msg
from autograder.results import GradeResult, Student

GradeFn = Callable[[Path, Student], GradeResult]


@dataclass(frozen=True)
class Job:
    submission: str  # the notebook, readable by the worker
    origin: str  # where the TA sees it; recorded as the result's ``submission_path``
    submission_sha256: str
    student: dict[str, str]  # a Student as a dict
    key_path: str
    key_sha256: str
    assignment: str  # the assignment's folder (the worker loads it by path)
    options: dict[str, Any]  # GradeOptions as plain data (``options_to_dict``)
    result_path: str  # written atomically by the worker
    log_path: str  # the worker's stdout/stderr
    max_score: float  # of the contract, for a grader_error result
    submitted_at: str = ""  # when the LMS says it was submitted (ISO 8601), for the late policy
    lms_late: bool | None = None  # the LMS's own late mark (Canvas LATE_) when it gives no time
    late_policy: dict[str, Any] | None = None  # autograder.late.LatePolicy.to_dict(), or None
    warm: dict[str, Any] | None = None  # a warm sandbox's WarmHandle.to_dict(), lent by the local pool

    @property
    def who(self) -> Student:
        return Student(**self.student)


@dataclass(frozen=True)
class Outcome:
    """What the batch needs to know about a finished job (the result file holds the rest)."""

    student_id: str
    status: str  # graded | invalid_submission | grader_error
    score: float
    max_score: float
    seconds: float  # wall time of the job
    message: str = ""  # why, for grader_error: the result's coded message (``i18n.render`` says it)


def options_to_dict(options: GradeOptions) -> dict[str, Any]:
    return {f.name: (str(v) if isinstance(v, Path) else list(v) if isinstance(v, tuple) else v)
            for f in dataclasses.fields(options) for v in [getattr(options, f.name)]}


PATH_OPTIONS = ("datasets_dir", "cache_dir")


def options_from_dict(d: dict[str, Any]) -> GradeOptions:
    """The inverse of ``options_to_dict`` (also after a JSON round trip: lists back to tuples)."""
    fixed = dict(d)
    for name in PATH_OPTIONS:
        fixed[name] = Path(d[name]) if d.get(name) else None
    if d.get("replay_exercises") is not None:
        fixed["replay_exercises"] = tuple(d["replay_exercises"])
    return GradeOptions(**fixed)


@dataclass(frozen=True)
class ApiGrader:
    """The real grader, ``autograder.api.grade``, as a picklable ``GradeFn``."""

    key_path: str
    key_sha256: str
    assignment: str  # folder of the assignment
    options: dict[str, Any]
    warm: dict[str, Any] | None = None  # the job's warm sandbox (WarmHandle.to_dict()), if lent one

    @cached_property
    def _assignment(self) -> Any:
        from autograder.assignment import load_assignment

        return load_assignment(self.assignment)

    @cached_property
    def _key(self) -> Any:
        from autograder.keymodel import key_from_dict

        raw = Path(self.key_path).read_bytes()
        if hashlib.sha256(raw).hexdigest() != self.key_sha256:
            raise RuntimeError(f"the answer key {self.key_path} changed while the batch was running")
        return key_from_dict(json.loads(raw), where=self.key_path)

    def __call__(self, submission: Path, student: Student) -> GradeResult:
        from autograder import api
        from autograder.sandbox.zygote import WarmHandle

        warm = WarmHandle.from_dict(self.warm) if self.warm is not None else None
        return api.grade(submission, self._key, self._assignment, key_sha256=self.key_sha256,
                         options=options_from_dict(self.options), student=student, warm=warm)


def _identity(folder: str) -> dict[str, str]:
    """The assignment's identity for a result the grader could not finish (its folder, if even
    the assignment cannot be read), so the result is filed under its assignment."""
    from autograder.assignment import load_assignment
    from autograder.errors import AutograderError

    try:
        return {**load_assignment(folder).identity(), "path": folder}
    except AutograderError:
        return {"path": folder}


Reason = tuple[str, dict[str, Any]]
"""Why a job failed, as plain data that crosses processes (a ``Msg`` does not pickle): one of the
``batch_failed_*`` sentences of the catalogue and its parameters, the job's log excepted."""


def failed(message_id: str, **params: Any) -> Reason:
    """``failed("batch_failed_error", error="ValueError: ...")``: a ``Reason``."""
    return message_id, params


def reason_msg(reason: Reason, log_path: str) -> Msg:
    """The sentence a grader_error result says: the reason, and the log to look at."""
    message_id, params = reason
    return msg(message_id, **{**params, "log": log_path})


def reason_of(message: str) -> Reason | None:
    """The reason inside a grader_error result's coded message (``grader_error``), or None."""
    found = decode(message)
    if found is None or not found[0].startswith("batch_failed_"):
        return None
    message_id, params = found
    params.pop("log", None)
    return message_id, params


def grader_error(job: Job, reason: Reason) -> GradeResult:
    """The result of a job the grader could not finish: no score, the reason said once (coded:
    the report says it in the reader's language)."""
    return GradeResult(
        submission_path=job.origin, submission_sha256=job.submission_sha256, student=job.who,
        status="grader_error", score=0.0, max_score=job.max_score, exercises=(),
        graded_at=_dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        grader_version=__version__, environment=current().to_dict(),
        key={"sha256": job.key_sha256, "path": job.key_path}, sandbox={},
        assignment=_identity(job.assignment),
        messages=(encode(reason[0], **{**reason[1], "log": job.log_path}),))


def _outcome(job: Job, result: GradeResult, seconds: float) -> Outcome:
    reason = result.messages[0] if result.status == "grader_error" and result.messages else ""
    return Outcome(job.who.id, result.status, result.score, result.max_score, seconds, reason)


def record_error(job: Job, reason: Reason, seconds: float) -> Outcome:
    """Write a grader_error result for ``job`` (e.g. its worker process died)."""
    result = grader_error(job, reason)
    write_atomic(Path(job.result_path), result.to_json())
    return _outcome(job, result, seconds)


def run_job(job: Job, grade_fn: GradeFn | None = None) -> Outcome:
    """Grade one submission and write its result. Never raises for a grading failure."""
    started = time.monotonic()
    grade = grade_fn or ApiGrader(job.key_path, job.key_sha256, job.assignment, job.options, job.warm)
    try:
        result = grade(Path(job.submission), job.who)
        result = dataclasses.replace(result, student=job.who, submission_path=job.origin)
        result = late.apply_job(result, job.late_policy, job.submitted_at, job.lms_late)
        text = result.to_json()  # not serialisable (NaN, odd types) is a grader error too
    except Exception as exc:  # one broken or hostile submission never stops the batch
        traceback.print_exc()
        result = grader_error(job, failed("batch_failed_error", error=f"{type(exc).__name__}: {exc}"))
        text = result.to_json()
    write_atomic(Path(job.result_path), text)
    return _outcome(job, result, time.monotonic() - started)
