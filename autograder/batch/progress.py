"""Progress of a batch on stderr: a rich progress bar redrawn in place on a terminal, one plain
line per finished submission elsewhere (CI logs, ``| tee``, tests), both with done/total,
failures, elapsed time and ETA; the bar also shows the totals per status."""

from __future__ import annotations

import sys
import time
from collections import Counter
from typing import Protocol, TextIO

from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TaskID
from rich.table import Column
from rich.text import Text

from autograder.batch.jobs import Outcome

STATUS_STYLES = {"graded": "green", "invalid_submission": "yellow", "grader_error": "bold red"}


class ProgressSink(Protocol):
    def start(self, total: int, kept: int) -> None:
        """``total`` jobs to grade now; ``kept`` results were already up to date."""

    def update(self, outcome: Outcome) -> None:
        """One job finished."""

    def finish(self) -> None:
        """No more jobs (also called when the batch is interrupted)."""


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


class _CountsColumn(ProgressColumn):
    """done/total, failures, elapsed time and ETA, recomputed at every refresh so that they
    tick between two finished jobs; below them, the totals per status."""

    def __init__(self, owner: TerminalProgress) -> None:
        super().__init__(table_column=Column(no_wrap=True, overflow="ellipsis"))
        self.owner = owner

    def render(self, task: Task) -> Text:
        text = Text(self.owner.counts(live=True))
        for i, (status, n) in enumerate(sorted(self.owner.statuses.items())):
            text.append("\n" if i == 0 else " | ")
            text.append(f"{status} {n}", style=STATUS_STYLES.get(status, ""))
        return text


class TerminalProgress:
    def __init__(self, stream: TextIO | None = None, tty: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.total = self.done = self.failed = 0
        self.statuses: Counter[str] = Counter()
        self.started = time.monotonic()
        self._done_at = self.started  # when the last job finished
        self._bar: Progress | None = None
        self._task: TaskID | None = None

    def start(self, total: int, kept: int) -> None:
        self.total, self.started = total, time.monotonic()
        self._done_at = self.started
        kept_note = f" ({kept} already graded and unchanged: kept)" if kept else ""
        self.stream.write(f"grading {total} submission(s){kept_note}\n")
        self.stream.flush()
        if self.tty:
            console = Console(file=self.stream, force_terminal=True)
            bar = BarColumn(bar_width=30, table_column=Column(min_width=30))
            self._bar = Progress(bar, _CountsColumn(self), console=console,
                                 refresh_per_second=2)
            self._task = self._bar.add_task("grading", total=max(1, total))
            self._bar.start()

    def counts(self, *, live: bool = False) -> str:
        """``3/10 done, 1 failed | 2m05s elapsed | ETA 4m52s``. The ETA is the time per job so
        far (jobs run in parallel: the observed rate already includes it) times the jobs left;
        ``live`` counts it down from the last finished job to now."""
        now = time.monotonic()
        elapsed = now - self.started
        eta = None
        if self.done:
            per_job = (self._done_at - self.started) / self.done
            eta = per_job * (self.total - self.done)
            if live:
                eta = max(0.0, eta - (now - self._done_at))
        return (f"{self.done}/{self.total} done, {self.failed} failed | {duration(elapsed)} elapsed"
                f" | ETA {duration(eta) if eta is not None else '?'}")

    def update(self, outcome: Outcome) -> None:
        self.done += 1
        self.failed += outcome.status == "grader_error"
        self.statuses[outcome.status] += 1
        self._done_at = time.monotonic()
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, completed=self.done)
            return
        what = (f"{outcome.score:g}/{outcome.max_score:g}" if outcome.status != "grader_error"
                else f"grader_error: {outcome.message[:120]}")
        self.stream.write(f"[{self.counts()}] {outcome.student_id}: {outcome.status} {what} "
                          f"({outcome.seconds:.1f}s)\n")
        self.stream.flush()

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
        self.stream.write(f"finished: {self.counts().split(' | ETA')[0]}\n")
        self.stream.flush()
