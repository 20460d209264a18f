"""A thread that kills the kernel's whole tree as soon as it exceeds the memory, process or
disk cap. It polls every ``POLL_S`` seconds (the disk every ``DISK_EVERY`` ticks)."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path

from autograder.sandbox.limits import DISK_EVERY, POLL_S, Limits
from autograder.sandbox.outputs import ErrorInfo, limit_error
from autograder.sandbox.proctree import ForkedKernel, KernelProcess, pss_bytes, usage


def disk_usage(dirs: Sequence[Path]) -> int:
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


class Watchdog(threading.Thread):
    """Kills the kernel tree as soon as it exceeds the memory, process or disk cap."""

    def __init__(self, kernel: KernelProcess | ForkedKernel, limits: Limits,
                 disk_dirs: Sequence[Path]) -> None:
        super().__init__(name="sandbox-watchdog", daemon=True)
        self.kernel = kernel
        self.limits = limits
        self.disk_dirs = tuple(disk_dirs)
        self.tripped: ErrorInfo | None = None
        self._stop_event = threading.Event()
        self._lock = threading.Lock()

    def run(self) -> None:
        tick = 0
        while not self._stop_event.wait(POLL_S):
            tick += 1
            self.check(disk=tick % DISK_EVERY == 0)
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
        procs = self.kernel.tree()
        used = usage(procs)
        if used.tasks >= lim.max_processes:
            return limit_error("ProcessLimitExceeded", f"the kernel reached the cap of "
                               f"{lim.max_processes} processes and threads and was stopped")
        cap = lim.memory_mb * 1024**2
        # RSS counts pages shared by forked children once per process; confirm with PSS.
        if used.rss_bytes > cap:
            pss = pss_bytes(procs)
            if pss > cap:
                return limit_error("MemoryLimitExceeded", f"the kernel used "
                                   f"{pss // 1024**2} MB of memory, more than the cap of "
                                   f"{lim.memory_mb} MB, and was stopped")
        if disk:
            on_disk = disk_usage(self.disk_dirs)
            if on_disk > lim.max_disk_bytes:
                return limit_error("DiskLimitExceeded", f"the files written by the kernel take "
                                   f"{on_disk // 1024**2} MB, more than the cap of "
                                   f"{lim.max_disk_bytes // 1024**2} MB, and it was stopped")
        return None
