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
    assert len(groups) == 3 and all("--worksheet" in p.message for p in groups)


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
    assert fill.matches == () and "Grupo Z" in fill.unmatched_results[0]
    assert "Group column" in fill.unmatched_results[0]


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
    assert any("lines 2, 3: the identifier Participant 1001 appears 2 times" in p for p in fill.problems)
    assert fill.matches == ()  # not filled: which row is Ana's is not known
    assert any(u.startswith("line 6: Participant 1005") for u in fill.unmatched_rows)


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
               for p in fill.problems)


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
