"""Canvas gradebook import CSV (Grades > Import).

Canvas reads a header ``Student,ID,SIS User ID,SIS Login ID,Section,<assignment columns>``,
an optional ``Points Possible`` row, then one row per student, and matches students by ``ID``
(Canvas user id) or SIS ids. An assignment column titled ``Name (12345)`` updates assignment
12345; a title without an id creates a new assignment.

Two ways:
- with an exported Canvas gradebook (recommended): every row and column is kept as exported;
  the assignment column is filled (or appended) for the students matched by Canvas ``ID``,
  ``SIS User ID``, ``SIS Login ID`` (or ``Integration ID``) equal to ``result.student.id``,
  or ``SIS Login ID`` equal to the student's email. Unmatched results and rows are reported.
- without one: rows are built from the results. ``result.student.id`` goes to ``ID`` when the
  identity came from Canvas (``student.source == "canvas"``), else to ``SIS User ID``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from autograder.errors import AutograderError
from autograder.export import csvfile
from autograder.fsutil import write_bytes_atomic
from autograder.naming import student_identity
from autograder.results import GradeResult

HEADER = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
POINTS_POSSIBLE = "Points Possible"
ID_COLUMNS = ("ID", "SIS User ID", "SIS Login ID", "Integration ID")


@dataclass(frozen=True)
class CanvasExport:
    text: str
    column: str  # the assignment column's title
    matched: tuple[str, ...]  # student ids written
    unmatched_results: tuple[str, ...]
    unmatched_rows: tuple[str, ...]
    problems: tuple[str, ...]


def column_title(assignment_name: str, assignment_id: str | int | None = None) -> str:
    return f"{assignment_name} ({assignment_id})" if assignment_id not in (None, "") else assignment_name


def _points(score: float, max_score: float, points_possible: float) -> str:
    return f"{score / max_score * points_possible if max_score else 0.0:.2f}"


def _from_results(results: Sequence[GradeResult], title: str, points: float) -> CanvasExport:
    rows = [[*HEADER, title], [POINTS_POSSIBLE, "", "", "", "", f"{points:.2f}"]]
    for r in results:
        s = r.student
        canvas_id, sis_id = (s.id, "") if s.source == "canvas" else ("", s.id)
        rows.append([s.name or s.id, canvas_id, sis_id, "", "", _points(r.score, r.max_score, points)])
    return CanvasExport(csvfile.Table(rows).text(), title, tuple(r.student.id for r in results), (), (), ())


def _assignment_column(header: list[str], name: str, assignment_id: str | int | None) -> int | None:
    title = column_title(name, assignment_id)
    exact = [i for i, h in enumerate(header) if h.strip() == title]
    if exact:
        return exact[0]
    if assignment_id not in (None, ""):
        by_id = [i for i, h in enumerate(header) if h.strip().endswith(f"({assignment_id})")]
        return by_id[0] if len(by_id) == 1 else None
    by_name = [i for i, h in enumerate(header) if h.strip().startswith(f"{name} (")]
    return by_name[0] if len(by_name) == 1 else None


def gradebook_csv(results: Sequence[GradeResult], *, assignment_name: str,
                  assignment_id: str | int | None = None, points_possible: float | None = None,
                  gradebook: str | None = None) -> CanvasExport:
    """The import CSV; scores are scaled to the assignment's points possible (from the
    gradebook's ``Points Possible`` row, else ``points_possible``, else the result's maximum)."""
    default_points = points_possible if points_possible is not None else (
        max((r.max_score for r in results), default=100.0))
    if gradebook is None:
        return _from_results(results, column_title(assignment_name, assignment_id), default_points)

    table = csvfile.read(gradebook)
    if not table.rows:
        raise AutograderError("The Canvas gradebook CSV is empty.",
                              fix="export it again: Grades > Export > Export Entire Gradebook.")
    header, data = table.rows[0], table.rows[1:]
    cols = {name: csvfile.find(header, (name,)) for name in (*HEADER, "Integration ID")}
    if cols["Student"] is None or cols["ID"] is None:
        raise AutograderError(
            f"This is not a Canvas gradebook export: no 'Student' or 'ID' column "
            f"(columns: {', '.join(header[:8])}…).",
            fix="pass the CSV from Grades > Export > Export Entire Gradebook.")
    problems: list[str] = []
    col = _assignment_column(header, assignment_name, assignment_id)
    title = column_title(assignment_name, assignment_id)
    if col is None:
        header.append(title)
        col = len(header) - 1
    else:
        title = header[col]
    for row in data:
        while len(row) < len(header):
            row.append("")

    def cell(row: list[str], name: str) -> str:
        i = cols.get(name)
        return row[i].strip() if i is not None and i < len(row) else ""

    student_rows = [n for n, row in enumerate(data) if cell(row, "ID")]
    meta_rows = [n for n in range(len(data)) if n not in set(student_rows)]
    points = default_points
    for n in meta_rows:
        if cell(data[n], "Student") == POINTS_POSSIBLE:
            found = csvfile.parse_number(data[n][col])
            if found is None:
                data[n][col] = f"{default_points:.2f}"
            else:
                points = found

    claims: dict[int, list[GradeResult]] = {}
    unmatched_results: list[str] = []
    for r in results:
        sid, email = r.student.id.strip(), r.student.email.strip().casefold()
        rows = [n for n in student_rows
                if (sid and sid in {cell(data[n], c) for c in ID_COLUMNS})
                or (email and cell(data[n], "SIS Login ID").casefold() == email)]
        if len(rows) != 1:
            why = "no gradebook row with this id or login" if not rows else "several gradebook rows match"
            unmatched_results.append(f"{student_identity(r)}: {why}")
            continue
        claims.setdefault(rows[0], []).append(r)
    matched = []
    for n, claimants in sorted(claims.items()):
        if len(claimants) > 1:
            problems.append(f"{cell(data[n], 'Student')} (ID {cell(data[n], 'ID')}): "
                            f"{len(claimants)} results match this row; left as exported")
            continue
        r = claimants[0]
        data[n][col] = _points(r.score, r.max_score, points)
        matched.append(r.student.id)
    unmatched_rows = [f"{cell(data[n], 'Student')} (ID {cell(data[n], 'ID')})"
                      for n in student_rows if n not in claims]
    return CanvasExport(csvfile.Table([header, *data], table.bom, table.eol).text(), title,
                        tuple(matched), tuple(unmatched_results), tuple(unmatched_rows), tuple(problems))


def write(results: Sequence[GradeResult], out_path: Path, *, assignment_name: str,
          assignment_id: str | int | None = None, points_possible: float | None = None,
          gradebook_path: Path | None = None) -> CanvasExport:
    gradebook = Path(gradebook_path).read_bytes().decode("utf-8") if gradebook_path else None
    export = gradebook_csv(results, assignment_name=assignment_name, assignment_id=assignment_id,
                           points_possible=points_possible, gradebook=gradebook)
    write_bytes_atomic(Path(out_path), export.text.encode("utf-8"))
    return export
