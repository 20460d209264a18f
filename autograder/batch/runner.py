"""Grade every submission of a class: discover -> keep what is already graded -> grade the rest.

    out_dir/results/<student>.json   one result per student, written atomically by its worker
    out_dir/logs/<student>.log       that worker's output (tracebacks of grader errors)
    out_dir/problems.txt             what discovery could not use, one line each
    out_dir/summary.json             one row per student, written at the end
    out_dir/.extracted/              a zip's contents while the batch runs

Resume: a result is kept, not regraded, when it records the same submission sha256, key sha256
and grader version, and its status is ``graded`` or ``invalid_submission`` (a ``grader_error`` is
retried). Results are written as they finish, so a killed batch loses only the jobs in flight:
re-running the same command grades only what is missing or changed.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import os
import shutil
import sys
import time
from collections import Counter
from concurrent.futures import Future, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import psutil
from rich.console import Console
from rich.table import Table
from rich.text import Text

from autograder import __version__
from autograder.api import GradeOptions
from autograder.assignment import Assignment, check_same
from autograder.batch import BatchError
from autograder.batch.discover import Discovery, FoundSubmission, Problem, discover
from autograder.batch.executors import Executor, LocalProcessExecutor
from autograder.batch.jobs import GradeFn, Job, Outcome, options_to_dict, record_error
from autograder.batch.progress import STATUS_STYLES, NullProgress, ProgressSink, TerminalProgress, duration
from autograder.errors import AutograderError
from autograder.fsutil import sha256_file, write_atomic
from autograder.keymodel import key_sha256, load_key
from autograder.naming import safe_name
from autograder.results import RESULT_SCHEMA, RESULT_SCHEMA_VERSION

WORKER_MEMORY_BYTES = int(1.5 * 1024**3)  # a grading worker with its kernel, typically
KEEP_STATUSES = ("graded", "invalid_submission")


# ----------------------------------------------------------------------------- workers

def _read_int(path: str) -> int | None:
    try:
        text = Path(path).read_text().split()[0]
    except (OSError, IndexError):
        return None
    return int(text) if text.isdigit() else None


def available_memory() -> int | None:
    """Bytes available now: the system's available memory (psutil; MemAvailable on Linux), or
    less if this process's cgroup has a lower limit."""
    avail: int | None
    try:
        avail = int(psutil.virtual_memory().available)
    except (OSError, RuntimeError, ValueError, psutil.Error):
        avail = None
    limit, used = _read_int("/sys/fs/cgroup/memory.max"), _read_int("/sys/fs/cgroup/memory.current")
    if limit is not None and used is not None:
        avail = min(avail, limit - used) if avail is not None else limit - used
    return avail


def default_workers(per_worker: int = WORKER_MEMORY_BYTES) -> int:
    """min(cores, available memory / 1.5 GiB), at least 1."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    memory = available_memory()
    return max(1, min(cores, memory // per_worker if memory is not None else cores))


# ----------------------------------------------------------------------------- resume

def kept_result(path: Path, student_id: str, submission_sha: str, key_sha: str) -> dict[str, Any] | None:
    """The stored result at ``path`` if it can be kept as it is, else None (grade again)."""
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    same = (isinstance(d, dict) and d.get("schema") == RESULT_SCHEMA
            and d.get("schema_version") == RESULT_SCHEMA_VERSION
            and d.get("status") in KEEP_STATUSES and d.get("grader_version") == __version__
            and d.get("submission_sha256") == submission_sha
            and (d.get("key") or {}).get("sha256") == key_sha
            and (d.get("student") or {}).get("id") == student_id)
    return d if same else None


# ----------------------------------------------------------------------------- summary

@dataclass(frozen=True)
class Row:
    student_id: str
    name: str
    status: str  # graded | invalid_submission | grader_error
    score: float
    max_score: float
    seconds: float | None  # wall time of this run's job; None when the result was kept
    action: str  # "graded" (this run) | "kept" (already up to date)
    result: str  # the result file, relative to out_dir
    origin: str
    late: bool = False
    message: str = ""


@dataclass(frozen=True)
class BatchSummary:
    layout: str
    rows: tuple[Row, ...]
    problems: tuple[Problem, ...]
    out_dir: str
    workers: int | None
    elapsed_s: float
    started_at: str
    key_sha256: str
    grader_version: str = __version__

    def count(self, **match: str) -> int:
        return sum(all(getattr(r, k) == v for k, v in match.items()) for r in self.rows)

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["counts"] = {"submissions": len(self.rows), "graded_now": self.count(action="graded"),
                       "kept": self.count(action="kept"), "grader_error": self.count(status="grader_error"),
                       "invalid_submission": self.count(status="invalid_submission"),
                       "problems": len(self.problems)}
        return d


_HEADER = ("student", "score", "status", "time")


def _sorted_rows(summary: BatchSummary) -> list[Row]:
    return sorted(summary.rows, key=lambda r: ((r.name or r.student_id).lower(), r.student_id))


def _cells(r: Row) -> tuple[str, str, str, str]:
    return (f"{r.name} ({r.student_id})" if r.name else r.student_id,
            f"{r.score:g}/{r.max_score:g}", r.status + (" (late)" if r.late else ""),
            duration(r.seconds) if r.seconds is not None else "kept")


def format_table(summary: BatchSummary) -> str:
    """The summary table as plain text, one line per student (for logs and pipes)."""
    rows = [_cells(r) for r in _sorted_rows(summary)]
    header = _HEADER
    widths = [max(len(x[i]) for x in [header, *rows]) for i in range(4)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(x, widths, strict=True)).rstrip() for x in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def rich_table(summary: BatchSummary) -> Table:
    """The same table for a terminal, statuses in colour, with the totals per status."""
    totals = Counter(r.status for r in summary.rows)
    caption = ", ".join(f"{status} {n}" for status, n in sorted(totals.items()))
    table = Table(*_HEADER, caption=caption, caption_justify="left")
    table.columns[1].justify = table.columns[3].justify = "right"
    for r in _sorted_rows(summary):
        student, score, status, took = _cells(r)
        table.add_row(student, score, Text(status, style=STATUS_STYLES.get(r.status, "")), took)
    return table


def print_table(summary: BatchSummary, stream: TextIO) -> None:
    """``rich_table`` on a terminal, ``format_table`` anywhere else."""
    if stream.isatty():
        Console(file=stream).print(rich_table(summary))
    else:
        print(format_table(summary), file=stream)


def _write_problems(out_dir: Path, problems: tuple[Problem, ...]) -> None:
    text = "".join(p.line() + "\n" for p in problems) or "no problems: every entry was understood\n"
    write_atomic(out_dir / "problems.txt", text)


# ----------------------------------------------------------------------------- the batch

def _job(found: FoundSubmission, sha: str, out_dir: Path, key_path: Path, key_sha: str,
         options: GradeOptions, max_score: float, assignment: Assignment) -> Job:
    name = safe_name(found.student.id)
    return Job(submission=str(found.path), origin=found.origin, submission_sha256=sha,
               student=dataclasses.asdict(found.student), key_path=str(key_path.resolve()),
               key_sha256=key_sha, assignment=str(assignment.root), options=options_to_dict(options),
               result_path=str(out_dir / "results" / f"{name}.json"),
               log_path=str(out_dir / "logs" / f"{name}.log"), max_score=max_score)


def _outcome(future: Future[Outcome], job: Job) -> Outcome:
    """The job's outcome; an executor failure (not the grader's) still gives a grader_error result."""
    try:
        return future.result()
    except Exception as exc:
        reason = f"the executor failed: {type(exc).__name__}: {exc}"
        try:
            return record_error(job, reason, 0.0)
        except OSError:
            return Outcome(job.who.id, "grader_error", 0.0, job.max_score, 0.0, reason)


def grade_batch(path: Path, key_path: Path, out_dir: Path, *, assignment: Assignment,
                workers: int | None = None,
                options: GradeOptions | None = None, executor: Executor | None = None,
                progress: ProgressSink | None = None, grade_fn: GradeFn | None = None) -> BatchSummary:
    """Grade every submission found in ``path`` (folder or .zip) into ``out_dir``.

    ``executor`` defaults to a ``LocalProcessExecutor`` with ``workers`` (default
    ``default_workers()``) running ``grade_fn`` (default: ``autograder.api.grade``). Raises only
    when the batch cannot run (key, contract or submissions unreadable); a failure on one
    submission is that submission's ``grader_error`` result."""
    started, started_at = time.monotonic(), _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
    options = options or GradeOptions()
    progress = progress or NullProgress()
    key_path, out_dir = Path(key_path), Path(out_dir)
    key = load_key(key_path)  # a missing or broken key stops the batch before anything runs
    check_same(assignment, key.assignment, "answer key", where=str(key_path))
    key_sha = key_sha256(key_path)
    max_score = assignment.contract.max_score
    if executor is not None and grade_fn is not None:
        raise ValueError("pass grade_fn to your executor, not to grade_batch")

    out_dir.mkdir(parents=True, exist_ok=True)
    extract_dir = out_dir / ".extracted"
    shutil.rmtree(extract_dir, ignore_errors=True)
    try:
        found = discover(Path(path), extract_to=extract_dir)
        _write_problems(out_dir, found.problems)
        if not found.submissions:
            raise BatchError(f"No notebook to grade in {path} (layout: {found.layout}).",
                             where=str(out_dir / "problems.txt"),
                             fix="check the path; problems.txt says what was found instead.")
        rows, jobs = _plan(found, out_dir, key_path, key_sha, options, max_score, assignment)
        if executor is None:
            workers = workers or default_workers()
            executor = LocalProcessExecutor(workers, grade_fn)
        rows += _run(executor, jobs, found, out_dir, progress, kept=len(rows))
    finally:
        shutil.rmtree(extract_dir, ignore_errors=True)

    summary = BatchSummary(found.layout, tuple(rows), found.problems, str(out_dir), workers,
                           time.monotonic() - started, started_at, key_sha)
    write_atomic(out_dir / "summary.json", json.dumps(summary.to_dict(), indent=1, allow_nan=False))
    return summary


def _plan(found: Discovery, out_dir: Path, key_path: Path, key_sha: str, options: GradeOptions,
          max_score: float, assignment: Assignment) -> tuple[list[Row], list[Job]]:
    """Rows for the results that are kept; jobs for the rest."""
    rows, jobs = [], []
    for f in found.submissions:
        job = _job(f, sha256_file(f.path), out_dir, key_path, key_sha, options, max_score, assignment)
        kept = kept_result(Path(job.result_path), f.student.id, job.submission_sha256, key_sha)
        if kept is None:
            jobs.append(job)
        else:
            rows.append(Row(f.student.id, f.student.name, kept["status"], kept["score"], kept["max_score"],
                            None, "kept", str(Path(job.result_path).relative_to(out_dir)), f.origin, f.late))
    return rows, jobs


def _run(executor: Executor, jobs: list[Job], found: Discovery, out_dir: Path, progress: ProgressSink,
         kept: int) -> list[Row]:
    late = {f.student.id: f.late for f in found.submissions}
    rows = []
    progress.start(len(jobs), kept)
    try:
        futures = {executor.submit(job): job for job in jobs}
        for future in as_completed(futures):
            job = futures[future]
            o = _outcome(future, job)
            progress.update(o)
            rows.append(Row(o.student_id, job.who.name, o.status, o.score, o.max_score, o.seconds,
                            "graded", str(Path(job.result_path).relative_to(out_dir)), job.origin,
                            late[job.who.id], o.message))
    except BaseException:  # Ctrl-C: stop the workers; what is written stays written
        executor.shutdown(cancel=True)
        raise
    else:
        executor.shutdown()
    finally:
        progress.finish()  # also on Ctrl-C: a terminal's progress bar must be closed
    return rows


def cli_grade_batch(path: Path, key: Path, out: Path, workers: int | None = None, *,
                    assignment: Assignment, options: GradeOptions | None = None,
                    progress: ProgressSink | None = None,
                    stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """``autograder grade-batch``: the exit code. 0 when grading ran (whatever the scores); the
    error's ``exit_code`` when the batch could not run (key, datasets, submissions path)."""
    from autograder import data

    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    options = options or GradeOptions()
    try:
        load_key(Path(key))
        if options.datasets_dir is None:  # verify once here rather than in every worker
            options = dataclasses.replace(options, datasets_dir=data.verify_cache(assignment.datasets))
        summary = grade_batch(path, key, out, assignment=assignment, workers=workers, options=options,
                              progress=progress or TerminalProgress(stderr))
    except AutograderError as exc:
        print(f"error: {exc.message()}", file=stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted: the results written so far are kept; run the same command again to "
              "grade the rest.", file=stderr)
        return 130
    print_table(summary, stdout)
    n_err, n_prob = summary.count(status="grader_error"), len(summary.problems)
    print(f"\n{len(summary.rows)} submission(s) ({summary.count(action='kept')} kept from an earlier run), "
          f"{n_err} grader error(s), {n_prob} discovery problem(s) (see {Path(out) / 'problems.txt'}).\n"
          f"Results: {Path(out) / 'results'}; summary: {Path(out) / 'summary.json'}.", file=stdout)
    return 0
