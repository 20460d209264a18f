"""Batch grading for TAs: find every submission in an LMS export, grade each in its own process.

    discover.discover     folder or .zip -> who submitted which notebook, and what looks wrong (pure)
    runner.grade_batch    skip what is already graded, grade the rest, write results and a summary
    executors             where jobs run: a fresh spawned process per submission (default)
    jobs.run_job          one job, in the worker: grade, write ``results/<student>.json`` atomically
    progress              a progress line on stderr (redrawn on a terminal, one line per job in CI)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from autograder.errors import AutograderError
from autograder.i18n import LANGUAGES, Msg, msg, text_of

STATUSES = ("graded", "invalid_submission", "grader_error")  # of a result; ``batch_status_*`` says each


class BatchError(AutograderError):
    """The batch itself cannot run: the submissions path is missing, not a zip, or unsafe."""

    exit_code = 7


def status_msg(status: str, late: bool = False) -> Msg | str:
    """A result's status as the batch and the gradebook say it (an unknown one as it is)."""
    said: Msg | str = msg(f"batch_status_{status}") if status in STATUSES else status
    return msg("batch_status_late", status=said) if late else said


def columns(line_id: str, names: Sequence[str], rows: Sequence[Mapping[str, Msg | str]]) -> list[Msg]:
    """A plain-text table as catalogue lines: a header (``<line_id>_<column>`` is each column's
    title), a rule, then one line per row, all ``line_id``, whose sentence lays the columns out
    with ``{<column>:<{w_<column>}}`` specs. A column is as wide as its widest cell in any
    language, so the lines align whichever language they are said in."""
    header: dict[str, Msg | str] = {n: msg(f"{line_id}_{n}") for n in names}
    widths = {f"w_{n}": max(len(text_of(c[n], lang)) for c in [header, *rows] for lang in LANGUAGES)
              for n in names}
    rule = msg("batch_table_rule", rule="  ".join("-" * widths[f"w_{n}"] for n in names))
    return [msg(line_id, **header, **widths), rule, *(msg(line_id, **row, **widths) for row in rows)]
