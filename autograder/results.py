"""The result of grading one submission: plain data with a versioned schema.

Reports and LMS exports read only this (``result.json``); nothing else crosses that boundary.
Schema: ``autograder/schemas/result.schema.json``. Bump ``RESULT_SCHEMA_VERSION`` on any
incompatible change.

Messages are not pre-rendered text: each check carries a ``message_id`` and ``params`` that
the catalogue (``autograder.i18n``) turns into Portuguese or English.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from autograder.i18n import Msg, msg

RESULT_SCHEMA = "dl-autograder/result"
RESULT_SCHEMA_VERSION = 2

CheckStatus = Literal["pass", "fail", "missing", "invalid", "not_run"]
ExerciseStatus = Literal[
    "ok",  # every cell ran
    "error",  # a cell raised; the error is in ``error``
    "timeout",  # the exercise's time budget ran out
    "memory",  # the memory cap was hit
    "dead",  # the kernel died (os._exit, segfault, ...)
    "output_limit",  # the output cap was hit
    "not_run",  # skipped (no code, or depends on a failed exercise)
    "unanswered",  # left as handed out: not executed (prepare.unanswered)
    "not_computed",  # a conceptual exercise: only the letter is read
]
Verification = Literal["executed", "cached", "replay_verified", "not_executed"]
SubmissionStatus = Literal["graded", "invalid_submission", "grader_error"]


@dataclass(frozen=True)
class CellError:
    """The student's original error, not a follow-on one."""

    ename: str
    evalue: str
    cell_index: int  # index in the submitted notebook (-1 if unknown)
    line: int | None  # 1-based line in that cell
    code_line: str  # the source line that raised
    traceback: str  # plain text, ANSI colours removed, trimmed


@dataclass(frozen=True)
class Misconception:
    id: str  # a misconception id of the assignment; its text is in its messages.json


@dataclass(frozen=True)
class CheckResult:
    id: str  # the contract's check id
    exercise: str  # the contract's exercise id
    kind: str  # close | band | exact | ordering | ranking | letter | structure | ...
    status: CheckStatus
    points: float
    max_points: float
    obtained: Any = None  # plain JSON data
    expected: Any = None  # plain JSON data; reports decide whether to show it
    tolerance: str = ""  # human-readable, e.g. "± 0.0005" or "[12.1, 40.3]"
    difference: Any = None
    message_id: str = ""  # key in the catalogue
    params: dict[str, Any] = field(default_factory=dict)
    misconception: Misconception | None = None
    reveals_answer: bool = False  # True when ``expected`` is the key's answer (e.g. a letter)


@dataclass(frozen=True)
class ExerciseResult:
    id: str  # the contract's exercise id
    number: int
    status: ExerciseStatus
    score: float
    max_score: float
    verification: Verification
    checks: tuple[CheckResult, ...]
    error: CellError | None = None
    seconds: float = 0.0
    notes: tuple[str, ...] = ()  # message ids, e.g. "depends_on_failed"
    series: dict[str, Any] = field(default_factory=dict)  # curves for plots (histories, mappings)


@dataclass(frozen=True)
class Student:
    id: str
    name: str = ""
    email: str = ""
    source: str = ""  # how the identity was found (moodle, canvas, gradescope, filename)


@dataclass(frozen=True)
class GradeResult:
    submission_path: str
    submission_sha256: str
    student: Student
    status: SubmissionStatus
    score: float
    max_score: float
    exercises: tuple[ExerciseResult, ...]
    graded_at: str
    grader_version: str
    environment: dict[str, str]
    key: dict[str, Any]  # {"profile", "sha256", "environment", "warnings": [...]}
    sandbox: dict[str, Any]  # {"backend", "enforced": {limit: how}, "not_enforced": [...]}
    assignment: dict[str, str] = field(default_factory=dict)  # {"name", "version", "contract_sha256"}
    restored_cells: tuple[str, ...] = ()
    messages: tuple[str, ...] = ()  # submission-level problems, plain sentences
    late: dict[str, Any] | None = None  # autograder.late.record: raw score, penalty, final score
    schema: str = RESULT_SCHEMA
    schema_version: int = RESULT_SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1, sort_keys=True, allow_nan=False)


def _check_from(d: dict[str, Any]) -> CheckResult:
    m = d.get("misconception")
    return CheckResult(**{**d, "misconception": Misconception(**m) if m else None})


def _exercise_from(d: dict[str, Any]) -> ExerciseResult:
    err = d.get("error")
    return ExerciseResult(**{
        **d,
        "checks": tuple(_check_from(c) for c in d["checks"]),
        "error": CellError(**err) if err else None,
        "notes": tuple(d.get("notes", ())),
    })


class ResultValueError(ValueError):
    """A result that cannot be read back (another schema, another version, malformed). A
    ``ValueError`` whose sentence is the catalogue's: ``.msg``, said in the reader's language
    (``str()`` is the English text)."""

    def __init__(self, what: Msg) -> None:
        self.msg = what
        super().__init__(str(what))


def result_from_dict(d: dict[str, Any]) -> GradeResult:
    """Rebuild a result from its JSON form, validated against the schema; ``ResultValueError``
    naming the problems for another schema, another version or a malformed result."""
    if not isinstance(d, dict) or d.get("schema") != RESULT_SCHEMA:
        found = d.get("schema") if isinstance(d, dict) else type(d).__name__
        raise ResultValueError(msg("result_other_schema", found=found))
    if d.get("schema_version") != RESULT_SCHEMA_VERSION:
        raise ResultValueError(msg("result_version_unsupported", found=d.get("schema_version"),
                                   version=RESULT_SCHEMA_VERSION))
    problems = validate(d)
    if problems:
        raise ResultValueError(msg("result_schema_mismatch", problems="; ".join(problems[:5])))
    return GradeResult(**{
        **d,
        "student": Student(**d["student"]),
        "exercises": tuple(_exercise_from(e) for e in d["exercises"]),
        "restored_cells": tuple(d.get("restored_cells", ())),
        "messages": tuple(d.get("messages", ())),
    })


def schema() -> dict[str, Any]:
    """The JSON Schema of a result (``autograder/schemas/result.schema.json``)."""
    from importlib import resources

    text = resources.files("autograder").joinpath("schemas/result.schema.json").read_text("utf-8")
    return dict(json.loads(text))


def validate(data: dict[str, Any]) -> list[str]:
    """Problems with ``data`` as a result, one sentence each (empty: valid)."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema())
    return [f"at {'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
            for e in validator.iter_errors(data)]


def read_result(path: Path) -> tuple[str, dict[str, Any]] | Msg:
    """A results folder's file as ``(text, data)`` when it is a grading result's JSON, else the
    reason to skip it (one sentence, the file named), for the readers of a results folder."""
    name = Path(path).name
    try:
        text = Path(path).read_text(encoding="utf-8")
        data = json.loads(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return skipped_file(name, msg("result_unreadable", detail=str(exc)))
    if not isinstance(data, dict) or data.get("schema") != RESULT_SCHEMA:
        return skipped_file(name, msg("result_not_a_result"))
    return text, data


def read_result_file(path: Path) -> tuple[str, dict[str, Any]] | str:
    """``read_result`` with the reason in English (for readers that log it)."""
    read = read_result(path)
    return str(read) if isinstance(read, Msg) else read


def skipped_file(name: str, reason: Msg | str) -> Msg:
    """Why the file ``name`` of a results folder is skipped: ``"<name>: <reason>"``."""
    return msg("cli_corrupt_result", name=name, reason=reason)


def error_reason(exc: Exception) -> Msg | str:
    """The sentence of an error that stopped a result being read: its catalogue ``.msg`` when it
    has one (``ResultValueError``), else its English text."""
    found = getattr(exc, "msg", None)
    return found if isinstance(found, Msg) else str(exc)


def load_result(path: Path) -> GradeResult:
    return result_from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
