"""Inside Gradescope: the student's kernel as a separate unprivileged user (``UserSandbox``).

Gradescope's own security advice ("Run your autograder as a non-root user", docs/best_practices.md
of gradescope/autograder_samples) is to run the student's code as another user and to make the
source and results folders unreadable to it. Gradescope's containers usually cannot create the
user namespaces bubblewrap needs, so this is what ``run`` (``autograder.export.gradescope``)
falls back to when bubblewrap does not work::

    grader (root: key, assignment, results)
      └─ helper (the kernel user) ── Sandbox(backend "none") ── ipykernel (the kernel user)

The grader keeps everything secret and never leaves root. The helper is an untrusted wrapper
in Gradescope's sense: it runs ``python -m autograder.export.gradescope_kernel`` as the kernel
user, receives only cell code (the student's cells and the instructor's given cells, which the
student notebook already shows) on its stdin and answers one JSON line per request on its
stdout. Whatever the kernel does to the helper (same user) can only change what is reported
about its own cells, which the threat model already allows (README, "Threat model"): the
grader validates every answer as plain data, enforces its own deadline per request, and kills
every process of the kernel user when a request goes wrong and at the end.
"""

from __future__ import annotations

import dataclasses
import json
import os
import resource
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import psutil

from autograder.i18n import encode
from autograder.sandbox import CellRun, Limits
from autograder.sandbox.limits import INTERRUPT_GRACE_S
from autograder.sandbox.outputs import ErrorInfo, limit_error

MARGIN_S = 30.0  # what the helper may take beyond a cell's own timeout and the interrupt grace
START_TIMEOUT_S = 180.0
PROTOCOL_SLACK = 1_000_000  # bytes of JSON around a cell's capped outputs
NPROC_SLACK = 64  # the helper's own threads (ZMQ, watchdog) next to the kernel's cap
STATUSES = ("ok", "error", "timeout", "memory", "dead", "output_limit")


def user_processes(uid: int) -> list[psutil.Process]:
    out = []
    for p in psutil.process_iter(["uids"]):
        uids = p.info.get("uids")
        if uids is not None and uid in (uids.real, uids.effective):
            out.append(p)
    return out


def kill_user(uid: int) -> int:
    """SIGKILL every process of ``uid`` (the dedicated kernel user); how many there were."""
    if uid == 0:
        raise ValueError("refusing to kill the processes of root")
    procs = user_processes(uid)
    for p in procs:
        try:
            p.send_signal(signal.SIGKILL)
        except psutil.Error:
            pass
    psutil.wait_procs(procs, timeout=5)
    return len(procs)


def _error_info(d: Any) -> ErrorInfo | None:
    if d is None:
        return None
    if not isinstance(d, dict):
        raise ValueError("error is not an object")
    line = d.get("line")
    return ErrorInfo(ename=str(d.get("ename", "")), evalue=str(d.get("evalue", "")),
                     traceback=str(d.get("traceback", "")), line=line if isinstance(line, int) else None,
                     code_line=str(d.get("code_line", "")))


def cell_run_from(d: Any) -> CellRun:
    """A ``CellRun`` from the helper's answer, validated as plain data; ValueError otherwise."""
    if not isinstance(d, dict) or d.get("status") not in STATUSES:
        raise ValueError("not a cell result")
    outputs = d.get("outputs", [])
    if not isinstance(outputs, list) or not all(isinstance(o, dict) for o in outputs):
        raise ValueError("outputs are not a list of objects")
    seconds = d.get("seconds", 0.0)
    return CellRun(status=d["status"], outputs=tuple(outputs), error=_error_info(d.get("error")),
                   seconds=float(seconds) if isinstance(seconds, int | float) else 0.0,
                   output_truncated=bool(d.get("output_truncated", False)))


class UserSandbox:
    """A ``SandboxLike`` whose kernel runs as ``uid``/``gid`` (never root), through the helper."""

    backend = "user"

    def __init__(self, limits: Limits, *, uid: int, gid: int, user: str, python: str | None = None,
                 datasets_dir: Path | None = None, log_path: Path | None = None) -> None:
        if uid == 0:
            raise ValueError("the kernel user must not be root")
        self.limits, self.uid, self.gid, self.user = limits, uid, gid, user
        self.python = python or sys.executable
        self.datasets_dir = datasets_dir
        self.log_path = log_path
        self._staged: Path | None = None  # the readable copy of the datasets, while entered
        self._helper: subprocess.Popen[bytes] | None = None
        self._buffer = b""
        self.enforced: Mapping[str, str] = {
            "filesystem": f"the kernel runs as the unprivileged user {user!r} (uid {uid}); the answer key, "
                          "the assignment, the submission and the results are readable by root only",
            "processes": f"RLIMIT_NPROC={limits.max_processes + NPROC_SLACK} on the kernel user; the "
                         "grader kills every process of that user after each failed request and at the end",
            "time": "the cell timeout in the helper, and the grader's own deadline per request",
            "memory": f"watchdog in the helper (kill above {limits.memory_mb} MB), and the grader's check "
                      "of the kernel user's total memory",
        }
        # coded messages (``i18n.encode``): the report says them in the student's language
        self.not_enforced: tuple[str, ...] = (
            encode("gs_not_enforced_network_user", user=user),
            encode("gs_not_enforced_files_user"),
        )

    # -- lifecycle ---------------------------------------------------------------------------
    def __enter__(self) -> UserSandbox:
        self._stage_datasets()
        self.restart()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
        if self._staged is not None:
            shutil.rmtree(self._staged, ignore_errors=True)
            self._staged = None

    def _stage_datasets(self) -> None:
        """A read-only copy of the datasets the kernel user can read: root's Keras cache (under
        /root, or a private temporary folder) is not readable by another user."""
        if self.datasets_dir is None or self._staged is not None:
            return
        staged = Path(tempfile.mkdtemp(prefix="ag-datasets-"))
        shutil.copytree(self.datasets_dir, staged / "datasets", symlinks=False)
        for folder, _dirs, files in os.walk(staged):
            os.chmod(folder, 0o755)
            for name in files:
                os.chmod(Path(folder) / name, 0o444)
        self._staged = staged
        self.datasets_dir = staged / "datasets"

    def _spawn(self) -> None:
        spec = json.dumps({"limits": dataclasses.asdict(self.limits),
                           "datasets_dir": str(self.datasets_dir) if self.datasets_dir else None})
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/tmp", "TMPDIR": "/tmp",
               "PYTHONDONTWRITEBYTECODE": "1"}
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        try:
            self._helper = subprocess.Popen(
                [self.python, "-I", "-m", "autograder.export.gradescope_kernel", spec],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, env=env, cwd="/",
                user=self.uid, group=self.gid, extra_groups=[], start_new_session=True)
        finally:
            if log is not subprocess.DEVNULL:
                log.close()  # type: ignore[union-attr]
        self._buffer = b""

    def restart(self) -> None:
        """A fresh helper and kernel (everything the kernel user ran before is killed)."""
        self._stop()
        self._spawn()
        answer = self._request({"op": "start"}, START_TIMEOUT_S)
        if not isinstance(answer, dict) or answer.get("ok") is not True:
            why = answer.get("error") if isinstance(answer, dict) else "no answer"
            self._stop()
            raise RuntimeError(f"the kernel did not start as user {self.user!r}: {why}")

    def close(self) -> None:
        if self._helper is not None and self._helper.poll() is None:
            try:
                self._send({"op": "close"})
                self._helper.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self._stop()

    def _stop(self) -> None:
        if self._helper is not None:
            for stream in (self._helper.stdin, self._helper.stdout):
                if stream is not None:
                    stream.close()
            if self._helper.poll() is None:
                self._helper.kill()
            self._helper.wait()
            self._helper = None
        kill_user(self.uid)

    # -- requests ----------------------------------------------------------------------------
    def _send(self, message: dict[str, Any]) -> None:
        assert self._helper is not None and self._helper.stdin is not None
        self._helper.stdin.write(json.dumps(message).encode() + b"\n")
        self._helper.stdin.flush()

    def _memory(self) -> int:
        total = 0
        for p in user_processes(self.uid):
            try:
                total += p.memory_info().rss
            except psutil.Error:
                pass
        return total

    def _request(self, message: dict[str, Any], timeout_s: float) -> Any:
        """The helper's one-line JSON answer; "timeout", "memory" or None (dead, garbage)."""
        if self._helper is None:
            return None
        try:
            self._send(message)
        except OSError:
            return None
        assert self._helper.stdout is not None
        fd = self._helper.stdout.fileno()
        limit = self.limits.max_output_bytes * 4 + PROTOCOL_SLACK
        cap = self.limits.memory_mb * 1024**2 * 5 // 4 + 1024**3  # the kernel's cap plus the helper
        deadline = time.monotonic() + timeout_s
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                return "timeout"
            ready, _, _ = select.select([fd], [], [], min(left, 0.5))
            if not ready:
                if self._memory() > cap:
                    return "memory"
                continue
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return None
            self._buffer += chunk
            if len(self._buffer) > limit:
                return None
        line, _, self._buffer = self._buffer.partition(b"\n")
        try:
            return json.loads(line)
        except ValueError:
            return None

    def run(self, code: str, timeout_s: float) -> CellRun:
        """One cell; never raises for what the student's code does."""
        answer = self._request({"op": "run", "code": code, "timeout_s": timeout_s},
                               timeout_s + INTERRUPT_GRACE_S + MARGIN_S)
        if isinstance(answer, dict):
            try:
                return cell_run_from(answer)
            except ValueError:
                pass
        self._stop()  # the helper is gone, stuck or lying about its format: nothing of it survives
        if answer == "timeout":
            why = f"the cell did not finish within {timeout_s:g} s and was killed"
            return CellRun("timeout", (), limit_error("Timeout", why), timeout_s, False)
        if answer == "memory":
            why = f"the kernel used more than {self.limits.memory_mb} MB and was killed"
            return CellRun("memory", (), limit_error("MemoryLimit", why), 0.0, False)
        return CellRun("dead", (), limit_error("KernelDied", "the kernel stopped answering"), 0.0, False)


# ---- the helper: python -m autograder.export.gradescope_kernel SPEC (as the kernel user) ----

def _cell_dict(run: CellRun) -> dict[str, Any]:
    return {"status": run.status, "outputs": list(run.outputs),
            "error": dataclasses.asdict(run.error) if run.error is not None else None,
            "seconds": run.seconds, "output_truncated": run.output_truncated}


def helper_main(argv: list[str]) -> int:
    from autograder.sandbox import Sandbox

    spec = json.loads(argv[0])
    limits = Limits(**spec["limits"])
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)  # anything else printed goes to the log, never into the protocol
    nproc = limits.max_processes + NPROC_SLACK
    resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
    datasets = Path(spec["datasets_dir"]) if spec.get("datasets_dir") else None
    sandbox = Sandbox(limits, datasets_dir=datasets, backend="none")
    try:
        for line in sys.stdin:
            request = json.loads(line)
            op = request.get("op")
            if op == "start":
                try:
                    sandbox.restart()
                    answer: dict[str, Any] = {"ok": True}
                except Exception as exc:  # reported to the grader, which stops
                    answer = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
            elif op == "run":
                answer = _cell_dict(sandbox.run(str(request["code"]), float(request["timeout_s"])))
            elif op == "close":
                break
            else:
                answer = {"ok": False, "error": f"unknown request {op!r}"}
            protocol.write(json.dumps(answer, allow_nan=True) + "\n")
    finally:
        sandbox.close()
    return 0


if __name__ == "__main__":
    sys.exit(helper_main(sys.argv[1:]))
