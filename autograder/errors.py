"""Errors the user can act on: each says what was wrong, where, and what to do.

What and what to do are sentences of the catalogue (``Msg``), so the CLI shows them in the
user's language; ``str(error)`` is the English text (logs, tracebacks). Where is a path or a
location (plain text), or a sentence when it needs words.
"""

from __future__ import annotations

from autograder.i18n import Msg, text_of, translate


class AutograderError(Exception):
    """Base class. ``exit_code`` is what the CLI exits with when this error stops a command."""

    exit_code = 2

    def __init__(self, what: Msg, *, where: Msg | str = "", fix: Msg | None = None) -> None:
        self.what = what
        self.where = where
        self.fix = fix
        super().__init__(self.message("en"))

    def message(self, lang: str = "en") -> str:
        """What, where and what to do, one per line, in ``lang``."""
        parts = [self.what.text(lang)]
        if self.where:
            parts.append(translate("error_where", lang, where=text_of(self.where, lang)))
        if self.fix is not None:
            parts.append(translate("error_fix", lang, fix=self.fix.text(lang)))
        return "\n".join(parts)


class DatasetError(AutograderError):
    """A dataset file is missing or does not match its checksum."""

    exit_code = 3


class KeyError_(AutograderError):
    """The answer key is missing, malformed or was built in an incompatible environment."""

    exit_code = 4


class ContractError(AutograderError):
    """The answer contract (which names are read, their types, their points) is invalid."""

    exit_code = 5


class SubmissionError(AutograderError):
    """The submitted notebook cannot be read or graded at all."""

    exit_code = 6


class AssignmentError(AutograderError):
    """The assignment cannot be found, or its folder (manifest, authored source, code) is malformed."""

    exit_code = 8


class AssignmentMismatch(AutograderError):
    """A notebook, key or result belongs to another assignment (or another version of its contract)."""

    exit_code = 9
