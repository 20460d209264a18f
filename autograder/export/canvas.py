"""Canvas gradebook import CSV (Grades > Import).

What Canvas's importer (``app/models/gradebook_importer.rb`` in instructure/canvas-lms) reads:

* the separator: "," or ";" — it tries both on the first three lines and takes the one that
  splits them consistently into more fields (``identify_delimiter``). Comma-decimal locales
  (Portuguese among them) export with ";" and write numbers with a decimal comma, which the
  importer turns back into a point (``decimal_comma_to_period``). We read both and write back in
  the file's own dialect.
* the header: ``Student,ID,...`` or, when the account shows names separately,
  ``LastName,FirstName,ID,...`` (``row_has_student_headers?``); then ``SIS User ID``,
  ``SIS Login ID`` (and ``Integration ID``, ``Root Account``) and ``Section``, which must be the
  last student column; assignment columns after that, ``Name (12345)`` updating assignment 12345
  and a title without an id creating one; ``Current Score`` and the like are ignored.
* a ``Points Possible`` row (its first cell contains the words), and rows of "Muted" /
  "Manual Posting" marks, which are not students.
* students matched by Canvas ``ID`` first, then ``SIS User ID`` / ``SIS Login ID``, then name.

Two ways:
- with an exported Canvas gradebook (recommended): every row and column is kept as exported;
  the assignment column is filled (or appended) for the students matched by Canvas ``ID``,
  ``SIS User ID``, ``SIS Login ID`` (or ``Integration ID``) equal to ``result.student.id``,
  or ``SIS Login ID`` equal to the student's email. Unmatched results and rows are reported.
- without one: rows are built from the results. ``result.student.id`` goes to ``ID`` when the
  identity came from Canvas (``student.source == "canvas"``), else to ``SIS User ID``.

Scores are final scores (after a late penalty, ``autograder.late``). Canvas may apply its own
late policy to late submissions too: use one or the other (README, "Late work").

Group assignments: "Download Submissions" (``lib/content_zipper.rb``) names the files of a group
assignment graded as a group after the group (``Assignment#representatives`` gives each group's
representative the group's name as sortable name) and the user id of one member, so such a
result lands on that member's row only. A result named after a Canvas download whose name is
not the row's student's name (as ``download_name`` writes it) is reported with what to do.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from autograder.errors import AutograderError
from autograder.export import csvfile
from autograder.fsutil import write_bytes_atomic
from autograder.i18n import Msg, msg
from autograder.naming import student_identity
from autograder.results import GradeResult

HEADER = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
POINTS_POSSIBLE = "Points Possible"
ID_COLUMNS = ("ID", "SIS User ID", "SIS Login ID", "Integration ID")
STUDENT_COLUMNS = ("Student", "LastName", "FirstName", "ID", "SIS User ID", "SIS Login ID", "Section",
                   "Integration ID", "Root Account")
_MARK_ROW = re.compile(r"^\s*(Muted|Manual Posting.*)?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class CanvasExport:
    text: str
    column: str  # the assignment column's title
    matched: tuple[str, ...]  # student ids written
    unmatched_results: tuple[Msg, ...]  # each a sentence for the operator
    unmatched_rows: tuple[Msg, ...]
    problems: tuple[Msg, ...]


def download_name(name: str) -> str:
    """A name as Canvas's "Download Submissions" writes it in its file names
    (``lib/content_zipper.rb``: sanitize_user_name turns ``_<digits>_`` into the digits and
    lowercases, sanitize_file_name keeps only letters, digits and "_"): "Souza, Ana" ->
    "souzaana", "Conceição, João" -> "conceiçãojoão"."""
    name = re.sub(r"_(\d+)_", r"\1", unicodedata.normalize("NFC", name)).lower()
    return re.sub(r"[^\w]", "", name)


def column_title(assignment_name: str, assignment_id: str | int | None = None) -> str:
    return f"{assignment_name} ({assignment_id})" if assignment_id not in (None, "") else assignment_name


def _points(score: float, max_score: float, points_possible: float, decimal_comma: bool = False) -> str:
    return csvfile.format_number(score / max_score * points_possible if max_score else 0.0, decimal_comma)


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


def _check_header(header: list[str], where: str, delimiter: str) -> bool:
    """Whether names come as LastName, FirstName; AutograderError for a header Canvas refuses."""
    first = [h.strip() for h in header[:3]]
    plain = len(header) > 3 and "Student" in first[0] and "ID" in first[1]
    split = len(header) > 4 and "LastName" in first[0] and "FirstName" in first[1] and "ID" in first[2]
    if not (plain or split):
        other = ";" if delimiter == "," else ","
        more = "…" if len(header) > 8 else ""
        hint: Msg | str = msg("canvas_other_separator", sep=other) if other in ",".join(header) else ""
        raise AutograderError(
            msg("canvas_not_a_gradebook", at=msg("export_line", file=where, line=1),
                columns=", ".join(header[:8]) + more, hint=hint),
            fix=msg("canvas_not_a_gradebook_fix"))
    if "Section" not in [h.strip() for h in header]:
        raise AutograderError(msg("canvas_no_section", at=msg("export_line", file=where, line=1)),
                              fix=msg("canvas_no_section_fix"))
    return split


def gradebook_csv(results: Sequence[GradeResult], *, assignment_name: str,
                  assignment_id: str | int | None = None, points_possible: float | None = None,
                  gradebook: str | None = None, where: str = "") -> CanvasExport:
    """The import CSV; scores are scaled to the assignment's points possible (from the
    gradebook's ``Points Possible`` row, else ``points_possible``, else the result's maximum)."""
    where = f"{where}: " if where else ""
    default_points = points_possible if points_possible is not None else (
        max((r.max_score for r in results), default=100.0))
    if gradebook is None:
        return _from_results(results, column_title(assignment_name, assignment_id), default_points)

    table = csvfile.read(gradebook, sniff=True)
    if not table.rows:
        raise AutograderError(msg("canvas_empty", file=where), fix=msg("canvas_empty_fix"))
    header, data = table.rows[0], table.rows[1:]
    split_names = _check_header(header, where, table.delimiter)
    comma = table.decimal_comma
    cols = {name: csvfile.find(header, (name,)) for name in STUDENT_COLUMNS}
    problems: list[Msg] = []
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

    def name_of(row: list[str]) -> str:
        if split_names:
            return f"{cell(row, 'FirstName')} {cell(row, 'LastName')}".strip()
        return cell(row, "Student")

    def label(n: int) -> Msg:
        return msg("canvas_row", at=msg("export_line", file=where, line=n + 2), name=name_of(data[n]),
                   id=cell(data[n], "ID"))

    def download_names(row: list[str]) -> set[str]:
        """The row's student as a download may name them: the sortable name, or the display
        name (first name first) that Canvas uses for a student in no group of a group
        assignment (``Assignment#groups_and_ungrouped``)."""
        if split_names:
            last, first = cell(row, "LastName"), cell(row, "FirstName")
        else:
            last, _, first = cell(row, "Student").partition(",")
        return {download_name(f"{last}, {first}"), download_name(f"{first} {last}")}

    def is_meta(row: list[str]) -> bool:
        return POINTS_POSSIBLE in (row[0] if row else "") or all(_MARK_ROW.match(c) for c in row)

    student_rows = [n for n, row in enumerate(data) if not is_meta(row) and cell(row, "ID")]
    nameless = [n for n, row in enumerate(data) if not is_meta(row) and not cell(row, "ID") and any(row)]
    problems += [msg("canvas_row_no_id", row=label(n)) for n in nameless]
    points = default_points
    for row in data:
        if row and POINTS_POSSIBLE in row[0]:
            found = csvfile.parse_number(row[col])
            if found is None:
                row[col] = csvfile.format_number(default_points, comma)
            else:
                points = found
    seen: dict[str, list[int]] = {}
    for n in student_rows:
        seen.setdefault(cell(data[n], "ID"), []).append(n)
    duplicated = {n for rows in seen.values() if len(rows) > 1 for n in rows}
    problems += [msg("canvas_duplicate_id", at=msg("export_lines", file=where,
                                                   lines=", ".join(str(n + 2) for n in rows)),
                     id=cid, n=len(rows))
                 for cid, rows in seen.items() if len(rows) > 1]

    claims: dict[int, list[GradeResult]] = {}
    unmatched_results: list[Msg] = []
    for r in results:
        sid, email = r.student.id.strip(), r.student.email.strip().casefold()
        rows = [n for n in student_rows
                if (sid and sid in {cell(data[n], c) for c in ID_COLUMNS})
                or (email and cell(data[n], "SIS Login ID").casefold() == email)]
        if len(rows) != 1:
            unmatched_results.append(msg("canvas_result_no_row" if not rows else "canvas_result_several_rows",
                                         student=student_identity(r)))
            continue
        claims.setdefault(rows[0], []).append(r)
    matched = []
    for n, claimants in sorted(claims.items()):
        if n in duplicated:
            continue
        if len(claimants) > 1:
            problems.append(msg("canvas_row_several_results", row=label(n), n=len(claimants)))
            continue
        r = claimants[0]
        data[n][col] = _points(r.score, r.max_score, points, comma)
        matched.append(r.student.id)
        named = r.student.name.strip()
        if (r.student.source == "canvas" and named and not r.student.id.startswith("anon_")
                and download_name(named) not in download_names(data[n])):
            problems.append(msg("canvas_row_group_download", row=label(n), named=named))
    unmatched_rows = [label(n) for n in student_rows if n not in claims]
    return CanvasExport(csvfile.Table([header, *data], table.bom, table.eol, table.delimiter).text(), title,
                        tuple(matched), tuple(unmatched_results), tuple(unmatched_rows), tuple(problems))


def write(results: Sequence[GradeResult], out_path: Path, *, assignment_name: str,
          assignment_id: str | int | None = None, points_possible: float | None = None,
          gradebook_path: Path | None = None) -> CanvasExport:
    gradebook = None
    if gradebook_path:
        try:
            gradebook = Path(gradebook_path).read_bytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise AutograderError(msg("canvas_not_utf8", name=Path(gradebook_path).name, error=str(exc)),
                                  where=str(gradebook_path), fix=msg("canvas_not_utf8_fix")) from None
    export = gradebook_csv(results, assignment_name=assignment_name, assignment_id=assignment_id,
                           points_possible=points_possible, gradebook=gradebook,
                           where=Path(gradebook_path).name if gradebook_path else "")
    write_bytes_atomic(Path(out_path), export.text.encode("utf-8"))
    return export
