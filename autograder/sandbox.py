"""Run notebook cells one at a time in a real Jupyter kernel inside a sandbox, with limits.

This module has one job: start an isolated IPython kernel (``python -m ipykernel_launcher``
with the grader's own interpreter), execute a cell, and report exactly what happened as plain
data. There is no grading logic here. Only signed JSON messages cross the boundary (ZMQ over
unix sockets); nothing from the kernel is ever unpickled or executed by the grader.

Backend "bubblewrap" (Linux)::

    grader ── bwrap ── bwrap (pid 1 of a new pid namespace) ── launcher ─exec→ ipykernel

- namespaces: user, pid, ipc, uts, net (only its own loopback unless ``Limits.network``);
- files: read-only /usr, /etc and the Python prefixes; a private writable home
  (/home/student, also the cwd) and /tmp backed by host directories that survive ``restart()``;
  the datasets read-only at ``$HOME/.keras/datasets``; our own packages hidden if installed;
- the kernel runs as uid 1000 in the sandbox. When the grader is root that uid is mapped to a
  fresh unprivileged host uid (root would ignore RLIMIT_NPROC), so the process cap is enforced by
  the kernel of the OS, not only by the watchdog.

Backend "none" (no usable bwrap): a plain subprocess in a fresh directory with rlimits. It is
NOT isolated; ``Sandbox.not_enforced`` says so.

Always: a watchdog thread polls /proc every 0.2 s and kills the whole kernel tree above the
memory, process or disk cap; a cell is interrupted at its timeout and the kernel killed if it
does not stop; output is capped per cell and oversized ZMQ messages are refused unread.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

import zmq
from jupyter_client.session import Session
from zmq.utils.monitor import recv_monitor_message

from autograder.errors import AutograderError

Status = Literal["ok", "error", "timeout", "memory", "dead", "output_limit"]

# Paths as the kernel sees them (bubblewrap backend).
_HOME = "/home/student"
_RUN = "/run/kernel"
_SANDBOX_ID = 1000  # uid and gid inside the sandbox
# Packages of this project that must never be readable from the kernel.
_HIDDEN_PACKAGES = ("autograder", "reference", "assignments", "templates")

_POLL_S = 0.2  # watchdog and message-loop tick
_DISK_EVERY = 5  # the disk walk runs every 5th watchdog tick (1 s)
_INTERRUPT_GRACE_S = 3.0  # after SIGINT, how long a cell may take to stop before the kill
_LOST_IDLE_GRACE_S = 2.0  # after execute_reply, how long to wait for an idle that may be lost
_SHM_BYTES = 64 * 1024**2  # /dev/shm is RAM: keep it small
_RECV_BUFFER_BYTES = 64 * 1024**2  # bound on what ZMQ may queue in the grader per socket

# Runs inside the sandbox (bubblewrap) or as the kernel process (none), then execs the kernel:
# set rlimits, drop to the sandbox uid when asked, die with the parent, exec argv[2:].
_LAUNCHER = """\
import json, os, resource, sys
spec = json.loads(sys.argv[1])
for name, value in spec["rlimits"].items():
    resource.setrlimit(getattr(resource, name), (value, value))
if spec["uid"] is not None:
    os.setgroups([])
    os.setresgid(spec["uid"], spec["uid"], spec["uid"])
    os.setresuid(spec["uid"], spec["uid"], spec["uid"])
if sys.platform.startswith("linux"):
    import ctypes
    ctypes.CDLL(None).prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL (after the uid change)
os.execv(sys.argv[2], sys.argv[2:])
"""

# Creates a user namespace and waits; the grader (root) writes its uid/gid maps.
_USERNS_HELPER = """\
import ctypes, sys
if ctypes.CDLL(None, use_errno=True).unshare(0x10000000) != 0:  # CLONE_NEWUSER
    sys.exit("unshare(CLONE_NEWUSER) failed: errno %d" % ctypes.get_errno())
sys.stdout.write("ready\\n")
sys.stdout.flush()
sys.stdin.read()
"""

_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
_CELL_FRAME = re.compile(r"Cell In\[(\d+)\], line (\d+)")


@dataclass(frozen=True)
class Limits:
    """What one kernel may use. Every field is enforced or listed in ``Sandbox.not_enforced``."""

    memory_mb: int = 4096
    """Cap on the resident memory of the kernel's whole process tree."""
    max_processes: int = 128
    """Cap on processes plus threads in the kernel's tree (the kernel itself included)."""
    max_output_bytes: int = 2_000_000
    """Output text kept per cell; the rest is dropped and flagged."""
    max_file_bytes: int = 256 * 1024**2
    """RLIMIT_FSIZE: largest file the kernel may write."""
    max_disk_bytes: int = 1024**3
    """Cap on the total size of the private home, /tmp and socket directory together."""
    network: bool = False
    """False: no network (only the sandbox's own loopback) where the OS allows it."""
    startup_timeout_s: float = 120.0
    """How long a kernel may take to answer its first request."""

    def __post_init__(self) -> None:
        for name in ("memory_mb", "max_processes", "max_output_bytes", "max_file_bytes",
                     "max_disk_bytes", "startup_timeout_s"):
            if not getattr(self, name) > 0:
                raise ValueError(f"Limits.{name} must be positive, got {getattr(self, name)!r}")


@dataclass(frozen=True)
class ErrorInfo:
    """Why a cell failed, located in the cell's own code where possible."""

    ename: str
    """Exception class name, or the limit that stopped the cell (e.g. "Timeout")."""
    evalue: str
    """Exception message, or a sentence saying which limit was exceeded."""
    traceback: str
    """Plain-text traceback (ANSI colour codes stripped); empty for limits without one."""
    line: int | None
    """1-based line in the cell's code that raised (innermost frame of this cell), or None."""
    code_line: str
    """That source line, or "" when the line is unknown."""


@dataclass(frozen=True)
class CellRun:
    """Exactly what happened when one cell ran.

    ``status`` (first match wins): "memory" a resource limit (memory, processes, disk) was
    exceeded and the kernel killed, ``error.ename`` says which; "dead" the kernel exited on
    its own; "timeout" the cell was interrupted (and killed if it would not stop); "error" the
    cell raised; "output_limit" the cell finished but its output was truncated; "ok".
    After "memory", "dead" or a timeout that needed a kill, call ``Sandbox.restart()``.
    """

    status: Status
    outputs: tuple[dict[str, Any], ...]
    """nbformat-v4 output dicts (stream, execute_result, display_data, error), capped."""
    error: ErrorInfo | None
    seconds: float
    output_truncated: bool


# --------------------------------------------------------------------------------------------
# Processes, measured through /proc


@dataclass(frozen=True)
class _Proc:
    ppid: int
    session: int
    threads: int
    rss_bytes: int


def _process_table() -> dict[int, _Proc]:
    """Every process on the host (one read of /proc/<pid>/stat each)."""
    page = os.sysconf("SC_PAGE_SIZE")
    table: dict[int, _Proc] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as fh:
                data = fh.read()
        except OSError:
            continue
        # Fields after "(comm)": rest[k - 3] is field k of proc(5).
        rest = data[data.rfind(b")") + 2 :].split()
        try:
            table[int(name)] = _Proc(ppid=int(rest[1]), session=int(rest[3]),
                                     threads=int(rest[17]), rss_bytes=int(rest[21]) * page)
        except (IndexError, ValueError):
            continue
    return table


def _descendants(root: int, table: Mapping[int, _Proc]) -> dict[int, int]:
    """pid -> depth below ``root`` (root itself has depth 0)."""
    children: dict[int, list[int]] = {}
    for pid, proc in table.items():
        children.setdefault(proc.ppid, []).append(pid)
    depth = {root: 0}
    stack = [root]
    while stack:
        pid = stack.pop()
        for child in children.get(pid, ()):
            if child not in depth:
                depth[child] = depth[pid] + 1
                stack.append(child)
    return depth


def _pss_bytes(pid: int, fallback: int) -> int:
    """Proportional set size (shared pages split between sharers), else ``fallback``."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return fallback


def _disk_usage(dirs: Sequence[Path]) -> int:
    """Bytes used under ``dirs``; every entry counts at least one 4 KiB block."""
    total = 0
    for top in dirs:
        for base, dirnames, filenames in os.walk(top):
            for name in (*dirnames, *filenames):
                try:
                    st = os.lstat(os.path.join(base, name))
                except OSError:
                    continue
                total += max(st.st_blocks * 512, 4096)
    return total


class _Kernel:
    """One launched kernel process and its tree: measure, interrupt, kill."""

    def __init__(self, popen: subprocess.Popen[bytes], backend: str) -> None:
        self.popen = popen
        self.backend = backend
        self.kernel_pid: int | None = popen.pid if backend == "none" else None
        self.killed = False
        self._lock = threading.Lock()

    def tree(self, table: Mapping[int, _Proc]) -> list[int]:
        """Pids of the kernel and everything it started (never the bwrap helpers)."""
        if self.backend == "bubblewrap":
            # depth 0: bwrap, depth 1: bwrap as pid 1 of the namespace; orphans reparent to it.
            return [p for p, d in _descendants(self.popen.pid, table).items() if d >= 2]
        root = self.popen.pid
        pids = set(_descendants(root, table))
        pids.update(p for p, proc in table.items() if proc.session == root)
        return sorted(pids)

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
            depth = _descendants(self.popen.pid, _process_table())
            found = [p for p, d in depth.items() if d == 2]
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
                table = _process_table()
                try:
                    os.killpg(self.popen.pid, signal.SIGKILL)
                except OSError:
                    pass
                for pid in self.tree(table):
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
                if not self.tree(_process_table()):
                    break
                time.sleep(0.05)

    def _kill_namespace(self) -> None:
        """SIGKILL pid 1 of the sandbox: the OS kills everything in its pid namespace, and bwrap
        exits only once all of it is gone. SIGKILL bwrap itself if that takes too long."""
        depth = _descendants(self.popen.pid, _process_table())
        for pid in [p for p, d in depth.items() if d == 1]:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
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
        code = self.popen.returncode
        if code is None:
            return "the kernel stopped responding"
        # bwrap reports a child killed by signal N as exit status 128 + N.
        signum = -code if code < 0 else code - 128 if self.backend == "bubblewrap" else 0
        if 0 < signum < 65:
            try:
                return f"the kernel process was killed by {signal.Signals(signum).name}"
            except ValueError:
                pass
        return f"the kernel process exited with status {code}"


class _Watchdog(threading.Thread):
    """Kills the kernel tree as soon as it exceeds the memory, process or disk cap."""

    def __init__(self, kernel: _Kernel, limits: Limits, disk_dirs: Sequence[Path]) -> None:
        super().__init__(name="sandbox-watchdog", daemon=True)
        self.kernel = kernel
        self.limits = limits
        self.disk_dirs = tuple(disk_dirs)
        self.tripped: ErrorInfo | None = None
        self._stop_event = threading.Event()
        self._lock = threading.Lock()

    def run(self) -> None:
        tick = 0
        while not self._stop_event.wait(_POLL_S):
            tick += 1
            self.check(disk=tick % _DISK_EVERY == 0)
            if self.tripped is not None or self.kernel.exited():
                return

    def stop(self) -> None:
        self._stop_event.set()
        if self.is_alive() and self is not threading.current_thread():
            self.join(timeout=5)

    def check(self, *, disk: bool = True) -> ErrorInfo | None:
        """Measure once; on a violation record why, kill the tree, and return the reason."""
        with self._lock:
            if self.tripped is None:
                reason = self._violation(disk)
                if reason is not None:
                    self.tripped = reason
                    self.kernel.kill()
            return self.tripped

    def _violation(self, disk: bool) -> ErrorInfo | None:
        lim = self.limits
        table = _process_table()
        pids = self.kernel.tree(table)
        tasks = sum(table[p].threads for p in pids if p in table)
        if tasks >= lim.max_processes:
            return _limit_error("ProcessLimitExceeded", f"the kernel reached the cap of "
                                f"{lim.max_processes} processes and threads and was stopped")
        cap = lim.memory_mb * 1024**2
        rss = sum(table[p].rss_bytes for p in pids if p in table)
        # RSS counts pages shared by forked children once per process; confirm with PSS.
        if rss > cap:
            used = sum(_pss_bytes(p, table[p].rss_bytes) for p in pids if p in table)
            if used > cap:
                return _limit_error("MemoryLimitExceeded", f"the kernel used "
                                    f"{used // 1024**2} MB of memory, more than the cap of "
                                    f"{lim.memory_mb} MB, and was stopped")
        if disk:
            used = _disk_usage(self.disk_dirs)
            if used > lim.max_disk_bytes:
                return _limit_error("DiskLimitExceeded", f"the files written by the kernel take "
                                    f"{used // 1024**2} MB, more than the cap of "
                                    f"{lim.max_disk_bytes // 1024**2} MB, and it was stopped")
        return None


def _limit_error(ename: str, evalue: str) -> ErrorInfo:
    return ErrorInfo(ename=ename, evalue=evalue, traceback="", line=None, code_line="")


# --------------------------------------------------------------------------------------------
# Messaging: our own three sockets with size limits, jupyter_client's Session for the protocol


class _Client:
    """Shell and IOPub sockets to one kernel. Messages above ``max_msg`` bytes are refused."""

    def __init__(self, context: zmq.Context[zmq.Socket[bytes]], prefix: str,
                 ports: Mapping[str, int], key: bytes, max_msg: int) -> None:
        self.session = Session(key=key, signature_scheme="hmac-sha256", username="autograder",
                               packer="json", unpacker="json")
        hwm = max(16, min(1000, _RECV_BUFFER_BYTES // max_msg))
        self.shell = self._socket(context, zmq.DEALER, f"{prefix}-{ports['shell_port']}",
                                  max_msg, hwm)
        self._iopub_url = f"ipc://{prefix}-{ports['iopub_port']}"
        self.iopub = self._socket(context, zmq.SUB, self._iopub_url[6:], max_msg, hwm)
        self.iopub.setsockopt(zmq.SUBSCRIBE, b"")
        # A refused (oversized) message shows up as a disconnect of the IOPub connection.
        self.monitor = self.iopub.get_monitor_socket(zmq.EVENT_DISCONNECTED)
        self.poller = zmq.Poller()
        for sock in (self.shell, self.iopub, self.monitor):
            self.poller.register(sock, zmq.POLLIN)

    @staticmethod
    def _socket(context: zmq.Context[zmq.Socket[bytes]], kind: int, path: str, max_msg: int,
                hwm: int) -> zmq.Socket[bytes]:
        sock = context.socket(kind)
        sock.setsockopt(zmq.LINGER, 0)
        sock.setsockopt(zmq.MAXMSGSIZE, max_msg)
        sock.setsockopt(zmq.RCVHWM, hwm)
        sock.connect(f"ipc://{path}")
        return sock

    def send(self, msg_type: str, content: dict[str, Any]) -> str:
        msg = self.session.send(self.shell, msg_type, content)
        assert msg is not None
        return str(msg["header"]["msg_id"])

    def ready(self, timeout_s: float) -> list[zmq.Socket[bytes]]:
        return [s for s, _ in self.poller.poll(max(0, int(timeout_s * 1000)))]

    def recv(self, sock: zmq.Socket[bytes]) -> dict[str, Any] | None:
        """One message, or None for nothing / anything malformed or badly signed."""
        try:
            _, msg = self.session.recv(sock, mode=zmq.NOBLOCK)
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
            return None
        return msg if isinstance(msg, dict) else None

    def disconnected(self) -> bool:
        """Whether IOPub lost its connection; if so, connect again.

        ZMQ treats a message above MAXMSGSIZE as a protocol error and never reconnects by itself.
        """
        lost = False
        while self.monitor.poll(0):
            event = recv_monitor_message(self.monitor)
            lost = lost or event.get("event") == zmq.EVENT_DISCONNECTED
        if lost:
            try:
                self.iopub.disconnect(self._iopub_url)
            except zmq.ZMQError:
                pass
            self.iopub.connect(self._iopub_url)
        return lost

    def close(self) -> None:
        self.iopub.disable_monitor()
        for sock in (self.monitor, self.shell, self.iopub):
            sock.close(linger=0)


def _parent_id(msg: Mapping[str, Any]) -> object:
    parent = msg.get("parent_header")
    return parent.get("msg_id") if isinstance(parent, dict) else None


# --------------------------------------------------------------------------------------------
# Outputs


def _strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


def _size(value: object) -> int:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return len(text.encode("utf-8", "replace"))


class _Outputs:
    """nbformat outputs of one cell, keeping at most ``cap`` bytes of text and data."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.size = 0
        self.truncated = False
        self._items: list[dict[str, Any]] = []
        self._streams: dict[int, list[str]] = {}  # index of a stream output -> text parts
        self._display_ids: dict[int, str] = {}
        self._clear_on_next = False

    def add(self, msg_type: str, content: Mapping[str, Any]) -> None:
        if msg_type == "clear_output":
            if content.get("wait"):
                self._clear_on_next = True
            else:
                self._clear()
            return
        if msg_type == "update_display_data":
            self._update(content)
            return
        if self._clear_on_next:
            self._clear()
        if msg_type == "stream":
            self._add_stream(str(content.get("name", "stdout")), str(content.get("text", "")))
            return
        data = content.get("data") if isinstance(content.get("data"), dict) else {}
        meta = content.get("metadata") if isinstance(content.get("metadata"), dict) else {}
        item: dict[str, Any]
        if msg_type == "execute_result":
            item = {"output_type": "execute_result",
                    "execution_count": content.get("execution_count"),
                    "data": data, "metadata": meta}
        elif msg_type == "display_data":
            item = {"output_type": "display_data", "data": data, "metadata": meta}
        elif msg_type == "error":
            tb = content.get("traceback")
            lines = [_strip_ansi(str(x)) for x in tb] if isinstance(tb, list) else []
            item = {"output_type": "error", "ename": str(content.get("ename", "")),
                    "evalue": str(content.get("evalue", "")), "traceback": lines}
        else:
            return
        cost = _size(item)
        if self.truncated or self.size + cost > self.cap:
            self.truncated = True
            return
        self.size += cost
        transient = content.get("transient")
        if isinstance(transient, dict) and isinstance(transient.get("display_id"), str):
            self._display_ids[len(self._items)] = transient["display_id"]
        self._items.append(item)

    def _add_stream(self, name: str, text: str) -> None:
        if self.truncated:
            return
        data = text.encode("utf-8", "replace")
        room = self.cap - self.size
        if len(data) > room:
            self.truncated = True
            text = data[: max(room, 0)].decode("utf-8", "ignore")
            data = text.encode("utf-8")
        if not text:
            return
        self.size += len(data)
        last = len(self._items) - 1
        if last in self._streams and self._items[last]["name"] == name:
            self._streams[last].append(text)  # joined once at the end: no quadratic copying
        else:
            self._streams[len(self._items)] = [text]
            self._items.append({"output_type": "stream", "name": name, "text": ""})

    def _update(self, content: Mapping[str, Any]) -> None:
        transient = content.get("transient")
        display_id = transient.get("display_id") if isinstance(transient, dict) else None
        data = content.get("data")
        if display_id is None or not isinstance(data, dict):
            return
        for index, did in self._display_ids.items():
            if did != display_id:
                continue
            item = self._items[index]
            cost = _size(data) - _size(item["data"])
            if self.size + cost > self.cap:
                self.truncated = True
                continue
            self.size += cost
            item["data"] = data
            if isinstance(content.get("metadata"), dict):
                item["metadata"] = content["metadata"]

    def _clear(self) -> None:
        self._items.clear()
        self._streams.clear()
        self._display_ids.clear()
        self.size = 0
        self._clear_on_next = False

    def build(self) -> tuple[dict[str, Any], ...]:
        for index, parts in self._streams.items():
            self._items[index]["text"] = "".join(parts)
        return tuple(self._items)


def _error_info(content: Mapping[str, Any], code: str, execution_count: int | None,
                max_chars: int) -> ErrorInfo:
    """Locate an error in the cell: innermost "Cell In[n], line L" frame of this cell."""
    tb = content.get("traceback")
    text = _strip_ansi("\n".join(str(x) for x in tb)) if isinstance(tb, list) else ""
    frames = [(int(n), int(line)) for n, line in _CELL_FRAME.findall(text)]
    mine = [line for n, line in frames if n == execution_count] if execution_count else []
    line = mine[-1] if mine else None
    lines = code.splitlines()
    code_line = lines[line - 1] if line is not None and 0 < line <= len(lines) else ""
    if len(text) > max_chars:
        text = "…" + text[-max_chars:]
    return ErrorInfo(ename=str(content.get("ename", "")), evalue=str(content.get("evalue", "")),
                     traceback=text, line=line, code_line=code_line)


# --------------------------------------------------------------------------------------------
# Building the sandbox


@dataclass(frozen=True)
class _Layout:
    """Host directories of one sandbox, all under ``root`` (removed by ``close``)."""

    root: Path

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

    @property
    def run(self) -> Path:
        return self.root / "run"

    @property
    def empty_dir(self) -> Path:
        return self.root / "empty"

    @property
    def empty_file(self) -> Path:
        return self.root / "empty.py"

    @property
    def log(self) -> Path:
        return self.root / "kernel.log"

    @property
    def writable(self) -> tuple[Path, Path, Path]:
        return (self.home, self.tmp, self.run)

    def create(self, owner: int | None) -> None:
        for path in self.writable:
            path.mkdir(mode=0o700, exist_ok=True)
            if owner is not None:
                os.chown(path, owner, owner)
        self.empty_dir.mkdir(mode=0o555, exist_ok=True)
        self.empty_file.touch(mode=0o444, exist_ok=True)


def _is_within(path: str, root: str) -> bool:
    try:
        return os.path.commonpath([path, root]) == root
    except ValueError:
        return False


def _python_roots() -> list[str]:
    """Directories the interpreter needs: its prefixes and the real location of the binary."""
    real_exe = os.path.realpath(sys.executable)
    candidates = [sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix,
                  os.path.dirname(os.path.dirname(real_exe))]
    roots: list[str] = []
    for path in candidates:
        for p in (os.path.abspath(path), os.path.realpath(path)):
            if p not in roots:
                roots.append(p)
    roots.sort(key=len)
    kept: list[str] = []
    for p in roots:
        if not any(_is_within(p, k) for k in (*kept, "/usr")) and os.path.isdir(p):
            kept.append(p)
    return kept


def _paths_to_hide(search_path: Sequence[str], bound_roots: Sequence[str],
                   names: Sequence[str] = _HIDDEN_PACKAGES) -> list[str]:
    """Package directories or modules named ``names`` that the sandbox would otherwise show."""
    hidden: list[str] = []
    for entry in search_path:
        if not entry or not os.path.isabs(entry):
            continue
        entry = os.path.abspath(entry)
        if not any(_is_within(entry, root) for root in bound_roots):
            continue
        for name in names:
            for candidate in (os.path.join(entry, name), os.path.join(entry, name + ".py")):
                if os.path.exists(candidate) and candidate not in hidden:
                    hidden.append(candidate)
    return hidden


def _make_userns(host_id: int) -> int:
    """A user namespace mapping root to root (so bwrap can read what root can) and the
    sandbox uid/gid to ``host_id``; returns an fd for ``bwrap --userns``."""
    helper = subprocess.Popen([sys.executable, "-I", "-S", "-c", _USERNS_HELPER],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    assert helper.stdin is not None and helper.stdout is not None
    try:
        if helper.stdout.readline().strip() != b"ready":
            raise OSError(helper.communicate(timeout=10)[1].decode(errors="replace").strip())
        for kind in ("uid_map", "gid_map"):
            with open(f"/proc/{helper.pid}/{kind}", "w", encoding="ascii") as fh:
                fh.write(f"0 0 1\n{_SANDBOX_ID} {host_id} 1\n")
        return os.open(f"/proc/{helper.pid}/ns/user", os.O_RDONLY | os.O_CLOEXEC)
    finally:
        helper.stdin.close()
        helper.wait(timeout=10)


@dataclass(frozen=True)
class _Plan:
    """Everything needed to build one bwrap command line."""

    bwrap: str
    layout: _Layout
    limits: Limits
    userns_fd: int | None  # set when the grader is root
    datasets_dir: Path | None


def _bwrap_argv(plan: _Plan, command: Sequence[str]) -> list[str]:
    lim = plan.limits
    argv = [plan.bwrap]
    if plan.userns_fd is not None:
        # Root inside is kept only for bwrap's own setup; the launcher drops to uid 1000.
        argv += ["--userns", str(plan.userns_fd),
                 "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        argv += ["--unshare-user", "--uid", str(_SANDBOX_ID), "--gid", str(_SANDBOX_ID),
                 "--disable-userns"]
    argv += ["--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
             "--hostname", "sandbox", "--die-with-parent", "--new-session"]
    if not lim.network:
        argv.append("--unshare-net")
    roots = _python_roots()
    made: set[str] = set()

    def ancestors(dest: str) -> list[str]:
        out: list[str] = []
        parts = Path(dest).parts[1:-1]
        for i in range(1, len(parts) + 1):
            ancestor = "/" + "/".join(parts[:i])
            if ancestor not in made:
                made.add(ancestor)
                out += ["--perms", "0755", "--dir", ancestor]
        return out

    # The private home, /tmp and run dir first: the Python prefixes may live below /tmp (a
    # checkout in /tmp, as CI may use), and a later bind of /tmp would hide them.
    argv += ancestors(_HOME) + ancestors(_RUN)
    argv += ["--bind", str(plan.layout.home), _HOME,
             "--bind", str(plan.layout.tmp), "/tmp",
             "--bind", str(plan.layout.run), _RUN]
    argv += ["--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            argv += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            argv += ["--ro-bind", top, top]
    argv += ["--ro-bind", "/etc", "/etc"]
    for root in roots:
        argv += ancestors(root) + ["--ro-bind", root, root]
    for path in _paths_to_hide(sys.path, [*roots, "/usr"]):
        empty = plan.layout.empty_dir if os.path.isdir(path) else plan.layout.empty_file
        argv += ["--ro-bind", str(empty), path]
    argv += ["--proc", "/proc", "--dev", "/dev",
             "--perms", "1777", "--size", str(_SHM_BYTES), "--tmpfs", "/dev/shm",
             "--remount-ro", "/dev"]
    if plan.datasets_dir is not None:
        argv += ["--ro-bind", str(plan.datasets_dir), f"{_HOME}/.keras/datasets"]
    argv += ["--remount-ro", "/", "--chdir", _HOME, "--", *command]
    return argv


def _launcher(limits: Limits, *, drop_to: int | None, nproc: int | None,
              command: Sequence[str]) -> list[str]:
    rlimits = {"RLIMIT_FSIZE": limits.max_file_bytes, "RLIMIT_CORE": 0}
    if nproc is not None:
        rlimits["RLIMIT_NPROC"] = nproc
    spec = json.dumps({"rlimits": rlimits, "uid": drop_to})
    return [sys.executable, "-I", "-S", "-c", _LAUNCHER, spec, *command]


@cache
def _bwrap_problem(bwrap: str, as_root: bool) -> str | None:
    """Why this bwrap cannot run our sandbox here, or None. Probed once with a trivial command."""
    with tempfile.TemporaryDirectory(prefix="ag-probe-") as tmp:
        host_id = _random_host_id() if as_root else None
        layout = _Layout(Path(tmp))
        layout.create(host_id)
        userns_fd = None
        try:
            if host_id is not None:
                userns_fd = _make_userns(host_id)
            plan = _Plan(bwrap, layout, Limits(), userns_fd, None)
            command = _launcher(plan.limits, drop_to=_SANDBOX_ID if as_root else None,
                                nproc=plan.limits.max_processes,
                                command=[sys.executable, "-I", "-S", "-c", "pass"])
            done = subprocess.run(_bwrap_argv(plan, command), capture_output=True, timeout=60,
                                  pass_fds=() if userns_fd is None else (userns_fd,),
                                  env={"PATH": "/usr/bin:/bin"}, check=False)
        except (OSError, subprocess.SubprocessError) as exc:
            return f"{type(exc).__name__}: {exc}"
        finally:
            if userns_fd is not None:
                os.close(userns_fd)
        if done.returncode != 0:
            return done.stderr.decode(errors="replace").strip() or f"exit {done.returncode}"
    return None


def _random_host_id() -> int:
    """An unprivileged host uid/gid nobody else uses, so RLIMIT_NPROC counts only this kernel."""
    return 2_000_000 + secrets.randbelow(1 << 28)


def _log_tail(path: Path, limit: int = 4000) -> str:
    try:
        with open(path, "rb") as fh:
            fh.seek(max(0, path.stat().st_size - limit))
            return fh.read().decode(errors="replace").strip()
    except OSError:
        return ""


# --------------------------------------------------------------------------------------------
# The sandbox


class Sandbox:
    """A kernel in a sandbox: ``start()``, then ``run(code, timeout_s)`` cell by cell.

    ``run`` never raises for anything the student's code does. Use it as a context manager.
    Call ``start``/``restart`` from a thread that outlives the kernel: bubblewrap kills the
    kernel when the thread that started it exits (``--die-with-parent``).
    """

    enforced: Mapping[str, str]
    """Limit name -> how it is enforced here."""
    not_enforced: tuple[str, ...]
    """One sentence per limit or protection that could NOT be applied here."""
    backend: str
    """"bubblewrap" or "none"."""

    def __init__(self, limits: Limits, *, datasets_dir: Path | None = None,
                 extra_env: Mapping[str, str] | None = None, backend: str = "auto") -> None:
        if backend not in ("auto", "bubblewrap", "none"):
            raise ValueError(f'backend must be "auto", "bubblewrap" or "none", got {backend!r}')
        self.limits = limits
        self.datasets_dir = Path(datasets_dir).resolve() if datasets_dir is not None else None
        self.extra_env = dict(extra_env or {})
        self._as_root = hasattr(os, "geteuid") and os.geteuid() == 0
        self._bwrap = shutil.which("bwrap")
        problem = self._bubblewrap_problem()
        if backend == "bubblewrap" and problem is not None:
            raise AutograderError("The bubblewrap sandbox cannot run here.", where=problem,
                                  fix='install bubblewrap with user namespaces enabled, or use '
                                      'backend="none" (no isolation)')
        self.backend = "bubblewrap" if backend != "none" and problem is None else "none"
        self.enforced, self.not_enforced = self._describe(problem if backend == "auto" else None)
        self._host_id = _random_host_id() if self.backend == "bubblewrap" and self._as_root \
            else None
        self._layout: _Layout | None = None
        self._userns_fd: int | None = None
        self._context: zmq.Context[zmq.Socket[bytes]] | None = None
        self._kernel: _Kernel | None = None
        self._client: _Client | None = None
        self._watchdog: _Watchdog | None = None
        self._starts = 0

    # -- description -------------------------------------------------------------------------

    def _bubblewrap_problem(self) -> str | None:
        if not sys.platform.startswith("linux"):
            return "bubblewrap needs Linux"
        if self._bwrap is None:
            return "bwrap is not installed"
        return _bwrap_problem(self._bwrap, self._as_root)

    def _describe(self, why_not_bwrap: str | None) -> tuple[dict[str, str], tuple[str, ...]]:
        lim = self.limits
        bw = self.backend == "bubblewrap"
        has_proc = os.path.isdir("/proc/self")
        enforced = {
            "time": f"SIGINT at the cell timeout, SIGKILL of the tree {_INTERRUPT_GRACE_S:g} s "
                    "later if the cell has not stopped",
            "output": f"{lim.max_output_bytes} bytes kept per cell; larger ZMQ messages "
                      "refused unread (MAXMSGSIZE)",
            "files": f"RLIMIT_FSIZE={lim.max_file_bytes} bytes per file; no core dumps",
        }
        missing: list[str] = []
        if has_proc:
            enforced["memory"] = (f"watchdog on process-tree RSS (PSS near the cap) every "
                                  f"{_POLL_S:g} s: kill above {lim.memory_mb} MB")
            enforced["disk"] = (f"watchdog on home, /tmp and sockets every "
                                f"{_POLL_S * _DISK_EVERY:g} s: kill above {lim.max_disk_bytes} "
                                f"bytes" + (f"; /dev/shm tmpfs of {_SHM_BYTES // 1024**2} MiB"
                                            if bw else ""))
        else:
            missing += [f"The memory cap of {lim.memory_mb} MB is NOT enforced: /proc is not "
                        "available to measure the kernel.",
                        "The disk cap is NOT enforced: the watchdog needs /proc."]
        watchdog = (f"watchdog kill at {lim.max_processes} processes+threads"
                    if has_proc else "")
        if bw:
            who = ("a random unprivileged host uid >= 2,000,000" if self._as_root
                   else "the grader's own uid inside a user namespace")
            enforced["processes"] = (f"RLIMIT_NPROC={lim.max_processes} on the kernel's uid "
                                     f"(1000 in the sandbox, mapped to {who}); {watchdog}")
            enforced["network"] = ("shared with the host (Limits.network=True)" if lim.network
                                   else "bubblewrap --unshare-net (loopback of its own only)")
            enforced["filesystem"] = ("bubblewrap: read-only /usr, /etc and Python prefixes; "
                                      f"private writable {_HOME} and /tmp; grader packages "
                                      "hidden; repository, /root and /home not mounted")
            enforced["isolation"] = ("bubblewrap: user, pid, ipc, uts namespaces; "
                                     "--new-session; --die-with-parent; no_new_privs")
        else:
            reason = f" ({why_not_bwrap})" if why_not_bwrap else ""
            if watchdog:
                enforced["processes"] = watchdog
            missing.append("The process cap is enforced only by the watchdog: RLIMIT_NPROC "
                           "counts every process of the grader's user (and root ignores it), "
                           "so a fast fork bomb can outrun the 0.2 s poll, and processes that "
                           "leave the kernel's session (setsid) can outlive the kernel.")
            if not lim.network:
                missing.append("Network isolation is NOT applied: the kernel can reach the "
                               f"network and the host's loopback services{reason}.")
            missing.append("Filesystem isolation is NOT applied: the kernel runs as the "
                           "grader's user and can read and write every file that user can, "
                           f"including answer keys and grader code{reason}.")
            if self.datasets_dir is not None:
                missing.append("The datasets directory is linked into the home, not mounted "
                               "read-only.")
        return enforced, tuple(missing)

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def alive(self) -> bool:
        """Whether a kernel is running and usable."""
        return (self._kernel is not None and not self._kernel.exited()
                and not self._kernel.killed)

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Create the sandbox directories (first call only) and start a kernel."""
        if self._kernel is not None:
            raise RuntimeError("this Sandbox is already started; use restart()")
        if self._layout is None:
            self._prepare()
        self._launch()

    def restart(self) -> None:
        """Kill the kernel if any and start a fresh one in the same sandbox directories.

        Files in the home survive, unless they exceed ``max_disk_bytes``: then home and /tmp
        are emptied so that the new kernel can run.
        """
        if self._layout is None:
            self.start()
            return
        self._stop_kernel()
        if _disk_usage(self._layout.writable) > self.limits.max_disk_bytes:
            for top in (self._layout.home, self._layout.tmp):
                for child in top.iterdir():
                    if child.is_dir() and not child.is_symlink():
                        shutil.rmtree(child, ignore_errors=True)
                    else:
                        child.unlink(missing_ok=True)
            self._prepare_home()
        self._launch()

    def close(self) -> None:
        """Kill the kernel and remove the sandbox directories. Idempotent."""
        self._stop_kernel()
        if self._userns_fd is not None:
            os.close(self._userns_fd)
            self._userns_fd = None
        if self._context is not None:
            self._context.term()
            self._context = None
        if self._layout is not None:
            shutil.rmtree(self._layout.root, ignore_errors=True)
            self._layout = None

    def _prepare(self) -> None:
        if self.datasets_dir is not None:
            self._check_datasets(self.datasets_dir)
        layout = _Layout(Path(tempfile.mkdtemp(prefix="ag-sandbox-")))
        self._layout = layout
        layout.create(self._host_id)
        self._prepare_home()
        if self._host_id is not None:
            self._userns_fd = _make_userns(self._host_id)
        self._context = zmq.Context()

    def _prepare_home(self) -> None:
        assert self._layout is not None
        keras = self._layout.home / ".keras"
        keras.mkdir(mode=0o755, exist_ok=True)
        target = keras / "datasets"
        if self.datasets_dir is not None and self.backend == "none":
            if not target.exists():
                target.symlink_to(self.datasets_dir, target_is_directory=True)
        else:
            target.mkdir(mode=0o755, exist_ok=True)
        if self._host_id is not None:
            for path in (keras, target):
                os.chown(path, self._host_id, self._host_id, follow_symlinks=False)

    def _check_datasets(self, path: Path) -> None:
        if not path.is_dir():
            raise AutograderError(f"The datasets directory {path} does not exist.",
                                  where="Sandbox(datasets_dir=...)",
                                  fix="pass the directory that holds boston_housing.npz and "
                                      "fashion-mnist/")
        if self._host_id is None:
            return
        # The kernel runs as another uid: everything must be readable by "others".
        for base, _, files in os.walk(path):
            for name in (".", *files):
                mode = os.stat(os.path.join(base, name)).st_mode
                need = 0o005 if name == "." else 0o004
                if mode & need != need:
                    raise AutograderError(
                        f"{os.path.join(base, name)} is not readable by other users, so the "
                        "sandboxed kernel (an unprivileged uid) cannot read it.",
                        where="Sandbox(datasets_dir=...)",
                        fix=f"chmod -R a+rX {path}")

    def _environment(self, home: str, tmp: str) -> dict[str, str]:
        env = {
            "PATH": f"{os.path.dirname(sys.executable)}:/usr/local/bin:/usr/bin:/bin",
            "HOME": home, "USER": "student", "LOGNAME": "student", "TMPDIR": tmp,
            "LANG": "C.UTF-8", "MPLBACKEND": "Agg", "TF_CPP_MIN_LOG_LEVEL": "2",
            "PYTHONDONTWRITEBYTECODE": "1", "KERAS_HOME": f"{home}/.keras",
        }
        env.update(self.extra_env)
        return env

    def _launch(self) -> None:
        assert self._layout is not None and self._context is not None
        layout, lim = self._layout, self.limits
        self._starts += 1
        for stale in layout.run.iterdir():
            stale.unlink(missing_ok=True)
        bw = self.backend == "bubblewrap"
        inner_run = _RUN if bw else str(layout.run)
        home, tmp = (_HOME, "/tmp") if bw else (str(layout.home), str(layout.tmp))
        prefix = f"k{self._starts}"
        ports = {"shell_port": 1, "iopub_port": 2, "stdin_port": 3, "control_port": 4,
                 "hb_port": 5}
        host_prefix = str(layout.run / prefix)
        if len(host_prefix) + 4 > 100:
            raise AutograderError(f"The sandbox directory path {layout.root} is too long for "
                                  "unix sockets.", fix="set TMPDIR to a short directory")
        key = secrets.token_hex(32)
        connection = {**ports, "ip": f"{inner_run}/{prefix}", "transport": "ipc", "key": key,
                      "signature_scheme": "hmac-sha256", "kernel_name": ""}
        conn_file = layout.run / f"{prefix}.json"
        conn_file.write_text(json.dumps(connection), encoding="utf-8")
        if self._host_id is not None:
            os.chown(conn_file, self._host_id, self._host_id)
        kernel_cmd = [sys.executable, "-m", "ipykernel_launcher",
                      "-f", f"{inner_run}/{conn_file.name}",
                      "--HistoryManager.hist_file=:memory:"]
        env = self._environment(home, tmp)
        with open(layout.log, "ab") as log:
            if bw:
                assert self._bwrap is not None
                plan = _Plan(self._bwrap, layout, lim, self._userns_fd, self.datasets_dir)
                # Not root: bwrap's pid 1 runs as the kernel's uid too and counts once.
                nproc = lim.max_processes + (0 if self._as_root else 1)
                command = _launcher(lim, drop_to=_SANDBOX_ID if self._as_root else None,
                                    nproc=nproc, command=kernel_cmd)
                popen = subprocess.Popen(
                    _bwrap_argv(plan, command), stdin=subprocess.DEVNULL, stdout=log,
                    stderr=log, env=env,
                    pass_fds=() if self._userns_fd is None else (self._userns_fd,))
            else:
                command = _launcher(lim, drop_to=None, nproc=None, command=kernel_cmd)
                popen = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=log, env=env, cwd=layout.home,
                                         start_new_session=True)
        kernel = _Kernel(popen, self.backend)
        self._kernel = kernel
        max_msg = lim.max_output_bytes + 64 * 1024
        self._client = _Client(self._context, host_prefix, ports, key.encode(), max_msg)
        if os.path.isdir("/proc/self"):
            self._watchdog = _Watchdog(kernel, lim, layout.writable)
            self._watchdog.start()
        try:
            self._wait_ready()
        except BaseException:
            self._stop_kernel()
            raise

    def _wait_ready(self) -> None:
        assert self._kernel is not None and self._client is not None
        kernel, client = self._kernel, self._client
        deadline = time.monotonic() + self.limits.startup_timeout_s
        replied = published = False
        next_send = 0.0
        while time.monotonic() < deadline:
            if kernel.exited() or kernel.killed:
                kernel.reap()
                raise self._startup_error(f"{kernel.exit_sentence()} while starting")
            if time.monotonic() >= next_send:
                client.send("kernel_info_request", {})
                next_send = time.monotonic() + 0.5
            for sock in client.ready(0.1):
                if sock is client.monitor:
                    client.disconnected()
                elif client.recv(sock) is not None:
                    replied |= sock is client.shell
                    published |= sock is client.iopub
            if replied and published:
                kernel.find_kernel_pid()
                return
        raise self._startup_error(
            f"the kernel did not answer within {self.limits.startup_timeout_s:g} s")

    def _startup_error(self, what: str) -> AutograderError:
        tail = _log_tail(self._layout.log) if self._layout is not None else ""
        return AutograderError(f"The sandboxed kernel did not start: {what}.",
                               where=f"backend {self.backend}; kernel log:\n{tail}",
                               fix="check that ipykernel is installed for "
                                   f"{sys.executable}")

    def _stop_kernel(self) -> None:
        if self._watchdog is not None:
            self._watchdog.stop()
            self._watchdog = None
        if self._kernel is not None:
            self._kernel.reap()
            self._kernel = None
        if self._client is not None:
            self._client.close()
            self._client = None

    # -- running cells -----------------------------------------------------------------------

    def run(self, code: str, timeout_s: float) -> CellRun:
        """Execute one cell and report what happened. Never raises for the student's code."""
        if self._layout is None:
            raise RuntimeError("call start() before run()")
        started = time.monotonic()
        if not self.alive or self._client is None or self._kernel is None:
            earlier = self._watchdog.tripped if self._watchdog is not None else None
            why = f" (stopped earlier: {earlier.evalue})" if earlier is not None else ""
            return CellRun("dead", (), _limit_error(
                "KernelDied", f"the kernel is not running{why}; call restart()"), 0.0, False)
        kernel, client = self._kernel, self._client
        outputs = _Outputs(self.limits.max_output_bytes)
        msg_id = client.send("execute_request", {
            "code": code, "silent": False, "store_history": True, "user_expressions": {},
            "allow_stdin": False, "stop_on_error": False})
        count: int | None = None
        error: Mapping[str, Any] | None = None
        idle = interrupted = timed_out = died = refused = finishing = False
        replied_at: float | None = None
        last_iopub = time.monotonic()
        kill_at = started + timeout_s + _INTERRUPT_GRACE_S
        while True:
            for sock, msg in self._drain(client, 0.0 if idle else _POLL_S):
                if sock is client.monitor:
                    refused = True  # an oversized message was refused (or the kernel died)
                    continue
                if msg is None or _parent_id(msg) != msg_id:
                    continue
                msg_type = str(msg.get("msg_type"))
                raw = msg.get("content")
                content: dict[str, Any] = raw if isinstance(raw, dict) else {}
                if sock is client.shell:
                    if msg_type == "execute_reply":
                        replied_at = time.monotonic()
                        reply_count = content.get("execution_count")
                        count = reply_count if isinstance(reply_count, int) else count
                    if content.get("status") == "error" and error is None:
                        error = content
                    continue
                last_iopub = time.monotonic()
                if msg_type == "status" and content.get("execution_state") == "idle":
                    idle = True
                elif msg_type == "execute_input":
                    count = content.get("execution_count") if isinstance(
                        content.get("execution_count"), int) else count
                elif msg_type in ("stream", "display_data", "update_display_data",
                                  "execute_result", "error", "clear_output"):
                    outputs.add(msg_type, content)
                    if msg_type == "error":
                        error = content
            now = time.monotonic()
            if idle:
                break
            if replied_at is not None and now - max(replied_at, last_iopub) > _LOST_IDLE_GRACE_S:
                break  # the idle message was lost (e.g. dropped as oversized)
            if self._watchdog is not None and self._watchdog.tripped is not None:
                break
            if kernel.exited():
                if not finishing:  # one more pass for output sent just before the exit
                    finishing = True
                    continue
                died = not kernel.killed
                break
            if not interrupted and now >= started + timeout_s:
                kernel.interrupt()
                interrupted = timed_out = True
            elif interrupted and now >= kill_at:
                kernel.kill()
                break
        limit = None
        if self._watchdog is not None and not died:
            limit = self._watchdog.tripped if kernel.killed else self._watchdog.check()
        if kernel.killed or died:
            kernel.reap()  # kills leftovers (e.g. children of a kernel that exited) first
        else:
            outputs.truncated |= refused
        return self._result(code, outputs, error, count, started, limit=limit,
                            timed_out=timed_out, timeout_s=timeout_s, died=died)

    @staticmethod
    def _drain(client: _Client, timeout_s: float
               ) -> Iterator[tuple[zmq.Socket[bytes], dict[str, Any] | None]]:
        """What is queued on the sockets (waiting up to ``timeout_s`` for something), for at
        most one tick, so that a flood of messages cannot starve the timeout checks."""
        until = time.monotonic() + _POLL_S
        for sock in client.ready(timeout_s):
            if sock is client.monitor:
                if client.disconnected():
                    yield sock, None
                continue
            while time.monotonic() < until and sock.poll(0):
                yield sock, client.recv(sock)

    def _result(self, code: str, outputs: _Outputs, error: Mapping[str, Any] | None,
                count: int | None, started: float, *, limit: ErrorInfo | None, timed_out: bool,
                timeout_s: float, died: bool) -> CellRun:
        assert self._kernel is not None
        cap = self.limits.max_output_bytes
        info = _error_info(error, code, count, cap) if error is not None else None
        status: Status
        if limit is not None:
            status, info = "memory", limit
        elif died:
            status = "dead"
            info = _limit_error("KernelDied", f"{self._kernel.exit_sentence()} while running "
                                              "the cell")
        elif timed_out:
            status = "timeout"
            evalue = f"the cell did not finish within {timeout_s:g} s and was " + (
                "killed" if self._kernel.killed else "interrupted")
            info = ErrorInfo("Timeout", evalue, info.traceback if info else "",
                             info.line if info else None, info.code_line if info else "")
        elif info is not None:
            status = "error"
        elif outputs.truncated:
            status = "output_limit"
        else:
            status = "ok"
        return CellRun(status=status, outputs=outputs.build(), error=info,
                       seconds=round(time.monotonic() - started, 3),
                       output_truncated=outputs.truncated)
