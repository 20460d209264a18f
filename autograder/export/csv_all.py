"""Every check of every student as one plain CSV row (for spreadsheets and pandas).

One row per (student, check). A result without any check (an invalid submission) still gets
one row, with an empty check id and the submission status, so no student silently vanishes.
Values (obtained, expected) are compact JSON; this file is for staff, so nothing is hidden.
Every row also carries the student's final score, the score before any late penalty and the
penalty (points), so late work is visible here too (``autograder.late``).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from autograder.fsutil import write_atomic
from autograder.results import GradeResult

COLUMNS = ("student_id", "name", "exercise", "check_id", "status", "points", "max_points",
           "obtained", "expected", "tolerance", "misconception", "final_score", "raw_score", "late_penalty")


def _json(value: Any) -> str:
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=True)


def rows(results: Iterable[GradeResult]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for r in results:
        late = r.late or {}
        base = {"student_id": r.student.id, "name": r.student.name, "final_score": r.score,
                "raw_score": late.get("raw_score", r.score), "late_penalty": late.get("penalty_points", 0.0)}
        n = 0
        for e in r.exercises:
            for c in e.checks:
                out.append({**base, "exercise": e.id, "check_id": c.id, "status": c.status,
                            "points": c.points, "max_points": c.max_points,
                            "obtained": _json(c.obtained), "expected": _json(c.expected),
                            "tolerance": c.tolerance,
                            "misconception": c.misconception.id if c.misconception else ""})
                n += 1
        if n == 0:
            out.append({**base, "exercise": "", "check_id": "", "status": r.status, "points": 0.0,
                        "max_points": r.max_score, "obtained": "", "expected": "", "tolerance": "",
                        "misconception": ""})
    return out


def to_csv(results: Sequence[GradeResult]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows(results))
    return buf.getvalue()


def write(results: Sequence[GradeResult], path: Path) -> Path:
    path = Path(path)
    write_atomic(path, to_csv(results))
    return path
