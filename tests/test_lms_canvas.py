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
Source read (github:instructure/canvas-lms, lib/gradebook_exporter.rb): the Student column holds
the sortable name ("Souza, Ana"), or LastName / FirstName when names are shown separately.

"Download Submissions" (github:instructure/canvas-lms, lib/content_zipper.rb):
- get_filename: [sortable name, "LATE" if late, user id].compact.join("_"), then
  sanitize_file_name removes every character that is not [[:word:]] (Unicode letters, digits,
  "_": accents are kept, commas and spaces go); sanitize_user_name first collapses "_<digits>_"
  in the name and lowercases it. Anonymous grading: no name, "anon_<anonymous id>" (5 base58
  characters, lib/anonymity.rb) for the id.
- add_upload_submission: "<that>_<attachment id>_<display name>", the display name with
  [\x00/\\:*?"<>|]+ replaced by "_"; add_text_or_url: "<that>_text.html" / "<that>_link.html"
  (no attachment id). The zip is written with rubyzip, which sets the UTF-8 name flag only when
  Zip.unicode_names is on: names may come either way.
- app/models/assignment.rb, representatives / groups_and_ungrouped: in a group assignment graded
  as a group, each group's representative gets the group's name as sortable name (a student in
  no group keeps their own name, first name first), so the file carries the group's name and one
  member's user id; infer_comment_context_from_filename reads the user id as the first
  all-digit field and the attachment id as the second.
The download carries LATE but no time.
"""

from __future__ import annotations

import csv
import io
import zipfile
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
    assert [str(r) for r in export.unmatched_rows] == ["pt.csv: line 5: Eva Nunes (ID 5005)"]
    assert export.unmatched_rows[0].text("pt") == "pt.csv: linha 5: Eva Nunes (ID 5005)"
    unmatched = str(export.unmatched_results[0])
    assert "diascarla" in unmatched and "not enrolled" in unmatched
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
    assert any("Canvas ID 5001 appears 2 times" in str(p) for p in export.problems)
    assert export.matched == ()


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


class _RubyzipName(zipfile.ZipInfo):
    """A member named as rubyzip writes it by default: UTF-8 bytes without the UTF-8 flag."""

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:  # noqa: N802 (zipfile's own name)
        return self.filename.encode("utf-8"), self.flag_bits & ~0x800


def canvas_zip(path: Path, names: list[str], *, utf8_flag: bool) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name in names:
            zf.writestr(zipfile.ZipInfo(name) if utf8_flag else _RubyzipName(name), "{}")
    return path


DOWNLOAD = [
    "souzaana_LATE_5001_99001_lista3.ipynb",
    "conceiçãojoão_5003_99003_Lista 3_ final.ipynb",  # "Conceição, João"; display name "Lista 3: final.ipynb"
    "limabruno_5002_99002_2024_lista.ipynb",  # a display name starting with digits
    "nunesmaria_5004_text.html",  # a text entry: no attachment id
    "diaspedro_LATE_5005_link.html",  # a URL submission
    "LATE_anon_Ab3dE_99006_nb.ipynb",
]


@pytest.mark.parametrize("utf8_flag", [False, True])
def test_a_real_shaped_download_zip_is_read_as_canvas_names_it(tmp_path: Path, utf8_flag: bool) -> None:
    found = discover(canvas_zip(tmp_path / "lista-3-submissions.zip", DOWNLOAD, utf8_flag=utf8_flag),
                     extract_to=tmp_path / "x")
    assert found.layout == "canvas"
    by_id = {s.student.id: s for s in found.submissions}
    assert sorted(by_id) == ["5001", "5002", "5003", "anon_Ab3dE"]
    assert by_id["5003"].student == Student("5003", "conceiçãojoão", "", "canvas")
    assert by_id["5003"].path.name == "conceiçãojoão_5003_99003_Lista 3_ final.ipynb"
    assert by_id["5002"].path.name.endswith("_2024_lista.ipynb")  # user 5002, attachment 99002
    assert by_id["5001"].late and by_id["anon_Ab3dE"].late and not by_id["5002"].late
    # text and URL submissions belong to their students: reported as no notebook, not as unknown files
    kinds = sorted((p.kind, p.path.split(":")[-1]) for p in found.problems)
    assert kinds == [("no_notebook", "diaspedro_LATE_5005_link.html"),
                     ("no_notebook", "nunesmaria_5004_text.html")]


def test_download_names_are_sanitised_as_canvas_does() -> None:
    assert canvas.download_name("Souza, Ana") == "souzaana"
    assert canvas.download_name("Conceição, João") == "conceiçãojoão"
    assert canvas.download_name("O'Brien-Smith, Mary Ann") == "obriensmithmaryann"
    assert canvas.download_name("Silva_12_, Ana") == "silva12ana"  # "_<digits>_" collapsed


def test_a_group_submission_fills_one_members_row_and_says_so(tmp_path: Path) -> None:
    """Group assignment graded as a group: Grupo A's file carries the group's name and Bruno's id
    (its representative). Ana is in no group: her file has her own name, first name first."""
    for name in ("grupoa_5002_99010_lista3.ipynb", "anasouza_5001_99011_lista3.ipynb"):
        (tmp_path / name).write_text("{}", encoding="utf-8")
    found = {s.student.id: s.student for s in discover(tmp_path).submissions}
    assert found["5002"].name == "grupoa"
    export = canvas.gradebook_csv([result(found["5002"], 90.0), result(found["5001"], 70.0)],
                                  assignment_name="Lista 3", assignment_id=111, gradebook=PT_GRADEBOOK,
                                  where="notas.csv")
    table = list(csv.reader(io.StringIO(export.text), delimiter=";"))
    assert table[2][6] == "7,00" and table[3][6] == "9,00"  # the rows of the ids in the file names
    groupish = [p for p in map(str, export.problems) if "group" in p]
    assert len(groupish) == 1 and groupish[0].startswith("notas.csv: line 4: Bruno Lima (ID 5002)")
    assert "'grupoa'" in groupish[0] and "other members" in groupish[0]
