"""Backend "bubblewrap": the bwrap command line, the probe of whether bwrap works here, and
the documented fallback, backend "none".

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
NOT isolated; ``Sandbox.not_enforced`` says so (``describe``).
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import IO

from autograder.errors import AutograderError
from autograder.i18n import encode, msg
from autograder.sandbox.limits import DISK_EVERY, INTERRUPT_GRACE_S, POLL_S, Limits, launcher_argv

# Paths as the kernel sees them (bubblewrap backend).
HOME = "/home/student"
RUN = "/run/kernel"
ZYGOTE_RUN = "/run/zygote"  # a warm sandbox's zygote: its socket (host root's, mode 0700)
SANDBOX_ID = 1000  # uid and gid inside the sandbox
# Packages of this project that must never be readable from the kernel.
HIDDEN_PACKAGES = ("autograder", "reference", "assignments", "templates")
SHM_BYTES = 64 * 1024**2  # /dev/shm is RAM: keep it small

# Creates a user namespace and waits; the grader (root) writes its uid/gid maps.
USERNS_HELPER = """\
import ctypes, sys
if ctypes.CDLL(None, use_errno=True).unshare(0x10000000) != 0:  # CLONE_NEWUSER
    sys.exit("unshare(CLONE_NEWUSER) failed: errno %d" % ctypes.get_errno())
sys.stdout.write("ready\\n")
sys.stdout.flush()
sys.stdin.read()
"""


@dataclass(frozen=True)
class Layout:
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
    def zygote(self) -> Path:
        """A warm sandbox's zygote folder (its socket), the host root's, mode 0700."""
        return self.root / "zygote"

    @property
    def log(self) -> Path:
        return self.root / "kernel.log"

    @property
    def shm(self) -> Path:
        """/dev/shm where bwrap cannot size a tmpfs (before 0.7): a host folder, disk-watched."""
        return self.root / "shm"

    @property
    def writable(self) -> tuple[Path, ...]:
        return (self.home, self.tmp, self.run, self.shm)

    def create(self, owner: int | None) -> None:
        for path in self.writable:
            path.mkdir(mode=0o700, exist_ok=True)
            if owner is not None:
                os.chown(path, owner, owner)
        self.empty_dir.mkdir(mode=0o555, exist_ok=True)
        self.empty_file.touch(mode=0o444, exist_ok=True)

    def prepare_home(self, datasets_dir: Path | None, *, link_datasets: bool,
                     owner: int | None) -> None:
        """``~/.keras/datasets`` in the home: a link to ``datasets_dir`` (backend "none"), else
        an empty directory, the mount point of the read-only datasets."""
        keras = self.home / ".keras"
        keras.mkdir(mode=0o755, exist_ok=True)
        target = keras / "datasets"
        if datasets_dir is not None and link_datasets:
            if not target.exists():
                target.symlink_to(datasets_dir, target_is_directory=True)
        else:
            target.mkdir(mode=0o755, exist_ok=True)
        if owner is not None:
            for path in (keras, target):
                os.chown(path, owner, owner, follow_symlinks=False)


def is_within(path: str, root: str) -> bool:
    try:
        return os.path.commonpath([path, root]) == root
    except ValueError:
        return False


def python_roots() -> list[str]:
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
        if not any(is_within(p, k) for k in (*kept, "/usr")) and os.path.isdir(p):
            kept.append(p)
    return kept


def mount_points(layout: Layout, datasets: bool) -> tuple[Path, ...]:
    """Host paths, inside the sandbox's writable folders, that are mount points in the sandbox:
    the datasets' (``~/.keras/datasets``) and those of Python prefixes below /tmp (a checkout in
    /tmp). Emptying a folder from the host must keep them: unlinking one would unmount it there."""
    found = [layout.home / ".keras" / "datasets"] if datasets else []
    for root in python_roots():
        for inner, host in ((HOME, layout.home), ("/tmp", layout.tmp), (RUN, layout.run)):
            if is_within(root, inner) and root != inner:
                found.append(host / os.path.relpath(root, inner))
    return tuple(found)


def paths_to_hide(search_path: Sequence[str], bound_roots: Sequence[str],
                   names: Sequence[str] = HIDDEN_PACKAGES) -> list[str]:
    """Package directories or modules named ``names`` that the sandbox would otherwise show."""
    hidden: list[str] = []
    for entry in search_path:
        if not entry or not os.path.isabs(entry):
            continue
        entry = os.path.abspath(entry)
        if not any(is_within(entry, root) for root in bound_roots):
            continue
        for name in names:
            for candidate in (os.path.join(entry, name), os.path.join(entry, name + ".py")):
                if os.path.exists(candidate) and candidate not in hidden:
                    hidden.append(candidate)
    return hidden


def make_userns(host_id: int) -> int:
    """A user namespace mapping root to root (so bwrap can read what root can) and the
    sandbox uid/gid to ``host_id``; returns an fd for ``bwrap --userns``."""
    helper = subprocess.Popen([sys.executable, "-I", "-S", "-c", USERNS_HELPER],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    assert helper.stdin is not None and helper.stdout is not None
    try:
        if helper.stdout.readline().strip() != b"ready":
            raise OSError(helper.communicate(timeout=10)[1].decode(errors="replace").strip())
        for kind in ("uid_map", "gid_map"):
            with open(f"/proc/{helper.pid}/{kind}", "w", encoding="ascii") as fh:
                fh.write(f"0 0 1\n{SANDBOX_ID} {host_id} 1\n")
        return os.open(f"/proc/{helper.pid}/ns/user", os.O_RDONLY | os.O_CLOEXEC)
    finally:
        helper.stdin.close()
        helper.wait(timeout=10)


@dataclass(frozen=True)
class Plan:
    """Everything needed to build one bwrap command line."""

    bwrap: str
    layout: Layout
    limits: Limits
    userns_fd: int | None  # set when the grader is root
    datasets_dir: Path | None
    sized_tmpfs: bool = True  # bwrap >= 0.7 takes --perms/--size for --tmpfs; else /dev/shm is bound
    zygote: bool = False  # a warm sandbox: its zygote folder is mounted at ZYGOTE_RUN


@cache
def bwrap_version(bwrap: str) -> tuple[int, ...]:
    """``bwrap --version`` as numbers ("bubblewrap 0.6.1" -> (0, 6, 1)); () when unreadable."""
    try:
        out = subprocess.run([bwrap, "--version"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    numbers = out.split()[-1].split(".") if out.split() else []
    return tuple(int(n) for n in numbers if n.isdigit())


def sized_tmpfs(bwrap: str) -> bool:
    """Whether this bwrap takes ``--perms``/``--size`` for a ``--tmpfs`` (0.7.0 and later; Ubuntu
    22.04, Gradescope's default image, ships 0.6.1, which refuses them)."""
    return bwrap_version(bwrap) >= (0, 7)


def bwrap_argv(plan: Plan, command: Sequence[str]) -> list[str]:
    lim = plan.limits
    argv = [plan.bwrap]
    if plan.userns_fd is not None:
        # Root inside is kept only for bwrap's own setup; the launcher drops to uid 1000.
        argv += ["--userns", str(plan.userns_fd),
                 "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        argv += ["--unshare-user", "--uid", str(SANDBOX_ID), "--gid", str(SANDBOX_ID),
                 "--disable-userns"]
    argv += ["--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
             "--hostname", "sandbox", "--die-with-parent", "--new-session"]
    if not lim.network:
        argv.append("--unshare-net")
    roots = python_roots()
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
    argv += ancestors(HOME) + ancestors(RUN)
    argv += ["--bind", str(plan.layout.home), HOME,
             "--bind", str(plan.layout.tmp), "/tmp",
             "--bind", str(plan.layout.run), RUN]
    if plan.zygote:
        argv += ancestors(ZYGOTE_RUN) + ["--bind", str(plan.layout.zygote), ZYGOTE_RUN]
    argv += ["--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            argv += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            argv += ["--ro-bind", top, top]
    argv += ["--ro-bind", "/etc", "/etc"]
    for root in roots:
        argv += ancestors(root) + ["--ro-bind", root, root]
    for path in paths_to_hide(sys.path, [*roots, "/usr"]):
        empty = plan.layout.empty_dir if os.path.isdir(path) else plan.layout.empty_file
        argv += ["--ro-bind", str(empty), path]
    argv += ["--proc", "/proc", "--dev", "/dev"]
    argv += (["--perms", "1777", "--size", str(SHM_BYTES), "--tmpfs", "/dev/shm"] if plan.sized_tmpfs
             else ["--bind", str(plan.layout.shm), "/dev/shm"])  # the sandbox user's, disk-watched
    if plan.zygote:  # POSIX message queues made visible, so that a warm sandbox can empty them
        argv += ["--mqueue", "/dev/mqueue"]
    argv += ["--remount-ro", "/dev"]
    if plan.datasets_dir is not None:
        argv += ["--ro-bind", str(plan.datasets_dir), f"{HOME}/.keras/datasets"]
    argv += ["--remount-ro", "/", "--chdir", HOME, "--", *command]
    return argv


@cache
def bwrap_problem(bwrap: str, as_root: bool) -> str | None:
    """Why this bwrap cannot run our sandbox here, or None. Probed once with a trivial command."""
    with tempfile.TemporaryDirectory(prefix="ag-probe-") as tmp:
        host_id = random_host_id() if as_root else None
        layout = Layout(Path(tmp))
        layout.create(host_id)
        userns_fd = None
        try:
            if host_id is not None:
                userns_fd = make_userns(host_id)
            plan = Plan(bwrap, layout, Limits(), userns_fd, None, sized_tmpfs(bwrap))
            command = launcher_argv(plan.limits, drop_to=SANDBOX_ID if as_root else None,
                                    nproc=plan.limits.max_processes,
                                    command=[sys.executable, "-I", "-S", "-c", "pass"])
            done = subprocess.run(bwrap_argv(plan, command), capture_output=True, timeout=60,
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


def random_host_id() -> int:
    """An unprivileged host uid/gid nobody else uses, so RLIMIT_NPROC counts only this kernel."""
    return 2_000_000 + secrets.randbelow(1 << 28)


def bubblewrap_problem(bwrap: str | None, as_root: bool) -> str | None:
    """Why the bubblewrap backend cannot be used here, or None."""
    if not sys.platform.startswith("linux"):
        return "bubblewrap needs Linux"
    if bwrap is None:
        return "bwrap is not installed"
    return bwrap_problem(bwrap, as_root)


def check_datasets(path: Path, host_id: int | None) -> None:
    """The datasets directory exists and, when the kernel runs as another uid (``host_id``),
    everything in it is readable by "others"."""
    if not path.is_dir():
        raise AutograderError(msg("sandbox_no_datasets_dir", path=str(path)),
                              where="Sandbox(datasets_dir=...)", fix=msg("sandbox_no_datasets_dir_fix"))
    if host_id is None:
        return
    # The kernel runs as another uid: everything must be readable by "others".
    for base, _, files in os.walk(path):
        for name in (".", *files):
            mode = os.stat(os.path.join(base, name)).st_mode
            need = 0o005 if name == "." else 0o004
            if mode & need != need:
                raise AutograderError(
                    msg("sandbox_datasets_unreadable", path=os.path.join(base, name)),
                    where="Sandbox(datasets_dir=...)",
                    fix=msg("sandbox_datasets_unreadable_fix", path=str(path)))


def spawn_bubblewrap(plan: Plan, kernel_cmd: Sequence[str], *, as_root: bool,
                     env: Mapping[str, str], log: IO[bytes], drop: bool = True) -> subprocess.Popen[bytes]:
    """Start ``kernel_cmd`` in the sandbox described by ``plan``; with ``drop`` False (a warm
    sandbox's zygote) it stays the namespace's root, which forks and drops each kernel itself."""
    lim = plan.limits
    # Not root: bwrap's pid 1 runs as the kernel's uid too and counts once.
    nproc = lim.max_processes + (0 if as_root else 1)
    command = launcher_argv(lim, drop_to=SANDBOX_ID if as_root and drop else None, nproc=nproc,
                            command=kernel_cmd)
    return subprocess.Popen(bwrap_argv(plan, command), stdin=subprocess.DEVNULL, stdout=log,
                            stderr=log, env=dict(env),
                            pass_fds=() if plan.userns_fd is None else (plan.userns_fd,))


def spawn_unsandboxed(layout: Layout, limits: Limits, kernel_cmd: Sequence[str], *,
                      env: Mapping[str, str], log: IO[bytes]) -> subprocess.Popen[bytes]:
    """Backend "none": ``kernel_cmd`` as a plain subprocess in the home, in a session of its
    own, with the rlimits but no RLIMIT_NPROC (it would count every process of the user)."""
    command = launcher_argv(limits, drop_to=None, nproc=None, command=kernel_cmd)
    return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                            env=dict(env), cwd=layout.home, start_new_session=True)


def describe(limits: Limits, *, backend: str, as_root: bool, has_datasets: bool,
             why_not_bwrap: str | None) -> tuple[dict[str, str], tuple[str, ...]]:
    """What ``backend`` enforces here (limit name -> how) and, one coded sentence each
    (``i18n.encode``: ``not_enforced_*``, said in the reader's language by ``i18n.render``), what
    it does NOT enforce (``Sandbox.enforced`` and ``Sandbox.not_enforced``)."""
    lim = limits
    bw = backend == "bubblewrap"
    has_proc = os.path.isdir("/proc/self")
    enforced = {
        "time": f"SIGINT at the cell timeout, SIGKILL of the tree {INTERRUPT_GRACE_S:g} s "
                "later if the cell has not stopped",
        "output": f"{lim.max_output_bytes} bytes kept per cell; larger ZMQ messages "
                  "refused unread (MAXMSGSIZE)",
        "files": f"RLIMIT_FSIZE={lim.max_file_bytes} bytes per file; no core dumps",
    }
    missing: list[str] = []
    if has_proc:
        enforced["memory"] = (f"watchdog on process-tree RSS (PSS near the cap) every "
                              f"{POLL_S:g} s: kill above {lim.memory_mb} MB")
        enforced["disk"] = (f"watchdog on home, /tmp and sockets every "
                            f"{POLL_S * DISK_EVERY:g} s: kill above {lim.max_disk_bytes} "
                            f"bytes" + (f"; /dev/shm tmpfs of {SHM_BYTES // 1024**2} MiB (bwrap < 0.7: "
                                        "a watched folder)"
                                        if bw else ""))
    else:
        missing += [encode("not_enforced_memory", memory_mb=lim.memory_mb), encode("not_enforced_disk")]
    watchdog = (f"watchdog kill at {lim.max_processes} processes+threads"
                if has_proc else "")
    if bw:
        who = ("a random unprivileged host uid >= 2,000,000" if as_root
               else "the grader's own uid inside a user namespace")
        enforced["processes"] = (f"RLIMIT_NPROC={lim.max_processes} on the kernel's uid "
                                 f"(1000 in the sandbox, mapped to {who}); {watchdog}")
        enforced["network"] = ("shared with the host (Limits.network=True)" if lim.network
                               else "bubblewrap --unshare-net (loopback of its own only)")
        enforced["filesystem"] = ("bubblewrap: read-only /usr, /etc and Python prefixes; "
                                  f"private writable {HOME} and /tmp; grader packages "
                                  "hidden; repository, /root and /home not mounted")
        enforced["isolation"] = ("bubblewrap: user, pid, ipc, uts namespaces; "
                                 "--new-session; --die-with-parent; no_new_privs")
    else:
        reason = f" ({why_not_bwrap})" if why_not_bwrap else ""
        if watchdog:
            enforced["processes"] = watchdog
        missing.append(encode("not_enforced_processes"))
        if not lim.network:
            missing.append(encode("not_enforced_network", reason=reason))
        missing.append(encode("not_enforced_filesystem", reason=reason))
        if has_datasets:
            missing.append(encode("not_enforced_datasets"))
    return enforced, tuple(missing)
