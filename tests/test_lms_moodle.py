"""Moodle as the real system produces and accepts it.

Sources read (github:moodle/moodle):
- mod/assign/classes/downloader.php, get_student_prefix(): a team submission's folder is the
  GROUP's name with "_" -> " " plus "_<group id>" ("Default group" and no id for those in no
  group), then "_assignsubmission_file" (4.x, no trailing "_").
- mod/assign/gradingtable.php: the worksheet's columns in download mode: Identifier
  ("Participant N"), Full name, the identity fields (Email address), Status, Group (team
  assignments, col_team: the group's name or "Default group"), Grade, Maximum Grade, Grade can be
  changed, Last modified (submission), Last modified (grade), Feedback comments.
- mod/assign/feedback/offline/importgradeslib.php, init(): the upload is refused unless the
  Identifier, Grade and Last modified (grade) columns are all there; next(): the participant id
  is what follows "Participant", "modified" is strtotime(Last modified (grade)).
- mod/assign/feedback/offline/locallib.php, process_import_grades(): a row is skipped when the
  grade is unchanged, empty or negative, out of 0..maximum, locked, or when Moodle's grade was
  modified more than 60 s after that date unless "ignoremodified" (the option "Allow updating
  records that have been modified more recently in Moodle than in the spreadsheet") is ticked.
- mod/assign/feedback/offline/importgradeslib.php (newer): init() looks the columns up with
  get_string('gradenoun') (core 'grade' before), get_string('recordid', 'assign') and
  get_string('lastmodifiedgrade', 'assign') in the uploader's language; next() strips
  strlen(get_string('hiddenuser', 'assign')) from the Identifier ('Participant ' in English,
  'Participante' in Portuguese) and reads Last modified (grade) with PHP's strtotime().

Portuguese titles, from Moodle's AMOS language packs (the strings of the keys above):
- pt_br: sistemas-internos/moodledata lang/pt_br/assign.php, moodle.php, assignfeedback_comments.php,
  langconfig.php (MOODLE_35_STABLE); Gui5002/moodle_atualizado lang/pt_br/moodle.php (gradenoun 'Nota').
  Identificador, Nome completo, Endereço de email, Grupo, Nota, Nota máxima, Nota pode ser alterada,
  Última modificação (envio), Última modificação (nota), Comentários de feedback; dates
  strftimedaydatetime '%A, %d %b %Y, %H:%M'; defaultteam 'Grupo padrão'.
- pt: projectestac/odissea html/langpacks/pt/assign.php, moodle.php, assignfeedback_comments.php,
  langconfig.php (version 4.4): Identificador, Nome completo, E-mail, Grupo, Avaliação (gradenoun),
  Nota máxima, A nota pode ser alterada., Última atualização (submissão), Última atualização
  (avaliação), Comentários de feedback; dates '%A, %d de %B de %Y às %H:%M'; defaultteam 'Grupo
  predefinido'. projectestac/moodle-langpacks pt/assign.php, pt/moodle.php (MOODLE_32_STABLE):
  recordid 'Número de identificação', maxgrade 'Nota Máxima', grade 'Avaliação'.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from autograder.batch.discover import discover, moodle_info
from autograder.errors import AutograderError
from autograder.export import moodle
from autograder.late import LatePolicy
from autograder.results import GradeResult, Student

BRT = timezone(timedelta(hours=-3))

# A team assignment's worksheet as Moodle 4.x writes it. Participant 17 (Diego) is in Grupo B:
# a folder "Grupo A_17_..." must never give him Grupo A's grade.
TEAM_SHEET = (
    'Identifier,"Full name","Email address",Status,Group,Grade,"Maximum Grade","Grade can be changed",'
    '"Last modified (submission)","Last modified (grade)","Feedback comments"\r\n'
    '"Participant 1001","Ana Souza",ana@example.edu,"Submitted for grading","Grupo A",,100.00,Yes,'
    '"Saturday, 1 June 2024, 10:00 AM",-,\r\n'
    '"Participant 1002","Bruno Lima",bruno@example.edu,"Submitted for grading","Grupo A",,100.00,Yes,'
    '"Saturday, 1 June 2024, 10:00 AM",-,\r\n'
    '"Participant 1003","Carla Dias",carla@example.edu,"Submitted for grading","Grupo B",,100.00,Yes,'
    '"Friday, 31 May 2024, 9:00 PM",-,\r\n'
    '"Participant 17","Diego Alves",diego@example.edu,"Submitted for grading","Grupo B",,100.00,Yes,'
    '"Friday, 31 May 2024, 9:00 PM",-,\r\n'
    '"Participant 1005","Eva Nunes",eva@example.edu,"Submitted for grading","Default group",,100.00,Yes,'
    '"Friday, 31 May 2024, 8:00 PM",-,\r\n'
)
DUE = datetime(2024, 5, 31, 23, 59, tzinfo=BRT)


def team_download(root: Path) -> Path:
    for folder in ("Grupo A_17_assignsubmission_file", "Grupo B_18_assignsubmission_file",
                   "Default group_assignsubmission_file"):
        (root / folder).mkdir(parents=True)
        (root / folder / "lista.ipynb").write_text("{}", encoding="utf-8")
    return root


def result(student: Student, score: float) -> GradeResult:
    return GradeResult(submission_path="lista.ipynb", submission_sha256="0" * 64, student=student,
                       status="graded", score=score, max_score=100.0, exercises=(),
                       graded_at="2024-06-02T00:00:00+00:00", grader_version="0", environment={},
                       key={"sha256": "k"}, sandbox={})


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))


def test_a_team_download_without_worksheet_is_graded_per_group_and_reported(tmp_path: Path) -> None:
    found = discover(team_download(tmp_path / "subs"))
    assert found.layout == "moodle"
    students = {s.student.id: s.student for s in found.submissions}
    assert sorted(students) == ["group-17", "group-18", "group-default"]  # never participant 17
    assert students["group-17"] == Student("group-17", "Grupo A", "", "moodle-group")
    groups = [p for p in found.problems if p.kind == "group_submission"]
    assert len(groups) == 3 and all("--worksheet" in str(p.message) for p in groups)


def test_the_worksheet_gives_members_and_submission_times(tmp_path: Path) -> None:
    sheet = tmp_path / "Grades.csv"
    sheet.write_text(TEAM_SHEET, encoding="utf-8")
    found = discover(team_download(tmp_path / "subs"), moodle=moodle_info(sheet, BRT))
    by_id = {s.student.id: s for s in found.submissions}
    assert by_id["group-17"].members == ("1001", "1002")
    assert by_id["group-18"].members == ("1003", "17")
    assert by_id["group-default"].members == ("1005",)
    assert by_id["group-17"].submitted_at == "2024-06-01T10:00:00-03:00"
    assert [p for p in found.problems if p.kind == "group_submission"] == []


@pytest.mark.parametrize("source, sid", [("moodle-group", "group-17"), ("moodle", "17")])
def test_each_member_gets_the_group_grade_never_the_participant_with_the_group_number(
        source: str, sid: str) -> None:
    """Both a team-aware batch (group-17) and an older one that took the folder for participant 17
    are filled by group membership."""
    results = [result(Student(sid, "Grupo A", "", source), 90.0),
               result(Student("group-18" if source == "moodle-group" else "18", "Grupo B", "", source), 40.0),
               result(Student("group-default", "Default group", "", "moodle-group"), 70.0)]
    fill = moodle.fill_worksheet(TEAM_SHEET, results, lang="en")
    out = rows(fill.text)
    grade = out[0].index("Grade")
    assert [r[grade] for r in out[1:]] == ["90.00", "90.00", "40.00", "40.00", "70.00"]
    assert {m.participant: m.group for m in fill.matches} == {
        "1001": "Grupo A", "1002": "Grupo A", "1003": "Grupo B", "17": "Grupo B", "1005": "Default group"}
    assert fill.unmatched_results == () and fill.unmatched_rows == ()
    data = moodle.feedback_zip(fill.matches, {r.student.id: "<p>ok</p>" for r in results}, lang="en")
    names = sorted(zipfile.ZipFile(io.BytesIO(data)).namelist())
    assert names[0] == "Ana Souza_1001_assignsubmission_file_/report.html" and len(names) == 5


def test_a_group_the_worksheet_does_not_list_is_reported() -> None:
    fill = moodle.fill_worksheet(TEAM_SHEET, [result(Student("group-99", "Grupo Z", "", "moodle-group"), 50)])
    assert fill.matches == () and "Grupo Z" in str(fill.unmatched_results[0])
    assert "Group column" in str(fill.unmatched_results[0])


def test_a_worksheet_without_the_columns_moodle_needs_is_refused() -> None:
    no_modified = TEAM_SHEET.replace('"Last modified (grade)"', '"Modified"')
    with pytest.raises(AutograderError, match=r"Grades\.csv: line 1: .*no 'Last modified \(grade\)'"):
        moodle.fill_worksheet(no_modified, [], where="Grades.csv")
    semicolons = TEAM_SHEET.replace(",", ";")
    with pytest.raises(AutograderError, match="not comma-separated"):
        moodle.fill_worksheet(semicolons, [])
    with pytest.raises(AutograderError, match="empty"):
        moodle.fill_worksheet("", [])


def test_duplicate_identifiers_and_rows_without_result_are_named_by_line() -> None:
    sheet = TEAM_SHEET.replace('"Participant 1002"', '"Participant 1001"')
    ana = result(Student("ana", "Ana Souza", "ana@example.edu", "filename"), 80)
    fill = moodle.fill_worksheet(sheet, [ana])
    problems = [str(p) for p in fill.problems]
    assert any("lines 2, 3: the identifier Participant 1001 appears 2 times" in p for p in problems)
    assert fill.matches == ()  # not filled: which row is Ana's is not known
    assert any(u.startswith("line 6: Participant 1005") for u in map(str, fill.unmatched_rows))


def test_late_penalty_from_last_modified_submission_and_existing_grades() -> None:
    policy = LatePolicy(due=DUE, per_day=10)
    graded = TEAM_SHEET.replace('"Grupo B",,100.00,Yes,"Friday, 31 May 2024, 9:00 PM",-,',
                                '"Grupo B",55.00,100.00,Yes,"Friday, 31 May 2024, 9:00 PM",'
                                '"Sunday, 2 June 2024, 9:00 AM",', 1)
    results = [result(Student("group-17", "Grupo A", "", "moodle-group"), 90.0),
               result(Student("group-18", "Grupo B", "", "moodle-group"), 40.0)]
    fill = moodle.fill_worksheet(graded, results, lang="en", late_policy=policy)
    out = rows(fill.text)
    grade, feedback = out[0].index("Grade"), out[0].index("Feedback comments")
    assert out[1][grade] == "80.00" and "90 − 10 = 80" in out[1][feedback]  # 10 h late: one day
    assert out[3][grade] == "40.00"  # on time
    modified = out[0].index("Last modified (grade)")
    assert [r[modified] for r in out[1:]] == [r[modified] for r in rows(graded)[1:]]  # as downloaded
    assert any("line" in p and "4 already had a grade" in p and "Allow updating records" in p
               for p in map(str, fill.problems))


def test_moodle_dates_in_english_and_portuguese() -> None:
    assert moodle.parse_moodle_time("Saturday, 1 June 2024, 10:00 PM", BRT) == datetime(2024, 6, 1, 22, 0,
                                                                                        tzinfo=BRT)
    assert moodle.parse_moodle_time("sábado, 1 junho 2024, 10:00", BRT) == datetime(2024, 6, 1, 10, 0,
                                                                                    tzinfo=BRT)
    assert moodle.parse_moodle_time("sábado, 1 de junho de 2024, 22:05", BRT).hour == 22  # type: ignore[union-attr]
    assert moodle.parse_moodle_time("-") is None and moodle.parse_moodle_time("31 Foo 2024, 10:00") is None


def test_a_team_batch_with_the_worksheet_records_members_and_the_late_penalty(tmp_path: Path) -> None:
    """grade-batch --worksheet --due on a real-shaped team download: one result per group, its late
    record from the members' "Last modified (submission)", and the export fills every member."""
    import dataclasses
    import shutil

    from autograder.api import GradeOptions
    from autograder.assignment import load_assignment
    from autograder.batch.executors import InlineExecutor
    from autograder.batch.runner import grade_batch
    from autograder.results import load_result

    a = load_assignment("redes_densas")
    key = tmp_path / "key.json"
    shutil.copy(a.key_path("smoke"), key)
    sheet = tmp_path / "Grades.csv"
    sheet.write_text(TEAM_SHEET, encoding="utf-8")

    def fake(path: Path, student: Student) -> GradeResult:
        from autograder.keymodel import key_sha256

        return dataclasses.replace(result(student, 90.0), key={"sha256": key_sha256(key)})

    options = GradeOptions(late_due=DUE.isoformat(), moodle_worksheet=str(sheet))
    summary = grade_batch(team_download(tmp_path / "subs"), key, tmp_path / "out", assignment=a,
                          options=options, executor=InlineExecutor(fake))
    assert sorted(r.student_id for r in summary.rows) == ["group-17", "group-18", "group-default"]
    group_a = load_result(tmp_path / "out" / "results" / "group-17.json")
    assert group_a.late is not None and group_a.late["source"] == "moodle worksheet"
    assert group_a.late["late"] is True and group_a.score == 90.0  # --due alone: recorded, no penalty
    on_time = load_result(tmp_path / "out" / "results" / "group-18.json")
    assert on_time.late is not None and on_time.late["late"] is False
    fill = moodle.fill_worksheet(TEAM_SHEET, [group_a, on_time], lang="en",
                                 late_policy=LatePolicy(due=DUE, per_day=10))
    out = rows(fill.text)
    grade = out[0].index("Grade")
    assert [r[grade] for r in out[1:5]] == ["80.00", "80.00", "90.00", "90.00"]


# The same individual worksheet as Moodle writes it in Brazilian and European Portuguese (the
# language packs named in the module docstring); dates in each language's strftimedaydatetime.
PT_TITLES = {
    "pt_br": ("Identificador", "Nome completo", "Endereço de email", "Status", "Nota", "Nota máxima",
              "Nota pode ser alterada", "Última modificação (envio)", "Última modificação (nota)",
              "Comentários de feedback"),
    "pt": ("Identificador", "Nome completo", "E-mail", "Estado", "Avaliação", "Nota máxima",
           "A nota pode ser alterada.", "Última atualização (submissão)", "Última atualização (avaliação)",
           "Comentários de feedback"),
    "pt 3.2": ("Número de identificação", "Nome completo", "E-mail", "Estado", "Avaliação", "Nota Máxima",
               "A nota pode ser alterada.", "Última atualização (submissão)",
               "Última atualização (avaliação)", "Comentários de feedback"),
}
PT_DATES = {"pt_br": ("sábado, 1 jun 2024, 10:00", "sexta, 31 mai 2024, 21:00", "domingo, 2 jun 2024, 09:00"),
            "pt": ("sábado, 1 de junho de 2024 às 10:00", "sexta, 31 de maio de 2024 às 21:00",
                   "domingo, 2 de junho de 2024 às 09:00")}


def pt_sheet(lang: str) -> str:
    late, on_time, graded = PT_DATES["pt_br" if lang == "pt_br" else "pt"]
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(PT_TITLES[lang])
    w.writerow(["Participante1001", "Ana Souza", "ana@example.edu", "Enviado", "", "100,00", "Sim", late,
                "-", ""])
    w.writerow(["Participante1002", "Bruno Lima", "bruno@example.edu", "Enviado", "55,00", "100,00", "Sim",
                on_time, graded, ""])
    w.writerow(["Participante1003", "Carla Dias", "carla@example.edu", "Enviado", "", "100,00", "Não",
                on_time, "-", ""])
    return out.getvalue()


@pytest.mark.parametrize("lang", sorted(PT_TITLES))
def test_a_portuguese_worksheet_is_read_filled_and_written_back_with_its_own_titles(lang: str) -> None:
    """pt_br and pt titles (recordid, gradenoun, lastmodifiedgrade, ...) are found; Participante1001
    is participant 1001; the late penalty comes from the Portuguese "Last modified (submission)";
    "Não" in "Grade can be changed" locks the row; the decimal comma is kept."""
    sheet = pt_sheet(lang)
    results = [result(Student("a", "Ana Souza", "ana@example.edu", "filename"), 90.0),
               result(Student("b", "Bruno Lima", "bruno@example.edu", "filename"), 40.0),
               result(Student("1003", "Carla Dias", "", "moodle"), 70.0)]
    fill = moodle.fill_worksheet(sheet, results, lang="pt", late_policy=LatePolicy(due=DUE, per_day=10))
    out = rows(fill.text)
    assert out[0] == list(PT_TITLES[lang])  # Moodle's importer finds the columns by these titles
    assert [r[4] for r in out[1:]] == ["80,00", "40,00", ""]  # Ana 10 h late: 90 − 10; Carla locked
    assert [m.participant for m in fill.matches] == ["1001", "1002"]
    assert "90 − 10 = 80" in out[1][9] and out[3][9] == ""
    assert [r[8] for r in out[1:]] == [r[8] for r in rows(sheet)[1:]]  # Last modified (grade) as downloaded
    problems = [str(p) for p in fill.problems]
    assert any("line 4" in p and "cannot be changed" in p for p in problems)
    # Bruno's grade exists in Moodle and his date is Portuguese: strtotime cannot read it back.
    assert any("lines 3 already had a grade" in p and "not an English date" in p for p in problems)
    assert any("language set to the one it was downloaded in" in p for p in problems)
    assert any(p.text("pt").startswith("linhas 3 já tinham nota no Moodle") for p in fill.problems)


def test_english_worksheet_gets_no_language_notes_and_dates_are_told_apart() -> None:
    group_a = result(Student("group-17", "Grupo A", "", "moodle-group"), 90.0)
    fill = moodle.fill_worksheet(TEAM_SHEET, [group_a])
    assert not any("language" in p or "English date" in p for p in map(str, fill.problems))
    assert moodle.english_date("Saturday, 1 June 2024, 10:00 AM")
    assert moodle.english_date("Saturday, June 1, 2024, 10:00 AM")  # en_us order
    assert not moodle.english_date("sábado, 1 jun 2024, 10:00") and not moodle.english_date("-")
    assert not moodle.english_date("sábado, 1 de junho de 2024 às 10:00")


def test_portuguese_titles_are_found_whatever_the_spreadsheet_did_to_them() -> None:
    import unicodedata

    header = [unicodedata.normalize("NFD", "Última  atualização (avaliação) "), "NOTA",
              "A nota pode ser alterada"]
    assert moodle.find_column(header, moodle.GRADED) == 0  # decomposed accents, doubled space
    assert moodle.find_column(header, moodle.GRADE) == 1
    assert moodle.find_column(header, moodle.CAN_CHANGE) == 2  # without the pack's final "."


def test_a_portuguese_worksheet_without_the_importers_columns_names_them_in_both_languages() -> None:
    sheet = pt_sheet("pt").replace("Última atualização (avaliação)", "Modificado")
    with pytest.raises(AutograderError) as e:
        moodle.fill_worksheet(sheet, [], where="Notas.csv")
    message = e.value.message()
    assert "Notas.csv: line 1" in message and "no 'Last modified (grade)'" in message
    assert "'Última modificação (nota)'" in message and "'Última atualização (avaliação)'" in message


def test_a_pt_br_team_worksheet_gives_discovery_its_groups_and_times(tmp_path: Path) -> None:
    """Grupo (submissionteam) marks a team worksheet; "Grupo padrão" (defaultteam, pt_br) is the
    folder of those in no group; the Portuguese "Last modified (submission)" gives the time."""
    late, on_time, _ = PT_DATES["pt_br"]
    sheet = tmp_path / "Notas.csv"
    sheet.write_text(
        "Identificador,Nome completo,Endereço de email,Status,Grupo,Nota,Nota máxima,Nota pode ser alterada,"
        "Última modificação (envio),Última modificação (nota),Comentários de feedback\r\n"
        f'Participante1001,Ana Souza,ana@example.edu,Enviado,Grupo A,,"100,00",Sim,"{late}",-,\r\n'
        f'Participante1005,Eva Nunes,eva@example.edu,Enviado,Grupo padrão,,"100,00",Sim,"{on_time}",-,\r\n',
        encoding="utf-8")
    root = tmp_path / "subs"
    for folder in ("Grupo A_17_assignsubmission_file", "Grupo padrão_assignsubmission_file"):
        (root / folder).mkdir(parents=True)
        (root / folder / "lista.ipynb").write_text("{}", encoding="utf-8")
    found = {s.student.id: s for s in discover(root, moodle=moodle_info(sheet, BRT)).submissions}
    assert found["group-17"].members == ("1001",) and found["group-default"].members == ("1005",)
    assert found["group-17"].submitted_at == "2024-06-01T10:00:00-03:00"
    assert found["group-default"].submitted_at == "2024-05-31T21:00:00-03:00"
