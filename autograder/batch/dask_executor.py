"""Grading on a Dask distributed cluster: ``DaskExecutor`` implements the ``Executor`` protocol of
``autograder.batch.executors``, so ``runner.grade_batch`` stays one code path.

    client (grade-batch)                       worker (``dask worker``, or a LocalCluster's)
    ---------------------                      ------------------------------------------------
    register GraderWorkerPlugin        ---->   check_worker: grader version, assignment, datasets,
      (kept by a running cluster;              bubblewrap; one line (log + event topic); leave if unfit
      every batch: recheck)                    (warm sandboxes and forkserver kept between batches)
    submit(job): notebook bytes +      ---->   _grade_on_worker: verify both sha256, grade in a fresh
      the key task "answer-key-<sha256>"       process (same sandbox as locally), return result + log
    write result + log (atomically)    <----
    Outcome -> progress, summary, gradebook

A worker that dies mid-task has the task run again elsewhere by Dask itself; after Dask's
``distributed.scheduler.allowed-failures`` deaths the task fails with ``KilledWorker`` and the
submission gets a ``grader_error`` result (no queue of our own).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import pickle
import shutil
import sys
import threading
import time
from concurrent.futures import CancelledError, Future
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin

from autograder.batch.executors import _death, answer_of
from autograder.batch.jobs import GradeFn, Job, Outcome, Reason, failed, record_error
from autograder.i18n import Echo, Msg, joined, msg

# ----------------------------------------------------------------------------- Dask distributed

DASK_TOPIC = "dl-autograder"  # the scheduler's event topic where workers say whether they can grade
GRADING_MEMORY_BYTES = int(1.5 * 1024**3)  # one grading at a time needs about this much (with its kernel)
_LOG_TAIL = 1_000_000  # bytes of a job's log sent back to the client


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


@dataclass(frozen=True)
class OneLine(Msg):
    """A ``Msg`` said on one line whatever it holds (a worker's line may carry a list)."""

    def text(self, lang: str = "en") -> str:
        return _one_line(super().text(lang))


def to_plain(value: Any) -> Any:
    """A ``Msg`` (its parameters too) as plain data that Dask's events and pickle carry."""
    if isinstance(value, Msg):
        return {"__msg__": value.id, "params": {k: to_plain(v) for k, v in value.params.items()}}
    return value if isinstance(value, str | int | float | bool) or value is None else str(value)


def from_plain(value: Any) -> Any:
    """The inverse of ``to_plain``: a ``Msg`` again, said on one line (``OneLine``)."""
    if isinstance(value, dict) and "__msg__" in value:
        params = dict(value.get("params", {}))
        return OneLine(str(value["__msg__"]), {k: from_plain(v) for k, v in params.items()})
    return value



@dataclass(frozen=True)
class WorkerCheck:
    """What one Dask worker found before taking work: can it grade this assignment, and how."""

    ready: bool
    said: dict[str, Any]  # one line for the TA, how it will grade or why it cannot: a Msg as ``to_plain``
    assignment_root: str = ""
    datasets_dir: str = ""
    slots: int = 0

    @property
    def message(self) -> Msg:
        found = from_plain(self.said)
        return found if isinstance(found, Msg) else msg("batch_worker_unknown")

    @property
    def line(self) -> str:
        """The line in English (the worker's own log: a worker knows no operator's language)."""
        return self.message.text("en")


def _check(ready: bool, said: Msg, root: str = "", datasets: str = "", slots: int = 0) -> WorkerCheck:
    return WorkerCheck(ready, to_plain(said), root, datasets, slots)


def check_worker(assignment_path: str, assignment_name: str, contract_sha256: str, backend: str,
                 grader_version: str, nthreads: int = 1, memory_limit: int | None = None) -> WorkerCheck:
    """On a worker: the grader version, the assignment (its folder, else installed by name, with the
    same contract), the datasets in the Keras cache (verified) and, unless ``backend`` is "none",
    bubblewrap. Never raises: a problem is the check's ``message``."""
    from autograder import __version__, data
    from autograder.assignment import load_assignment
    from autograder.errors import AutograderError

    if __version__ != grader_version:
        return _check(False, msg("batch_worker_version", here=__version__, needs=grader_version))
    try:
        spec = assignment_path if Path(assignment_path).is_dir() else assignment_name
        assignment = load_assignment(spec)
        if assignment.contract_sha256 != contract_sha256:
            return _check(False, msg("batch_worker_contract", assignment=repr(assignment_name),
                                     root=str(assignment.root), here=assignment.contract_sha256[:12],
                                     batch=contract_sha256[:12]))
        datasets = data.verify_cache(assignment.datasets)
    except AutograderError as exc:
        said: Msg = exc.what
        if exc.where:
            said = msg("batch_worker_error_where", error=said, where=exc.where)
        if exc.fix is not None:
            said = msg("batch_worker_error_fix", error=said, fix=exc.fix)
        return _check(False, said)
    notes: list[Msg] = []
    if backend != "none":
        import shutil as _shutil

        from autograder.sandbox.bubblewrap import bubblewrap_problem

        problem = bubblewrap_problem(_shutil.which("bwrap"), hasattr(os, "geteuid") and os.geteuid() == 0)
        if problem is not None and backend == "bubblewrap":
            return _check(False, msg("batch_worker_no_bubblewrap", problem=_one_line(problem)))
        notes.append(msg("batch_worker_bubblewrap") if problem is None else
                     msg("batch_worker_no_isolation", problem=_one_line(problem)[:160]))
    else:
        notes.append(msg("batch_worker_backend_none"))
    slots = max(1, nthreads)
    if memory_limit:
        by_memory = max(1, memory_limit // GRADING_MEMORY_BYTES)
        if by_memory < slots:
            notes.append(msg("batch_worker_memory", nthreads=nthreads, slots=by_memory))
    said = msg("batch_worker_ready", slots=slots, assignment=assignment.name, version=assignment.version,
               datasets=str(datasets), notes=joined(notes, "batch_join_comma"))
    return _check(True, said, str(assignment.root), str(datasets), slots)


class GraderWorkerPlugin(WorkerPlugin):
    """Registered on every worker of the cluster (also those that join later): the worker checks
    that it can grade (``check_worker``) before it takes work, says so in one line (its log and the
    scheduler's ``dl-autograder`` event topic, which the batch prints), and a worker that cannot
    grade leaves the cluster rather than fail every submission sent to it.

    It stays on the workers after the batch (``idempotent``: a later batch of the same assignment,
    grader version and backend registers it again as a no-op), so a course's long-running workers
    keep their warm sandboxes and forkserver from one batch to the next; each batch has every
    worker check again (``recheck``) before it takes work."""

    idempotent = True  # Dask: a plugin of this name already on the cluster is kept, not replaced

    def __init__(self, name: str, assignment_path: str, assignment_name: str, contract_sha256: str,
                 backend: str, grader_version: str, batch: str = "") -> None:
        self.name = name
        self.args = (assignment_path, assignment_name, contract_sha256, backend, grader_version)
        self.batch = batch  # the batch that registered it
        self.checked_for = ""  # the batch this worker's ``check`` was made for
        self.check: WorkerCheck | None = None
        self.warm: Any = None  # a daemonic worker's WarmSandboxes (one per thread), made in setup
        self.pool: Any = None  # a non-daemonic worker's own local pool (forkserver + warm sandboxes)

    async def setup(self, worker: Any) -> None:
        import multiprocessing

        from autograder.batch.executors import LocalProcessExecutor, WarmSandboxes

        if multiprocessing.current_process().daemon:  # daemonic: no multiprocessing children
            self.warm = WarmSandboxes(worker.state.nthreads)
        else:  # the local pool's own way: each job forked from a forkserver, in a warm sandbox
            self.pool = LocalProcessExecutor(worker.state.nthreads)
        await self.recheck(worker, self.batch)

    async def recheck(self, worker: Any, batch: str) -> None:
        """``check_worker`` again for ``batch`` (the assignment, datasets or bubblewrap may have
        changed since the last batch); the warm sandboxes are kept, their configs worked out
        again. Says the line; a worker that cannot grade any more leaves the cluster."""
        import asyncio
        import functools
        import logging

        memory = getattr(getattr(worker, "memory_manager", None), "memory_limit", None)
        run = functools.partial(check_worker, *self.args, nthreads=worker.state.nthreads,
                                memory_limit=memory)
        check = await asyncio.get_running_loop().run_in_executor(None, run)
        self.check, self.checked_for = check, batch
        if self._sandboxes() is not None:
            self._sandboxes().forget_configs()
        logger = logging.getLogger("autograder.worker")
        (logger.info if check.ready else logger.error)("dl-autograder: %s", check.line)
        worker.log_event(DASK_TOPIC, {"plugin": self.name, "worker": worker.address, "ready": check.ready,
                                      "line": check.line, "said": check.said})
        if not check.ready:  # after this registration has answered: leave the cluster, nanny included
            reason = f"dl-autograder: {check.line}"
            asyncio.get_running_loop().call_later(
                0.5, lambda: asyncio.ensure_future(worker.close(nanny=True, reason=reason)))

    def _sandboxes(self) -> Any:
        """This worker's ``WarmSandboxes`` (its own, or its local pool's), or None."""
        return self.warm if self.warm is not None else getattr(self.pool, "warm", None)

    def warm_sandboxes(self) -> list[int]:
        """The host pids of this worker's running warm sandboxes (kept from batch to batch)."""
        sandboxes = self._sandboxes()
        return list(sandboxes.pool.running()) if sandboxes is not None else []

    def teardown(self, worker: Any) -> None:
        if self.warm is not None:
            self.warm.close()
        if self.pool is not None:
            self.pool.shutdown(cancel=True)


def plugin_name(assignment: Any, backend: str) -> str:
    """The worker plugin's name: one per assignment (and contract), grader version and backend,
    so that a later batch of the same finds it on a long-running cluster and keeps it."""
    import hashlib

    from autograder import __version__

    digest = hashlib.sha256("\0".join([str(assignment.root), assignment.contract_sha256, backend,
                                       __version__]).encode()).hexdigest()[:12]
    return f"dl-autograder-{assignment.name}-{digest}"


async def _worker_check_of(dask_worker: Any, plugin: str,
                           batch: str = "") -> tuple[bool, dict[str, Any], int] | None:
    """On a worker: its check for ``batch``, made now if the plugin was checked for another one."""
    found = dask_worker.plugins.get(plugin)
    if not isinstance(found, GraderWorkerPlugin):
        return None
    if batch and found.checked_for != batch:
        await found.recheck(dask_worker, batch)
    check = found.check
    return (check.ready, check.said, check.slots) if isinstance(check, WorkerCheck) else None


def _allowed_failures(dask_scheduler: Any) -> int:
    return int(dask_scheduler.allowed_failures)


def _answer_key(data: bytes) -> bytes:
    """A task whose Dask key is the answer key's sha256: the key's bytes travel once per worker."""
    return data


# the grading process: executors.remote_child_main, in a module that does not import Dask
_CHILD = "from autograder.batch.executors import remote_child_main; remote_child_main()"


def _grade_on_worker(job: Job, notebook: bytes, key: bytes, plugin: str,
                     grade_fn: GradeFn | None) -> dict[str, Any]:
    """The Dask task: check the key's and the notebook's sha256, grade in a fresh process in this
    worker's scratch space, send back the result text and the log (the client writes them)."""
    import hashlib
    import subprocess
    import tempfile

    from distributed import Reschedule, get_worker

    from autograder.fsutil import sha256_file, write_bytes_atomic

    worker = get_worker()
    check = getattr(worker.plugins.get(plugin), "check", None)
    if check is None or not check.ready:
        raise Reschedule()  # this worker cannot grade (it is leaving): another one will
    if hashlib.sha256(key).hexdigest() != job.key_sha256:
        raise RuntimeError(f"the answer key received has sha256 {hashlib.sha256(key).hexdigest()}, "
                           f"not {job.key_sha256}")
    if hashlib.sha256(notebook).hexdigest() != job.submission_sha256:
        raise RuntimeError("the notebook received does not match its sha256")
    base = Path(worker.local_directory) / "dl-autograder"
    key_path = base / "keys" / f"{job.key_sha256}.json"
    if not key_path.is_file() or sha256_file(key_path) != job.key_sha256:
        write_bytes_atomic(key_path, key)
    (base / "jobs").mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="job-", dir=base / "jobs"))
    try:
        (work / "submission.ipynb").write_bytes(notebook)
        options = dict(job.options, datasets_dir=check.datasets_dir)
        cache = options.get("cache_dir")
        if cache and not (Path(cache).is_absolute() and Path(cache).parent.is_dir()):
            options["cache_dir"] = str(base / "cache")  # another machine: this worker's own cache
        local = dataclasses.replace(job, submission=str(work / "submission.ipynb"), key_path=str(key_path),
                                    assignment=check.assignment_root, options=options,
                                    result_path=str(work / "result.json"), log_path=str(work / "log.txt"))
        answer_path = work / "answer.pickle"
        started = time.monotonic()
        found = worker.plugins.get(plugin)
        plugin_ = found if isinstance(found, GraderWorkerPlugin) and grade_fn is None else None
        kind: str
        payload: Reason | str  # an error's payload: a jobs.Reason
        if plugin_ is not None and plugin_.pool is not None:  # its own local pool grades it
            kind, payload = answer_of(plugin_.pool.submit(local).result(), local)
        else:  # a fresh interpreter; its kernel forked from this worker's warm sandbox, if any
            lend = plugin_.warm.lend(local) if plugin_ is not None and plugin_.warm is not None \
                else contextlib.nullcontext(local)
            with lend as lent, open(work / "log.txt", "wb") as log:
                proc = subprocess.Popen([sys.executable, "-c", _CHILD], stdin=subprocess.PIPE, stdout=log,
                                        stderr=subprocess.STDOUT, process_group=0)
                proc.communicate(pickle.dumps((lent, grade_fn, os.getpid(), str(answer_path))))
            kind, payload = (pickle.loads(answer_path.read_bytes()) if answer_path.is_file()
                             else ("error", _death(proc.returncode)))
        seconds = time.monotonic() - started
        job_log = work / "log.txt"
        log_bytes = job_log.read_bytes()[-_LOG_TAIL:] if job_log.is_file() else b""
        return {"kind": kind, "payload": payload, "seconds": seconds, "worker": worker.address,
                "log": log_bytes.decode("utf-8", errors="replace")}
    finally:
        shutil.rmtree(work, ignore_errors=True)


class ClusterSpecError(ValueError):
    """``--cluster`` is not ``local`` or ``local:N``; ``msg`` says so in the operator's language."""

    def __init__(self, what: Msg) -> None:
        self.msg = what
        super().__init__(str(what))


def parse_cluster(spec: str) -> int | None:
    """``local:N`` -> N; ``local`` -> None (the default number of workers)."""
    kind, _, n = spec.partition(":")
    if kind != "local" or (n and not n.isdigit()) or n == "0":
        raise ClusterSpecError(msg("batch_cluster_spec", spec=repr(spec)))
    return int(n) if n else None


def local_cluster(workers: int, max_tries: int = 3) -> Any:
    """The ``LocalCluster`` of ``--cluster local:N``: ``workers`` single-threaded worker processes
    on this machine, not daemonic (each grades through a local pool of its own: forkserver and warm
    sandboxes), one task per free thread (a dying worker costs a try only to what it was running),
    ``max_tries`` deaths of its workers make a submission a ``grader_error``."""
    import dask
    from distributed import LocalCluster

    with dask.config.set({"distributed.scheduler.worker-saturation": 1.0,
                          "distributed.worker.daemon": False,
                          "distributed.scheduler.allowed-failures": max(0, max_tries - 1)}):
        return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                            host="127.0.0.1", dashboard_address=None)


class DaskExecutor:
    """Each job a task on a Dask distributed cluster: ``scheduler`` (``tcp://HOST:PORT``,
    ``tls://...``; TLS settings come from Dask's configuration) or ``local_workers`` (a
    ``LocalCluster`` of that many single-threaded worker processes on this machine).

    * Workers grade in a fresh process per submission with the same sandbox as the local pool.
      Each worker checks first that it can grade (``GraderWorkerPlugin``) and says so in one line.
    * The submission's bytes and the answer key (a task named by its sha256) travel with the task;
      the worker verifies both hashes. Results come back to this process, which alone writes
      them (atomically), so a result is written once per submission whatever happens to workers.
    * A worker that dies mid-task (killed, out of memory) has its task run again elsewhere by Dask;
      after Dask's ``allowed-failures`` such deaths (a submission that kills its workers) the
      task fails with ``KilledWorker`` and the submission gets a ``grader_error`` result.
    """

    def __init__(self, *, assignment: Any, backend: str = "auto", scheduler: str | None = None,
                 local_workers: int | None = None, grade_fn: GradeFn | None = None,
                 max_tries: int = 3, echo: Echo | None = None, timeout: float = 60.0) -> None:
        from distributed import Client

        from autograder import __version__
        from autograder.batch import BatchError

        if (scheduler is None) == (local_workers is None):
            raise ValueError("pass either scheduler or local_workers")
        self._echo: Echo = echo or (lambda m: print(m.text("en"), file=sys.stderr, flush=True))
        self._grade_fn = grade_fn
        self._cluster: Any = None
        if local_workers is not None:
            self._cluster = local_cluster(local_workers, max_tries)
            scheduler = self._cluster.scheduler_address
        try:
            self.client = Client(scheduler, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            self._close_cluster()
            raise BatchError(msg("batch_dask_unreachable", scheduler=str(scheduler), error=str(exc)),
                             fix=msg("batch_dask_unreachable_fix")) from exc
        import uuid

        self.plugin = plugin_name(assignment, backend)
        self.batch = uuid.uuid4().hex  # every worker checks again for this batch
        self._lock = threading.Lock()
        self._pending: dict[str, tuple[Any, Future[Outcome]]] = {}
        self._keys: dict[str, Any] = {}
        self._cancelled = False
        self._seen: set[str] = set()
        try:
            self.client.subscribe_topic(DASK_TOPIC, self._on_event)
            self.client.register_plugin(GraderWorkerPlugin(
                self.plugin, str(assignment.root), assignment.name, assignment.contract_sha256, backend,
                __version__, self.batch), name=self.plugin)
            self.slots = self._wait_for_ready(timeout)
            self.allowed_failures = self.client.run_on_scheduler(_allowed_failures)
        except BaseException:
            self.shutdown()
            raise

    # -- setup ------------------------------------------------------------------------------
    def _on_event(self, event: Any) -> None:
        _, ev = event
        if isinstance(ev, dict) and ev.get("plugin") == self.plugin and ev.get("worker") not in self._seen:
            self._seen.add(ev["worker"])
            self._say(ev["worker"], bool(ev.get("ready")), self._line(ev.get("said"), ev.get("line")))

    @staticmethod
    def _line(said: Any, line: Any) -> Msg:
        found = from_plain(said)
        return found if isinstance(found, Msg) else OneLine("batch_worker_said", {"line": str(line or "")})

    def _say(self, worker: str, ready: bool, line: Msg) -> None:
        said = "batch_dask_worker" if ready else "batch_dask_worker_leaves"
        self._echo(msg(said, worker=worker, line=line))

    def _wait_for_ready(self, timeout: float) -> int:
        from autograder.batch import BatchError

        deadline = time.monotonic() + timeout
        problems: dict[str, Msg] = {}
        while True:
            try:
                self.client.wait_for_workers(1, timeout=max(1.0, deadline - time.monotonic()))
                checks = self.client.run(_worker_check_of, plugin=self.plugin, batch=self.batch,
                                         on_error="return")
            except (OSError, TimeoutError):
                checks = {}
            slots = 0
            for worker, check in checks.items():
                if not isinstance(check, tuple):
                    continue
                ready, said, worker_slots = check
                line = self._line(said, "")
                if worker not in self._seen:
                    self._seen.add(worker)
                    self._say(worker, ready, line)
                if ready:
                    slots += worker_slots
                else:
                    problems[worker] = line
            if slots:
                return slots
            if time.monotonic() > deadline:
                each = [msg("batch_dask_worker_problem", worker=w, line=p) for w, p in problems.items()]
                detail = (joined(each, "batch_join_semicolon") if each
                          else msg("batch_dask_no_worker_connected"))
                raise BatchError(msg("batch_dask_no_worker", detail=detail),
                                 fix=msg("batch_dask_no_worker_fix"))
            time.sleep(0.5)

    # -- the Executor protocol --------------------------------------------------------------
    def submit(self, job: Job) -> Future[Outcome]:
        import uuid

        from autograder.naming import safe_name

        future: Future[Outcome] = Future()
        key_future = self._keys.get(job.key_sha256)
        if key_future is None:
            data = Path(job.key_path).read_bytes()
            import hashlib

            if hashlib.sha256(data).hexdigest() != job.key_sha256:
                raise RuntimeError(f"the answer key {job.key_path} changed while the batch was running")
            key_future = self.client.submit(_answer_key, data, key=f"answer-key-{job.key_sha256}", pure=True)
            self._keys[job.key_sha256] = key_future
        notebook = Path(job.submission).read_bytes()
        task = self.client.submit(_grade_on_worker, job, notebook, key_future, self.plugin, self._grade_fn,
                                  key=f"grade-{safe_name(job.who.id)}-{uuid.uuid4().hex[:8]}", pure=False)
        with self._lock:
            self._pending[str(task.key)] = (task, future)
        task.add_done_callback(lambda t: self._finish(t, job, future))
        return future

    def _finish(self, task: Any, job: Job, future: Future[Outcome]) -> None:
        """In Dask's callback thread: write the result (and log) of a finished task; one per job."""
        import json

        from distributed import KilledWorker

        from autograder.fsutil import write_atomic

        with self._lock:
            self._pending.pop(str(task.key), None)
        if future.done():
            return
        try:
            if task.cancelled() or self._cancelled:
                future.set_exception(CancelledError())
                return
            if task.status == "error":
                exc = task.exception()
                if isinstance(exc, KilledWorker):
                    reason = failed("batch_failed_dask_killed", tries=exc.allowed_failures + 1,
                                    worker=str(exc.last_worker.address), allowed=exc.allowed_failures)
                else:
                    reason = failed("batch_failed_dask_task", error=f"{type(exc).__name__}: {exc}")
                future.set_result(record_error(job, reason, 0.0))
                return
            out = task.result()
            write_atomic(Path(job.log_path), f"graded on the Dask worker {out['worker']}\n{out['log']}")
            if out["kind"] != "result":
                future.set_result(record_error(job, out["payload"], out["seconds"]))
                return
            text = out["payload"]
            write_atomic(Path(job.result_path), text)
            d = json.loads(text)
            future.set_result(Outcome(job.who.id, d["status"], d["score"], d["max_score"], out["seconds"]))
        except BaseException as exc:  # the runner turns it into a grader_error result
            if not future.done():
                future.set_exception(exc)

    def shutdown(self, cancel: bool = False) -> None:
        client = getattr(self, "client", None)
        if client is not None and client.status not in ("closing", "closed"):
            if cancel:
                self._cancelled = True
                with self._lock:
                    pending = list(self._pending.values())
                client.cancel([t for t, _ in pending], force=True)
                for _, f in pending:
                    if not f.done():
                        f.set_exception(CancelledError())
            client.close()
        self._close_cluster()

    def _close_cluster(self) -> None:
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.shutdown(cancel=exc is not None)
