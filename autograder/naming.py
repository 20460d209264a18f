"""File names derived from student ids: one rule for result files, reports and exports."""

from __future__ import annotations

import hashlib
import re

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
