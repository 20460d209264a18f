"""Warm kernels: a "zygote" inside the sandbox that imported ipykernel (and the assignment's
``[sandbox] preload`` modules) once, and forks one kernel per submission from that state.

Backend "bubblewrap" only::

    slot owner ── bwrap ── bwrap (pid 1 of the namespace) ── zygote (uid 0 of the namespace)
                                                               └─ kernel (uid 1000) ── …

- The zygote never runs a student's code. It stays uid 0 of the sandbox's user namespace (the
  host's root; no capability but CAP_SETUID/CAP_SETGID): a kernel (uid 1000) can neither signal
  it, trace it, nor reach its socket (``/run/zygote``, mode 0700, not mounted in a kernel's way).
- A fork drops to uid 1000 in a new session, reseeds what a fresh process would draw from the
  OS (``random`` does so by itself; ``numpy.random`` when loaded), and starts the kernel on the
  connection file it is given. The zygote is a child subreaper: whatever a kernel leaves behind
  (a daemon that double-forked) is reparented to it, so the kernel's whole tree is the zygote's
  descendants.
- Each kernel joins a session keyring of its own. Between two submissions, ``clean`` forks a
  uid-1000 process that SIGKILLs every uid-1000 process of the namespace (``kill(-1)``, repeated
  until none is left), empties /dev/shm and /dev/mqueue (POSIX message queues), removes the
  namespace's System V IPC objects and clears the uid's user keyrings: what a fresh sandbox
  (new namespaces, a new uid) would not have. The slot owner then empties the home, /tmp and
  the run folder from the host, and checks that the datasets are still mounted; on any doubt it
  throws the sandbox away and starts a cold one.

The protocol is one JSON object per line on a unix socket; the zygote answers each request with
one line. Only plain JSON crosses it.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psutil

from autograder.errors import AutograderError
from autograder.sandbox.bubblewrap import (
    HOME,
    SANDBOX_ID,
    ZYGOTE_RUN,
    Layout,
    Plan,
    bubblewrap_problem,
    check_datasets,
    make_userns,
    mount_points,
    random_host_id,
    sized_tmpfs,
    spawn_bubblewrap,
)
from autograder.sandbox.limits import Limits

# Runs as ``python -I -c ZYGOTE SPEC`` inside the sandbox (the grader's packages are hidden
# there, so this is source text). SPEC: {"socket", "preload", "uid", "home", "datasets"}.
ZYGOTE = r'''
import ctypes, importlib, json, os, shutil, signal, socket, subprocess, sys, time
spec = json.loads(sys.argv[1])
os.chdir(os.path.dirname(spec["socket"]))  # never the students' home (python -I: no '' in sys.path)
libc = ctypes.CDLL(None, use_errno=True)
libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER: orphans of a kernel come back to us
KEYCTL = {"x86_64": 250, "aarch64": 219}.get(os.uname().machine)  # the keyctl(2) syscall number

def keyctl(*args):
    return libc.syscall(KEYCTL, *args) if KEYCTL is not None else -1
failed = []
for name in ["ipykernel.kernelapp", *spec["preload"]]:
    try:
        importlib.import_module(name)
    except Exception as exc:  # a module that does not import here is imported by the kernel
        failed.append("%s: %s" % (name, exc))
server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
server.bind(spec["socket"] + ".new")
server.listen(4)
os.rename(spec["socket"] + ".new", spec["socket"])  # it appears only once it accepts connections
statuses = {}  # pid of a kernel we forked -> exit status (None while it runs)

def reap():
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        if pid in statuses:
            statuses[pid] = os.waitstatus_to_exitcode(status)

def drop(uid):
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG: no kernel outlives us

def kernel(conn, request):
    server.close()
    conn.close()
    os.setsid()
    drop(spec["uid"])
    keyctl(1, None)  # KEYCTL_JOIN_SESSION_KEYRING: a session keyring of its own, not ours
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD, signal.SIGPIPE):
        signal.signal(sig, signal.SIG_DFL)
    os.environ.clear()
    os.environ.update(request["env"])
    os.chdir(spec["home"])
    if "numpy.random" in sys.modules:
        sys.modules["numpy.random"].seed()
    if sys.path and sys.path[0] == "":
        del sys.path[0]
    from ipykernel.kernelapp import IPKernelApp
    sys.argv = ["ipykernel_launcher", *request["argv"]]
    IPKernelApp.launch_instance(argv=request["argv"])
    os._exit(0)

def living():
    """Processes of the kernels' uid other than this one, zombies left out."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open("/proc/%s/status" % entry) as fh:
                fields = dict(line.split(":", 1) for line in fh if ":" in line)
        except OSError:
            continue
        zombie = fields.get("State", "").split()[:1] == ["Z"]
        if not zombie and fields.get("Uid", "").split()[:1] == [str(spec["uid"])]:
            found.append(int(entry))
    return found

def clean():
    pid = os.fork()
    if pid == 0:
        ok = False
        try:
            drop(spec["uid"])
            deadline = time.monotonic() + 20
            while living() and time.monotonic() < deadline:
                os.kill(-1, signal.SIGKILL)  # every other uid-1000 process of the namespace
                time.sleep(0.005)
            for top in ("/dev/shm", "/dev/mqueue"):  # POSIX shared memory, POSIX message queues
                for entry in os.listdir(top):
                    path = os.path.join(top, entry)
                    if os.path.isdir(path) and not os.path.islink(path):
                        shutil.rmtree(path, ignore_errors=True)
                    else:
                        try:
                            os.unlink(path)
                        except OSError:
                            pass
            ipc = subprocess.run(["ipcrm", "--all"], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, check=False)
            # KEYCTL_CLEAR of the uid's user and user-session keyrings (a new uid's are empty)
            keys = keyctl(7, -4) == 0 and keyctl(7, -5) == 0
            ok = ipc.returncode == 0 and keys and not os.listdir("/dev/shm") and not os.listdir("/dev/mqueue")
        finally:
            os._exit(0 if ok else 1)
    statuses[pid] = None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        reap()
        try:
            left = [int(p) for p in os.listdir("/proc") if p.isdigit()
                    and int(p) not in (1, os.getpid())]
        except OSError:
            left = []
        if not left:
            break
        time.sleep(0.01)
    cleaner = statuses.get(pid)
    statuses.clear()
    return {"ok": not left and cleaner == 0, "left": len(left), "cleaner": cleaner,
            "intact": intact()}

def intact():
    """The sandbox is still whole: the interpreter's prefix still mounted (a student could move
    its mount point under /tmp away) and the datasets too."""
    if not os.path.isfile(sys.executable) or not os.path.isdir(os.path.join(sys.prefix, "lib")):
        return False
    if spec["datasets"] is None:
        return True
    try:
        return sorted(os.listdir(os.path.join(spec["home"], ".keras", "datasets"))) == spec["datasets"]
    except OSError:
        return False

def answer(request):
    op = request.get("op")
    if op == "hello":
        return {"pid": os.getpid(), "failed": failed}
    if op == "fork":
        if not isinstance(request.get("argv"), list) or not isinstance(request.get("env"), dict):
            return {"error": "fork needs argv (a list) and env (a dict)"}
        reap()
        pid = os.fork()
        if pid == 0:
            try:
                kernel(conn, request)
            except BaseException:
                import traceback
                traceback.print_exc()
            finally:
                os._exit(70)
        statuses[pid] = None
        return {"pid": pid}
    if op == "status":
        reap()
        return {"exit": statuses.get(int(request["pid"]), "unknown")}
    if op == "clean":
        return clean()
    if op == "intact":
        return {"intact": intact()}
    return {"error": "unknown op %r" % (op,)}

server.settimeout(0.2)
while True:
    reap()
    try:
        conn, _ = server.accept()
    except socket.timeout:
        continue
    with conn:
        conn.settimeout(60)
        buf = b""
        try:
            while not buf.endswith(b"\n"):
                chunk = conn.recv(65536)
                if not chunk:
                    break
                buf += chunk
            if buf:
                reply = answer(json.loads(buf))
                conn.sendall(json.dumps(reply).encode() + b"\n")
        except Exception as exc:  # a bad request is answered, never the end of the zygote
            try:
                conn.sendall(json.dumps({"error": "%s: %s" % (type(exc).__name__, exc)}).encode() + b"\n")
            except OSError:
                pass
'''


# --------------------------------------------------------------------------------------------
# Host side: the warm sandbox a pool slot owns, and the plain-data handle a job gets

ZYGOTE_START_S = 120.0  # how long the zygote may take to import its modules
WARM_START_TRIES = 3  # warm sandboxes that fail to start in a row before a pool stops trying
_REQUEST_S = 60.0


class ZygoteError(OSError):
    """The zygote did not answer, or answered nonsense: the caller falls back to a cold kernel."""


def ask(sock_path: str | Path, request: dict[str, Any], timeout_s: float = _REQUEST_S) -> dict[str, Any]:
    """One request to the zygote at ``sock_path``, its one-line JSON answer."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout_s)
            sock.connect(str(sock_path))
            sock.sendall(json.dumps(request).encode() + b"\n")
            buf = b""
            while not buf.endswith(b"\n"):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                buf += chunk
        reply = json.loads(buf)
    except (OSError, ValueError) as exc:
        raise ZygoteError(f"the zygote at {sock_path} did not answer {request.get('op')!r}: {exc}") from exc
    if not isinstance(reply, dict) or "error" in reply:
        raise ZygoteError(f"the zygote at {sock_path} refused {request.get('op')!r}: {reply}")
    return reply


@dataclass(frozen=True)
class WarmHandle:
    """What a job needs to fork its kernel from a warm sandbox (plain data: it crosses processes)."""

    root: str  # the sandbox's host folder (``Layout``)
    zygote_pid: int  # host pid of the zygote
    host_id: int  # the host uid the sandbox's uid 1000 is mapped to
    limits: dict[str, Any]  # the ``Limits`` its rlimits were set for
    datasets_dir: str | None
    preload: tuple[str, ...]

    @property
    def socket(self) -> Path:
        return Layout(Path(self.root)).zygote / "zygote.sock"

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "preload": list(self.preload)}

    @staticmethod
    def from_dict(d: dict[str, Any]) -> WarmHandle:
        return WarmHandle(**{**d, "preload": tuple(d["preload"])})

    def fits(self, limits: Limits, datasets_dir: Path | None) -> bool:
        """Whether a kernel of ``limits`` reading ``datasets_dir`` may be forked here."""
        return (self.limits == asdict(limits)
                and self.datasets_dir == (str(datasets_dir) if datasets_dir is not None else None))


def warm_possible() -> str | None:
    """Why warm kernels cannot be used here, or None: they need bubblewrap, Linux and root (the
    zygote must be a uid the kernels cannot signal)."""
    if not (hasattr(os, "geteuid") and os.geteuid() == 0):
        return "warm kernels need the grader to run as root (the zygote's uid must differ from the kernel's)"
    return bubblewrap_problem(shutil.which("bwrap"), True)


@dataclass(frozen=True)
class WarmConfig:
    """What a warm sandbox is made for: a kernel of other limits or datasets gets another."""

    limits: Limits
    datasets_dir: Path | None
    preload: tuple[str, ...]


class WarmPool:
    """``slots`` warm sandboxes, each lent to one job at a time and made fresh after it.

    ``lend(config)`` is a context manager giving the job a ``WarmHandle`` (or None: cold kernels,
    when ``config`` is None, or a warm sandbox did not start; when they cannot work here, or
    ``WARM_START_TRIES`` starts in a row failed, ``problem`` says why and they are not tried
    again). Thread-safe; the sandboxes die with the threads that started them."""

    def __init__(self, slots: int) -> None:
        self._free: queue.SimpleQueue[WarmSandbox | None] = queue.SimpleQueue()
        for _ in range(max(1, slots)):
            self._free.put(None)
        self._lock = threading.Lock()
        self._made: list[WarmSandbox] = []
        self._failed_starts = 0
        self.problem: str | None = None

    @contextlib.contextmanager
    def lend(self, config: WarmConfig | None) -> Iterator[WarmHandle | None]:
        if config is None or self.problem is not None:
            yield None
            return
        slot = self._free.get()
        try:
            handle = None
            if slot is not None and slot.config != config:
                slot.close()
                slot = None
            if slot is None:
                self.problem = warm_possible()
                if self.problem is None:
                    slot = WarmSandbox(config.limits, config.datasets_dir, config.preload)
                    with self._lock:
                        self._made.append(slot)
            if slot is not None:
                try:
                    handle = slot.handle()
                    self._failed_starts = 0
                except ZygoteError as exc:  # this job gets a cold kernel; after 3 in a row, all do
                    self._failed_starts += 1
                    if self._failed_starts >= WARM_START_TRIES:
                        self.problem = str(exc)
            try:
                yield handle
            finally:
                if handle is not None and slot is not None:
                    slot.clean()  # or closed, when it cannot be trusted: the next job starts another
        finally:
            self._free.put(slot)

    def running(self) -> list[int]:
        """The host pids of this pool's running warm sandboxes (their bubblewrap processes)."""
        with self._lock:
            return sorted(pid for slot in self._made if (pid := slot.pid) is not None)

    def close(self) -> None:
        """Kill every warm sandbox (and the kernels of jobs still running in them)."""
        with self._lock:
            made, self._made = list(self._made), []
        for slot in made:
            slot.close()


class WarmSandbox:
    """A sandbox whose zygote forks one kernel per submission; owned by one pool slot.

    ``handle()`` for the job, ``clean()`` between two jobs (``False``: it cannot be trusted any
    more and was closed; the next ``handle()`` starts a cold one), ``close()`` at the end. Start
    and use it from a thread that outlives it (``--die-with-parent``)."""

    def __init__(self, limits: Limits, datasets_dir: Path | None, preload: Sequence[str]) -> None:
        self.limits = limits
        self.datasets_dir = datasets_dir.resolve() if datasets_dir is not None else None
        self.preload = tuple(preload)
        self.config = WarmConfig(limits, self.datasets_dir, self.preload)
        self._layout: Layout | None = None
        self._userns_fd: int | None = None
        self._popen: subprocess.Popen[bytes] | None = None
        self._handle: WarmHandle | None = None
        self.starts = 0

    @property
    def pid(self) -> int | None:
        """The host pid of the sandbox's bubblewrap process while it runs."""
        return self._popen.pid if self._popen is not None and self._popen.poll() is None else None

    def handle(self) -> WarmHandle:
        """The running zygote's handle; starts it first if needed (raises ``ZygoteError``)."""
        if self._handle is None or self._popen is None or self._popen.poll() is not None:
            self.close()
            self._start()
        assert self._handle is not None
        return self._handle

    def _start(self) -> None:
        bwrap = shutil.which("bwrap")
        problem = warm_possible()
        if problem is not None or bwrap is None:
            raise ZygoteError(problem or "bwrap is not installed")
        host_id = random_host_id()
        if self.datasets_dir is not None:
            try:
                check_datasets(self.datasets_dir, host_id)
            except AutograderError as exc:  # a cold kernel meets the same problem and says it
                raise ZygoteError(str(exc)) from exc
        layout = Layout(Path(tempfile.mkdtemp(prefix="ag-warm-")))
        self._layout = layout
        layout.create(host_id)
        layout.zygote.mkdir(mode=0o700)
        layout.prepare_home(self.datasets_dir, link_datasets=False, owner=host_id)
        self._userns_fd = make_userns(host_id)
        listing = sorted(os.listdir(self.datasets_dir)) if self.datasets_dir is not None else None
        spec = {"socket": f"{ZYGOTE_RUN}/zygote.sock", "preload": list(self.preload), "uid": SANDBOX_ID,
                "home": HOME, "datasets": listing}
        env = {"PATH": f"{os.path.dirname(sys.executable)}:/usr/local/bin:/usr/bin:/bin",
               "HOME": ZYGOTE_RUN, "LANG": "C.UTF-8", "MPLBACKEND": "Agg",
               "MPLCONFIGDIR": f"{ZYGOTE_RUN}/mpl",
               "TMPDIR": ZYGOTE_RUN, "PYTHONDONTWRITEBYTECODE": "1", "TF_CPP_MIN_LOG_LEVEL": "2"}
        plan = Plan(bwrap, layout, self.limits, self._userns_fd, self.datasets_dir, sized_tmpfs(bwrap),
                    zygote=True)
        with open(layout.log, "ab") as log:
            self._popen = spawn_bubblewrap(plan, [sys.executable, "-I", "-c", ZYGOTE, json.dumps(spec)],
                                           as_root=True, env=env, log=log, drop=False)
        self.starts += 1
        deadline = time.monotonic() + ZYGOTE_START_S
        sock = layout.zygote / "zygote.sock"
        while not sock.exists():
            if self._popen.poll() is not None or time.monotonic() > deadline:
                tail = layout.log.read_text(errors="replace")[-2000:]
                self.close()
                raise ZygoteError(f"the zygote did not start: {tail.strip() or 'no output'}")
            time.sleep(0.02)
        inner = ask(sock, {"op": "hello"})
        zygote = next((pid for init in psutil.Process(self._popen.pid).children()  # bwrap's pid 1
                       if (pid := host_pid_of(init.pid, inner["pid"])) is not None), None)
        if zygote is None:
            self.close()
            raise ZygoteError("the zygote's process was not found")
        self._handle = WarmHandle(str(layout.root), zygote, host_id, asdict(self.limits),
                                  str(self.datasets_dir) if self.datasets_dir is not None else None,
                                  self.preload)

    def clean(self) -> bool:
        """Make the sandbox as a fresh one for the next submission: every process of the last
        one killed, its files and IPC objects removed, the datasets checked. ``False``: it could
        not be made so, and was closed (the next ``handle()`` starts another)."""
        if self._handle is None or self._layout is None:
            return False
        try:
            answer = ask(self._handle.socket, {"op": "clean"})
            ok = bool(answer.get("ok"))
            layout = self._layout
            keep = mount_points(layout, self.datasets_dir is not None)
            for top in (layout.home, layout.tmp, layout.run, layout.shm):
                empty_folder(top, keep)
            layout.prepare_home(self.datasets_dir, link_datasets=False, owner=self._handle.host_id)
            with open(layout.log, "r+b") as log:  # kernels' stderr: the next one's errors show its own
                log.truncate(0)
            ok = ok and bool(ask(self._handle.socket, {"op": "intact"}).get("intact"))
        except (ZygoteError, OSError):
            ok = False
        if not ok:
            self.close()
        return ok

    def close(self) -> None:
        """Kill the sandbox (its pid namespace with it) and remove its folder. Idempotent."""
        if self._popen is not None:
            with contextlib.suppress(psutil.Error):
                for init in psutil.Process(self._popen.pid).children():
                    init.send_signal(signal.SIGKILL)
            try:
                self._popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._popen.kill()
                self._popen.wait(timeout=10)
            self._popen = None
        if self._userns_fd is not None:
            os.close(self._userns_fd)
            self._userns_fd = None
        if self._layout is not None:
            shutil.rmtree(self._layout.root, ignore_errors=True)
            self._layout = None
        self._handle = None


def _ns_pid(host_pid: int) -> int | None:
    """The pid ``host_pid`` has in its own (innermost) pid namespace."""
    try:
        with open(f"/proc/{host_pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("NSpid:"):
                    return int(line.split()[-1])
    except (OSError, ValueError):
        return None
    return None


def host_pid_of(zygote_pid: int, ns_pid: int) -> int | None:
    """The host pid of the zygote's child whose namespace pid is ``ns_pid``."""
    with contextlib.suppress(psutil.Error):
        for child in psutil.Process(zygote_pid).children():
            if _ns_pid(child.pid) == ns_pid:
                return int(child.pid)
    return None


def empty_folder(folder: Path, keep: Sequence[Path] = ()) -> None:
    """Remove everything in ``folder`` (never following a link), except the paths ``keep`` and
    the folders leading to them (mount points inside the sandbox: ``bubblewrap.mount_points``)."""
    if not folder.is_dir():
        return
    for child in folder.iterdir():
        leads_to_kept = any(k == child or k.is_relative_to(child) for k in keep)
        if leads_to_kept and child.is_dir() and not child.is_symlink():
            if child not in keep:
                empty_folder(child, keep)
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)
