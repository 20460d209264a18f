"""Names for students: file names from their ids (one rule for result files, reports and
exports) and how reports and exports name a student in a sentence."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from autograder.results import GradeResult

_UNSAFE = re.compile(r"[^A-Za-z0-9._@+-]+")


def safe_name(text: str) -> str:
    """A file name for a student id: only ``A-Za-z0-9._@+-``, no leading or trailing dot or
    underscore, never empty; the same for a student's result file, report and exports.

    This is the rule the reports always used (``autograder.report``), not the batch's former
    lower-casing one: names already given to reports and LMS exports stay as they were, and an
    id that is already a plain file name (a SID, an e-mail address, a Moodle or Canvas id) is its
    own file name, case included. One addition, because a result file must never overwrite
    another student's: when anything had to change, ``-`` and 8 hex digits of the id's sha256
    are appended, so that ids such as ``a/b`` and ``a_b``, or ``João`` and ``Jo_o``, never share
    a file.
    """
    name = _UNSAFE.sub("_", text).strip("._")[:100]
    if name != text or not name:
        name = f"{name or 'student'}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"
    return name


def student_label(result: GradeResult) -> str:
    """How a report names a student: ``Name (id)``, or the id, or the submission's file name."""
    s = result.student
    return f"{s.name} ({s.id})" if s.name and s.name != s.id else s.id or Path(result.submission_path).name


def student_identity(result: GradeResult) -> str:
    """How an export's problem list names a student: every identity it has (name, id, email)."""
    s = result.student
    bits = [b for b in (s.name, f"id {s.id}" if s.id else "", s.email) if b]
    return ", ".join(bits) or result.submission_path
