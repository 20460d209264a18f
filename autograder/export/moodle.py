"""Moodle assignment: fill the offline grading worksheet, and build a feedback-files zip.

Worksheet: the CSV that "Download grading worksheet" gives (assignment > View all submissions,
with "Offline grading worksheet" enabled as a feedback type). Moodle's importer
(``mod/assign/feedback/offline/importgradeslib.php``) finds the columns by their titles in the
uploader's language: ``Identifier`` holds "Participant 12345" (the assignment's participant
id, digits at the end; "Participante12345" in Portuguese), ``Grade`` the grade, ``Last
modified (grade)`` the date it compares against (read with ``strtotime``, so only an English
date is understood), and each feedback plugin's column (``Feedback comments``) its text. The
English, Brazilian (pt_br) and Portuguese (pt) titles are read: ``Identificador`` /
``Número de identificação``, ``Nota`` / ``Avaliação``, ``Última modificação (nota)`` /
``Última atualização (avaliação)``, and so on (the constants below name their sources).
Everything else is kept as downloaded; rows are matched by email address, or by the participant id when
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
import unicodedata
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path

from autograder import late as late_work
from autograder import templating
from autograder.assignment import Assignment
from autograder.errors import AutograderError
from autograder.export import csvfile
from autograder.i18n import Msg, msg, translate
from autograder.keymodel import AnswerKey
from autograder.late import LatePolicy
from autograder.naming import student_identity
from autograder.results import GradeResult

# Column titles as Moodle writes them. The worksheet is written, and read back by the importer,
# in the language of the user who downloads / uploads it, with these get_string() keys
# (mod/assign/gradingtable.php; mod/assign/feedback/offline/importgradeslib.php, init()):
# assign|recordid, core fullname, core email, assign|submissionteam, core grade (gradenoun since
# Moodle 4.x), assign|maxgrade, assign|gradecanbechanged, assign|lastmodifiedsubmission,
# assign|lastmodifiedgrade, assignfeedback_comments|pluginname. English from moodle/moodle
# (mod/assign/lang/en/assign.php, lang/en/moodle.php), then the AMOS language packs: pt_br
# (Brazil: sistemas-internos/moodledata lang/pt_br/*.php, MOODLE_35_STABLE; Gui5002/
# moodle_atualizado lang/pt_br/moodle.php, gradenoun) and pt (Portugal: projectestac/odissea
# html/langpacks/pt/*.php, 4.4; projectestac/moodle-langpacks pt/*.php, MOODLE_32_STABLE).
# Titles are compared ignoring case, accents' Unicode form, runs of spaces and a final ".".
IDENTIFIER = ("Identifier", "Identificador",  # en; pt_br and pt >= 3.5
              "Número de identificação")  # pt 3.2
FULL_NAME = ("Full name", "Nome completo")  # en; pt_br, pt
EMAIL = ("Email address", "Endereço de email", "E-mail")  # en; pt_br; pt
GRADE = ("Grade", "Nota",  # en; pt_br (grade and gradenoun)
         "Avaliação")  # pt (grade in 3.x, gradenoun in 4.x)
MAXIMUM = ("Maximum Grade", "Maximum grade", "Nota máxima")  # en (both spellings); pt_br, pt
CAN_CHANGE = ("Grade can be changed", "Nota pode ser alterada",  # en; pt_br
              "A nota pode ser alterada.")  # pt
GROUP = ("Group", "Grupo")  # en; pt_br, pt
SUBMITTED = ("Last modified (submission)", "Última modificação (envio)",  # en; pt_br
             "Última atualização (submissão)")  # pt
GRADED = ("Last modified (grade)", "Última modificação (nota)",  # en; pt_br
          "Última atualização (avaliação)")  # pt
FEEDBACK = ("Feedback comments", "Comentários de feedback")  # en; pt_br, pt
REQUIRED = (("id", IDENTIFIER), ("grade", GRADE), ("graded", GRADED))  # importgradeslib.php init()
LOCKED = ("no", "não", "nao")  # core "no": en; pt_br, pt
GROUP_SOURCES = ("moodle-group", "moodle")  # results named after a Moodle download folder
REPORT_NAME = {"pt": "relatorio.html", "en": "report.html"}
_PARTICIPANT = re.compile(r"(\d+)\s*$")
_ZIP_TIME = (2024, 1, 1, 0, 0, 0)
_EN_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
              "october", "november", "december")
_EN_ABBR = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
MONTHS = {name: i + 1 for names in (
    _EN_MONTHS, _EN_ABBR,
    ("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro",
     "novembro", "dezembro"),
    ("jan", "fev", "mar", "abr", "mai", "jun", "jul", "ago", "set", "out", "nov", "dez"))
    for i, name in enumerate(names)}
# Every word an English Moodle date (strftimedaydatetime, "%A, %d %B %Y, %I:%M %p") can hold.
_ENGLISH_WORDS = {*_EN_MONTHS, *_EN_ABBR, "am", "pm", "monday", "tuesday", "wednesday", "thursday", "friday",
                  "saturday", "sunday", "mon", "tue", "wed", "thu", "fri", "sat", "sun"}
_MOODLE_DATE = re.compile(r"(\d{1,2})\s*(?:de\s+)?([^\W\d_]+)\.?\s*(?:de\s+)?(\d{4}),?\s*(?:às\s*)?"
                          r"(\d{1,2}):(\d{2})\s*([AaPp][Mm])?")


def _title(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip().rstrip(".").strip().casefold()


def find_column(header: Sequence[str], names: Sequence[str]) -> int | None:
    """The first column whose title is one of ``names``: case, the Unicode form of accents
    (a spreadsheet may decompose "ç"), runs of spaces and a final "." ignored."""
    wanted = {_title(n) for n in names}
    return next((i for i, h in enumerate(header) if _title(h) in wanted), None)


def english_date(text: str) -> bool:
    """Whether a worksheet date is in English, the only language in which Moodle's importer can
    read it back (``strtotime`` in importgradeslib.php, next())."""
    words = [w.casefold() for w in re.findall(r"[^\W\d_]+", text)]
    return any(w in _EN_MONTHS or w in _EN_ABBR for w in words) and all(w in _ENGLISH_WORDS for w in words)


def parse_moodle_time(text: str, tz: tzinfo | None = None) -> datetime | None:
    """A date as Moodle writes it in the worksheet (userdate, the language's
    strftimedaydatetime): "Saturday, 1 June 2024, 10:00 AM" (en), "sábado, 01 jun 2024, 10:00"
    (pt_br), "sábado, 1 de junho de 2024 às 10:00" (pt); "-" or anything else: None. The text
    has no time zone: ``tz`` (the due date's), else local time."""
    m = _MOODLE_DATE.search(text.strip())
    if m is None or m.group(2).casefold() not in MONTHS:
        return None
    hour, minute = int(m.group(4)), int(m.group(5))
    if m.group(6):
        hour = hour % 12 + (12 if m.group(6).lower() == "pm" else 0)
    try:
        dt = datetime(int(m.group(3)), MONTHS[m.group(2).casefold()], int(m.group(1)), hour, minute)
    except ValueError:
        return None
    return dt.replace(tzinfo=tz) if tz is not None else dt.astimezone()


@dataclass(frozen=True)
class Match:
    row: int  # index among the data rows
    participant: str  # the digits of "Participant 12345"
    full_name: str
    result: GradeResult
    group: str = ""  # the team's name when the row got its group's grade


@dataclass(frozen=True)
class WorksheetFill:
    text: str  # the worksheet, filled
    matches: tuple[Match, ...]
    unmatched_results: tuple[Msg, ...]  # results no row was found for (or conflicting)
    unmatched_rows: tuple[Msg, ...]  # rows no result was found for (left as downloaded)
    problems: tuple[Msg, ...]  # rows found but not filled, and why; notes for the upload


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
    """A short translated comment: total, late penalty, per-exercise scores, submission problems."""
    f = templating.format_number
    parts = [translate("feedback_total", lang, score=f(float(result.score)), max=f(float(result.max_score)))]
    if line := late_work.sentence(result.late, lang):
        parts.append(line)
    from autograder.report import message_texts

    parts += list(message_texts(result, lang, assignment))  # in the catalogue's words
    if result.status == "graded":
        parts.append("; ".join(translate("feedback_exercise", lang, number=e.number, score=f(float(e.score)),
                                         max=f(float(e.max_score))) for e in result.exercises) + ".")
    parts.append(translate("feedback_see_report", lang))
    return " ".join(parts)


@dataclass(frozen=True)
class Worksheet:
    """A grading worksheet, read: its table and where its columns are."""

    table: csvfile.Table
    col: dict[str, int | None]
    where: str
    english: bool = True  # False: the titles are a language pack's (pt_br, pt)

    @property
    def header(self) -> list[str]:
        return self.table.rows[0]

    @property
    def data(self) -> list[list[str]]:
        return self.table.rows[1:]

    @property
    def team(self) -> bool:
        return self.col["group"] is not None

    def cell(self, row: list[str], key: str) -> str:
        i = self.col[key]
        return row[i].strip() if i is not None and i < len(row) else ""

    def label(self, n: int) -> Msg:
        row = self.data[n]
        return msg("moodle_row", at=msg("export_line", file=self.where, line=n + 2), id=self.cell(row, "id"),
                   name=self.cell(row, "name"))

    def lines(self, numbers: Sequence[str]) -> Msg:
        """"<file>: lines 3, 4" (line numbers as the file counts them)."""
        return msg("export_lines", file=self.where, lines=", ".join(numbers))

    def groups(self) -> dict[str, list[int]]:
        """Group name (casefolded) -> the rows of its members (team assignments)."""
        out: dict[str, list[int]] = {}
        for n, row in enumerate(self.data):
            if name := self.cell(row, "group"):
                out.setdefault(name.casefold(), []).append(n)
        return out

    def submitted(self, n: int, tz: tzinfo | None) -> datetime | None:
        return parse_moodle_time(self.cell(self.data[n], "submitted"), tz)


def read_worksheet(text: str, where: str = "") -> Worksheet:
    """Read the worksheet; refuse one without the columns Moodle's importer needs
    (Identifier, Grade, Last modified (grade): ``importgradeslib.php`` refuses the upload,
    "invalid grade import", without any of them)."""
    where = f"{where}: " if where else ""
    table = csvfile.read(text)
    if not table.rows or not any(c.strip() for c in table.rows[0]):
        raise AutograderError(msg("moodle_worksheet_empty", file=where),
                              fix=msg("moodle_worksheet_empty_fix"))
    header = table.rows[0]
    col = {name: find_column(header, names) for name, names in (
        ("id", IDENTIFIER), ("name", FULL_NAME), ("email", EMAIL), ("grade", GRADE), ("max", MAXIMUM),
        ("can_change", CAN_CHANGE), ("group", GROUP), ("submitted", SUBMITTED), ("graded", GRADED),
        ("feedback", FEEDBACK))}
    missing = [names for key, names in REQUIRED if col[key] is None]
    if missing:
        dialect: Msg | str = ""
        if len(header) == 1 and (";" in header[0] or "\t" in header[0]):
            dialect = msg("moodle_worksheet_not_comma")
        named = [msg("moodle_column_names", title=repr(names[0]),
                     translations=" / ".join(repr(n) for n in names[1:])) for names in missing]
        what = named[0] if len(named) == 1 else msg("moodle_columns_and", first=named[0], second=named[1])
        for more in named[2:]:
            what = msg("moodle_columns_and", first=what, second=more)
        raise AutograderError(
            msg("moodle_worksheet_missing_columns", at=msg("export_line", file=where, line=1), missing=what,
                columns=", ".join(header), dialect=dialect),
            fix=msg("moodle_worksheet_missing_columns_fix"))
    english = all(_title(header[i]) == _title(names[0])
                  for key, names in REQUIRED if (i := col[key]) is not None)
    return Worksheet(table, col, where, english)


def worksheet_rows(sheet: Worksheet) -> tuple[dict[str, list[int]], dict[str, list[int]], list[Msg]]:
    """Rows by email and by participant id, and the duplicate identifiers (each a sentence)."""
    by_email: dict[str, list[int]] = {}
    by_participant: dict[str, list[int]] = {}
    for n, row in enumerate(sheet.data):
        if email := sheet.cell(row, "email").casefold():
            by_email.setdefault(email, []).append(n)
        if (pid := participant_id(sheet.cell(row, "id"))) is not None:
            by_participant.setdefault(pid, []).append(n)
    duplicates = [msg("moodle_duplicate_participant", at=sheet.lines([str(n + 2) for n in rows]), id=pid,
                      n=len(rows)) for pid, rows in by_participant.items() if len(rows) > 1]
    return by_email, by_participant, duplicates


def _late(result: GradeResult, sheet: Worksheet, n: int, policy: LatePolicy | None) -> GradeResult:
    """The late policy applied from the row's "Last modified (submission)" when the result does
    not already carry a submission time."""
    if policy is None:
        return result
    recorded = late_work.submitted_from_record(result.late)
    if recorded is not None and recorded.at is not None:
        return late_work.apply(result, policy, recorded)
    at = sheet.submitted(n, policy.due.tzinfo if policy.due else None)
    if at is None:
        return result
    return late_work.apply(result, policy, late_work.Submitted(at, None, "moodle worksheet"))


def fill_worksheet(worksheet: str, results: Sequence[GradeResult], *, lang: str = "pt",
                   assignment: Assignment | None = None, maximum_grade: float | None = None,
                   comment: Callable[[GradeResult], str] | None = None,
                   late_policy: LatePolicy | None = None, where: str = "") -> WorksheetFill:
    """Write Grade (scaled to the row's Maximum Grade) and Feedback comments for matched rows.

    The filled sheet is what Moodle's importer (``assignfeedback_offline``) accepts: the grade a
    number within 0..Maximum Grade in the worksheet's own decimal mark; Identifier and "Last
    modified (grade)" as downloaded, since Moodle skips a row whose grade changed in Moodle
    after that date unless "Allow updating records that have been modified more recently in
    Moodle than in the spreadsheet" is ticked. In a team assignment (a Group column) a result
    named after a download folder is a group's: every row the worksheet lists in that group
    gets its grade; it is never matched to a participant by the folder's number."""
    sheet = read_worksheet(worksheet, where)
    data = sheet.data
    comment = comment or (lambda r: feedback_comment(r, assignment, lang))
    by_email, by_participant, problems = worksheet_rows(sheet)
    duplicated = {n for rows in by_participant.values() if len(rows) > 1 for n in rows}
    groups = sheet.groups() if sheet.team else {}

    claims: dict[int, list[tuple[GradeResult, str]]] = {}
    unmatched_results: list[Msg] = []
    for r in results:
        if sheet.team and r.student.source in GROUP_SOURCES and r.student.name:
            members = groups.get(r.student.name.strip().casefold(), [])
            if not members:
                unmatched_results.append(msg("moodle_group_not_listed", student=student_identity(r),
                                             group=r.student.name))
            for n in members:
                claims.setdefault(n, []).append((r, r.student.name))
            continue
        email_rows = by_email.get(r.student.email.strip().casefold(), []) if r.student.email else []
        pid = result_participant(r)
        id_rows = by_participant.get(pid, []) if pid else []
        if email_rows and id_rows and set(email_rows) != set(id_rows):
            unmatched_results.append(msg("moodle_email_and_id_differ", student=student_identity(r)))
            continue
        rows = email_rows or id_rows
        if len(rows) != 1:
            unmatched_results.append(msg("moodle_result_no_row" if not rows else "moodle_result_several_rows",
                                         student=student_identity(r)))
            continue
        claims.setdefault(rows[0], []).append((r, ""))

    matches: list[Match] = []
    stale: list[str] = []  # rows already graded in Moodle
    unreadable: list[str] = []  # the same, with a "Last modified (grade)" Moodle cannot read back
    for n, claimants in sorted(claims.items()):
        row = data[n]
        label = sheet.label(n)
        if n in duplicated:
            continue
        if len(claimants) > 1:
            problems.append(msg("moodle_row_several_results", row=label, n=len(claimants),
                                students="; ".join(student_identity(r) for r, _ in claimants)))
            continue
        r, group = claimants[0]
        if sheet.cell(row, "can_change").casefold() in LOCKED:
            problems.append(msg("moodle_row_locked", row=label))
            continue
        max_text = sheet.cell(row, "max")
        maximum = csvfile.parse_number(max_text) if max_text else maximum_grade
        if maximum is None:
            problems.append(msg("moodle_row_no_maximum", row=label))
            continue
        r = _late(r, sheet, n, late_policy)
        grade = min(maximum, max(0.0, r.score / r.max_score * maximum if r.max_score else 0.0))
        text = f"{grade:.2f}"
        if "," in max_text and "." not in max_text:
            text = text.replace(".", ",")
        if sheet.cell(row, "grade") and sheet.cell(row, "graded") not in ("", "-"):
            (stale if english_date(sheet.cell(row, "graded")) else unreadable).append(str(n + 2))
        assert sheet.col["grade"] is not None
        while len(row) < len(sheet.header):
            row.append("")
        row[sheet.col["grade"]] = text
        if sheet.col["feedback"] is not None:
            row[sheet.col["feedback"]] = comment(r)
        pid = participant_id(sheet.cell(row, "id")) or ""
        matches.append(Match(n, pid, sheet.cell(row, "name"), r, group))
    if sheet.col["feedback"] is None and matches:
        problems.append(msg("moodle_no_feedback_column"))
    if stale:
        problems.append(msg("moodle_rows_already_graded", at=sheet.lines(stale)))
    if unreadable:
        problems.append(msg("moodle_rows_already_graded_unreadable", at=sheet.lines(unreadable)))
    if not sheet.english and matches:
        problems.append(msg("moodle_language_pack_titles"))

    claimed = set(claims)
    unmatched_rows = [sheet.label(n) for n, row in enumerate(data)
                      if n not in claimed and any(c.strip() for c in row)]
    text = csvfile.Table([sheet.header, *data], sheet.table.bom, sheet.table.eol).text()
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
          maximum_grade: float | None = None, late_policy: LatePolicy | None = None) -> MoodleExport:
    """Write ``<worksheet>_filled.csv`` and ``feedback_files.zip`` into ``out_dir``."""
    from autograder.report import student_report

    worksheet_path = Path(worksheet_path)
    raw = worksheet_path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise AutograderError(msg("moodle_worksheet_not_utf8", error=str(exc)), where=str(worksheet_path),
                              fix=msg("moodle_worksheet_not_utf8_fix")) from None
    fill = fill_worksheet(text, results, lang=lang, assignment=assignment, maximum_grade=maximum_grade,
                          late_policy=late_policy, where=worksheet_path.name)
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
