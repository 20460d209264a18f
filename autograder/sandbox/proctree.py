"""The kernel's process tree, measured and killed through psutil.

Backend "bubblewrap"::

    grader ── bwrap (depth 0) ── bwrap, pid 1 of the namespace (depth 1) ── kernel (depth 2) ── …

orphans inside the sandbox reparent to the namespace's pid 1, so everything at depth >= 2 is the
kernel's, and SIGKILL of pid 1 kills the whole namespace. Backend "none": the launched process
and its descendants, plus whatever is still in its session (a daemon that double-forked).
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import psutil

from autograder.i18n import Msg, msg


def children(pid: int, *, recursive: bool = False) -> list[psutil.Process]:
    """The children (or all descendants) of ``pid``; none if it is gone."""
    try:
        return list(psutil.Process(pid).children(recursive=recursive))
    except psutil.Error:
        return []


def session_members(sid: int) -> list[psutil.Process]:
    """Every process whose session id is ``sid``."""
    found = []
    for pid in psutil.pids():
        try:
            if os.getsid(pid) == sid:
                found.append(psutil.Process(pid))
        except (OSError, psutil.Error):
            continue
    return found


@dataclass(frozen=True)
class Usage:
    tasks: int
    """Processes plus threads (a process counts as its number of threads)."""
    rss_bytes: int
    """Sum of the resident set sizes."""


def usage(procs: Iterable[psutil.Process]) -> Usage:
    """Threads and RSS summed over ``procs``; processes that vanished meanwhile count nothing."""
    tasks = rss = 0
    for proc in procs:
        try:
            with proc.oneshot():
                threads, resident = int(proc.num_threads()), int(proc.memory_info().rss)
        except psutil.Error:
            continue
        tasks += threads
        rss += resident
    return Usage(tasks, rss)


def pss_bytes(procs: Iterable[psutil.Process]) -> int:
    """Proportional set size summed over ``procs`` (pages shared between forked children split
    between them); a process whose PSS cannot be read counts its RSS."""
    total = 0
    for proc in procs:
        try:
            info = proc.memory_full_info()
        except psutil.AccessDenied:
            try:
                total += int(proc.memory_info().rss)
            except psutil.Error:
                pass
            continue
        except psutil.Error:
            continue
        total += int(getattr(info, "pss", info.rss))
    return total


def _signal(procs: Iterable[psutil.Process], signum: int) -> None:
    """Send ``signum`` to each process; psutil refuses a pid that was reused meanwhile."""
    for proc in procs:
        try:
            proc.send_signal(signum)
        except psutil.Error:
            pass


def exit_msg(code: int | None, signum: int) -> Msg:
    """How a kernel ended, a sentence of the catalogue: ``code`` its exit status (negative: the
    signal that killed it; None: still running), ``signum`` a signal reported in the status."""
    if code is None:
        return msg("sandbox_kernel_unresponsive")
    signum = -code if code < 0 else signum
    if 0 < signum < 65:
        try:
            return msg("sandbox_kernel_killed", signal=signal.Signals(signum).name)
        except ValueError:
            pass
    return msg("sandbox_kernel_exited", code=code)


class KernelProcess:
    """One launched kernel process and its tree: measure, interrupt, kill."""

    def __init__(self, popen: subprocess.Popen[bytes], backend: str) -> None:
        self.popen = popen
        self.backend = backend
        self.kernel_pid: int | None = popen.pid if backend == "none" else None
        self.killed = False
        self._lock = threading.Lock()

    def tree(self) -> list[psutil.Process]:
        """The kernel and everything it started (never the bwrap helpers)."""
        if self.backend == "bubblewrap":
            # depth 0: bwrap, depth 1: bwrap as pid 1 of the namespace; orphans reparent to it.
            return [p for init in children(self.popen.pid)
                    for p in children(init.pid, recursive=True)]
        root = self.popen.pid
        procs: dict[int, psutil.Process] = {}
        try:
            procs[root] = psutil.Process(root)
        except psutil.Error:
            pass
        for proc in (*children(root, recursive=True), *session_members(root)):
            procs.setdefault(proc.pid, proc)
        return [procs[pid] for pid in sorted(procs)]

    def exited(self) -> bool:
        """Whether the launched process ended, WITHOUT reaping it: while it is a zombie its pid
        (and process group) cannot be reused, so killing "its" tree cannot hit a stranger."""
        if self.popen.returncode is not None:
            return True
        try:
            return os.waitid(os.P_PID, self.popen.pid,
                             os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
        except ChildProcessError:
            return True

    def find_kernel_pid(self) -> None:
        if self.kernel_pid is None:
            found = [int(p.pid) for init in children(self.popen.pid) for p in children(init.pid)]
            self.kernel_pid = min(found) if found else None

    def interrupt(self) -> None:
        if self.kernel_pid is not None:
            try:
                os.kill(self.kernel_pid, signal.SIGINT)
            except ProcessLookupError:
                pass

    def kill(self) -> None:
        """SIGKILL the whole tree. Safe from any thread, idempotent."""
        with self._lock:
            self.killed = True
            if self.popen.returncode is not None:
                return  # reaped: its pid may belong to someone else now
            if self.backend == "bubblewrap" and self.exited():
                return  # bwrap is gone, and with it the whole pid namespace
            if self.backend == "bubblewrap":
                self._kill_namespace()
                return
            for _ in range(20):
                tree = self.tree()
                try:
                    os.killpg(self.popen.pid, signal.SIGKILL)
                except OSError:
                    pass
                _signal(tree, signal.SIGKILL)
                if not self.tree():
                    break
                time.sleep(0.05)

    def _kill_namespace(self) -> None:
        """SIGKILL pid 1 of the sandbox: the OS kills everything in its pid namespace, and bwrap
        exits only once all of it is gone. SIGKILL bwrap itself if that takes too long."""
        _signal(children(self.popen.pid), signal.SIGKILL)
        until = time.monotonic() + 5
        while not self.exited() and time.monotonic() < until:
            time.sleep(0.02)
        if not self.exited():
            try:
                os.kill(self.popen.pid, signal.SIGKILL)
            except OSError:
                pass

    def reap(self) -> None:
        """Kill what is left of the tree, then collect the exit status."""
        self.kill()
        try:
            self.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass

    def exit_sentence(self) -> str:
        """``exit_said`` in English (an error's text recorded in the result)."""
        return str(self.exit_said())

    def exit_said(self) -> Msg:
        """How the kernel ended, a sentence of the catalogue."""
        code = self.popen.returncode
        # bwrap reports a child killed by signal N as exit status 128 + N.
        return exit_msg(code, code - 128 if code is not None and code > 0 and self.backend == "bubblewrap"
                        else 0)


def _running(proc: psutil.Process) -> bool:
    try:
        return bool(proc.status() != psutil.STATUS_ZOMBIE)
    except psutil.Error:
        return False


class ForkedKernel:
    """A kernel forked by a warm sandbox's zygote (``autograder.sandbox.zygote``): the same
    interface as ``KernelProcess``. The zygote is a child subreaper, so the kernel's tree is
    every descendant of the zygote (one kernel at a time per zygote); the zygote reaps them and
    says how the kernel ended."""

    backend = "bubblewrap"

    def __init__(self, zygote_pid: int, kernel_pid: int, ns_pid: int,
                 status: Callable[[int], int | None]) -> None:
        self.zygote_pid = zygote_pid
        self.kernel_pid: int | None = kernel_pid
        self.ns_pid = ns_pid
        self.killed = False
        self.returncode: int | None = None
        self._status = status  # ns pid -> exit code (None: running); raises OSError if the zygote is gone
        self._lock = threading.Lock()
        try:
            self._proc: psutil.Process | None = psutil.Process(kernel_pid)
        except psutil.Error:
            self._proc = None

    def tree(self) -> list[psutil.Process]:
        return children(self.zygote_pid, recursive=True)

    def exited(self) -> bool:
        if self.returncode is not None:
            return True
        try:
            code = self._status(self.ns_pid)
        except OSError:  # the zygote is gone, and its kernels with it (PR_SET_PDEATHSIG)
            code = -signal.SIGKILL
        if code is not None:
            self.returncode = code
            return True
        return False

    def find_kernel_pid(self) -> None:
        pass

    def interrupt(self) -> None:
        if self._proc is not None:
            try:
                self._proc.send_signal(signal.SIGINT)
            except psutil.Error:
                pass

    def kill(self) -> None:
        """SIGKILL every descendant of the zygote until there is none. Idempotent."""
        with self._lock:
            self.killed = True
            for _ in range(200):
                tree = [p for p in self.tree() if _running(p)]
                if not tree:
                    return  # zombies at most: the zygote reaps them
                _signal(tree, signal.SIGKILL)
                time.sleep(0.005)

    def reap(self) -> None:
        self.kill()
        until = time.monotonic() + 10
        while not self.exited() and time.monotonic() < until:
            time.sleep(0.02)

    def exit_sentence(self) -> str:
        return str(self.exit_said())

    def exit_said(self) -> Msg:
        return exit_msg(self.returncode, 0)
