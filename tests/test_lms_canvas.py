"""Canvas as the real system produces and accepts it.

Source read (github:instructure/canvas-lms, app/models/gradebook_importer.rb):
- identify_delimiter / semicolon_delimited?: the first three lines are split with ";" and with
  ","; ";" is used when it splits them consistently into more fields. csv_stream converts
  numbers with a decimal comma (decimal_comma_to_period) and skips lines of only ";, ".
- row_has_student_headers? / update_column_count: the header starts Student,ID or
  LastName,FirstName,ID; then SIS User ID, SIS Login ID (Integration ID, Root Account); the last
  student column is Section.
- check_for_non_student_row: a row whose first cell contains "Points Possible", and rows of only
  "Muted" / "Manual Posting" marks, are not students.
- process_student: matched by ID, then SIS User ID / SIS Login ID, then name.
The download's file names (``name_[LATE_]userid_fileid_file``) carry LATE_ but no time.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from autograder import late
from autograder.batch.discover import discover
from autograder.errors import AutograderError
from autograder.export import canvas, csvfile
from autograder.results import GradeResult, Student

# "Export Entire Gradebook" from an account in a comma-decimal locale (pt-BR) that shows first and
# last names separately: ";" separator, decimal commas, LastName;FirstName columns.
PT_GRADEBOOK = (
    "LastName;FirstName;ID;SIS User ID;SIS Login ID;Section;Lista 3 (111);Current Score;Final Score\r\n"
    "    Points Possible;;;;;;10,00;(read only);(read only)\r\n"
    "Souza;Ana;5001;1001;ana.souza;Turma A;;;\r\n"
    "Lima;Bruno;5002;;bruno@example.edu;Turma A;9,50;95,00;95,00\r\n"
    "Nunes;Eva;5005;1005;eva;Turma A;;;\r\n"
)


def result(student: Student, score: float) -> GradeResult:
    return GradeResult(submission_path="nb.ipynb", submission_sha256="0" * 64, student=student,
                       status="graded", score=score, max_score=100.0, exercises=(),
                       graded_at="2024-06-02T00:00:00+00:00", grader_version="0", environment={},
                       key={"sha256": "k"}, sandbox={})


def test_semicolon_dialect_and_last_first_names_are_read_and_written_back_the_same_way() -> None:
    ana = result(Student("5001", "souzaana", "", "canvas"), 85.0)
    bruno = result(Student("bruno", "", "bruno@example.edu", "filename"), 60.0)
    carla = result(Student("9999", "diascarla", "", "canvas"), 50.0)
    export = canvas.gradebook_csv([ana, bruno, carla], assignment_name="Lista 3", assignment_id=111,
                                  gradebook=PT_GRADEBOOK, where="pt.csv")
    assert export.text.count(";") == PT_GRADEBOOK.count(";") and "\r\n" in export.text
    table = list(csv.reader(io.StringIO(export.text), delimiter=";"))
    before = list(csv.reader(io.StringIO(PT_GRADEBOOK), delimiter=";"))
    assert table[0] == before[0]
    assert table[2][6] == "8,50" and table[3][6] == "6,00"  # 10 points, decimal comma
    assert table[4][6] == "" and [r[:6] for r in table] == [r[:6] for r in before]
    assert export.unmatched_rows == ("pt.csv: line 5: Eva Nunes (ID 5005)",)
    assert "diascarla" in export.unmatched_results[0] and "not enrolled" in export.unmatched_results[0]
    assert csvfile.sniff_delimiter(PT_GRADEBOOK) == ";"
    assert csvfile.parse_number(table[2][6]) == 8.5


def test_english_gradebook_keeps_commas_and_points() -> None:
    book = ("Student,ID,SIS User ID,SIS Login ID,Section,Lista 3 (111)\n"
            "    Points Possible,,,,,10.00\n" '"Souza, Ana",5001,1001,ana.souza,Turma A,\n')
    export = canvas.gradebook_csv([result(Student("1001", "Ana", "", "filename"), 85.0)],
                                  assignment_name="Lista 3", assignment_id=111, gradebook=book)
    assert export.text.splitlines()[2] == '"Souza, Ana",5001,1001,ana.souza,Turma A,8.50'


def test_what_canvas_would_refuse_is_refused_with_the_line_and_the_fix() -> None:
    with pytest.raises(AutograderError, match=r"x\.csv: line 1: this is not a Canvas gradebook") as e:
        canvas.gradebook_csv([], assignment_name="x", gradebook="Name,Score\nAna,1\n", where="x.csv")
    assert "Export Entire Gradebook" in e.value.message()
    with pytest.raises(AutograderError, match="no Section column"):
        canvas.gradebook_csv([], assignment_name="x", gradebook="Student,ID,SIS Login ID,Lab\nA,1,a,2\n")
    dup = PT_GRADEBOOK.replace("Nunes;Eva;5005", "Nunes;Eva;5001")
    export = canvas.gradebook_csv([result(Student("5001", "", "", "canvas"), 85.0)],
                                  assignment_name="Lista 3", assignment_id=111, gradebook=dup)
    assert any("Canvas ID 5001 appears 2 times" in p for p in export.problems) and export.matched == ()


def test_non_utf8_gradebook_file(tmp_path: Path) -> None:
    path = tmp_path / "notas.csv"
    path.write_bytes(PT_GRADEBOOK.replace("Lima", "Lim\u00e3").encode("latin-1"))
    with pytest.raises(AutograderError, match="notas.csv: the Canvas gradebook is not UTF-8"):
        canvas.write([], tmp_path / "out.csv", assignment_name="Lista 3", gradebook_path=path)


def test_canvas_late_mark_costs_one_period_and_reaches_the_export(tmp_path: Path) -> None:
    (tmp_path / "souzaana_LATE_5001_99001_lista3.ipynb").write_text("{}", encoding="utf-8")
    (tmp_path / "limabruno_5002_99002_lista3.ipynb").write_text("{}", encoding="utf-8")
    found = {s.student.id: s for s in discover(tmp_path).submissions}
    assert found["5001"].late and not found["5002"].late
    policy = late.LatePolicy(due=datetime(2024, 5, 31, tzinfo=timezone(timedelta(hours=-3))), per_day=10)
    graded = [late.apply(result(s.student, 85.0), policy, late.Submitted(None, s.late, "canvas LATE_ mark"))
              for s in found.values()]
    export = canvas.gradebook_csv(graded, assignment_name="Lista 3", assignment_id=111,
                                  gradebook=PT_GRADEBOOK)
    table = list(csv.reader(io.StringIO(export.text), delimiter=";"))
    assert table[2][6] == "7,50" and table[3][6] == "8,50"  # Ana: 85 − 10 (one day, estimated)
