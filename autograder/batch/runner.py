"""Grade every submission of a class: discover -> keep what is already graded -> grade the rest.

    out_dir/results/<student>.json   one result per student, written atomically by its worker
    out_dir/logs/<student>.log       that worker's output (tracebacks of grader errors)
    out_dir/problems.txt             what discovery could not use, one line each
    out_dir/summary.json             one row per student, written at the end
    out_dir/.extracted/              a zip's contents while the batch runs
    gradebook (optional)             every result is also recorded there, as it is written
                                     (``autograder.gradebook``; the CLI's default: out_dir/gradebook.sqlite)

Resume: a result is kept, not regraded, when it records the same submission sha256, key sha256
and grader version, and its status is ``graded`` or ``invalid_submission`` (a ``grader_error`` is
retried). Results are written as they finish, so a killed batch loses only the jobs in flight:
re-running the same command grades only what is missing or changed. With a gradebook, a result
is also kept when the gradebook holds an attempt of the same submission, key and grader version
(its result file is written again from it).

Where jobs run is the executor's business (``executors``): the local process pool by default,
or a Dask cluster (``dask_executor.DaskExecutor``); this module is the same for both.
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
from typing import TYPE_CHECKING, Any, TextIO

import psutil
from rich.console import Console
from rich.table import Table
from rich.text import Text

from autograder import __version__
from autograder.api import GradeOptions
from autograder.assignment import Assignment, check_same
from autograder.batch import BatchError, columns, status_msg
from autograder.batch.discover import Discovery, FoundSubmission, Problem, discover, moodle_info
from autograder.batch.executors import Executor, LocalProcessExecutor
from autograder.batch.jobs import GradeFn, Job, Outcome, failed, options_to_dict, record_error
from autograder.batch.progress import (
    STATUS_STYLES,
    NullProgress,
    ProgressSink,
    TerminalProgress,
    duration,
    status_text,
)
from autograder.errors import AutograderError
from autograder.fsutil import sha256_file, write_atomic
from autograder.i18n import Echo, Msg, encode, msg, translate
from autograder.keymodel import key_sha256, load_key
from autograder.late import due_zone, late_policy_dict
from autograder.naming import safe_name
from autograder.results import RESULT_SCHEMA, RESULT_SCHEMA_VERSION

if TYPE_CHECKING:
    from autograder.gradebook import Gradebook

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
    gradebook: str = ""  # where every result was also recorded ("" when none)
    gradebook_errors: tuple[Msg, ...] = ()  # results that could not be recorded there

    def count(self, **match: str) -> int:
        return sum(all(getattr(r, k) == v for k, v in match.items()) for r in self.rows)

    def to_dict(self) -> dict[str, Any]:
        """summary.json: what the batch did; its sentences in English (``problems`` with their ids)."""
        d = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        d["rows"] = [dataclasses.asdict(r) for r in self.rows]
        d["problems"] = [p.to_dict() for p in self.problems]
        d["gradebook_errors"] = [str(m) for m in self.gradebook_errors]
        d["counts"] = {"submissions": len(self.rows), "graded_now": self.count(action="graded"),
                       "kept": self.count(action="kept"), "grader_error": self.count(status="grader_error"),
                       "invalid_submission": self.count(status="invalid_submission"),
                       "problems": len(self.problems),
                       "not_recorded_in_gradebook": len(self.gradebook_errors)}
        return d


_COLUMNS = ("student", "score", "status", "time")


def _sorted_rows(summary: BatchSummary) -> list[Row]:
    return sorted(summary.rows, key=lambda r: ((r.name or r.student_id).lower(), r.student_id))


def _cells(r: Row) -> dict[str, Msg | str]:
    return {"student": f"{r.name} ({r.student_id})" if r.name else r.student_id,
            "score": f"{r.score:g}/{r.max_score:g}", "status": status_msg(r.status, r.late),
            "time": duration(r.seconds) if r.seconds is not None else msg("batch_kept")}


def table_lines(summary: BatchSummary) -> list[Msg]:
    """The summary table, one line per student (for logs and pipes; the CLI says them)."""
    return columns("batch_table", _COLUMNS, [_cells(r) for r in _sorted_rows(summary)])


def format_table(summary: BatchSummary, lang: str = "en") -> str:
    """``table_lines`` as plain text in ``lang``."""
    return "\n".join(m.text(lang).rstrip() for m in table_lines(summary))


def rich_table(summary: BatchSummary, lang: str = "en") -> Table:
    """The same table for a terminal, statuses in colour, with the totals per status."""
    totals = Counter(r.status for r in summary.rows)
    caption = ", ".join(translate("batch_status_count", lang, status=status_text(status, lang), n=n)
                        for status, n in sorted(totals.items()))
    table = Table(*(translate(f"batch_table_{c}", lang) for c in _COLUMNS), caption=caption,
                  caption_justify="left")
    table.columns[1].justify = table.columns[3].justify = "right"
    for r in _sorted_rows(summary):
        cells = {k: v.text(lang) if isinstance(v, Msg) else v for k, v in _cells(r).items()}
        status = Text(cells["status"], style=STATUS_STYLES.get(r.status, ""))
        table.add_row(cells["student"], cells["score"], status, cells["time"])
    return table


def print_table(summary: BatchSummary, stream: TextIO, lang: str = "en") -> None:
    """``rich_table`` on a terminal, ``format_table`` anywhere else."""
    if stream.isatty():
        Console(file=stream).print(rich_table(summary, lang))
    else:
        print(format_table(summary, lang), file=stream)


def _write_problems(out_dir: Path, problems: tuple[Problem, ...], lang: str) -> None:
    text = "".join(p.line(lang) + "\n" for p in problems) or translate("batch_no_problems", lang) + "\n"
    write_atomic(out_dir / "problems.txt", text)


# ----------------------------------------------------------------------------- the batch

def _job(found: FoundSubmission, sha: str, out_dir: Path, key_path: Path, key_sha: str,
         options: GradeOptions, max_score: float, assignment: Assignment) -> Job:
    name = safe_name(found.student.id)
    return Job(submission=str(found.path), origin=found.origin, submission_sha256=sha,
               student=dataclasses.asdict(found.student), key_path=str(key_path.resolve()),
               key_sha256=key_sha, assignment=str(assignment.root), options=options_to_dict(options),
               result_path=str(out_dir / "results" / f"{name}.json"),
               log_path=str(out_dir / "logs" / f"{name}.log"), max_score=max_score,
               submitted_at=found.submitted_at, lms_late=found.late if found.layout == "canvas" else None,
               late_policy=late_policy_dict(assignment, options.late_due))


def _outcome(future: Future[Outcome], job: Job) -> Outcome:
    """The job's outcome; an executor failure (not the grader's) still gives a grader_error result."""
    try:
        return future.result()
    except Exception as exc:
        reason = failed("batch_failed_executor", error=f"{type(exc).__name__}: {exc}")
        try:
            return record_error(job, reason, 0.0)
        except OSError:
            return Outcome(job.who.id, "grader_error", 0.0, job.max_score, 0.0,
                           encode(reason[0], **reason[1], log=job.log_path))


def grade_batch(path: Path, key_path: Path, out_dir: Path, *, assignment: Assignment,
                workers: int | None = None,
                options: GradeOptions | None = None, executor: Executor | None = None,
                progress: ProgressSink | None = None, grade_fn: GradeFn | None = None,
                gradebook: Gradebook | None = None, lang: str = "en") -> BatchSummary:
    """Grade every submission found in ``path`` (folder or .zip) into ``out_dir``.

    ``executor`` defaults to a ``LocalProcessExecutor`` with ``workers`` (default
    ``default_workers()``) running ``grade_fn`` (default: ``autograder.api.grade``). With a
    ``gradebook``, every result is recorded there too. Raises only when the batch cannot run (key,
    contract or submissions unreadable); a failure on one submission is that submission's
    ``grader_error`` result. ``lang``: the language of problems.txt."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    extract_dir = out_dir / ".extracted"
    shutil.rmtree(extract_dir, ignore_errors=True)
    try:
        found = discover(Path(path), extract_to=extract_dir,
                         moodle=moodle_info((options or GradeOptions()).moodle_worksheet,
                                            due_zone(assignment, (options or GradeOptions()).late_due)))
        return grade_found(found, key_path, out_dir, assignment=assignment, workers=workers, options=options,
                           executor=executor, progress=progress, grade_fn=grade_fn, gradebook=gradebook,
                           where=str(path), lang=lang)
    finally:
        shutil.rmtree(extract_dir, ignore_errors=True)


def grade_found(found: Discovery, key_path: Path, out_dir: Path, *, assignment: Assignment,
                workers: int | None = None, options: GradeOptions | None = None,
                executor: Executor | None = None, progress: ProgressSink | None = None,
                grade_fn: GradeFn | None = None, gradebook: Gradebook | None = None,
                origin: str = "grade-batch", where: str = "", lang: str = "en") -> BatchSummary:
    """``grade_batch`` after discovery: the submissions are given (``regrade`` makes them from the
    gradebook). Their files must stay readable until this returns."""
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
    _write_problems(out_dir, found.problems, lang)
    if not found.submissions:
        raise BatchError(msg("batch_nothing_to_grade", path=str(where or found.root), layout=found.layout),
                         where=str(out_dir / "problems.txt"), fix=msg("batch_nothing_to_grade_fix"))
    book = _Recorder(gradebook, found, options.mode, origin)
    rows, jobs = _plan(found, out_dir, key_path, key_sha, options, max_score, assignment, book)
    if executor is None:
        workers = workers or default_workers()
        executor = LocalProcessExecutor(workers, grade_fn)
    rows += _run(executor, jobs, found, out_dir, progress, kept=len(rows), book=book)

    summary = BatchSummary(found.layout, tuple(rows), found.problems, str(out_dir), workers,
                           time.monotonic() - started, started_at, key_sha,
                           gradebook=gradebook.where if gradebook is not None else "",
                           gradebook_errors=tuple(book.errors))
    write_atomic(out_dir / "summary.json", json.dumps(summary.to_dict(), indent=1, allow_nan=False))
    return summary


class _Recorder:
    """Records results in the gradebook as the batch writes them. A gradebook that fails (a full
    disk, a server gone) costs only its records: the result files stay, and the summary lists what
    `autograder gradebook import` must add later."""

    def __init__(self, gradebook: Gradebook | None, found: Discovery, mode: str, origin: str) -> None:
        self.gradebook, self.mode, self.origin = gradebook, mode, origin
        self.found = {f.student.id: f for f in found.submissions}
        self.errors: list[Msg] = []

    def current(self, student: str, assignment: str, submission_sha: str, key_sha: str) -> str | None:
        """The result text of a gradebook attempt a regrade would repeat, if there is one."""
        if self.gradebook is None:
            return None
        try:
            a = self.gradebook.current_attempt(student, assignment, submission_sha, key_sha, __version__)
        except Exception as exc:  # cannot ask: grade it
            self.errors.append(msg("batch_gradebook_unreadable", student=student,
                                   error=f"{type(exc).__name__}: {exc}"))
            return None
        return a.result_json if a is not None else None

    def record(self, student: str, result_path: Path) -> None:
        if self.gradebook is None:
            return
        f = self.found.get(student)
        try:
            text = result_path.read_text(encoding="utf-8")
            if f is None:
                self.gradebook.record(text, mode=self.mode, origin=self.origin, validate=False)
                return
            lms_time = getattr(f, "submitted_at", "")  # when the LMS says, else the file's time
            when = (_dt.datetime.fromisoformat(lms_time) if lms_time
                    else _dt.datetime.fromtimestamp(f.path.stat().st_mtime, _dt.UTC))
            info = {"late": f.late, "layout": f.layout, "time_from": "lms" if lms_time else "file"}
            self.gradebook.record(text, notebook=f.path.read_bytes(), submitted_at=when, source_file=f.origin,
                                  late=f.late, late_info=info, mode=self.mode, origin=self.origin,
                                  validate=False)  # the grader has just written it
        except Exception as exc:  # the result file is written: nothing is lost, the summary says so
            self.errors.append(msg("batch_gradebook_not_recorded", student=student,
                                   error=f"{type(exc).__name__}: {exc}"))


def _plan(found: Discovery, out_dir: Path, key_path: Path, key_sha: str, options: GradeOptions,
          max_score: float, assignment: Assignment, book: _Recorder) -> tuple[list[Row], list[Job]]:
    """Rows for the results that are kept; jobs for the rest."""
    rows, jobs = [], []
    for f in found.submissions:
        job = _job(f, sha256_file(f.path), out_dir, key_path, key_sha, options, max_score, assignment)
        kept = kept_result(Path(job.result_path), f.student.id, job.submission_sha256, key_sha)
        if kept is None:
            text = book.current(f.student.id, assignment.name, job.submission_sha256, key_sha)
            if text is not None:  # graded before, in the gradebook: its result file again
                write_atomic(Path(job.result_path), text)
                kept = kept_result(Path(job.result_path), f.student.id, job.submission_sha256, key_sha)
        if kept is None:
            jobs.append(job)
        else:
            book.record(f.student.id, Path(job.result_path))
            rows.append(Row(f.student.id, f.student.name, kept["status"], kept["score"], kept["max_score"],
                            None, "kept", str(Path(job.result_path).relative_to(out_dir)), f.origin, f.late))
    return rows, jobs


def _run(executor: Executor, jobs: list[Job], found: Discovery, out_dir: Path, progress: ProgressSink,
         kept: int, book: _Recorder) -> list[Row]:
    late = {f.student.id: f.late for f in found.submissions}
    rows = []
    progress.start(len(jobs), kept)
    try:
        futures = {executor.submit(job): job for job in jobs}
        for future in as_completed(futures):
            job = futures[future]
            o = _outcome(future, job)
            book.record(job.who.id, Path(job.result_path))
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


def make_executor(assignment: Assignment, backend: str, workers: int | None, scheduler: str | None,
                  cluster: str | None, max_tries: int,
                  echo: Echo) -> tuple[Executor | None, int | None]:
    """A ``DaskExecutor`` for ``scheduler`` (an address) or ``cluster`` (``local[:N]``; N defaults
    to ``workers`` or ``default_workers()``) and its grading slots; (None, workers) for neither."""
    if scheduler is None and cluster is None:
        return None, workers
    from autograder.batch.dask_executor import DaskExecutor, parse_cluster

    local = parse_cluster(cluster) if cluster is not None else None
    if cluster is not None and local is None:
        local = workers or default_workers()
    executor = DaskExecutor(assignment=assignment, backend=backend, scheduler=scheduler, local_workers=local,
                            max_tries=max_tries, echo=echo)
    return executor, executor.slots


def cli_grade_batch(path: Path, key: Path, out: Path, workers: int | None = None, *,
                    assignment: Assignment, options: GradeOptions | None = None,
                    progress: ProgressSink | None = None,
                    stdout: TextIO | None = None, stderr: TextIO | None = None,
                    scheduler: str | None = None, cluster: str | None = None,
                    gradebook: str | Path | None = None, max_tries: int = 3, lang: str = "en") -> int:
    """``autograder grade-batch``: the exit code. 0 when grading ran (whatever the scores); the
    error's ``exit_code`` when the batch could not run (key, datasets, submissions path, cluster,
    gradebook). ``scheduler`` (an address) or ``cluster`` (``local:N``) grade on Dask;
    ``gradebook`` (a path or URL) records every result there too. Everything is said in ``lang``
    (the operator's language; problems.txt too)."""
    from autograder import data

    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr

    def say(m: Msg, stream: TextIO) -> None:
        print(m.text(lang), file=stream, flush=True)

    options = options or GradeOptions()
    if options.cache_dir is not None:  # workers elsewhere resolve it as an absolute path
        options = dataclasses.replace(options, cache_dir=Path(options.cache_dir).resolve())
    executor: Executor | None = None
    book: Gradebook | None = None
    try:
        load_key(Path(key))
        if options.datasets_dir is None:  # verify once here rather than in every worker
            options = dataclasses.replace(options, datasets_dir=data.verify_cache(assignment.datasets))
        if gradebook is not None:
            from autograder.gradebook import open_gradebook

            book = open_gradebook(gradebook)
        executor, workers = make_executor(assignment, options.backend, workers, scheduler, cluster, max_tries,
                                          lambda m: say(m, stderr))
        summary = grade_batch(path, key, out, assignment=assignment, workers=workers, options=options,
                              progress=progress or TerminalProgress(stderr, lang=lang), executor=executor,
                              gradebook=book, lang=lang)
    except AutograderError as exc:
        say(msg("error_line", message=exc.message(lang)), stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        say(msg("batch_interrupted"), stderr)
        return 130
    finally:
        if executor is not None:
            executor.shutdown()  # a second time is a no-op; the batch may have stopped before its end
        if book is not None:
            book.close()
    print_table(summary, stdout, lang)
    print(file=stdout)
    for line in footer_lines(summary, Path(out)):
        say(line, stdout)
    for line in gradebook_warnings(summary, Path(out)):
        say(line, stderr)
    return 0


def footer_lines(summary: BatchSummary, out: Path) -> list[Msg]:
    """What grade-batch says under the table: the counts, where the files are, the gradebook."""
    lines = [msg("batch_footer_counts", n=len(summary.rows), kept=summary.count(action="kept"),
                 errors=summary.count(status="grader_error"), problems=len(summary.problems),
                 problems_file=str(out / "problems.txt")),
             msg("batch_footer_files", results=str(out / "results"), summary=str(out / "summary.json"))]
    if summary.gradebook:
        lines.append(msg("batch_footer_gradebook", gradebook=summary.gradebook))
    return lines


def gradebook_warnings(summary: BatchSummary, out: Path) -> list[Msg]:
    """One warning per result the gradebook did not record, and what to run once it works."""
    lines = [msg("batch_warning", message=m) for m in summary.gradebook_errors]
    if summary.gradebook_errors:
        lines.append(msg("batch_not_in_gradebook", n=len(summary.gradebook_errors),
                         results=str(out / "results")))
    return lines
