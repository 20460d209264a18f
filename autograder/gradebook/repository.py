"""Reading and writing the gradebook: functions of a ``Connection`` (one transaction, opened by the
caller through ``store.write`` / ``store.read``) returning frozen records. No state of their own.

Writes are idempotent where a retry or a second batch could repeat them: a student, a notebook
and a submission are inserted once (``ON CONFLICT DO NOTHING``), and an attempt is identified by
the sha256 of its result text, so recording the same result twice (a resumed batch, ``gradebook
import`` of a folder already recorded) gives the same attempt.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from autograder.gradebook import models as m
from autograder.gradebook.models import (
    Attempt,
    Comment,
    Override,
    StudentRecord,
    SubmissionRecord,
    utcnow,
)
from autograder.gradebook.overrides import apply_overrides, check_override, with_comments
from autograder.i18n import Msg, msg
from autograder.results import RESULT_SCHEMA_VERSION, GradeResult, Student, result_from_dict

USABLE = ("graded", "invalid_submission")  # a grade; grader_error is not one
LATE_FIELDS = ("source", "submitted_at", "due", "late", "lateness_seconds", "estimated", "penalty_points",
               "refused")


class NotFound(LookupError):
    """No such student, attempt or override in the gradebook. ``msg`` says which (the CLI and the
    review UI show it in their language); ``str()`` is English."""

    def __init__(self, what: Msg) -> None:
        self.msg = what
        super().__init__(str(what))


class Refused(ValueError):
    """A write the gradebook refuses (an override without who or why, an override undone twice, an
    empty comment, a result that names no student). ``msg`` as ``NotFound``'s."""

    def __init__(self, what: Msg) -> None:
        self.msg = what
        super().__init__(str(what))


# ---- small helpers ----------------------------------------------------------------------------

def _insert(conn: Connection, table: Any) -> Any:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def utc(value: str | _dt.datetime | None) -> _dt.datetime | None:
    """An ISO 8601 text or a datetime as naive UTC (naive input is taken as UTC)."""
    if value is None or value == "":
        return None
    dt = value if isinstance(value, _dt.datetime) else _dt.datetime.fromisoformat(str(value))
    if dt.tzinfo is not None:
        dt = dt.astimezone(_dt.UTC).replace(tzinfo=None)
    return dt


def trusted_result(text: str) -> GradeResult:
    """A result read back from the gradebook. It was validated against the schema when recorded,
    so it is rebuilt without validating again (reading a class of 1,000 stays fast)."""
    from autograder.results import _exercise_from

    d = json.loads(text)
    if d.get("schema_version") != RESULT_SCHEMA_VERSION:
        return result_from_dict(d)  # says clearly which version it is and what to do
    return GradeResult(**{**d, "student": Student(**d["student"]),
                          "exercises": tuple(_exercise_from(e) for e in d["exercises"]),
                          "restored_cells": tuple(d.get("restored_cells", ())),
                          "messages": tuple(d.get("messages", ()))})


def infer_mode(result: Mapping[str, Any]) -> str:
    """full | fast, from how the exercises were verified; unknown when nothing ran."""
    verifications = {e.get("verification") for e in result.get("exercises", ())}
    if verifications & {"cached", "replay_verified"}:
        return "fast"
    return "full" if "executed" in verifications else "unknown"


def _student(row: Any) -> StudentRecord:
    return StudentRecord(row.id, row.lms_id, row.name, row.email, row.source)


def _submission(row: Any, lms_id: str) -> SubmissionRecord:
    return SubmissionRecord(row.id, lms_id, row.assignment, row.sha256, row.submitted_at, row.source_file,
                            bool(row.late), json.loads(row.late_info or "{}"), row.recorded_at)


def _attempt(row: Any, lms_id: str) -> Attempt:
    return Attempt(row.id, row.submission_id, lms_id, row.assignment, row.assignment_version,
                   row.contract_sha256, row.key_sha256, row.key_profile, row.grader_version, row.mode,
                   row.status, row.score, row.max_score, row.graded_at, row.recorded_at, row.origin,
                   row.result_sha256, row.result_json)


def _override(row: Any) -> Override:
    return Override(row.id, row.submission_id, row.attempt_id, row.exercise, row.check_id, row.points,
                    row.who, row.why, row.created_at, row.undone_at, row.undone_by, row.undo_why)


def _comment(row: Any) -> Comment:
    return Comment(row.id, row.submission_id, row.attempt_id, row.exercise, row.who, row.text, row.created_at)


# ---- students, notebooks, submissions ---------------------------------------------------------

def ensure_student(conn: Connection, student: Student) -> int:
    """The student's row id; created if new; name, e-mail and source updated when now known."""
    now = utcnow()
    conn.execute(_insert(conn, m.students).values(
        lms_id=student.id, name=student.name, email=student.email, source=student.source,
        created_at=now).on_conflict_do_nothing(index_elements=["lms_id"]))
    row = conn.execute(select(m.students).where(m.students.c.lms_id == student.id)).one()
    changes = {k: v for k, v in (("name", student.name), ("email", student.email), ("source", student.source))
               if v and getattr(row, k) != v}
    if changes:
        conn.execute(update(m.students).where(m.students.c.id == row.id).values(**changes))
    return int(row.id)


def store_notebook(conn: Connection, content: bytes) -> str:
    sha = hashlib.sha256(content).hexdigest()
    conn.execute(_insert(conn, m.notebooks).values(sha256=sha, size=len(content), content=content)
                 .on_conflict_do_nothing(index_elements=["sha256"]))
    return sha


def notebook(conn: Connection, sha256: str) -> bytes | None:
    """A submitted notebook's bytes, if the gradebook holds them."""
    row = conn.execute(select(m.notebooks.c.content).where(m.notebooks.c.sha256 == sha256)).first()
    return bytes(row.content) if row else None


def ensure_submission(conn: Connection, student_id: int, assignment: str, sha256: str, *,
                      submitted_at: _dt.datetime | None = None, source_file: str = "", late: bool = False,
                      late_info: Mapping[str, Any] | None = None) -> int:
    """The submission's row id (student, assignment, notebook sha256); created if new."""
    conn.execute(_insert(conn, m.submissions).values(
        student_id=student_id, assignment=assignment, sha256=sha256, submitted_at=submitted_at,
        source_file=source_file, late=late, late_info=json.dumps(dict(late_info or {}), sort_keys=True),
        recorded_at=utcnow()).on_conflict_do_nothing(index_elements=["student_id", "assignment", "sha256"]))
    row = conn.execute(select(m.submissions.c.id).where(and_(
        m.submissions.c.student_id == student_id, m.submissions.c.assignment == assignment,
        m.submissions.c.sha256 == sha256))).one()
    return int(row.id)


# ---- attempts -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Recorded:
    attempt_id: int
    new: bool  # False: this very result was already recorded


def record_attempt(conn: Connection, result_text: str, *, notebook_bytes: bytes | None = None,
                   submitted_at: _dt.datetime | None = None, source_file: str | None = None,
                   late: bool = False, late_info: Mapping[str, Any] | None = None,
                   mode: str | None = None, origin: str = "grade-batch", validate: bool = True) -> Recorded:
    """Record one result (its JSON text as written to ``results/``) as an attempt of its student's
    submission; the student and the submission are created as needed. Idempotent. ``validate``:
    check the result against its JSON schema (ValueError); a batch recording what the grader has
    just written skips it (it costs more than the record), a folder being imported does not."""
    result_sha = hashlib.sha256(result_text.encode("utf-8")).hexdigest()
    existing = conn.execute(select(m.attempts.c.id).where(m.attempts.c.result_sha256 == result_sha)).first()
    if existing:
        return Recorded(int(existing.id), False)
    d = json.loads(result_text)
    if validate:
        result_from_dict(d)  # only results valid against the schema enter the gradebook (ValueError)
    else:
        trusted_result(result_text)  # at least a result the readers can rebuild
    who = d.get("student") or {}
    student = Student(id=str(who.get("id", "")), name=who.get("name", ""), email=who.get("email", ""),
                      source=who.get("source", ""))
    if not student.id:
        raise Refused(msg("gradebook_result_no_student"))
    rec = d.get("late")  # autograder.late's record in the result, when a late policy applied
    if isinstance(rec, dict):
        late = late or bool(rec.get("late"))
        late_info = {**(late_info or {}), **{k: rec[k] for k in LATE_FIELDS if k in rec}}
        submitted_at = utc(rec.get("submitted_at")) or submitted_at
    identity = d.get("assignment") or {}
    assignment = identity.get("name") or ""
    sid = ensure_student(conn, student)
    sha = d.get("submission_sha256") or ""
    if notebook_bytes is not None:
        sha = store_notebook(conn, notebook_bytes)
    source = source_file if source_file is not None else d.get("submission_path", "")
    sub = ensure_submission(conn, sid, assignment, sha, submitted_at=utc(submitted_at), source_file=source,
                            late=late, late_info=late_info)
    key = d.get("key") or {}
    conn.execute(_insert(conn, m.attempts).values(
        submission_id=sub, assignment=assignment, assignment_version=identity.get("version", ""),
        contract_sha256=identity.get("contract_sha256", ""), key_sha256=key.get("sha256", ""),
        key_profile=key.get("profile", ""), grader_version=d.get("grader_version", ""),
        mode=mode or infer_mode(d), status=d.get("status", ""), score=float(d.get("score", 0.0)),
        max_score=float(d.get("max_score", 0.0)), graded_at=utc(d.get("graded_at")) or utcnow(),
        recorded_at=utcnow(), origin=origin, result_sha256=result_sha, result_json=result_text,
    ).on_conflict_do_nothing(index_elements=["result_sha256"]))
    row = conn.execute(select(m.attempts.c.id).where(m.attempts.c.result_sha256 == result_sha)).one()
    return Recorded(int(row.id), True)


def _attempt_query() -> Any:
    return (select(m.attempts, m.students.c.lms_id)
            .join(m.submissions, m.submissions.c.id == m.attempts.c.submission_id)
            .join(m.students, m.students.c.id == m.submissions.c.student_id))


def get_attempt(conn: Connection, attempt_id: int) -> Attempt:
    row = conn.execute(_attempt_query().where(m.attempts.c.id == attempt_id)).first()
    if row is None:
        raise NotFound(msg("gradebook_no_attempt", id=attempt_id))
    return _attempt(row, row.lms_id)


def current_attempt(conn: Connection, student: str, assignment: str, submission_sha256: str,
                    key_sha256: str, grader_version: str) -> Attempt | None:
    """The newest usable attempt of exactly this submission, key and grader version (a regrade
    would give the same), or None: what resuming a batch from the gradebook keeps."""
    row = conn.execute(_attempt_query().where(and_(
        m.students.c.lms_id == student, m.attempts.c.assignment == assignment,
        m.submissions.c.sha256 == submission_sha256, m.attempts.c.key_sha256 == key_sha256,
        m.attempts.c.grader_version == grader_version, m.attempts.c.status.in_(USABLE)))
        .order_by(m.attempts.c.graded_at.desc(), m.attempts.c.id.desc()).limit(1)).first()
    return _attempt(row, row.lms_id) if row else None


# ---- the latest grade per student ------------------------------------------------------------

@dataclass(frozen=True)
class Grade:
    """A student's grade for an assignment as exports read it: the newest usable attempt, with the
    active overrides of its submission applied."""

    student: StudentRecord
    submission: SubmissionRecord
    attempt: Attempt  # the attempt used
    overrides: tuple[Override, ...]  # the active overrides applied
    result: GradeResult  # the attempt's result with the overrides applied
    notes: tuple[Msg, ...] = ()  # what a TA should know (a newer attempt failed, ...)

    def describe(self) -> Msg:
        """One line: which attempt, how many overrides, and the notes."""
        said = msg("gradebook_grade", student=self.student.lms_id, score=f"{self.result.score:g}",
                   max=f"{self.result.max_score:g}", attempt=self.attempt.describe())
        if self.overrides:
            said = msg("gradebook_grade_overrides", grade=said, n=len(self.overrides))
        for note in self.notes:
            said = msg("gradebook_grade_note", grade=said, note=note)
        return said


def _ranked(assignment: str, statuses: Sequence[str] | None, student: str | None) -> Any:
    rank = func.row_number().over(partition_by=m.submissions.c.student_id,
                                  order_by=(m.attempts.c.graded_at.desc(), m.attempts.c.id.desc()))
    q = (select(m.attempts.c.id.label("attempt_id"), rank.label("rank"))
         .join(m.submissions, m.submissions.c.id == m.attempts.c.submission_id)
         .where(m.attempts.c.assignment == assignment))
    if statuses is not None:
        q = q.where(m.attempts.c.status.in_(statuses))
    if student is not None:
        q = q.join(m.students, m.students.c.id == m.submissions.c.student_id).where(
            m.students.c.lms_id == student)
    return q.subquery()


def latest_grades(conn: Connection, assignment: str, student: str | None = None) -> list[Grade]:
    """The latest grade of every student of ``assignment`` (or of ``student``), sorted by student."""
    ranked = _ranked(assignment, USABLE, student)
    rows = conn.execute(
        select(m.attempts, m.students, m.submissions.c.id.label("sub_id"),
               m.submissions.c.assignment.label("sub_assignment"), m.submissions.c.sha256.label("sub_sha"),
               m.submissions.c.submitted_at, m.submissions.c.source_file, m.submissions.c.late,
               m.submissions.c.late_info, m.submissions.c.recorded_at.label("sub_recorded"),
               m.students.c.id.label("student_pk"))
        .join(ranked, and_(ranked.c.attempt_id == m.attempts.c.id, ranked.c.rank == 1))
        .join(m.submissions, m.submissions.c.id == m.attempts.c.submission_id)
        .join(m.students, m.students.c.id == m.submissions.c.student_id)
        .order_by(m.students.c.lms_id)).all()
    newest = _ranked(assignment, None, student)
    failed = {r.lms_id: r for r in conn.execute(
        select(m.attempts.c.id, m.attempts.c.status, m.students.c.lms_id)
        .join(newest, and_(newest.c.attempt_id == m.attempts.c.id, newest.c.rank == 1))
        .join(m.submissions, m.submissions.c.id == m.attempts.c.submission_id)
        .join(m.students, m.students.c.id == m.submissions.c.student_id)
        .where(m.attempts.c.status.not_in(USABLE)))}
    overrides = _active_overrides(conn, assignment, [r.student_pk for r in rows])
    sub_ids = [r.sub_id for r in rows]
    comments: dict[int, list[Comment]] = {}
    for c in (_comment(row) for row in conn.execute(
            select(m.comments).where(m.comments.c.submission_id.in_(sub_ids))
            .order_by(m.comments.c.created_at, m.comments.c.id))) if sub_ids else ():
        comments.setdefault(c.submission_id, []).append(c)
    grades = []
    for r in rows:
        sub = SubmissionRecord(r.sub_id, r.lms_id, r.sub_assignment, r.sub_sha, r.submitted_at,
                               r.source_file, bool(r.late), json.loads(r.late_info or "{}"), r.sub_recorded)
        attempt = Attempt(r.id, r.submission_id, r.lms_id, r.assignment, r.assignment_version,
                          r.contract_sha256, r.key_sha256, r.key_profile, r.grader_version, r.mode, r.status,
                          r.score, r.max_score, r.graded_at, r.recorded_at, r.origin, r.result_sha256,
                          r.result_json)
        mine = [o for o in overrides.get(r.student_pk, ()) if o.submission_id == sub.id]
        earlier = [o for o in overrides.get(r.student_pk, ()) if o.submission_id != sub.id]
        notes = []
        if r.lms_id in failed:
            f = failed[r.lms_id]
            notes.append(msg("gradebook_note_newest_failed", id=f.id, status=f.status))
        if earlier:
            notes.append(msg("gradebook_note_other_overrides", n=len(earlier)))
        result = with_comments(apply_overrides(trusted_result(r.result_json), mine),
                               comments.get(sub.id, ()))
        grades.append(Grade(StudentRecord(r.student_pk, r.lms_id, r.name, r.email, r.source), sub, attempt,
                            tuple(mine), result, tuple(notes)))
    return grades


def _active_overrides(conn: Connection, assignment: str,
                      student_pks: Iterable[int]) -> dict[int, list[Override]]:
    pks = list(student_pks)
    out: dict[int, list[Override]] = {}
    if not pks:
        return out
    rows = conn.execute(
        select(m.overrides, m.submissions.c.student_id.label("student_pk"))
        .join(m.submissions, m.submissions.c.id == m.overrides.c.submission_id)
        .where(and_(m.submissions.c.assignment == assignment, m.overrides.c.undone_at.is_(None)))
        .order_by(m.overrides.c.created_at, m.overrides.c.id))
    wanted = set(pks)
    for r in rows:
        if r.student_pk in wanted:
            out.setdefault(r.student_pk, []).append(_override(r))
    return out


def latest_submissions(conn: Connection, assignment: str) -> list[tuple[StudentRecord, SubmissionRecord]]:
    """Each student's most recently recorded submission of ``assignment`` (what a regrade without
    a new download grades)."""
    rank = func.row_number().over(partition_by=m.submissions.c.student_id,
                                  order_by=(m.submissions.c.recorded_at.desc(), m.submissions.c.id.desc()))
    ranked = (select(m.submissions.c.id.label("sub_id"), rank.label("rank"))
              .where(m.submissions.c.assignment == assignment).subquery())
    rows = conn.execute(
        select(m.submissions, m.students.c.lms_id, m.students.c.name, m.students.c.email,
               m.students.c.source, m.students.c.id.label("student_pk"))
        .join(ranked, and_(ranked.c.sub_id == m.submissions.c.id, ranked.c.rank == 1))
        .join(m.students, m.students.c.id == m.submissions.c.student_id).order_by(m.students.c.lms_id))
    return [(StudentRecord(r.student_pk, r.lms_id, r.name, r.email, r.source), _submission(r, r.lms_id))
            for r in rows]


# ---- overrides and comments ---------------------------------------------------------------------

def _target_attempt(conn: Connection, student: str, assignment: str, attempt_id: int | None) -> Attempt:
    if attempt_id is not None:
        a = get_attempt(conn, attempt_id)
        if a.student != student:
            raise NotFound(msg("gradebook_attempt_of_other", id=attempt_id, owner=a.student, student=student))
        return a
    grades = latest_grades(conn, assignment, student)
    if not grades:
        raise NotFound(msg("gradebook_no_grade", student=student, assignment=assignment))
    return grades[0].attempt


def add_override(conn: Connection, student: str, assignment: str, exercise: str, check: str | None,
                 points: float, *, who: str, why: str, attempt_id: int | None = None,
                 when: _dt.datetime | None = None) -> Override:
    """Give ``points`` to ``exercise`` (or to one ``check`` of it) of the submission graded by
    ``attempt_id`` (default: the student's latest grade). ``who`` and ``why`` are required; the
    target and the points are checked against that attempt's result (``OverrideError``)."""
    if not who.strip() or not why.strip():
        raise Refused(msg("gradebook_override_needs_who_why"))
    attempt = _target_attempt(conn, student, assignment, attempt_id)
    check_override(trusted_result(attempt.result_json), exercise, check, points)
    created = utc(when) or utcnow()
    new_id = conn.execute(m.overrides.insert().values(
        submission_id=attempt.submission_id, attempt_id=attempt.id, exercise=exercise, check_id=check,
        points=float(points), who=who.strip(), why=why.strip(), created_at=created)
        .returning(m.overrides.c.id)).scalar_one()
    return get_override(conn, int(new_id))


def get_override(conn: Connection, override_id: int) -> Override:
    row = conn.execute(select(m.overrides).where(m.overrides.c.id == override_id)).first()
    if row is None:
        raise NotFound(msg("gradebook_no_override", id=override_id))
    return _override(row)


def undo_override(conn: Connection, override_id: int, *, who: str, why: str = "",
                  when: _dt.datetime | None = None) -> Override:
    """Mark an override undone (kept in the history: who undid it, when, why). Undoing an undone
    override is an error (``Refused``, a ``ValueError``)."""
    o = get_override(conn, override_id)
    if not o.active:
        raise Refused(msg("gradebook_already_undone", id=override_id, who=o.undone_by,
                          when=f"{o.undone_at:%Y-%m-%d %H:%M}"))
    if not who.strip():
        raise Refused(msg("gradebook_undo_needs_who"))
    conn.execute(update(m.overrides).where(m.overrides.c.id == override_id).values(
        undone_at=utc(when) or utcnow(), undone_by=who.strip(), undo_why=why.strip()))
    return get_override(conn, override_id)


def add_comment(conn: Connection, student: str, assignment: str, text: str, *, who: str,
                exercise: str | None = None, attempt_id: int | None = None,
                when: _dt.datetime | None = None) -> Comment:
    if not who.strip() or not text.strip():
        raise Refused(msg("gradebook_comment_needs_text_who"))
    attempt = _target_attempt(conn, student, assignment, attempt_id)
    new_id = conn.execute(m.comments.insert().values(
        submission_id=attempt.submission_id, attempt_id=attempt.id, exercise=exercise, who=who.strip(),
        text=text.strip(), created_at=utc(when) or utcnow()).returning(m.comments.c.id)).scalar_one()
    row = conn.execute(select(m.comments).where(m.comments.c.id == new_id)).one()
    return _comment(row)


# ---- history ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class History:
    """Everything the gradebook knows about one student, oldest first."""

    student: StudentRecord
    submissions: tuple[SubmissionRecord, ...]
    attempts: tuple[Attempt, ...]
    overrides: tuple[Override, ...]  # undone ones included
    comments: tuple[Comment, ...]


def history(conn: Connection, student: str, assignment: str | None = None) -> History:
    row = conn.execute(select(m.students).where(m.students.c.lms_id == student)).first()
    if row is None:
        raise NotFound(msg("gradebook_no_student", student=repr(student)))
    subs_q = select(m.submissions).where(m.submissions.c.student_id == row.id)
    if assignment is not None:
        subs_q = subs_q.where(m.submissions.c.assignment == assignment)
    subs = [_submission(r, student) for r in conn.execute(subs_q.order_by(m.submissions.c.id))]
    ids = [s.id for s in subs]
    attempts = [_attempt(r, student) for r in conn.execute(
        select(m.attempts).where(m.attempts.c.submission_id.in_(ids))
        .order_by(m.attempts.c.graded_at, m.attempts.c.id))] if ids else []
    overrides = [_override(r) for r in conn.execute(
        select(m.overrides).where(m.overrides.c.submission_id.in_(ids))
        .order_by(m.overrides.c.created_at, m.overrides.c.id))] if ids else []
    comments = [_comment(r) for r in conn.execute(
        select(m.comments).where(m.comments.c.submission_id.in_(ids))
        .order_by(m.comments.c.created_at, m.comments.c.id))] if ids else []
    return History(_student(row), tuple(subs), tuple(attempts), tuple(overrides), tuple(comments))


# ---- rendered reports ---------------------------------------------------------------------------

def report_states(conn: Connection, assignment: str, out_dir: str) -> dict[str, tuple[int, str, str]]:
    """lms_id -> (attempt id, overrides sha256, template sha256) of the reports rendered in ``out_dir``."""
    rows = conn.execute(
        select(m.reports, m.students.c.lms_id).join(m.students, m.students.c.id == m.reports.c.student_id)
        .where(and_(m.reports.c.assignment == assignment, m.reports.c.out_dir == out_dir)))
    return {r.lms_id: (r.attempt_id, r.overrides_sha256, r.template_sha256) for r in rows}


def record_report(conn: Connection, student_pk: int, assignment: str, out_dir: str, attempt_id: int,
                  overrides_sha256: str, template_sha256: str) -> None:
    values = dict(attempt_id=attempt_id, overrides_sha256=overrides_sha256, template_sha256=template_sha256,
                  rendered_at=utcnow())
    conn.execute(_insert(conn, m.reports).values(student_id=student_pk, assignment=assignment,
                                                 out_dir=out_dir, **values)
                 .on_conflict_do_update(index_elements=["student_id", "assignment", "out_dir"], set_=values))


def overrides_digest(overrides: Sequence[Override]) -> str:
    text = json.dumps([[o.id, o.exercise, o.check, o.points] for o in overrides])
    return hashlib.sha256(text.encode()).hexdigest()
