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

from autograder.batch import status_msg
from autograder.batch.jobs import Outcome
from autograder.i18n import render, text_of, translate

STATUS_STYLES = {"graded": "green", "invalid_submission": "yellow", "grader_error": "bold red"}


def status_text(status: str, lang: str = "en") -> str:
    """A submission's status as the batch's lines say it (``batch_status_*``; an unknown one as it is)."""
    return text_of(status_msg(status), lang)


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
            lang = self.owner.lang
            text.append(translate("batch_status_count", lang, status=status_text(status, lang), n=n),
                        style=STATUS_STYLES.get(status, ""))
        return text


class TerminalProgress:
    """The progress of a batch on ``stream``, said in ``lang``."""

    def __init__(self, stream: TextIO | None = None, tty: bool | None = None, lang: str = "en") -> None:
        self.stream = stream or sys.stderr
        self.lang = lang
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
        line = (translate("batch_progress_start_kept", self.lang, total=total, kept=kept) if kept
                else translate("batch_progress_start", self.lang, total=total))
        self.stream.write(line + "\n")
        self.stream.flush()
        if self.tty:
            console = Console(file=self.stream, force_terminal=True)
            bar = BarColumn(bar_width=30, table_column=Column(min_width=30))
            self._bar = Progress(bar, _CountsColumn(self), console=console,
                                 refresh_per_second=2)
            self._task = self._bar.add_task(translate("progress_grading", self.lang), total=max(1, total))
            self._bar.start()

    def counts(self, *, live: bool = False, eta: bool = True) -> str:
        """``3/10 done, 1 failed | 2m05s elapsed | ETA 4m52s``. The ETA is the time per job so
        far (jobs run in parallel: the observed rate already includes it) times the jobs left;
        ``live`` counts it down from the last finished job to now; ``eta`` False leaves it out."""
        now = time.monotonic()
        elapsed = now - self.started
        left = None
        if self.done:
            per_job = (self._done_at - self.started) / self.done
            left = per_job * (self.total - self.done)
            if live:
                left = max(0.0, left - (now - self._done_at))
        counts = translate("batch_progress_counts", self.lang, done=self.done, total=self.total,
                           failed=self.failed, elapsed=duration(elapsed))
        if not eta:
            return counts
        return translate("batch_progress_eta", self.lang, counts=counts,
                         eta=duration(left) if left is not None else "?")

    def update(self, outcome: Outcome) -> None:
        self.done += 1
        self.failed += outcome.status == "grader_error"
        self.statuses[outcome.status] += 1
        self._done_at = time.monotonic()
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, completed=self.done)
            return
        status = status_text(outcome.status, self.lang)
        if outcome.status != "grader_error":
            line = translate("batch_progress_line", self.lang, counts=self.counts(),
                             student=outcome.student_id, status=status, score=f"{outcome.score:g}",
                             max=f"{outcome.max_score:g}", seconds=f"{outcome.seconds:.1f}")
        else:
            line = translate("batch_progress_line_error", self.lang, counts=self.counts(),
                             student=outcome.student_id, status=status,
                             reason=render(outcome.message, self.lang)[:120],
                             seconds=f"{outcome.seconds:.1f}")
        self.stream.write(line + "\n")
        self.stream.flush()

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
        done = translate("batch_progress_finished", self.lang, counts=self.counts(eta=False))
        self.stream.write(done + "\n")
        self.stream.flush()
