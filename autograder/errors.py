"""Errors the user can act on: each says what was wrong, where, and what to do."""

from __future__ import annotations


class AutograderError(Exception):
    """Base class. ``exit_code`` is what the CLI exits with when this error stops a command."""

    exit_code = 2

    def __init__(self, what: str, *, where: str = "", fix: str = "") -> None:
        self.what = what
        self.where = where
        self.fix = fix
        super().__init__(self.message())

    def message(self) -> str:
        parts = [self.what]
        if self.where:
            parts.append(f"Where: {self.where}")
        if self.fix:
            parts.append(f"What to do: {self.fix}")
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
