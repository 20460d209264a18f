"""autograder.sandbox: real kernels in a real sandbox. Cells are plain Python (no TensorFlow)."""

from __future__ import annotations

import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from autograder.errors import AutograderError
from autograder.i18n import render
from autograder.sandbox import CellRun, Limits, Sandbox
from autograder.sandbox.bubblewrap import paths_to_hide
from tests.common import unavailable

REPO = Path(__file__).resolve().parents[1]
MiB = 1024**2
LIMITS = Limits(memory_mb=512, max_processes=48, max_output_bytes=100_000,
                max_file_bytes=4 * MiB, max_disk_bytes=32 * MiB)


def _text(run: CellRun) -> str:
    return "".join(o.get("text", "") for o in run.outputs if o["output_type"] == "stream")


def _bubblewrap(limits: Limits, **kwargs: object) -> Sandbox:
    if shutil.which("bwrap") is None:
        unavailable("bubblewrap is not installed (apt-get install bubblewrap)")
    # installed but unusable is a failure, not a skip: it would silently grade without isolation
    return Sandbox(limits, backend="bubblewrap", **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def datasets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("datasets")
    (root / "boston_housing.npz").write_bytes(b"npz bytes")
    (root / "fashion-mnist").mkdir()
    (root / "fashion-mnist" / "train-labels-idx1-ubyte.gz").write_bytes(b"gz bytes")
    for path in (root, *root.rglob("*")):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return root


@pytest.fixture(scope="module")
def sandbox(datasets: Path) -> Iterator[Sandbox]:
    """Shared by the tests that leave the kernel alive."""
    with _bubblewrap(LIMITS, datasets_dir=datasets) as sb:
        yield sb


@pytest.fixture(scope="module")
def _victim_module() -> Iterator[Sandbox]:
    with _bubblewrap(LIMITS) as sb:
        yield sb


@pytest.fixture
def victim(_victim_module: Sandbox) -> Sandbox:
    """Shared by the tests that kill the kernel; each gets a live one."""
    if not _victim_module.alive:
        _victim_module.restart()
    return _victim_module


def _processes_of(sb: Sandbox) -> list[int]:
    """Host pids running as the sandbox's uid (root grader: a uid of its own)."""
    uid = sb._host_id  # private, but the only way to tell the kernel's processes apart
    if uid is None:
        unavailable("the grader is not root: the sandbox has no uid of its own")
    found = []
    for proc in psutil.process_iter(["uids"]):
        uids = proc.info["uids"]
        if uids is not None and uids.real == uid:
            found.append(proc.pid)
    return found


def _restart_works(sb: Sandbox) -> None:
    assert not sb.alive
    assert sb.run("1", 5).status == "dead"  # a dead kernel is reported, never raised
    sb.restart()
    run = sb.run("6 * 7", 30)
    assert run.status == "ok" and run.outputs[0]["data"]["text/plain"] == "42"


# -- pure helpers -----------------------------------------------------------------------------


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="memory_mb must be positive"):
        Limits(memory_mb=0)


def test_installed_grader_packages_are_hidden(tmp_path: Path) -> None:
    site = tmp_path / "site-packages"
    (site / "autograder").mkdir(parents=True)
    (site / "reference.py").write_text("KEY = 1")
    (site / "numpy").mkdir()
    outside = tmp_path / "elsewhere"
    (outside / "templates").mkdir(parents=True)
    hidden = paths_to_hide([str(site), str(outside), ""], [str(site)])
    assert hidden == [str(site / "autograder"), str(site / "reference.py")]


def test_a_missing_datasets_folder_is_named_without_naming_any_dataset(tmp_path: Path) -> None:
    sb = Sandbox(LIMITS, datasets_dir=tmp_path / "missing", backend="none")
    with pytest.raises(AutograderError) as raised:
        sb.start()
    assert str(tmp_path / "missing") in str(raised.value.what)
    assert str(raised.value.fix).startswith("pass the datasets folder")
    said = raised.value.message("pt")
    assert said.startswith(f"A pasta de conjuntos de dados {tmp_path / 'missing'} não existe.")
    assert ".npz" not in raised.value.message() and "mnist" not in raised.value.message()
    sb.close()


# -- running cells ----------------------------------------------------------------------------


@pytest.mark.kernel
def test_ok_cell_has_stdout_and_result(sandbox: Sandbox) -> None:
    run = sandbox.run("print('hello')\n40 + 2", 30)
    assert run.status == "ok" and run.error is None and not run.output_truncated
    assert run.outputs[0] == {"output_type": "stream", "name": "stdout", "text": "hello\n"}
    assert run.outputs[1]["output_type"] == "execute_result"
    assert run.outputs[1]["data"]["text/plain"] == "42"


@pytest.mark.kernel
def test_exception_points_at_the_students_line(sandbox: Sandbox) -> None:
    run = sandbox.run("x = 1\ndef f(v):\n    return v / 0\n\nf(x)", 30)
    assert run.status == "error" and run.error is not None
    assert (run.error.ename, run.error.evalue) == ("ZeroDivisionError", "division by zero")
    assert (run.error.line, run.error.code_line) == (3, "    return v / 0")
    assert "\x1b" not in run.error.traceback and "ZeroDivisionError" in run.error.traceback
    syntax = sandbox.run("a = 1\nb = = 2", 30)
    assert syntax.error is not None and syntax.error.ename == "SyntaxError"
    assert (syntax.error.line, syntax.error.code_line) == (2, "b = = 2")


@pytest.mark.kernel
def test_timeout_interrupts_and_the_kernel_lives_on(sandbox: Sandbox) -> None:
    run = sandbox.run("n = 0\nwhile True:\n    n += 1", 2)
    assert run.status == "timeout" and run.error is not None
    assert run.error.ename == "Timeout" and run.error.line in (2, 3)
    assert 2 <= run.seconds < 6
    assert sandbox.alive and sandbox.run("n > 0", 10).outputs[0]["data"]["text/plain"] == "True"


@pytest.mark.kernel
def test_timeout_kills_a_cell_that_ignores_interrupts(victim: Sandbox) -> None:
    run = victim.run("import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                     "while True: pass", 1)
    assert run.status == "timeout" and run.error is not None and "killed" in run.error.evalue
    assert run.seconds < 8
    _restart_works(victim)


@pytest.mark.kernel
@pytest.mark.parametrize("code", ["import os\nos._exit(1)",
                                  "import ctypes\nctypes.string_at(0)"], ids=["exit", "segfault"])
def test_dying_kernel_is_reported_promptly(victim: Sandbox, code: str) -> None:
    run = victim.run(code, 60)
    assert run.status == "dead" and run.error is not None and run.error.ename == "KernelDied"
    assert run.seconds < 5
    _restart_works(victim)


@pytest.mark.kernel
def test_memory_bomb_is_stopped(victim: Sandbox) -> None:
    run = victim.run("chunks = []\nfor _ in range(64):\n    chunks.append(b'x' * (128 * 2**20))",
                     120)
    assert run.status == "memory" and run.error is not None
    assert run.error.ename == "MemoryLimitExceeded"
    _restart_works(victim)


@pytest.mark.kernel
def test_fork_bomb_is_contained(victim: Sandbox) -> None:
    run = victim.run("import os\nwhile True:\n    os.fork()", 60)
    assert run.status == "memory" and run.error is not None
    assert run.error.ename == "ProcessLimitExceeded"
    assert run.seconds < 20
    assert _processes_of(victim) == []  # nothing left behind
    assert subprocess.run([sys.executable, "-c", "pass"], check=False).returncode == 0
    _restart_works(victim)


@pytest.mark.kernel
def test_huge_output_is_capped_without_buffering_it(sandbox: Sandbox) -> None:
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    many = sandbox.run("for _ in range(100):\n    print('x' * 1_000_000)", 120)
    one = sandbox.run("print('y' * 10_000_000)", 120)
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_kib) / 1024
    for run in (many, one):
        assert run.status == "output_limit" and run.output_truncated
        assert len(_text(run).encode()) <= LIMITS.max_output_bytes
    assert grown_mib < 50
    small = sandbox.run("print('z' * 50_000)", 30)  # output flows again after the overflow
    assert small.status == "ok" and _text(small) == "z" * 50_000 + "\n"


@pytest.mark.kernel
def test_file_size_limit_raises_in_the_cell(sandbox: Sandbox) -> None:
    run = sandbox.run("try:\n    with open('big.bin', 'wb') as f:\n"
                      "        for _ in range(1024):\n            f.write(b'0' * 2**20)\n"
                      "finally:\n    import os\n    os.remove('big.bin')", 60)
    assert run.status == "error" and run.error is not None
    assert run.error.ename == "OSError" and "File too large" in run.error.evalue


@pytest.mark.kernel
def test_disk_limit_stops_the_kernel_and_restart_frees_the_home(victim: Sandbox) -> None:
    assert victim.run("open('keep.txt', 'w').write('kept')", 30).status == "ok"
    victim.restart()
    assert _text(victim.run("print(open('keep.txt').read())", 30)) == "kept\n"
    run = victim.run("for i in range(12):\n    open(f'f{i}.bin', 'wb').write(b'0' * 3 * 2**20)",
                     60)
    assert run.status == "memory" and run.error is not None
    assert run.error.ename == "DiskLimitExceeded"
    victim.restart()
    assert "f0.bin" not in _text(victim.run("import os\nprint(os.listdir())", 30))


# -- isolation --------------------------------------------------------------------------------


@pytest.mark.kernel
def test_host_loopback_is_unreachable(sandbox: Sandbox) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        socket.create_connection(("127.0.0.1", port), timeout=2).close()  # reachable from here
        run = sandbox.run(f"import socket\nsocket.create_connection(('127.0.0.1', {port}), "
                          "timeout=2)", 30)
    assert run.status == "error" and run.error is not None
    assert run.error.ename == "ConnectionRefusedError"


@pytest.mark.kernel
def test_repository_and_answer_keys_are_invisible(sandbox: Sandbox) -> None:
    secret_dir = Path(tempfile.mkdtemp(dir=REPO, prefix=".sandbox-test-"))
    try:
        (secret_dir / "keys").mkdir()
        secret = secret_dir / "keys" / "secret.json"
        secret.write_text('{"answer": 42}')
        secret.chmod(0o644)
        run = sandbox.run(f"open({str(secret)!r}).read()", 30)
        assert run.status == "error" and run.error is not None
        assert run.error.ename == "FileNotFoundError"
    finally:
        shutil.rmtree(secret_dir)
    probe = sandbox.run(f"import os\nprint(os.path.exists({str(REPO / 'autograder')!r}), "
                        "os.path.exists('/root/.bashrc'))\nimport autograder", 30)
    assert _text(probe) == "False False\n"
    assert probe.error is not None and probe.error.ename == "ModuleNotFoundError"


@pytest.mark.kernel
def test_datasets_are_read_only_in_a_writable_keras_home(sandbox: Sandbox) -> None:
    run = sandbox.run(
        "import os\nhome = os.environ['KERAS_HOME']\nprint(home == os.path.expanduser('~/.keras'))\n"
        "print(open(home + '/datasets/boston_housing.npz', 'rb').read())\n"
        "print(os.path.exists(home + '/datasets/fashion-mnist/train-labels-idx1-ubyte.gz'))\n"
        "open(home + '/cache.txt', 'w').write('ok')\n"
        "open(home + '/datasets/new.npz', 'w')", 30)
    assert _text(run) == "True\nb'npz bytes'\nTrue\n"
    assert run.error is not None and "Read-only file system" in run.error.evalue


@pytest.mark.kernel
def test_enforcement_is_reported(sandbox: Sandbox) -> None:
    assert sandbox.backend == "bubblewrap"
    for name in ("time", "memory", "processes", "output", "files", "disk", "network",
                 "filesystem"):
        assert sandbox.enforced[name]
    assert "--unshare-net" in sandbox.enforced["network"]
    assert not any("network" in s.lower() or "filesystem" in s.lower()
                   for s in sandbox.not_enforced)


@pytest.mark.kernel
def test_none_backend_runs_and_says_what_it_does_not_enforce() -> None:
    with Sandbox(LIMITS, backend="none") as sb:
        assert sb.backend == "none"
        run = sb.run("import os\nprint(os.getcwd() == os.environ['HOME'], os.getcwd())", 30)
        assert run.status == "ok" and _text(run).startswith("True ")
        home = _text(run).split()[1]
        assert os.path.isdir(home)
    assert not os.path.exists(home)  # close() removed the sandbox directory
    assert "network" not in sb.enforced
    said = [render(s, "en") for s in sb.not_enforced]  # coded sentences, said in the reader's language
    assert any(s.startswith("Network isolation is NOT applied") for s in said)
    assert any(s.startswith("Filesystem isolation is NOT applied") for s in said)
    assert any(render(s, "pt").startswith("O isolamento de rede NÃO é aplicado") for s in sb.not_enforced)


@pytest.mark.kernel
def test_errors_name_no_path_of_the_grading_machine(sandbox: Sandbox) -> None:
    run = sandbox.run("import json\njson.loads('{')", 30)
    assert run.status == "error" and run.error is not None and "json" in run.error.traceback
    assert sys.prefix not in run.error.traceback and sys.base_prefix not in run.error.traceback
    assert "<python>/lib/" in run.error.traceback
    run = sandbox.run("open('nao_existe.txt')", 30)
    assert run.status == "error" and "/home/student" not in run.error.evalue + run.error.traceback


def test_an_old_bwrap_gets_dev_shm_as_a_watched_folder(tmp_path: Path) -> None:
    """Ubuntu 22.04 (Gradescope's default image) ships bubblewrap 0.6.1, which refuses --perms and
    --size before --tmpfs. There /dev/shm is the sandbox's own folder (disk-watched), and the
    sandbox still starts and can write it; a current bwrap keeps its sized tmpfs."""
    from autograder.sandbox.bubblewrap import (
        SANDBOX_ID,
        Layout,
        Plan,
        bwrap_argv,
        make_userns,
        random_host_id,
        sized_tmpfs,
    )
    from autograder.sandbox.limits import launcher_argv

    bwrap = shutil.which("bwrap")
    if bwrap is None:
        unavailable("bubblewrap is not installed")
    assert sized_tmpfs(bwrap), "this machine's bwrap is 0.7 or later"
    root = os.geteuid() == 0
    host_id = random_host_id() if root else None
    layout = Layout(tmp_path)
    layout.create(host_id)
    assert layout.shm in layout.writable  # the disk watchdog counts it
    userns_fd = make_userns(host_id) if host_id is not None else None
    try:
        write = "open('/dev/shm/x', 'w').write('ok'); print(open('/dev/shm/x').read())"
        command = launcher_argv(Limits(), drop_to=SANDBOX_ID if root else None, nproc=64,
                                command=[sys.executable, "-I", "-S", "-c", write])
        for sized in (False, True):
            argv = bwrap_argv(Plan(bwrap, layout, Limits(), userns_fd, None, sized), command)
            assert ("--size" in argv) == sized and ("/dev/shm" in argv)
            if not sized:
                assert argv[argv.index("/dev/shm") - 1] == str(layout.shm)
            done = subprocess.run(argv, capture_output=True, text=True, timeout=60,
                                  pass_fds=() if userns_fd is None else (userns_fd,),
                                  env={"PATH": "/usr/bin:/bin"})
            assert done.returncode == 0 and done.stdout.strip() == "ok", (sized, done.stderr)
        assert (layout.shm / "x").read_text() == "ok"  # the folder, not RAM, held it
    finally:
        if userns_fd is not None:
            os.close(userns_fd)
