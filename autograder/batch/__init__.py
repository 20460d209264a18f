"""Batch grading for TAs: find every submission in an LMS export, grade each in its own process.

    discover.discover     folder or .zip -> who submitted which notebook, and what looks wrong (pure)
    runner.grade_batch    skip what is already graded, grade the rest, write results and a summary
    executors             where jobs run: a fresh spawned process per submission (default)
    jobs.run_job          one job, in the worker: grade, write ``results/<student>.json`` atomically
    progress              a progress line on stderr (redrawn on a terminal, one line per job in CI)
"""

from __future__ import annotations

from autograder.errors import AutograderError


class BatchError(AutograderError):
    """The batch itself cannot run: the submissions path is missing, not a zip, or unsafe."""

    exit_code = 7
