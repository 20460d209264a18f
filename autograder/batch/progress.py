"""Progress of a batch on stderr: a bar redrawn in place on a terminal, one line per finished
submission elsewhere (CI logs, ``| tee``), both with done/total, failures, elapsed time and ETA."""

from __future__ import annotations

import shutil
import sys
import time
from typing import Protocol, TextIO

from autograder.batch.jobs import Outcome


class ProgressSink(Protocol):
    def start(self, total: int, kept: int) -> None:
        """``total`` jobs to grade now; ``kept`` results were already up to date."""

    def update(self, outcome: Outcome) -> None:
        """One job finished."""

    def finish(self) -> None:
        """No more jobs."""


class NullProgress:
    def start(self, total: int, kept: int) -> None:
        pass

    def update(self, outcome: Outcome) -> None:
        pass

    def finish(self) -> None:
        pass


def duration(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}h{s % 3600 // 60:02d}m" if s >= 3600 else f"{s // 60}m{s % 60:02d}s"


class TerminalProgress:
    def __init__(self, stream: TextIO | None = None, tty: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.total = self.done = self.failed = 0
        self.started = time.monotonic()

    def start(self, total: int, kept: int) -> None:
        self.total, self.started = total, time.monotonic()
        kept_note = f" ({kept} already graded and unchanged: kept)" if kept else ""
        self.stream.write(f"grading {total} submission(s){kept_note}\n")
        self.stream.flush()

    def _counts(self) -> str:
        elapsed = time.monotonic() - self.started
        # jobs run in parallel: the observed rate already includes it
        eta = elapsed / self.done * (self.total - self.done) if self.done else None
        return (f"{self.done}/{self.total} done, {self.failed} failed | {duration(elapsed)} elapsed"
                f" | ETA {duration(eta) if eta is not None else '?'}")

    def update(self, outcome: Outcome) -> None:
        self.done += 1
        self.failed += outcome.status == "grader_error"
        if self.tty:
            width = shutil.get_terminal_size((80, 20)).columns
            counts = self._counts()
            bar_width = max(10, width - len(counts) - 4)
            filled = bar_width * self.done // max(1, self.total)
            line = f"[{'#' * filled}{'.' * (bar_width - filled)}] {counts}"
            self.stream.write("\r\x1b[K" + line[:width - 1])
        else:
            what = (f"{outcome.score:g}/{outcome.max_score:g}" if outcome.status != "grader_error"
                    else f"grader_error: {outcome.message[:120]}")
            self.stream.write(f"[{self._counts()}] {outcome.student_id}: {outcome.status} {what} "
                              f"({outcome.seconds:.1f}s)\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.tty:
            self.stream.write("\n")
        self.stream.write(f"finished: {self._counts().split(' | ETA')[0]}\n")
        self.stream.flush()
