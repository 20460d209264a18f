"""The catalogue's fragments for what the CLI and the errors say, one module per area of the engine.

Each module holds ``MESSAGES``: message id -> ``(Portuguese, English)``, side by side so a
sentence is never written in one language only. ``autograder.i18n`` merges them with the
feedback catalogue (and refuses an id defined twice). Placeholders are ``str.format`` fields;
both languages use the same ones (``tests/test_catalogue.py``).
"""

from __future__ import annotations

from collections.abc import Mapping

from autograder.messages import assignment, cli, export, grading, help, infra, keyreport

FRAGMENTS: tuple[tuple[str, Mapping[str, tuple[str, str]]], ...] = (
    ("cli", cli.MESSAGES),
    ("assignment", assignment.MESSAGES),
    ("grading", grading.MESSAGES),
    ("export", export.MESSAGES),
    ("infra", infra.MESSAGES),
    ("keyreport", keyreport.MESSAGES),
    ("help", help.MESSAGES),
)
