"""Warm kernels (autograder.sandbox.zygote): kernels forked from a zygote inside a real bubblewrap
sandbox, one submission after another in the same sandbox. What one submission leaves behind
must never reach the next; the limits hold as for a cold kernel; the grades are the same."""

from __future__ import annotations

import json
import os
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from autograder.sandbox import CellRun, Limits, Sandbox
from autograder.sandbox.bubblewrap import is_within, python_roots
from autograder.sandbox.zygote import WarmConfig, WarmPool, WarmSandbox, ask, warm_possible
from tests.common import unavailable

MiB = 1024**2
LIMITS = Limits(memory_mb=700, max_processes=48, max_output_bytes=100_000,
                max_file_bytes=4 * MiB, max_disk_bytes=32 * MiB)


def _text(run: CellRun) -> str:
    return "".join(o.get("text", "") for o in run.outputs if o["output_type"] == "stream")


@pytest.fixture(scope="module")
def datasets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("datasets")
    (root / "boston_housing.npz").write_bytes(b"npz bytes")
    (root / "fashion-mnist").mkdir()
    for path in (root, *root.rglob("*")):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return root


@pytest.fixture()
def warm(datasets: Path) -> Iterator[WarmSandbox]:
    if shutil.which("bwrap") is None:
        unavailable("bubblewrap is not installed (apt-get install bubblewrap)")
    problem = warm_possible()
    if problem is not None:
        unavailable(problem)
    slot = WarmSandbox(LIMITS, datasets.resolve(), ("numpy",))
    try:
        yield slot
    finally:
        slot.close()


def _run(slot: WarmSandbox, datasets: Path, *cells: str, timeout_s: float = 30) -> list[CellRun]:
    with Sandbox(LIMITS, datasets_dir=datasets, backend="bubblewrap", warm=slot.handle()) as sb:
        assert sb.warm and "kernel" in sb.enforced
        return [sb.run(code, timeout_s) for code in cells]


LEAVE_BEHIND = r"""
import ctypes, os, subprocess, sys
open(os.path.expanduser("~/answer.txt"), "w").write("ana's answer")
open("/tmp/scratch.txt", "w").write("ana's scratch")
open("/dev/shm/segment", "wb").write(b"ana")
libc = ctypes.CDLL(None, use_errno=True)
shm = libc.shmget(0x5EED, 4096, 0o1666)  # a System V segment, IPC_CREAT
rt = ctypes.CDLL("librt.so.1", use_errno=True)
print("mq", rt.mq_open(b"/note", os.O_CREAT | os.O_RDWR, 0o600, None) >= 0)  # a POSIX message queue
ADD_KEY = {"x86_64": 248, "aarch64": 217}.get(os.uname().machine)
if ADD_KEY:  # a key in the uid's user keyring (add_key(2), "@u")
    print("key", libc.syscall(ADD_KEY, b"user", b"note", b"secret", 6, -4) > 0)
# a daemon that double-forked into its own session, to read the next student's files
daemon = "import os, time\nif os.fork(): os._exit(0)\nos.setsid()\ntime.sleep(600)"
subprocess.Popen([sys.executable, "-c", daemon])
print("left", shm >= 0)
"""

LOOK_AROUND = r"""
import ctypes, os
mine = {os.getpid(), os.getppid()}
others = [p for p in os.listdir("/proc") if p.isdigit() and int(p) not in mine and int(p) != 1]
home = sorted(os.listdir(os.path.expanduser("~")))
print("files", home, sorted(os.listdir("/tmp")), os.listdir("/dev/shm"))
print("shm", ctypes.CDLL(None).shmget(0x5EED, 0, 0))
print("mq", ctypes.CDLL("librt.so.1").mq_open(b"/note", os.O_RDWR, 0, None))
KEYCTL = {"x86_64": 250, "aarch64": 219}.get(os.uname().machine)
if KEYCTL:  # KEYCTL_SEARCH of the user keyring
    print("key", ctypes.CDLL(None).syscall(KEYCTL, 10, -4, b"user", b"note", 0))
print("procs", [open(f"/proc/{p}/cmdline").read().split(chr(0))[:2] for p in others])
"""


def test_what_one_submission_leaves_behind_never_reaches_the_next(warm: WarmSandbox, datasets: Path) -> None:
    (ana,) = _run(warm, datasets, LEAVE_BEHIND)
    assert ana.status == "ok" and "left True" in _text(ana) and "mq True" in _text(ana), _text(ana)
    log = Path(warm.handle().root) / "kernel.log"  # what a kernel writes to its stderr
    log.write_bytes(b"ana's kernel said something\n")
    assert warm.clean()
    assert log.read_bytes() == b""  # a startup error of bia's kernel would quote this log
    (bia,) = _run(warm, datasets, LOOK_AROUND)
    assert bia.status == "ok", bia.error
    out = _text(bia)
    # ~, /tmp and /dev/shm are as in a fresh sandbox again (/tmp holds only the way to the
    # interpreter's prefix when the checkout is below /tmp, as in CI replicas)
    fresh_tmp = sorted({Path(r).relative_to("/tmp").parts[0] for r in python_roots() if is_within(r, "/tmp")})
    assert f"files ['.ipython', '.keras'] {fresh_tmp} []" in out, out
    assert "shm -1" in out and "mq -1" in out  # the System V segment and the message queue are gone
    if "key" in _text(ana):
        assert "key True" in _text(ana) and "key -1" in out  # and so is the key in the user keyring
    # Besides bia's kernel, its parent (the zygote, which never runs student code) and the
    # sandbox's pid 1, nothing runs: ana's daemon was killed.
    assert "procs []" in out, out
    assert warm.starts == 1  # the same sandbox served both


def test_a_warm_kernel_is_the_sandbox_user_and_cannot_touch_its_zygote(
    warm: WarmSandbox, datasets: Path
) -> None:
    (run,) = _run(warm, datasets, r"""
import os, signal, socket
zygote = [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, os.getpid())
          and open(f"/proc/{p}/status").read().split("Uid:")[1].split()[0] == "0"]
print("uid", os.getuid(), os.getcwd(), sorted(os.listdir(os.path.expanduser("~/.keras/datasets"))))
for what, attempt in [("signal", lambda: os.kill(zygote[0], signal.SIGKILL)),
                      ("socket", lambda: socket.socket(socket.AF_UNIX).connect("/run/zygote/zygote.sock")),
                      ("folder", lambda: os.listdir("/run/zygote"))]:
    try:
        attempt()
        print(what, "reached")
    except PermissionError:
        print(what, "refused")
""")
    out = _text(run)
    assert "uid 1000 /home/student ['boston_housing.npz', 'fashion-mnist']" in out, out
    assert "signal refused" in out and "socket refused" in out and "folder refused" in out, out
    assert warm.clean()


def test_warm_kernels_draw_their_own_random_numbers(warm: WarmSandbox, datasets: Path) -> None:
    draws = []
    for _ in range(2):
        (run,) = _run(warm, datasets, "import numpy, random\nprint(numpy.random.rand(), random.random())")
        draws.append(_text(run))
        assert warm.clean()
    assert draws[0] != draws[1]  # as two fresh processes would: the zygote's state is not reused


def test_limits_hold_in_a_warm_kernel_and_the_zygote_survives_them(warm: WarmSandbox, datasets: Path) -> None:
    with Sandbox(LIMITS, datasets_dir=datasets, backend="bubblewrap", warm=warm.handle()) as sb:
        spin = sb.run("while True: pass", 1.0)
        assert spin.status == "timeout"
        after = sb.run("print('still here')", 10)
        assert after.status == "ok" and "still here" in _text(after)  # interrupted, not killed
        hog = sb.run("x = bytearray(1200 * 1024 * 1024)\nx[::4096] = b'1' * len(x[::4096])", 30)
        assert hog.status == "memory", hog
        sb.restart()  # a new kernel forked from the same zygote
        again = sb.run("print(6 * 7)", 10)
        assert again.status == "ok" and "42" in _text(again)
        assert sb.warm
    assert warm.clean() and warm.starts == 1


def test_a_student_who_moves_the_datasets_away_gets_the_next_one_a_new_sandbox(
    warm: WarmSandbox, datasets: Path
) -> None:
    (run,) = _run(warm, datasets, "import os\nos.rename(os.path.expanduser('~/.keras'), 'k')")
    assert run.status == "ok", run.error
    assert not warm.clean()  # the mount point went with the folder: not to be trusted any more
    (run,) = _run(warm, datasets, "import os\nprint(sorted(os.listdir('.keras/datasets')))")
    assert "['boston_housing.npz', 'fashion-mnist']" in _text(run)
    assert warm.starts == 2


def test_a_dead_zygote_means_a_cold_kernel_not_a_failed_grading(warm: WarmSandbox, datasets: Path) -> None:
    handle = warm.handle()
    os.kill(handle.zygote_pid, signal.SIGKILL)
    psutil.Process(handle.zygote_pid).wait(10)
    with Sandbox(LIMITS, datasets_dir=datasets, backend="bubblewrap", warm=handle) as sb:
        run = sb.run("print('cold', 1 + 1)", 30)
        assert not sb.warm and "kernel" not in sb.enforced
    assert run.status == "ok" and "cold 2" in _text(run)
    assert not warm.clean()


def test_a_warm_sandbox_is_used_only_for_the_limits_it_was_made_for(
    warm: WarmSandbox, datasets: Path
) -> None:
    other = Limits(memory_mb=900, max_processes=48, max_output_bytes=100_000,
                   max_file_bytes=4 * MiB, max_disk_bytes=32 * MiB)
    with Sandbox(other, datasets_dir=datasets, backend="bubblewrap", warm=warm.handle()) as sb:
        assert not sb.warm  # its rlimits were set for LIMITS: a cold kernel instead
    assert ask(warm.handle().socket, {"op": "hello"})["failed"] == []


POISON = r"""
import os, subprocess, sys
startup = os.path.expanduser("~/.ipython/profile_default/startup")
os.makedirs(startup, exist_ok=True)
open(os.path.join(startup, "00-poison.py"), "w").write("import numpy\nnumpy.sum = lambda *a, **k: 0.0\n")
spy = "import os, time\nwhile True:\n    seen = os.listdir(os.path.expanduser('~'))\n    time.sleep(0.05)"
subprocess.Popen([sys.executable, "-c", spy], start_new_session=True)
loss_ec = -np.sum((y * np.log(yh + .00001)))
loss_qu = np.sum(np.power(y - yh, 2))
"""


def test_a_class_through_warm_sandboxes_grades_as_through_cold_kernels(
    tmp_path: Path, keras_home: Path
) -> None:
    """Through the batch: a student who plants an IPython startup file and a daemon, then an
    honest one, in one warm sandbox (1 worker): the honest one's grade is the
    cold kernel's, and the result says its kernel was forked."""
    import nbformat

    from autograder.api import GradeOptions
    from autograder.batch.executors import LocalProcessExecutor
    from autograder.batch.runner import grade_batch
    from tests.common import CNN, SMOKE_KEY, leave_as_handed_out

    if warm_possible() is not None:
        unavailable(str(warm_possible()))
    from autograder.authoring import notebook

    solution = leave_as_handed_out(notebook(CNN, "solution", "smoke"), ("ex7", "ex8", "ex10"))
    poisoned = nbformat.from_dict(json.loads(nbformat.writes(solution)))
    for cell in poisoned.cells:
        if cell.metadata.get("autograder", {}).get("exercise") == "ex3" and \
                cell.metadata["autograder"].get("role") == "answer":
            cell.source = POISON
    subs = tmp_path / "subs"
    subs.mkdir()
    nbformat.write(poisoned, subs / "a_poisoner.ipynb")
    nbformat.write(solution, subs / "b_honest.ipynb")
    options = GradeOptions(backend="bubblewrap", datasets_dir=keras_home / "datasets")
    results = {}
    for warm in (True, False):
        out = tmp_path / f"out-{warm}"
        with LocalProcessExecutor(1, warm=warm) as pool:
            summary = grade_batch(subs, SMOKE_KEY, out, assignment=CNN, executor=pool, options=options)
            assert pool.warm_problem is None
        assert [r.status for r in summary.rows] == ["graded", "graded"]
        results[warm] = {p.stem: json.loads(p.read_text()) for p in (out / "results").glob("*.json")}
    assert set(results[True]) == {"a_poisoner", "b_honest"}
    for name in results[True]:
        warm_r, cold_r = results[True][name], results[False][name]
        assert "kernel" in warm_r["sandbox"]["enforced"] and "kernel" not in cold_r["sandbox"]["enforced"]
        assert warm_r["score"] == cold_r["score"], name
        assert [e["score"] for e in warm_r["exercises"]] == [e["score"] for e in cold_r["exercises"]], name
    honest = results[True]["b_honest"]
    assert honest["score"] == honest["max_score"] - sum(
        e["max_score"] for e in honest["exercises"] if e["id"] in ("ex7", "ex8", "ex10"))


@pytest.mark.parametrize("name", ["cnn_treinamento", "redes_densas"])
def test_each_assignments_preload_imports_and_a_malformed_one_is_refused(name: str) -> None:
    import dataclasses
    import importlib
    from types import MappingProxyType

    from autograder.assignment import load_assignment
    from autograder.errors import AutograderError
    from autograder.i18n import render

    a = load_assignment(name)
    assert "numpy" in a.sandbox_preload
    for module in a.sandbox_preload:  # the zygote skips what fails: a typo would only be slower
        importlib.import_module(module)
        assert not module.startswith(("tensorflow", "keras"))
    bad = dataclasses.replace(a, manifest=MappingProxyType({**a.manifest, "sandbox": {"preload": "numpy"}}))
    with pytest.raises(AutograderError) as caught:
        bad.sandbox_preload  # noqa: B018
    assert "preload" in render(caught.value.message("en"), "en")


def test_a_bad_request_is_refused_and_the_zygote_keeps_serving(warm: WarmSandbox) -> None:
    from autograder.sandbox.zygote import ZygoteError

    handle = warm.handle()
    for bad in ({"op": "fork"}, {"op": "status", "pid": "x"}, {"op": "nonsense"}):
        with pytest.raises(ZygoteError, match="refused"):
            ask(handle.socket, bad)
    assert ask(handle.socket, {"op": "hello"})["failed"] == []


def test_a_forked_kernel_that_does_not_start_means_a_cold_kernel(
    warm: WarmSandbox, datasets: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # e.g. a sandbox a student broke in a way the cleaning did not see: the fork exits at once
    # (here: its connection file is a folder)
    real_fork = Sandbox._fork

    def broken_fork(self: Sandbox, handle: object, kernel_args: list[str], env: dict[str, str]) -> object:
        return real_fork(self, handle, ["-f", "/run/kernel"], env)  # type: ignore[arg-type]

    monkeypatch.setattr(Sandbox, "_fork", broken_fork)
    with Sandbox(LIMITS, datasets_dir=datasets, backend="bubblewrap", warm=warm.handle()) as sb:
        run = sb.run("print('graded anyway')", 30)
        assert not sb.warm
    assert run.status == "ok" and "graded anyway" in _text(run)


def test_datasets_a_kernel_cannot_read_mean_a_cold_kernel_not_a_crashed_job(
        warm: WarmSandbox, tmp_path: Path) -> None:
    """A datasets folder the sandbox user cannot read: the warm sandbox does not start and the job
    gets a cold kernel (which meets the same problem and says it: the grader's own error), not an
    exception out of the pool that would make the submission a grader_error."""
    unreadable = tmp_path / "datasets"
    unreadable.mkdir()
    (unreadable / "boston_housing.npz").write_bytes(b"npz bytes")
    (unreadable / "boston_housing.npz").chmod(0o600)
    pool = WarmPool(1)
    try:
        with pool.lend(WarmConfig(LIMITS, unreadable.resolve(), ())) as handle:
            assert handle is None
        assert pool.problem is None and pool.running() == []  # the next job tries again
    finally:
        pool.close()
