"""The built-in example class: five generated submissions graded end to end, offline.

``autograder example --out DIR`` writes, in DIR:

    submissions/     the class as Moodle's "download all submissions" lays it out
    results/         one result JSON per student (the batch grader's output)
    reports/         a report per student (HTML, Markdown) and the class summary
    exports/         Moodle worksheet + feedback zip, Canvas CSV, Gradescope results, all checks CSV

The submissions are the smoke-profile solution notebook with typical changes, so the whole
run takes a few minutes on a laptop CPU and needs no internet (only the dataset files).
"""

from __future__ import annotations

import copy
import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat

from autograder.assignment import Assignment, ExampleClass, ExampleEdit
from autograder.contract import Contract
from autograder.errors import AssignmentError
from autograder.fsutil import write_atomic
from autograder.i18n import Echo, msg


def _edit(nb: Any, cell_id: str, fn: Callable[[str], str]) -> None:
    for cell in nb.cells:
        if cell.metadata.get("autograder", {}).get("id") == cell_id:
            cell.source = fn(cell.source)
            return
    raise AssignmentError(msg("example_edit_no_cell", cell=cell_id), fix=msg("example_fix_toml"))


def _apply(nb: Any, edit: ExampleEdit) -> None:
    if edit.old and edit.old not in "".join(
            c.source for c in nb.cells if c.metadata.get("autograder", {}).get("id") == edit.cell):
        raise AssignmentError(msg("example_edit_no_text", cell=edit.cell, old=edit.old),
                              fix=msg("example_fix_toml"))
    _edit(nb, edit.cell, lambda s: edit.prepend + (s.replace(edit.old, edit.new) if edit.old else s))


def _letter(nb: Any, contract: Contract, number: int, letter: str) -> None:
    """Answer ``letter`` in the letter cell of exercise ``number`` (the contract's letter name)."""
    exercise = next((e for e in contract.exercises if e.number == number), None)
    names = [r.name for p in (exercise.parts if exercise else ()) for r in p.reads if r.type == "letter"]
    if exercise is None or not names:
        raise AssignmentError(msg("example_no_letter", number=number), fix=msg("example_fix_toml"))
    name = names[0]
    for cell in nb.cells:
        meta = cell.metadata.get("autograder", {})
        if meta.get("exercise") == exercise.id and meta.get("role") == "letter":
            cell.source = cell.source.rsplit(name, 1)[0] + f'{name} = "{letter}"'


def submissions(example: ExampleClass, solution: Any, contract: Contract) -> dict[str, bytes]:
    """Notebook bytes per student, from the solution notebook and the example's edits."""
    out: dict[str, bytes] = {}
    for student in example.students:
        nb = copy.deepcopy(solution)
        for edit in student.edits:
            _apply(nb, edit)
        for number, letter in student.letters.items():
            _letter(nb, contract, int(number), letter)
        data = nbformat.writes(nb).encode()
        out[student.name] = data[:student.truncate] if student.truncate else data
    return out


def moodle_worksheet(example: ExampleClass, max_grade: float = 100.0) -> str:
    """A grading worksheet as Moodle lets a teacher download it (before grading)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade",
                "Grade can be changed", "Last modified (submission)", "Last modified (grade)",
                "Feedback comments"])
    for s in example.students:
        w.writerow([f"Participant {s.participant}", s.name, s.email, "Submitted for grading", "",
                    f"{max_grade:.2f}", "Yes", "Saturday, 28 November 2026, 10:00 AM", "-", ""])
    return buf.getvalue()


def write_class(example: ExampleClass, folder: Path, solution: Any, contract: Contract) -> Path:
    """The class laid out as Moodle's "download all submissions" (one folder per participant)."""
    subs = folder / "submissions"
    notebooks = submissions(example, solution, contract)
    for s in example.students:
        folder_name = f"{s.name}_{s.participant}_assignsubmission_file_"
        write_atomic_bytes(subs / folder_name / "exercicios.ipynb", notebooks[s.name])
    write_atomic(folder / "moodle_grading_worksheet.csv", moodle_worksheet(example, contract.max_score))
    return subs


def write_atomic_bytes(path: Path, data: bytes) -> None:
    from autograder.fsutil import write_bytes_atomic

    write_bytes_atomic(path, data)


def default_example_assignment(spec: str | None = None) -> Assignment:
    """``spec``; else the only installed assignment; else the first (by name) with an example."""
    from autograder.assignment import all_installed, installed, load_assignment

    if spec is not None or len(installed()) == 1:
        return load_assignment(spec)
    for a in all_installed():
        if a.example() is not None:
            return a
    raise AssignmentError(msg("example_none_installed"), fix=msg("example_none_installed_fix"))


def run_example(assignment: Assignment, out: Path, key_path: Path | None = None, *,
                workers: int | None = None, echo: Echo = print, lang: str = "en") -> int:
    """Generate the example class, grade it, render reports and exports. Returns an exit code.

    ``echo`` is told what is written; ``lang`` is the operator's language, for the lines the batch
    grader prints itself (the reports are in Portuguese, as the example class)."""
    from autograder.api import GradeOptions
    from autograder.authoring import notebook
    from autograder.batch.runner import cli_grade_batch
    from autograder.export import cli_export
    from autograder.keymodel import load_key
    from autograder.report import cli_report

    example = assignment.example()
    if example is None:
        raise AssignmentError(msg("example_missing", assignment=assignment.name),
                              where=str(assignment.root), fix=msg("example_missing_fix"))
    key_path = key_path or assignment.key_path(example.profile)
    key = load_key(key_path)
    solution = notebook(assignment, "solution", key.profile)
    subs = write_class(example, out, solution, assignment.contract)
    echo(msg("example_written", assignment=assignment.name, path=str(subs), n=len(example.students)))
    for s in example.students:
        echo(msg("example_student", name=s.name, story=s.story_in(lang)))
    options = GradeOptions(time_overrides=dict(example.time_overrides))
    code = cli_grade_batch(subs, key_path, out, workers, assignment=assignment, options=options, lang=lang)
    if code != 0:
        return code
    results = out / "results"
    feedback = assignment.language  # what the students read: the assignment's language
    cli_report(results, key_path, out / "reports", lang=feedback, reveal="always", assignment=assignment,
               echo=echo)
    exports = out / "exports"
    cli_export("csv", results, exports / "all_checks.csv", key_path=key_path, assignment=assignment,
               lang=feedback, echo=echo)
    cli_export("moodle", results, exports / "moodle", key_path=key_path,
               worksheet=out / "moodle_grading_worksheet.csv", reveal="always", assignment=assignment,
               lang=feedback, echo=echo)
    cli_export("canvas", results, exports / "canvas_gradebook.csv", key_path=key_path,
               assignment_name=example.lms_name or assignment.title, assignment_id="42",
               assignment=assignment, lang=feedback, echo=echo)
    cli_export("gradescope", results, exports / "gradescope", key_path=key_path, assignment=assignment,
               lang=feedback, echo=echo)
    echo(msg("example_done", path=str(out / "reports" / "class_summary.html")))
    return 0
