"""What one kernel may use (``Limits``), how often it is checked, and the rlimits launcher.

The launcher is a few lines of Python that run as the kernel's first process (inside bubblewrap,
or as the plain subprocess of backend "none"): it sets the rlimits, drops to the sandbox uid
when asked, asks to die with its parent, then execs the kernel.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass

POLL_S = 0.2  # watchdog and message-loop tick
DISK_EVERY = 5  # the disk walk runs every 5th watchdog tick (1 s)
INTERRUPT_GRACE_S = 3.0  # after SIGINT, how long a cell may take to stop before the kill

# Runs inside the sandbox (bubblewrap) or as the kernel process (none), then execs the kernel:
# set rlimits, drop to the sandbox uid when asked, die with the parent, exec argv[2:].
LAUNCHER = """\
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


def launcher_argv(limits: Limits, *, drop_to: int | None, nproc: int | None,
                  command: Sequence[str]) -> list[str]:
    """The launcher's command line: RLIMIT_FSIZE, no core dumps, RLIMIT_NPROC when ``nproc``
    is given; then ``command`` as uid ``drop_to`` (None: unchanged)."""
    rlimits = {"RLIMIT_FSIZE": limits.max_file_bytes, "RLIMIT_CORE": 0}
    if nproc is not None:
        rlimits["RLIMIT_NPROC"] = nproc
    spec = json.dumps({"rlimits": rlimits, "uid": drop_to})
    return [sys.executable, "-I", "-S", "-c", LAUNCHER, spec, *command]
