"""The kernel itself: start it in the sandbox, talk to it, run one cell at a time.

``Sandbox`` starts an isolated IPython kernel (``python -m ipykernel_launcher`` with the grader's
own interpreter; the backend is built by ``bubblewrap``), executes a cell, and reports exactly
what happened as plain data (``outputs.CellRun``). There is no grading logic here. Only signed
JSON messages cross the boundary (ZMQ over unix sockets; jupyter_client's ``Session`` for the
protocol, our own sockets for the size limits); nothing from the kernel is ever unpickled or
executed by the grader.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import zmq
from jupyter_client.session import Session
from zmq.utils.monitor import recv_monitor_message

from autograder.errors import AutograderError
from autograder.i18n import Msg
from autograder.i18n import msg as said
from autograder.sandbox.bubblewrap import (
    HOME,
    RUN,
    Layout,
    Plan,
    bubblewrap_problem,
    check_datasets,
    describe,
    make_userns,
    mount_points,
    python_roots,
    random_host_id,
    sized_tmpfs,
    spawn_bubblewrap,
    spawn_unsandboxed,
)
from autograder.sandbox.limits import INTERRUPT_GRACE_S, POLL_S, Limits
from autograder.sandbox.outputs import (
    CellRun,
    ErrorInfo,
    Outputs,
    Status,
    error_info,
    hide_error_paths,
    limit_error,
)
from autograder.sandbox.proctree import ForkedKernel, KernelProcess
from autograder.sandbox.watchdog import Watchdog, disk_usage
from autograder.sandbox.zygote import WarmHandle, ZygoteError, ask, empty_folder, host_pid_of

_LOST_IDLE_GRACE_S = 2.0  # after execute_reply, how long to wait for an idle that may be lost
_RECV_BUFFER_BYTES = 64 * 1024**2  # bound on what ZMQ may queue in the grader per socket


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
                 extra_env: Mapping[str, str] | None = None, backend: str = "auto",
                 warm: WarmHandle | None = None) -> None:
        if backend not in ("auto", "bubblewrap", "none"):
            raise ValueError(f'backend must be "auto", "bubblewrap" or "none", got {backend!r}')
        self.limits = limits
        self.datasets_dir = Path(datasets_dir).resolve() if datasets_dir is not None else None
        self.extra_env = dict(extra_env or {})
        self._as_root = hasattr(os, "geteuid") and os.geteuid() == 0
        self._bwrap = shutil.which("bwrap")
        problem = bubblewrap_problem(self._bwrap, self._as_root)
        if backend == "bubblewrap" and problem is not None:
            raise AutograderError(said("sandbox_no_bubblewrap"), where=problem,
                                  fix=said("sandbox_no_bubblewrap_fix"))
        self.backend = "bubblewrap" if backend != "none" and problem is None else "none"
        self.enforced, self.not_enforced = describe(
            limits, backend=self.backend, as_root=self._as_root,
            has_datasets=self.datasets_dir is not None,
            why_not_bwrap=problem if backend == "auto" else None)
        self._host_id = random_host_id() if self.backend == "bubblewrap" and self._as_root \
            else None
        # A warm sandbox (``zygote``): its kernels are forked, not started; only where it was
        # made for these very limits and datasets, as root, with bubblewrap, and with no extra
        # environment (a fork cannot honour what acts at interpreter start, e.g. PYTHONPATH).
        self._warm = warm if (warm is not None and self.backend == "bubblewrap" and self._as_root
                              and not self.extra_env and warm.fits(limits, self.datasets_dir)) else None
        if self._warm is not None:
            self._host_id = self._warm.host_id
            self.enforced = {**self.enforced, "kernel": (
                "forked from a warm sandbox's zygote that imported ipykernel"
                + "".join(f", {m}" for m in self._warm.preload) + " once and never runs a student's "
                "code; uid 1000 in a new session; every process, file and IPC object of the "
                "sandbox's previous submission removed before")}
        self._layout: Layout | None = None
        self._userns_fd: int | None = None
        self._context: zmq.Context[zmq.Socket[bytes]] | None = None
        self._kernel: KernelProcess | ForkedKernel | None = None
        self._client: _Client | None = None
        self._watchdog: Watchdog | None = None
        self._starts = 0

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
        if disk_usage(self._layout.writable) > self.limits.max_disk_bytes:
            keep = mount_points(self._layout, self.datasets_dir is not None)
            for top in (self._layout.home, self._layout.tmp):  # the sandbox's mount points stay
                empty_folder(top, keep)
            self._prepare_home()
        self._launch()

    def close(self) -> None:
        """Kill the kernel and remove the sandbox directories (a warm sandbox's are its owner's
        to clean). Idempotent."""
        self._stop_kernel()
        if self._userns_fd is not None:
            os.close(self._userns_fd)
            self._userns_fd = None
        if self._context is not None:
            self._context.term()
            self._context = None
        if self._layout is not None and self._warm is None:
            shutil.rmtree(self._layout.root, ignore_errors=True)
        self._layout = None

    @property
    def warm(self) -> bool:
        """Whether this sandbox's kernels are forked from a warm sandbox's zygote."""
        return self._warm is not None

    def _prepare(self) -> None:
        if self._warm is not None:
            self._layout = Layout(Path(self._warm.root))
            self._context = zmq.Context()
            return
        if self.datasets_dir is not None:
            check_datasets(self.datasets_dir, self._host_id)
        layout = Layout(Path(tempfile.mkdtemp(prefix="ag-sandbox-")))
        self._layout = layout
        layout.create(self._host_id)
        self._prepare_home()
        if self._host_id is not None:
            self._userns_fd = make_userns(self._host_id)
        self._context = zmq.Context()

    def _prepare_home(self) -> None:
        assert self._layout is not None
        self._layout.prepare_home(self.datasets_dir, link_datasets=self.backend == "none",
                                  owner=self._host_id)

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
        inner_run = RUN if bw else str(layout.run)
        home, tmp = (HOME, "/tmp") if bw else (str(layout.home), str(layout.tmp))
        prefix = f"k{self._starts}"
        ports = {"shell_port": 1, "iopub_port": 2, "stdin_port": 3, "control_port": 4,
                 "hb_port": 5}
        host_prefix = str(layout.run / prefix)
        if len(host_prefix) + 4 > 100:
            raise AutograderError(said("sandbox_path_too_long", path=str(layout.root)),
                                  fix=said("sandbox_path_too_long_fix"))
        key = secrets.token_hex(32)
        connection = {**ports, "ip": f"{inner_run}/{prefix}", "transport": "ipc", "key": key,
                      "signature_scheme": "hmac-sha256", "kernel_name": ""}
        conn_file = layout.run / f"{prefix}.json"
        conn_file.write_text(json.dumps(connection), encoding="utf-8")
        if self._host_id is not None:
            os.chown(conn_file, self._host_id, self._host_id)
        kernel_args = ["-f", f"{inner_run}/{conn_file.name}", "--HistoryManager.hist_file=:memory:"]
        kernel_cmd = [sys.executable, "-m", "ipykernel_launcher", *kernel_args]
        env = self._environment(home, tmp)
        kernel: KernelProcess | ForkedKernel
        if self._warm is not None:
            try:
                kernel = self._fork(self._warm, kernel_args, env)
            except ZygoteError:
                self._go_cold()
                self._launch()
                return
        else:
            kernel = self._spawn(layout, lim, kernel_cmd, env)
        self._kernel = kernel
        max_msg = lim.max_output_bytes + 64 * 1024
        self._client = _Client(self._context, host_prefix, ports, key.encode(), max_msg)
        if os.path.isdir("/proc/self"):
            self._watchdog = Watchdog(kernel, lim, layout.writable)
            self._watchdog.start()
        try:
            self._wait_ready()
        except AutograderError:
            self._stop_kernel()
            if self._warm is None:
                raise
            self._go_cold()  # a forked kernel that does not start: a cold one, not a failed grading
            self._launch()
        except BaseException:
            self._stop_kernel()
            raise

    def _fork(self, warm: WarmHandle, kernel_args: list[str], env: dict[str, str]) -> ForkedKernel:
        """The kernel, forked by the warm sandbox's zygote (raises ``ZygoteError``)."""
        sock = warm.socket
        ns_pid = int(ask(sock, {"op": "fork", "argv": kernel_args, "env": env})["pid"])
        host_pid = None
        until = time.monotonic() + 10
        while host_pid is None and time.monotonic() < until:
            host_pid = host_pid_of(warm.zygote_pid, ns_pid)
            if host_pid is None:
                time.sleep(0.01)
        if host_pid is None:
            raise ZygoteError(f"the forked kernel (pid {ns_pid} in the sandbox) was not found")

        def status(pid: int) -> int | None:
            code = ask(sock, {"op": "status", "pid": pid}, timeout_s=10)["exit"]
            return -9 if code == "unknown" else int(code) if code is not None else None

        return ForkedKernel(warm.zygote_pid, host_pid, ns_pid, status)

    def _go_cold(self) -> None:
        """The warm sandbox failed: from now on, a sandbox of our own (files of a kernel that ran
        in the warm one are not carried over)."""
        self._stop_kernel()
        if self._context is not None:
            self._context.term()
            self._context = None
        self._warm = None
        self.enforced = {k: v for k, v in self.enforced.items() if k != "kernel"}
        self._layout = None
        self._host_id = random_host_id() if self._as_root else None
        self._prepare()

    def _spawn(self, layout: Layout, lim: Limits, kernel_cmd: list[str],
               env: dict[str, str]) -> KernelProcess:
        with open(layout.log, "ab") as log:
            if self.backend == "bubblewrap":
                assert self._bwrap is not None
                plan = Plan(self._bwrap, layout, lim, self._userns_fd, self.datasets_dir,
                            sized_tmpfs(self._bwrap))
                popen = spawn_bubblewrap(plan, kernel_cmd, as_root=self._as_root, env=env,
                                         log=log)
            else:
                popen = spawn_unsandboxed(layout, lim, kernel_cmd, env=env, log=log)
        return KernelProcess(popen, self.backend)

    def _wait_ready(self) -> None:
        assert self._kernel is not None and self._client is not None
        kernel, client = self._kernel, self._client
        deadline = time.monotonic() + self.limits.startup_timeout_s
        replied = published = False
        next_send = 0.0
        while time.monotonic() < deadline:
            if kernel.exited() or kernel.killed:
                kernel.reap()
                raise self._startup_error(said("sandbox_exited_while_starting", exit=kernel.exit_said()))
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
        raise self._startup_error(said("sandbox_no_answer", seconds=f"{self.limits.startup_timeout_s:g}"))

    def _startup_error(self, what: Msg) -> AutograderError:
        tail = _log_tail(self._layout.log) if self._layout is not None else ""
        return AutograderError(said("sandbox_did_not_start", what=what),
                               where=said("sandbox_did_not_start_where", backend=self.backend, log=tail),
                               fix=said("sandbox_did_not_start_fix", python=sys.executable))

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
            return CellRun("dead", (), limit_error(
                "KernelDied", f"the kernel is not running{why}; call restart()"), 0.0, False)
        kernel, client = self._kernel, self._client
        outputs = Outputs(self.limits.max_output_bytes)
        msg_id = client.send("execute_request", {
            "code": code, "silent": False, "store_history": True, "user_expressions": {},
            "allow_stdin": False, "stop_on_error": False})
        count: int | None = None
        error: Mapping[str, Any] | None = None
        idle = interrupted = timed_out = died = refused = finishing = False
        replied_at: float | None = None
        last_iopub = time.monotonic()
        kill_at = started + timeout_s + INTERRUPT_GRACE_S
        while True:
            for sock, msg in self._drain(client, 0.0 if idle else POLL_S):
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
        until = time.monotonic() + POLL_S
        for sock in client.ready(timeout_s):
            if sock is client.monitor:
                if client.disconnected():
                    yield sock, None
                continue
            while time.monotonic() < until and sock.poll(0):
                yield sock, client.recv(sock)

    def _result(self, code: str, outputs: Outputs, error: Mapping[str, Any] | None,
                count: int | None, started: float, *, limit: ErrorInfo | None, timed_out: bool,
                timeout_s: float, died: bool) -> CellRun:
        assert self._kernel is not None
        cap = self.limits.max_output_bytes
        info = error_info(error, code, count, cap) if error is not None else None
        status: Status
        if limit is not None:
            status, info = "memory", limit
        elif died:
            status = "dead"
            info = limit_error("KernelDied", f"{self._kernel.exit_sentence()} while running "
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
        return CellRun(status=status, outputs=outputs.build(),
                       error=hide_error_paths(info, self.hidden_paths()),
                       seconds=round(time.monotonic() - started, 3),
                       output_truncated=outputs.truncated)

    def hidden_paths(self) -> list[tuple[str, str]]:
        """The grading machine's directories an error may show, and what students see instead:
        the interpreter's prefixes (``<python>``), the sandbox's host folder and its home (``~``)."""
        out = [(p, "<python>") for p in python_roots()]
        out += [(os.path.realpath(p), "<python>") for p in (sys.prefix, sys.base_prefix)]
        out += [(p, "<python>") for p in (sys.prefix, sys.base_prefix)]
        if self._layout is not None:
            out += [(str(self._layout.home), "~"), (str(self._layout.tmp), "/tmp"),
                    (str(self._layout.root), "<sandbox>")]
        out.append((HOME, "~"))
        return out
