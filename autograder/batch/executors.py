"""Where grading jobs run. The grader (sandbox, comparison) neither knows nor cares.

An executor takes a ``Job`` (plain data) and returns a ``concurrent.futures.Future`` of its
``Outcome``; when the future is done, the job's result file has been written.

    InlineExecutor        in this process, one after the other (debugging, tests)
    LocalProcessExecutor  a fresh process per job on this machine (the default), forked from a
                          forkserver that has already imported the grader
    DaskExecutor          a task per job on a Dask distributed cluster (``autograder.batch.dask_executor``,
                          imported only when used, so that the local pool's processes never load Dask)
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Protocol

from autograder.batch.jobs import GradeFn, Job, Outcome, Reason, failed, reason_of, record_error, run_job

if TYPE_CHECKING:
    from autograder.sandbox.zygote import WarmConfig


class Executor(Protocol):
    def submit(self, job: Job) -> Future[Outcome]:
        """Start ``job``; the future's outcome arrives once its result file is written."""

    def shutdown(self, cancel: bool = False) -> None:
        """Wait for the submitted jobs, or with ``cancel`` stop them (their results are not written)."""


class InlineExecutor:
    """Runs each job in this process, one after the other: for debugging (pdb works) and tests.
    No isolation: a submission that kills the grader process kills the batch."""

    def __init__(self, grade_fn: GradeFn | None = None) -> None:
        self.grade_fn = grade_fn

    def submit(self, job: Job) -> Future[Outcome]:
        future: Future[Outcome] = Future()
        try:
            future.set_result(run_job(job, self.grade_fn))
        except Exception as exc:
            future.set_exception(exc)
        return future

    def shutdown(self, cancel: bool = False) -> None:
        pass


def warm_config(job: Job) -> WarmConfig | None:
    """The warm sandbox ``job``'s kernels may be forked from (its limits, datasets and the
    assignment's ``[sandbox] preload``); None: cold kernels (backend "none", or the job cannot
    even load its assignment or datasets: it will say so itself)."""
    from autograder import data
    from autograder.api import sandbox_limits
    from autograder.assignment import load_assignment
    from autograder.batch.jobs import options_from_dict
    from autograder.errors import AutograderError
    from autograder.sandbox.zygote import WarmConfig

    options = options_from_dict(job.options)
    if options.backend == "none":
        return None
    try:
        assignment = load_assignment(job.assignment)
        datasets = options.datasets_dir or data.verify_cache(assignment.datasets)
        return WarmConfig(sandbox_limits(options), Path(datasets).resolve(), assignment.sandbox_preload)
    except AutograderError:
        return None


class WarmSandboxes:
    """A pool's warm sandboxes (``WarmPool``, one per slot) and the ``warm_config`` of each
    (assignment, options) it sees, worked out once (it verifies the datasets' checksums, and a
    batch's jobs all share one). Used by the local pool and by a Dask worker."""

    def __init__(self, slots: int) -> None:
        from autograder.sandbox.zygote import WarmPool

        self.pool: WarmPool = WarmPool(slots)
        self._configs: dict[str, WarmConfig | None] = {}

    def config(self, job: Job) -> WarmConfig | None:
        key = json.dumps([job.assignment, job.options], sort_keys=True, default=str)
        if key not in self._configs:
            self._configs[key] = warm_config(job)
        return self._configs[key]

    @contextlib.contextmanager
    def lend(self, job: Job) -> Iterator[Job]:
        """``job`` with one of the warm sandboxes lent to it (``job.warm``), or as it is (cold
        kernels) when none fits or can start."""
        with self.pool.lend(self.config(job)) as handle:
            yield job if handle is None else dataclasses.replace(job, warm=handle.to_dict())

    def forget_configs(self) -> None:
        """Work each job's warm config out again (its assignment or datasets may have changed
        since): for sandboxes that outlive a batch (a Dask worker's), which are kept."""
        self._configs = {}

    def close(self) -> None:
        self.pool.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _die_with(parent_pid: int) -> None:
    """Linux: be killed if our parent dies (kill -9 included), so no orphan keeps training models.

    The parent is the batch, or the local pool's forkserver, which exits when the batch does."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() == 1 or not _alive(parent_pid):  # the batch died before we asked
        os._exit(1)


# What the local pool's forkserver imports once, so that a job's process starts with the grader
# loaded (about 0.6 s of CPU saved per submission); never TensorFlow, which only kernels load.
PRELOAD = ("autograder.batch.jobs", "autograder.sandbox.kernel", "autograder.api", "nbformat")


def _child_main(job: Job, grade_fn: GradeFn | None, conn: Connection, parent_pid: int,
                environ: dict[str, str] | None = None) -> None:
    if environ is not None:  # the batch's environment now, not the forkserver's when it started
        os.environ.clear()
        os.environ.update(environ)
    os.setpgrp()  # Ctrl-C in the terminal reaches the batch only; it stops us (and our kernels) itself
    _die_with(parent_pid)
    log = Path(job.log_path)
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w", encoding="utf-8") as fh:
        fh.write(f"grading {job.origin} for {job.who.id} (pid {os.getpid()})\n")
        fh.flush()
        os.dup2(fh.fileno(), 1)
        os.dup2(fh.fileno(), 2)
    conn.send(run_job(job, grade_fn))
    conn.close()
    sys.stdout.flush()
    sys.stderr.flush()


def _death(exitcode: int | None) -> Reason:
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        oom = -exitcode == signal.SIGKILL
        return failed("batch_failed_killed_oom" if oom else "batch_failed_killed", signal=name)
    return failed("batch_failed_exit", code=exitcode)


def _stop(proc: BaseProcess) -> None:
    """SIGTERM the job's process group (the worker and the kernels it started), then SIGKILL."""
    for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid or 0, sig)
        except (ProcessLookupError, PermissionError):  # not yet in its own group, or gone
            if proc.is_alive():
                os.kill(proc.pid or 0, sig)
        proc.join(wait)
        if not proc.is_alive():
            return


class LocalProcessExecutor:
    """Each job in a fresh process, at most ``workers`` at once.

    The processes are forked by a multiprocessing "forkserver" that imported the grader once
    (``PRELOAD``) and nothing else: each job starts with the modules loaded but no state of any
    other job, and gets the batch's current environment and working folder as a spawned process
    would. A process is never reused, so a TensorFlow-heavy grading leaves no memory behind for the
    next. Where there is no forkserver (not POSIX), "spawn".
    Why not ``ProcessPoolExecutor(max_tasks_per_child=1)``: when one of its workers dies, the
    whole pool is marked broken and every job in flight fails with ``BrokenProcessPool``, so a
    crash cannot be pinned on the submission that caused it. Here each job has its own process:
    if it dies (os._exit, segfault, OOM kill) that job alone gets a ``grader_error`` result.

    With ``warm`` (the default, for the real grader where bubblewrap runs as root), each of the
    ``workers`` slots keeps a warm sandbox whose zygote forks each job's kernel with ipykernel and
    the assignment's ``[sandbox] preload`` already imported, and makes it as a fresh one between
    two jobs (``autograder.sandbox.zygote``); where that is impossible, or a warm sandbox fails,
    jobs start cold kernels as before.

    As with any "spawn" pool, a script that uses it must start under ``if __name__ == "__main__":``
    (each worker imports the main module).
    """

    def __init__(self, workers: int, grade_fn: GradeFn | None = None, warm: bool = True) -> None:
        if grade_fn is not None:
            pickle.dumps(grade_fn)  # fail now, not once per job: it is sent to each worker
        if "forkserver" in multiprocessing.get_all_start_methods():
            self._ctx: multiprocessing.context.BaseContext = multiprocessing.get_context("forkserver")
            self._ctx.set_forkserver_preload(list(PRELOAD))
        else:
            self._ctx = multiprocessing.get_context("spawn")
        self._grade_fn = grade_fn
        self._threads = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="grade")
        self._live: set[BaseProcess] = set()
        self._lock = threading.Lock()
        self._cancelled = threading.Event()
        self.warm = WarmSandboxes(workers) if warm and grade_fn is None else None

    def submit(self, job: Job) -> Future[Outcome]:
        return self._threads.submit(self._run_warm, job)

    def _run_warm(self, job: Job) -> Outcome:
        """``job`` with one of the pool's warm sandboxes lent to it, if any."""
        if self.warm is None:
            return self._run(job)
        with self.warm.lend(job) as lent:
            return self._run(lent)

    def _run(self, job: Job) -> Outcome:
        started = time.monotonic()
        recv, send = self._ctx.Pipe(duplex=False)
        proc = self._ctx.Process(target=_child_main,  # type: ignore[attr-defined]
                                 args=(job, self._grade_fn, send, os.getpid(), dict(os.environ)),
                                 name=f"grade-{job.who.id}")
        with self._lock:
            if self._cancelled.is_set():
                raise CancelledError()
            proc.start()
            self._live.add(proc)
        send.close()
        outcome: Outcome | None = None
        try:
            proc.join()
            if recv.poll():
                outcome = recv.recv()
        except (EOFError, OSError):
            pass
        finally:
            recv.close()
            with self._lock:
                self._live.discard(proc)
        if outcome is not None:  # the job's time as the batch sees it, process start included
            return dataclasses.replace(outcome, seconds=time.monotonic() - started)
        if self._cancelled.is_set():
            raise CancelledError()
        return record_error(job, _death(proc.exitcode), time.monotonic() - started)

    def shutdown(self, cancel: bool = False) -> None:
        if cancel:
            self._cancelled.set()
            with self._lock:
                live = list(self._live)
            for proc in live:
                _stop(proc)
            if self.warm is not None:
                self.warm.close()  # the kernels of the stopped jobs with them
        self._threads.shutdown(wait=True, cancel_futures=cancel)
        if self.warm is not None:
            self.warm.close()

    @property
    def warm_problem(self) -> str | None:
        """Why this pool's jobs started cold kernels, if warm sandboxes were tried and failed."""
        return self.warm.pool.problem if self.warm is not None else None

    def __enter__(self) -> LocalProcessExecutor:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.shutdown(cancel=exc is not None)


def answer_of(outcome: Outcome, job: Job) -> tuple[str, Reason | str]:
    """What a Dask worker sends back for ``job``: ("result", the result file's text), or
    ("error", the reason) for a ``grader_error`` (the client writes it with its own log path)."""
    if outcome.status == "grader_error":
        return "error", reason_of(outcome.message) or failed("batch_failed_error", error=outcome.message)
    return "result", Path(job.result_path).read_text(encoding="utf-8")


def remote_child_main() -> None:
    """The fresh process a Dask worker grades one submission in (as the local pool's): reads
    (job, grade_fn, parent pid, answer path) pickled on stdin, grades with ``run_job`` (so the
    result is exactly what the local pool writes), and writes ("result", json) or
    ("error", reason) to the answer path for the client. Its stdout/stderr are the job's log."""
    from autograder.fsutil import write_bytes_atomic

    job, grade_fn, parent_pid, answer_path = pickle.loads(sys.stdin.buffer.read())
    _die_with(parent_pid)
    print(f"grading {job.origin} for {job.who.id} (pid {os.getpid()})", flush=True)
    write_bytes_atomic(Path(answer_path), pickle.dumps(answer_of(run_job(job, grade_fn), job)))
    sys.stdout.flush()
    sys.stderr.flush()
