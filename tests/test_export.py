"""Moodle worksheet + feedback zip, Canvas gradebook CSV, the plain per-check CSV."""

from __future__ import annotations

import csv
import dataclasses
import io
import zipfile
from pathlib import Path

import pytest

from autograder.errors import AutograderError
from autograder.export import ExportUsageError, canvas, cli_export, csv_all, moodle
from autograder.i18n import Msg
from autograder.results import GradeResult, Student
from autograder.templating import format_number
from tests.test_report_fixtures import KEY_PATH, assignment_fixture, key_fixture, results_fixture  # noqa: F401

# As Moodle 4.x writes it ("Download grading worksheet"); Bruno's row is found by email
# (his participant id differs), Diego's by participant id (his email differs), Carla has no
# row, Eva has no result.
WORKSHEET = (
    'Identifier,"Full name","Email address",Status,Grade,"Maximum Grade","Grade can be changed",'
    '"Last modified (submission)","Last modified (grade)","Feedback comments"\r\n'
    '"Participant 1001","Ana Souza",ana@example.edu,"Submitted for grading",,100.00,Yes,'
    '"Saturday, 1 June 2024, 10:00 AM",-,\r\n'
    '"Participant 2002","Bruno Lima",BRUNO@example.edu,"Submitted for grading",,100.00,Yes,'
    '"Saturday, 1 June 2024, 11:00 AM",-,\r\n'
    '"Participant 1004","Diego_Alves",diego.alves@elsewhere.org,"Submitted for grading",,10.00,Yes,'
    '"Saturday, 1 June 2024, 09:00 AM",-,\r\n'
    '"Participant 1005","Eva Nunes",eva@example.edu,"No submission",,100.00,Yes,-,-,\r\n'
)


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))


def test_moodle_worksheet_round_trip(results, assignment) -> None:
    fill = moodle.fill_worksheet("\ufeff" + WORKSHEET, list(results.values()), lang="pt",
                                 assignment=assignment)
    assert fill.text.startswith("\ufeff") and fill.text.count("\r\n") == 5  # BOM and line ends kept
    before, after = rows(WORKSHEET), rows(fill.text)
    assert after[0] == before[0] and len(after) == len(before)
    grade, feedback = before[0].index("Grade"), before[0].index("Feedback comments")
    for old, new in zip(before[1:], after[1:], strict=True):  # every other cell as downloaded
        assert [c for i, c in enumerate(old) if i not in (grade, feedback)] == \
               [c for i, c in enumerate(new) if i not in (grade, feedback)]
    ana, bruno, diego, eva = after[1:]
    assert ana[grade] == "100.00" and ana[feedback].startswith("Nota: 100 de 100.")
    ex7 = next(e for e in results["bruno"].exercises if e.id == "ex7")
    assert bruno[grade] == f"{results['bruno'].score:.2f}"
    assert f"Ex. 7: {format_number(ex7.score)}/10" in bruno[feedback]
    assert diego[grade] == f"{results['diego'].score / 10:.2f}"  # scaled to its Maximum Grade (10)
    assert eva[grade] == "" and eva[feedback] == ""
    assert [m.participant for m in fill.matches] == ["1001", "2002", "1004"]
    assert len(fill.unmatched_results) == 1 and "Carla Dias" in str(fill.unmatched_results[0])
    assert [str(u) for u in fill.unmatched_rows] == ["line 5: Participant 1005 (Eva Nunes)"]
    assert fill.unmatched_rows[0].text("pt") == "linha 5: Participant 1005 (Eva Nunes)"
    assert fill.problems == ()


def test_moodle_never_guesses(results) -> None:
    ana = results["ana"]
    # email says row 1001, participant id says row 1005: a conflict, reported, not filled
    confused = dataclasses.replace(ana, student=dataclasses.replace(ana.student, id="1005"))
    # a numeric id that did not come from Moodle is not taken for a participant id
    foreign = dataclasses.replace(results["carla"], student=Student("1005", "Carla Dias", "", "filename"))
    twin = dataclasses.replace(results["diego"])
    fill = moodle.fill_worksheet(WORKSHEET, [confused, foreign, results["diego"], twin])
    assert any("different rows" in str(u) for u in fill.unmatched_results)
    assert any("Carla Dias" in str(u) for u in fill.unmatched_results)
    assert any("2 results match this row" in str(p) for p in fill.problems)
    assert fill.matches == ()
    assert rows(fill.text) == rows(WORKSHEET)


def test_moodle_portuguese_worksheet_and_locked_grades(results) -> None:
    sheet = ("Identificador,Nome completo,Endereço de email,Status,Nota,Nota máxima,"
             "A nota pode ser alterada,Última modificação (nota),Comentários de feedback\n"
             'Participante 1002,Bruno Lima,bruno@example.edu,Enviado,,"10,00",Sim,-,\n'
             "Participante 1001,Ana Souza,ana@example.edu,Enviado,,\"10,00\",Não,-,\n")
    fill = moodle.fill_worksheet(sheet, [results["bruno"], results["ana"]], lang="pt")
    out = rows(fill.text)
    assert out[1][4] == f"{results['bruno'].score / 10:.2f}".replace(".", ",")
    assert out[2][4] == "" and any("cannot be changed" in str(p) for p in fill.problems)
    assert any("não pode ser alterada no Moodle" in p.text("pt") for p in fill.problems)


def test_moodle_rejects_a_gradebook_export() -> None:
    with pytest.raises(AutograderError, match="no 'Identifier'"):
        moodle.fill_worksheet("First name,Surname,Email address\nAna,Souza,ana@example.edu\n", [])


def test_moodle_feedback_zip_layout(results, assignment, key) -> None:
    fill = moodle.fill_worksheet(WORKSHEET, list(results.values()), assignment=assignment)
    data = moodle.feedback_zip(fill.matches, {m.result.student.id: f"<p>{m.result.student.name}</p>"
                                              for m in fill.matches}, lang="pt")
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert names == ["Ana Souza_1001_assignsubmission_file_/relatorio.html",
                     "Bruno Lima_2002_assignsubmission_file_/relatorio.html",
                     "Diego Alves_1004_assignsubmission_file_/relatorio.html"]
    for name in names:  # as Moodle's importziplib.php reads it: explode('_', part, 5)
        info = name.split("/")[0].split("_", 4)
        assert len(info) >= 4 and info[1].isdigit() and info[2:4] == ["assignsubmission", "file"]


def test_moodle_writer(tmp_path: Path, results, assignment, key) -> None:
    sheet = tmp_path / "Grades-Trabalho.csv"
    sheet.write_bytes(WORKSHEET.encode("utf-8"))
    out = moodle.write(sheet, list(results.values()), tmp_path / "out", key=key, assignment=assignment)
    assert out.worksheet.name == "Grades-Trabalho_filled.csv"
    assert b"\r\n" in out.worksheet.read_bytes()
    with zipfile.ZipFile(out.feedback_zip) as zf:
        html = zf.read("Bruno Lima_2002_assignsubmission_file_/relatorio.html").decode("utf-8")
    assert html.startswith("<!DOCTYPE html>") and "Bruno Lima" in html


# ---- Canvas ----------------------------------------------------------------------------------

GRADEBOOK = (
    "Student,ID,SIS User ID,SIS Login ID,Section,Lab 1 (111),Current Score,Final Score\n"
    "    Points Possible,,,,,10.00,(read only),(read only)\n"
    '"Souza, Ana",5001,1001,ana.souza,Turma A,9.00,90,90\n'
    '"Lima, Bruno",5002,,bruno@example.edu,Turma A,,,\n'
    '"Nunes, Eva",5005,1005,eva,Turma A,,,\n'
)


def test_canvas_built_from_results(results) -> None:
    export = canvas.gradebook_csv(list(results.values()), assignment_name="Trabalho CNN", assignment_id=222)
    out = rows(export.text)
    assert out[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Trabalho CNN (222)"]
    assert out[1] == ["Points Possible", "", "", "", "", "100.00"]
    assert len(out) == 2 + len(results)
    assert out[2] == ["Ana Souza", "", "1001", "", "", "100.00"]


def test_canvas_merges_into_an_export(results) -> None:
    export = canvas.gradebook_csv(list(results.values()), assignment_name="Trabalho CNN",
                                  gradebook=GRADEBOOK)
    before, out = rows(GRADEBOOK), rows(export.text)
    assert out[0] == [*before[0], "Trabalho CNN"]  # a new column, every other one kept
    assert [r[:-1] for r in out[1:]] == before[1:]
    assert out[1][-1] == "100.00"  # its Points Possible
    assert out[2][-1] == "100.00" and out[3][-1] == f"{results['bruno'].score:.2f}" and out[4][-1] == ""
    assert [str(r) for r in export.unmatched_rows] == ["line 5: Nunes, Eva (ID 5005)"]
    assert len(export.unmatched_results) == 2  # carla and diego

    update = canvas.gradebook_csv([results["ana"]], assignment_name="Lab 1", assignment_id=111,
                                  gradebook=GRADEBOOK)
    out = rows(update.text)
    assert out[0] == before[0] and update.column == "Lab 1 (111)"
    assert out[2][5] == "10.00"  # scaled to the column's 10 points


def test_canvas_rejects_other_csv() -> None:
    with pytest.raises(AutograderError, match="not a Canvas gradebook"):
        canvas.gradebook_csv([], assignment_name="x", gradebook="Name,Score\nAna,1\n")


# ---- the plain CSV and the CLI entry ----------------------------------------------------------

def test_csv_all_row_counts(results) -> None:
    text = csv_all.to_csv(list(results.values()))
    table = list(csv.DictReader(io.StringIO(text)))
    n_checks = {k: sum(len(e.checks) for e in r.exercises) for k, r in results.items()}
    assert len(table) == sum(max(1, n) for n in n_checks.values())
    assert list(table[0]) == list(csv_all.COLUMNS)
    bruno = [row for row in table if row["student_id"] == "1002"]
    assert len(bruno) == n_checks["bruno"]
    assert {row["misconception"] for row in bruno} >= {"hinge_01_labels", "mean_instead_of_sum", "lr_keyword"}
    carla = [row for row in table if row["student_id"] == "1003"]
    assert len(carla) == 1 and carla[0]["status"] == "invalid_submission" and carla[0]["check_id"] == ""


def _results_dir(tmp_path: Path, results: dict[str, GradeResult]) -> Path:
    d = tmp_path / "results"
    d.mkdir()
    for name, r in results.items():
        (d / f"{name}.json").write_text(r.to_json(), encoding="utf-8")
    return d


def test_cli_export(tmp_path: Path, results) -> None:
    d = _results_dir(tmp_path, results)
    lines: list[Msg] = []
    assert cli_export("csv", d, tmp_path / "all.csv", echo=lines.append) == 0
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(WORKSHEET, encoding="utf-8")
    assert cli_export("moodle", d, tmp_path / "moodle", key_path=KEY_PATH, worksheet=sheet,
                      echo=lines.append) == 1  # carla has no row: reported, exit 1
    assert any("Carla Dias" in str(line) for line in lines)
    said = [line.text("pt") for line in lines]  # what the operator reads, in their language
    assert any(line.startswith("resultados sem linha na planilha de notas (1):") for line in said), said
    assert any("notas gravadas em" in line for line in said), said
    assert cli_export("canvas", d, tmp_path / "canvas.csv", assignment_name="Trabalho",
                      echo=lines.append) == 0
    assert cli_export("gradescope", d, tmp_path / "gs", echo=lines.append) == 0
    assert len(list((tmp_path / "gs").glob("*.results.json"))) == 4
    with pytest.raises(ValueError, match="target") as e:
        cli_export("blackboard", d, tmp_path / "x")
    assert isinstance(e.value, ExportUsageError) and "blackboard" in e.value.msg.text("pt")
