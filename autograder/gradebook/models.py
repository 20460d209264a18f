"""The gradebook's schema (SQLAlchemy Core tables) and the frozen records read from it.

    students        one row per LMS identity (``Student.id`` as discovery found it)
    notebooks       submitted notebooks by content (sha256 -> bytes), so a regrade needs no download
    submissions     a student's notebook for an assignment: sha256, time, source file, late information
    attempts        every grading of a submission: assignment, key, grader version, mode, result JSON
    overrides       a TA's points for an exercise or a check of a submission: who, why, when; undone
                    overrides stay (undone_at / undone_by / undo_why), nothing is deleted
    comments        a TA's remarks on a submission (optionally on one exercise)
    reports         which attempt, overrides and templates each rendered report came from

Times are UTC (naive ``datetime`` in Python, ``timestamp`` in SQL). The same schema runs on SQLite
and PostgreSQL; ``migrations/`` (Alembic) creates and upgrades it.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from autograder.i18n import Msg, msg

metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s", "pk": "pk_%(table_name)s"})

students = Table(
    "students", metadata,
    Column("id", Integer, primary_key=True),
    Column("lms_id", String(255), nullable=False, unique=True),
    Column("name", String(255), nullable=False, server_default=""),
    Column("email", String(255), nullable=False, server_default=""),
    Column("source", String(64), nullable=False, server_default=""),
    Column("created_at", DateTime, nullable=False),
)

notebooks = Table(
    "notebooks", metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", Integer, nullable=False),
    Column("content", LargeBinary, nullable=False),
)

submissions = Table(
    "submissions", metadata,
    Column("id", Integer, primary_key=True),
    Column("student_id", Integer, ForeignKey("students.id"), nullable=False),
    Column("assignment", String(255), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("submitted_at", DateTime, nullable=True),  # the file's time as the LMS download gave it
    Column("source_file", Text, nullable=False, server_default=""),  # where the TA's download had it
    Column("late", Boolean, nullable=False, server_default="0"),
    Column("late_info", Text, nullable=False, server_default="{}"),  # JSON: what the LMS said
    Column("recorded_at", DateTime, nullable=False),
    UniqueConstraint("student_id", "assignment", "sha256", name="uq_submissions_student_assignment_sha"),
)

attempts = Table(
    "attempts", metadata,
    Column("id", Integer, primary_key=True),
    Column("submission_id", Integer, ForeignKey("submissions.id"), nullable=False, index=True),
    Column("assignment", String(255), nullable=False),
    Column("assignment_version", String(64), nullable=False, server_default=""),
    Column("contract_sha256", String(64), nullable=False, server_default=""),
    Column("key_sha256", String(64), nullable=False, server_default=""),
    Column("key_profile", String(64), nullable=False, server_default=""),
    Column("grader_version", String(64), nullable=False),
    Column("mode", String(16), nullable=False, server_default="full"),  # full | fast | unknown
    Column("status", String(32), nullable=False),  # graded | invalid_submission | grader_error
    Column("score", Float, nullable=False),
    Column("max_score", Float, nullable=False),
    Column("graded_at", DateTime, nullable=False),
    Column("recorded_at", DateTime, nullable=False),
    Column("origin", String(32), nullable=False, server_default="grade-batch"),  # grade-batch|regrade|import
    Column("result_sha256", String(64), nullable=False, unique=True),  # the same result is one attempt
    Column("result_json", Text, nullable=False),
)
Index("ix_attempts_assignment_graded", attempts.c.assignment, attempts.c.graded_at)

overrides = Table(
    "overrides", metadata,
    Column("id", Integer, primary_key=True),
    Column("submission_id", Integer, ForeignKey("submissions.id"), nullable=False, index=True),
    Column("attempt_id", Integer, ForeignKey("attempts.id"), nullable=True),  # what the TA looked at
    Column("exercise", String(128), nullable=False),
    Column("check_id", String(128), nullable=True),  # None: the whole exercise
    Column("points", Float, nullable=False),
    Column("who", String(255), nullable=False),
    Column("why", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("undone_at", DateTime, nullable=True),
    Column("undone_by", String(255), nullable=True),
    Column("undo_why", Text, nullable=True),
)

comments = Table(
    "comments", metadata,
    Column("id", Integer, primary_key=True),
    Column("submission_id", Integer, ForeignKey("submissions.id"), nullable=False, index=True),
    Column("attempt_id", Integer, ForeignKey("attempts.id"), nullable=True),
    Column("exercise", String(128), nullable=True),
    Column("who", String(255), nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
)

reports = Table(
    "reports", metadata,
    Column("id", Integer, primary_key=True),
    Column("student_id", Integer, ForeignKey("students.id"), nullable=False),
    Column("assignment", String(255), nullable=False),
    Column("out_dir", Text, nullable=False),
    Column("attempt_id", Integer, ForeignKey("attempts.id"), nullable=False),
    Column("overrides_sha256", String(64), nullable=False),
    Column("template_sha256", String(64), nullable=False),
    Column("rendered_at", DateTime, nullable=False),
    UniqueConstraint("student_id", "assignment", "out_dir", name="uq_reports_student_assignment_dir"),
)


# ---- records (what the repository returns) --------------------------------------------------

def utcnow() -> _dt.datetime:
    return _dt.datetime.now(_dt.UTC).replace(tzinfo=None, microsecond=0)


@dataclass(frozen=True)
class StudentRecord:
    id: int
    lms_id: str
    name: str
    email: str
    source: str


@dataclass(frozen=True)
class SubmissionRecord:
    id: int
    student: str  # lms_id
    assignment: str
    sha256: str
    submitted_at: _dt.datetime | None
    source_file: str
    late: bool
    late_info: dict[str, Any]
    recorded_at: _dt.datetime


@dataclass(frozen=True)
class Attempt:
    """One grading of one submission. ``result_json`` is the result file's text, byte for byte."""

    id: int
    submission_id: int
    student: str
    assignment: str
    assignment_version: str
    contract_sha256: str
    key_sha256: str
    key_profile: str
    grader_version: str
    mode: str
    status: str
    score: float
    max_score: float
    graded_at: _dt.datetime
    recorded_at: _dt.datetime
    origin: str
    result_sha256: str
    result_json: str

    def describe(self) -> Msg:
        """``attempt #12 (graded 2024-05-01 10:00 UTC, key 3f2a9c…, grader 0.1.0, full)``"""
        return msg("gradebook_attempt", id=self.id, graded=f"{self.graded_at:%Y-%m-%d %H:%M}",
                   key=self.key_sha256[:10], grader=self.grader_version, mode=self.mode)


@dataclass(frozen=True)
class Override:
    """A TA's points for ``exercise`` (``check`` None) or for one check of it, on one submission.

    ``who``/``why``/``created_at`` say who decided, why and when; an undone override keeps its
    row with ``undone_at``/``undone_by``/``undo_why`` set and no longer applies."""

    id: int
    submission_id: int
    attempt_id: int | None
    exercise: str
    check: str | None
    points: float
    who: str
    why: str
    created_at: _dt.datetime
    undone_at: _dt.datetime | None = None
    undone_by: str | None = None
    undo_why: str | None = None

    @property
    def active(self) -> bool:
        return self.undone_at is None

    @property
    def target(self) -> str:
        return f"{self.exercise}:{self.check}" if self.check else self.exercise


@dataclass(frozen=True)
class Comment:
    id: int
    submission_id: int
    attempt_id: int | None
    exercise: str | None
    who: str
    text: str
    created_at: _dt.datetime
