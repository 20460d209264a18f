"""Progress of a single ``autograder grade``: one line per exercise, or a rich bar on a terminal.

Grading one notebook can take a quarter of an hour (training); the user sees which exercise runs,
how long each took and how it ended. Sentences come from the message catalogue."""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import Any, TextIO

from autograder.contract import Contract
from autograder.i18n import translate
from autograder.scoring import exercise_status


class ExerciseProgress:
    """``update(exercise_id, run)``: run None when the exercise starts, the ExerciseRun after."""

    def __init__(self, contract: Contract, lang: str = "pt", stream: TextIO | None = None) -> None:
        self.total = len(contract.exercises)
        self.computed = {e.id: e.computed for e in contract.exercises}
        self.lang = lang
        self.stream = stream or sys.stderr
        self.done = 0
        self.started = time.monotonic()
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> ExerciseProgress:
        if self.stream.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self._bar = Progress(TextColumn("{task.description}"), BarColumn(),
                                 TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                                 console=Console(file=self.stream), transient=True)
            self._bar.__enter__()
            self._task = self._bar.add_task(translate("progress_grading", self.lang), total=self.total)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._bar is not None:
            self._bar.__exit__(exc_type, exc, tb)

    def _say(self, text: str) -> None:
        if self._bar is not None:
            self._bar.console.print(text)
        else:
            print(text, file=self.stream, flush=True)

    def update(self, exercise: str, run: Any) -> None:
        if run is None:
            if self._bar is not None:
                self._bar.update(self._task, description=translate("progress_running", self.lang,
                                                                   exercise=exercise))
            else:
                self._say(translate("progress_running", self.lang, exercise=exercise))
            return
        self.done += 1
        shown = exercise_status(self.computed.get(exercise, True), run.status)  # as the result says it
        status = translate(f"status_{shown}", self.lang)
        self._say(translate("progress_finished", self.lang, exercise=exercise, status=status,
                            seconds=f"{run.seconds:.1f}", done=self.done, total=self.total))
        if self._bar is not None:
            self._bar.update(self._task, advance=1)
