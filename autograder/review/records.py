"""What the review pages read from the gradebook, as functions over its facade (``Gradebook``).

``Gradebook.latest`` gives every student with a usable grade; a TA must also see the students whose
newest attempt is a grader error (with or without an earlier grade), so ``class_entries`` adds them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from autograder.gradebook import Attempt, Grade, Gradebook, History
from autograder.gradebook.models import StudentRecord, SubmissionRecord
from autograder.results import GradeResult, result_from_dict


@dataclass(frozen=True)
class Entry:
    """One student of the class as the review shows them."""

    student: StudentRecord
    grade: Grade | None  # the grade exports use (None: no usable attempt, only grader errors)
    newest: Attempt  # the newest attempt, whatever its status
    submission: SubmissionRecord  # the newest attempt's submission (what a regrade grades)
    result: GradeResult  # the grade's result (overrides applied), else the newest attempt's

    @property
    def id(self) -> str:
        return self.student.lms_id

    @property
    def name(self) -> str:
        return self.student.name or self.result.student.name or self.student.lms_id

    @property
    def late(self) -> bool:
        late = self.result.late or {}
        return bool(self.submission.late or late.get("late"))


def attempt_result(attempt: Attempt) -> GradeResult:
    """An attempt's result as graded (no overrides)."""
    return result_from_dict(json.loads(attempt.result_json))


def _from_history(h: History, grade: Grade | None) -> Entry | None:
    if not h.attempts:
        return None
    newest = h.attempts[-1]
    submission = next((s for s in h.submissions if s.id == newest.submission_id), None)
    if submission is None:
        return None
    result = grade.result if grade is not None else attempt_result(newest)
    return Entry(h.student, grade, newest, submission, result)


def _students(gb: Gradebook, assignment: str) -> list[StudentRecord]:
    """Every student with a submission of ``assignment``."""
    from autograder.gradebook import repository, store

    with store.read(gb.engine) as conn:
        return [s for s, _ in repository.latest_submissions(conn, assignment)]


def class_entries(gb: Gradebook, assignment: str) -> list[Entry]:
    """Every student of ``assignment`` in the gradebook, sorted by student id."""
    grades = {g.student.lms_id: g for g in gb.latest(assignment)}
    out = []
    for g in grades.values():
        if not g.notes:  # nothing newer went wrong: the grade's attempt is the newest usable one
            out.append(Entry(g.student, g, g.attempt, g.submission, g.result))
            continue
        entry = _from_history(gb.history(g.student.lms_id, assignment), g)
        out.append(entry or Entry(g.student, g, g.attempt, g.submission, g.result))
    for s in _students(gb, assignment):
        if s.lms_id not in grades:
            entry = _from_history(gb.history(s.lms_id, assignment), None)
            if entry is not None:
                out.append(entry)
    return sorted(out, key=lambda e: e.id)


def student_entry(gb: Gradebook, assignment: str, student: str) -> tuple[Entry, History] | None:
    """One student's entry and whole history (None: not in the gradebook for ``assignment``)."""
    from autograder.gradebook import NotFound

    try:
        h = gb.history(student, assignment)
    except NotFound:
        return None
    grades = gb.latest(assignment, student)
    entry = _from_history(h, grades[0] if grades else None)
    return (entry, h) if entry is not None else None


def neighbours(order: Sequence[str], current: str, wanted: Sequence[str]) -> tuple[str | None, str | None]:
    """The previous and next of ``wanted`` around ``current`` in ``order`` (wrapping around)."""
    if not wanted:
        return None, None
    pos = {s: i for i, s in enumerate(order)}
    here = pos.get(current, -1)
    ranked = sorted((s for s in wanted if s in pos and s != current), key=lambda s: pos[s])
    if not ranked:
        return None, None
    after = [s for s in ranked if pos[s] > here]
    before = [s for s in ranked if pos[s] < here]
    nxt = after[0] if after else ranked[0]
    prev = before[-1] if before else ranked[-1]
    return prev, nxt
