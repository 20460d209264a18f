"""Regrading one submission from the review page: queued, graded for real, recorded in the gradebook.

A ``RegradeQueue`` owns one worker thread that takes the TA's requests in order. Each job writes
the submission's notebook (from the gradebook) to a private folder and grades it through the batch
machinery (``batch.runner.grade_found``: a fresh spawned process, the sandbox, ``api.grade``); the
grading process reports each exercise as it starts and ends into a small JSON-lines file, which
the regrade page reads for its progress. The new result is recorded as an attempt of the same
submission (``origin="review"``), so the class page, the reports and the exports use it at once;
the TA's overrides stay attached to the submission.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import json
import queue
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.i18n import Msg, decode, msg
from autograder.results import GradeResult, Student

STATES = ("queued", "running", "done", "failed")
ORIGIN = "review"


class RegradeRefused(LookupError):
    """What the gradebook lacks for a regrade (the student's submission, its notebook); ``msg`` says
    it in the page's language."""

    def __init__(self, what: Msg) -> None:
        self.msg = what
        super().__init__(str(what))


def said_of(text: str) -> Msg | str:
    """A result's coded message (``i18n.encode``) as a ``Msg``, so the page says it in its language;
    other text as it is."""
    found = decode(text)
    return msg(found[0], **found[1]) if found is not None else text


@dataclass(frozen=True)
class ProgressGrader:
    """``autograder.api.grade`` as a picklable batch ``GradeFn`` that reports each exercise to
    ``progress_path`` (one JSON object per line)."""

    key_path: str
    key_sha256: str
    assignment: str  # the assignment's folder
    options: dict[str, Any]
    progress_path: str

    def _say(self, exercise: str, run: Any) -> None:
        line: dict[str, Any] = {"exercise": exercise, "event": "start" if run is None else "end"}
        if run is not None:
            line.update(status=str(getattr(run, "status", "")), seconds=float(getattr(run, "seconds", 0.0)))
        with open(self.progress_path, "a", encoding="utf-8") as f:
            f.write(json.dumps(line) + "\n")

    def __call__(self, submission: Path, student: Student) -> GradeResult:
        from autograder import api
        from autograder.assignment import load_assignment
        from autograder.batch.jobs import options_from_dict
        from autograder.keymodel import key_from_dict

        raw = Path(self.key_path).read_bytes()
        if hashlib.sha256(raw).hexdigest() != self.key_sha256:
            raise RuntimeError(f"the answer key {self.key_path} changed while the regrade was queued")
        key = key_from_dict(json.loads(raw), where=self.key_path)
        return api.grade(
            submission,
            key,
            load_assignment(self.assignment),
            key_sha256=self.key_sha256,
            options=options_from_dict(self.options),
            student=student,
            progress=self._say,
        )


def read_progress(path: Path) -> list[dict[str, Any]]:
    """The progress lines written so far (a half-written last line is ignored)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return []
    out = []
    for line in text.splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if isinstance(item, dict):
            out.append(item)
    return out


@dataclass(frozen=True)
class ExerciseProgress:
    exercise: str
    state: str  # pending | running | done
    status: str  # the run's status when done
    seconds: float


@dataclass(frozen=True)
class JobStatus:
    """A snapshot of one regrade, for the page."""

    id: str
    student: str
    ta: str
    state: str  # one of STATES
    position: int  # in the queue (0: running or finished)
    queued_at: str
    seconds: float  # running or total time
    exercises: tuple[ExerciseProgress, ...]
    old_score: float | None
    new_score: float | None
    max_score: float | None
    attempt_id: int | None
    message: Msg | str  # why it failed (a sentence, or the exception's own text), or what it did

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")

    @property
    def done_count(self) -> int:
        return sum(1 for e in self.exercises if e.state == "done")


@dataclass
class _Job:
    id: str
    student: str
    ta: str
    queued_at: _dt.datetime
    folder: Path
    state: str = "queued"
    started: float | None = None
    ended: float | None = None
    old_score: float | None = None
    new_score: float | None = None
    max_score: float | None = None
    attempt_id: int | None = None
    message: Msg | str = ""
    exercises: tuple[str, ...] = field(default_factory=tuple)

    @property
    def progress_path(self) -> Path:
        return self.folder / "progress.jsonl"


KeyChooser = Callable[[str], Path]  # the key sha256 an attempt used -> the key file to regrade with


class RegradeQueue:
    """One worker thread grading the queued submissions in order (``submit``, ``status``, ``close``)."""

    def __init__(
        self,
        gradebook: Any,
        assignment: Any,
        choose_key: KeyChooser,
        *,
        options: Any = None,
        work_dir: Path | None = None,
        grade_fn_for: Callable[[ProgressGrader], Any] | None = None,
    ) -> None:
        from autograder.api import GradeOptions

        self.gradebook = gradebook
        self.assignment = assignment
        self.choose_key = choose_key
        self.options = options or GradeOptions()
        self._own_dir = work_dir is None
        self.work_dir = Path(work_dir or tempfile.mkdtemp(prefix="autograder-review-"))
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self._grade_fn_for = grade_fn_for  # tests: wrap the real grader; default: it as it is
        self._jobs: dict[str, _Job] = {}
        self._order: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._work, name="review-regrade", daemon=True)
        self._thread.start()

    # -- API ------------------------------------------------------------------------------------
    def submit(self, student: str, ta: str) -> str:
        """Queue a regrade of ``student``'s newest submission (the same job while one is pending)."""
        with self._lock:
            for jid in reversed(self._order):
                job = self._jobs[jid]
                if job.student == student and job.state in ("queued", "running"):
                    return jid
            jid = f"{len(self._order) + 1}"
            folder = self.work_dir / f"job-{jid}"
            folder.mkdir(parents=True, exist_ok=True)
            exercises = tuple(e.id for e in self.assignment.contract.exercises)
            self._jobs[jid] = _Job(jid, student, ta, _dt.datetime.now(_dt.UTC), folder, exercises=exercises)
            self._order.append(jid)
        self._queue.put(jid)
        return jid

    def status(self, job_id: str) -> JobStatus | None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return None
            waiting = [j for j in self._order if self._jobs[j].state == "queued"]
            position = waiting.index(job_id) + 1 if job_id in waiting else 0
            snapshot = dataclasses.replace(job)
        return _status(snapshot, position)

    def latest_for(self, student: str) -> JobStatus | None:
        with self._lock:
            ids = [j for j in self._order if self._jobs[j].student == student]
        return self.status(ids[-1]) if ids else None

    def close(self, timeout: float = 5.0) -> None:
        self._queue.put(None)
        self._thread.join(timeout)
        if self._own_dir:
            shutil.rmtree(self.work_dir, ignore_errors=True)

    # -- the worker ------------------------------------------------------------------------------
    def _set(self, job: _Job, **changes: Any) -> None:
        with self._lock:
            for k, v in changes.items():
                setattr(job, k, v)

    def _work(self) -> None:
        while True:
            jid = self._queue.get()
            if jid is None:
                return
            job = self._jobs[jid]
            self._set(job, state="running", started=time.monotonic())
            try:
                self._run(job)
            except Exception as exc:  # the page says why; the server goes on
                said = getattr(exc, "msg", None)
                self._set(job, state="failed",
                          message=said if isinstance(said, Msg) else f"{type(exc).__name__}: {exc}")
            finally:
                self._set(job, ended=time.monotonic())

    def _run(self, job: _Job) -> None:
        from autograder.batch.discover import Discovery, FoundSubmission
        from autograder.batch.jobs import options_to_dict
        from autograder.batch.runner import grade_found
        from autograder.keymodel import key_sha256
        from autograder.naming import safe_name
        from autograder.review.records import student_entry

        found_entry = student_entry(self.gradebook, self.assignment.name, job.student)
        if found_entry is None:
            raise RegradeRefused(msg("review_regrade_no_submission", student=job.student))
        entry, _ = found_entry
        self._set(
            job,
            old_score=float(entry.result.score) if entry.grade else None,
            max_score=float(entry.result.max_score),
        )
        raw = self.gradebook.notebook(entry.submission.sha256)
        if raw is None:
            raise RegradeRefused(msg("review_regrade_no_notebook"))
        subs = job.folder / "submission"
        subs.mkdir(exist_ok=True)
        path = subs / f"{safe_name(job.student)}.ipynb"
        path.write_bytes(raw)
        s = entry.student
        student = Student(id=s.lms_id, name=s.name, email=s.email, source=s.source)
        origin = entry.submission.source_file or path.name
        found = Discovery(
            (FoundSubmission(student, path, "plain", origin, entry.submission.late),), (), "plain", subs
        )
        key_path = self.choose_key(entry.newest.key_sha256)
        grader = ProgressGrader(
            str(Path(key_path).resolve()),
            key_sha256(key_path),
            str(self.assignment.root),
            options_to_dict(self.options),
            str(job.progress_path),
        )
        grade_fn = self._grade_fn_for(grader) if self._grade_fn_for else grader
        out = job.folder / "out"
        grade_found(
            found,
            key_path,
            out,
            assignment=self.assignment,
            workers=1,
            options=self.options,
            grade_fn=grade_fn,
            origin=ORIGIN,
            where=origin,
        )
        text = (out / "results" / f"{safe_name(job.student)}.json").read_text(encoding="utf-8")
        sub = entry.submission
        recorded = self.gradebook.record(
            text,
            notebook=raw,
            submitted_at=sub.submitted_at,
            source_file=sub.source_file,
            late=sub.late,
            late_info=sub.late_info,
            mode=self.options.mode,
            origin=ORIGIN,
        )
        attempt = self.gradebook.attempt(recorded.attempt_id)
        grades = self.gradebook.latest(self.assignment.name, job.student)
        new = grades[0].result.score if grades else None
        state = "done" if attempt.status != "grader_error" else "failed"
        message = "" if state == "done" else said_of(str((json.loads(text).get("messages") or [""])[0]))
        self._set(job, state=state, new_score=new, attempt_id=attempt.id, message=message)


def _status(job: _Job, position: int) -> JobStatus:
    progress: dict[str, ExerciseProgress] = {
        e: ExerciseProgress(e, "pending", "", 0.0) for e in job.exercises
    }
    for item in read_progress(job.progress_path):
        ex = str(item.get("exercise", ""))
        if item.get("event") == "start":
            progress[ex] = ExerciseProgress(ex, "running", "", 0.0)
        elif item.get("event") == "end":
            progress[ex] = ExerciseProgress(
                ex, "done", str(item.get("status", "")), float(item.get("seconds", 0.0) or 0.0)
            )
    end = job.ended if job.ended is not None else time.monotonic()
    seconds = end - job.started if job.started is not None else 0.0
    return JobStatus(
        job.id,
        job.student,
        job.ta,
        job.state,
        position,
        f"{job.queued_at:%Y-%m-%d %H:%M:%S} UTC",
        seconds,
        tuple(progress.values()),
        job.old_score,
        job.new_score,
        job.max_score,
        job.attempt_id,
        job.message,
    )
