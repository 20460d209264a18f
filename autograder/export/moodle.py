"""Moodle assignment: fill the offline grading worksheet, and build a feedback-files zip.

Worksheet: the CSV that "Download grading worksheet" gives (assignment > View all submissions,
with "Offline grading worksheet" enabled as a feedback type). Moodle's importer
(``mod/assign/feedback/offline/importgradeslib.php``) finds the columns by their (translated)
titles: ``Identifier`` holds "Participant 12345" (the assignment's participant id, digits at
the end), ``Grade`` the grade, ``Last modified (grade)`` the date it compares against, and
each feedback plugin's column (``Feedback comments``) its text. Everything else is kept as
downloaded; rows are matched by email address, or by the participant id when
``result.student.id`` is that id. Nothing is guessed: unmatched and conflicting results and
rows are reported, and their cells left alone.

Feedback zip ("Upload multiple feedback files in a zip"): Moodle's importer
(``mod/assign/feedback/file/importziplib.php``) splits each path component on "_" into
``fullname_participantid_plugintype_pluginname_`` and needs a numeric participant id in the
second field, so one folder per student ``Full Name_12345_assignsubmission_file_/`` holds the
report; underscores in names are replaced with spaces so the id stays the second field.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from autograder import templating
from autograder.assignment import Assignment
from autograder.errors import AutograderError
from autograder.export import csvfile
from autograder.i18n import translate
from autograder.keymodel import AnswerKey
from autograder.naming import student_identity
from autograder.results import GradeResult

# Column titles as Moodle writes them (English, then Portuguese language packs)
IDENTIFIER = ("Identifier", "Identificador")
FULL_NAME = ("Full name", "Nome completo")
EMAIL = ("Email address", "Endereço de email", "Endereço de e-mail", "E-mail")
GRADE = ("Grade", "Nota")
MAXIMUM = ("Maximum Grade", "Maximum grade", "Nota máxima")
CAN_CHANGE = ("Grade can be changed", "A nota pode ser alterada")
FEEDBACK = ("Feedback comments", "Comentários de feedback", "Comentários do feedback")
LOCKED = ("no", "não", "nao")
REPORT_NAME = {"pt": "relatorio.html", "en": "report.html"}
_PARTICIPANT = re.compile(r"(\d+)\s*$")
_ZIP_TIME = (2024, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Match:
    row: int  # index among the data rows
    participant: str  # the digits of "Participant 12345"
    full_name: str
    result: GradeResult


@dataclass(frozen=True)
class WorksheetFill:
    text: str  # the worksheet, filled
    matches: tuple[Match, ...]
    unmatched_results: tuple[str, ...]  # results no row was found for (or conflicting)
    unmatched_rows: tuple[str, ...]  # rows no result was found for (left as downloaded)
    problems: tuple[str, ...]  # rows found but not filled, and why


def participant_id(text: str) -> str | None:
    """``"Participant 12345"`` / ``"Participante12345"`` / ``"12345"`` -> ``"12345"``."""
    m = _PARTICIPANT.search(text.strip())
    if m is None or not re.fullmatch(r"[^\d]*\d+\s*", text.strip()):
        return None
    return m.group(1)


def result_participant(r: GradeResult) -> str | None:
    """The participant id a result names: its id when the identity came from Moodle, or an id
    written "Participant 12345". Other numeric ids (a university number) are not guessed to be
    participant ids."""
    sid = r.student.id.strip()
    if r.student.source == "moodle" or re.match(r"(?i)particip", sid):
        return participant_id(sid)
    return None


def feedback_comment(result: GradeResult, assignment: Assignment | None = None, lang: str = "pt") -> str:
    """A short translated comment: total, per-exercise scores, submission-level problems."""
    f = templating.format_number
    parts = [translate("feedback_total", lang, score=f(float(result.score)), max=f(float(result.max_score)))]
    parts += [str(m) for m in result.messages]
    if result.status == "graded":
        parts.append("; ".join(translate("feedback_exercise", lang, number=e.number, score=f(float(e.score)),
                                         max=f(float(e.max_score))) for e in result.exercises) + ".")
    parts.append(translate("feedback_see_report", lang))
    return " ".join(parts)


def fill_worksheet(worksheet: str, results: Sequence[GradeResult], *, lang: str = "pt",
                   assignment: Assignment | None = None, maximum_grade: float | None = None,
                   comment: Callable[[GradeResult], str] | None = None) -> WorksheetFill:
    """Write Grade (scaled to the row's Maximum Grade) and Feedback comments for matched rows."""
    sheet = csvfile.read(worksheet)
    table = sheet.rows
    if not table:
        raise AutograderError("The grading worksheet is empty.",
                              fix="download it again: assignment > View all submissions > "
                                  "Grading action > Download grading worksheet.")
    header, data = table[0], table[1:]
    col = {name: csvfile.find(header, names) for name, names in (
        ("id", IDENTIFIER), ("name", FULL_NAME), ("email", EMAIL), ("grade", GRADE),
        ("max", MAXIMUM), ("can_change", CAN_CHANGE), ("feedback", FEEDBACK))}
    missing = [t[0] for k, t in (("id", IDENTIFIER), ("grade", GRADE)) if col[k] is None]
    if missing:
        raise AutograderError(
            f"The grading worksheet has no {' and no '.join(repr(m) for m in missing)} column "
            f"(its columns: {', '.join(header)}).",
            fix="pass the CSV from 'Download grading worksheet' (enable 'Offline grading "
                "worksheet' in the assignment's feedback types), not a gradebook export.")
    comment = comment or (lambda r: feedback_comment(r, assignment, lang))

    def cell(row: list[str], key: str) -> str:
        i = col[key]
        return row[i] if i is not None and i < len(row) else ""

    by_email: dict[str, list[int]] = {}
    by_participant: dict[str, list[int]] = {}
    for n, row in enumerate(data):
        if email := cell(row, "email").strip().casefold():
            by_email.setdefault(email, []).append(n)
        if (pid := participant_id(cell(row, "id"))) is not None:
            by_participant.setdefault(pid, []).append(n)

    claims: dict[int, list[GradeResult]] = {}
    unmatched_results: list[str] = []
    for r in results:
        email_rows = by_email.get(r.student.email.strip().casefold(), []) if r.student.email else []
        pid = result_participant(r)
        id_rows = by_participant.get(pid, []) if pid else []
        if email_rows and id_rows and set(email_rows) != set(id_rows):
            unmatched_results.append(
                f"{student_identity(r)}: the email and the participant id point to different rows")
            continue
        rows = email_rows or id_rows
        if len(rows) != 1:
            why = "no row with this email or participant id" if not rows else "several rows match"
            unmatched_results.append(f"{student_identity(r)}: {why}")
            continue
        claims.setdefault(rows[0], []).append(r)

    matches: list[Match] = []
    problems: list[str] = []
    for n, claimants in sorted(claims.items()):
        row = data[n]
        label = f"{cell(row, 'id')} ({cell(row, 'name')})"
        if len(claimants) > 1:
            problems.append(f"{label}: {len(claimants)} results match this row "
                            f"({'; '.join(student_identity(r) for r in claimants)}); left as downloaded")
            continue
        r = claimants[0]
        if cell(row, "can_change").strip().casefold() in LOCKED:
            problems.append(f"{label}: the grade cannot be changed in Moodle (locked or overridden); "
                            "left as downloaded")
            continue
        max_text = cell(row, "max")
        maximum = csvfile.parse_number(max_text) if max_text else maximum_grade
        if maximum is None:
            problems.append(f"{label}: no Maximum Grade to scale to (pass maximum_grade=...); "
                            "left as downloaded")
            continue
        grade = r.score / r.max_score * maximum if r.max_score else 0.0
        text = f"{grade:.2f}"
        if "," in max_text and "." not in max_text:
            text = text.replace(".", ",")
        assert col["grade"] is not None
        while len(row) < len(header):
            row.append("")
        row[col["grade"]] = text
        if col["feedback"] is not None:
            row[col["feedback"]] = comment(r)
        matches.append(Match(n, participant_id(cell(row, "id")) or "", cell(row, "name"), r))
    if col["feedback"] is None and matches:
        problems.append("the worksheet has no 'Feedback comments' column, so no comment was written "
                        "(enable 'Feedback comments' in the assignment's feedback types)")

    claimed = set(claims)
    unmatched_rows = [f"{cell(row, 'id')} ({cell(row, 'name')})" for n, row in enumerate(data)
                      if n not in claimed and any(c.strip() for c in row)]
    text = csvfile.Table([header, *data], sheet.bom, sheet.eol).text()
    return WorksheetFill(text, tuple(matches), tuple(unmatched_results), tuple(unmatched_rows),
                         tuple(problems))


def _folder_name(full_name: str) -> str:
    """The full name as Moodle's zip importer can split it: no "_" or path separators."""
    clean = re.sub(r"[_/\\\x00-\x1f]+", " ", full_name).strip()
    return re.sub(r"\s+", " ", clean) or "Participant"


def feedback_zip(matches: Sequence[Match], reports: Mapping[str, str], *, lang: str = "pt",
                 plugin: str = "assignsubmission_file") -> bytes:
    """One folder ``Full Name_<participant>_<plugin>_/`` per matched row with its HTML report.

    ``reports`` maps ``result.student.id`` to the report's HTML; rows without one are skipped.
    """
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for m in matches:
            html = reports.get(m.result.student.id)
            if html is None or not m.participant:
                continue
            info = zipfile.ZipInfo(f"{_folder_name(m.full_name)}_{m.participant}_{plugin}_/"
                                   f"{REPORT_NAME.get(lang, 'report.html')}", date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, html.encode("utf-8"))
    return buf.getvalue()


@dataclass(frozen=True)
class MoodleExport:
    worksheet: Path
    feedback_zip: Path
    fill: WorksheetFill


def write(worksheet_path: Path, results: Sequence[GradeResult], out_dir: Path, *,
          key: AnswerKey | None, assignment: Assignment | None, lang: str = "pt", reveal: str = "never",
          due: datetime | None = None, now: datetime | None = None,
          maximum_grade: float | None = None) -> MoodleExport:
    """Write ``<worksheet>_filled.csv`` and ``feedback_files.zip`` into ``out_dir``."""
    from autograder.report import student_report

    worksheet_path = Path(worksheet_path)
    raw = worksheet_path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise AutograderError(f"The grading worksheet is not UTF-8 ({exc}).", where=str(worksheet_path),
                              fix="download it again from Moodle without opening and re-saving it "
                                  "in a spreadsheet program.") from None
    fill = fill_worksheet(text, results, lang=lang, assignment=assignment, maximum_grade=maximum_grade)
    reports = {m.result.student.id: student_report(m.result, key, assignment, lang=lang, reveal=reveal,  # type: ignore[arg-type]
                                                   due=due, now=now, fmt="html")
               for m in fill.matches}
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    sheet = out_dir / f"{worksheet_path.stem}_filled.csv"
    sheet.write_bytes(fill.text.encode("utf-8"))
    zpath = out_dir / "feedback_files.zip"
    zpath.write_bytes(feedback_zip(fill.matches, reports, lang=lang))
    return MoodleExport(sheet, zpath, fill)
