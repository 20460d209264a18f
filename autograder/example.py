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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from autograder.fsutil import write_atomic

MISTAKES = {
    # exercise 1: hinge with the 0/1 labels (the sheet's own code line)
    "ex1-answer-1": ("hi_mult = 1 - (yh * y_hat_hi)", "hi_mult = 1 - (y * y_hat_hi)"),
    # exercise 3: mean instead of sum (the distractors' numbers)
    "ex3-answer-1": ("np.sum(", "np.mean("),
}


@dataclass(frozen=True)
class ExampleStudent:
    name: str
    participant: int
    email: str
    story: str  # what this submission shows


STUDENTS = (
    ExampleStudent("Ana Souza", 1001, "ana.souza@example.edu", "correct: full marks"),
    ExampleStudent("Bruno Lima", 1002, "bruno.lima@example.edu",
                   "typical mistakes: 0/1 hinge, mean instead of sum, images not divided by 255, "
                   "two wrong letters"),
    ExampleStudent("Carla Dias", 1003, "carla.dias@example.edu",
                   "broken: an exception in exercise 1 and `lr=` (Keras 2) in exercise 10"),
    ExampleStudent("Diego Rocha", 1004, "diego.rocha@example.edu",
                   "hostile: an infinite loop in exercise 3 (timeout) and reading the key"),
    ExampleStudent("Eva Martins", 1005, "eva.martins@example.edu", "malformed .ipynb (truncated)"),
)


def _edit(nb: Any, cell_id: str, fn: Callable[[str], str]) -> None:
    for cell in nb.cells:
        if cell.metadata.get("autograder", {}).get("id") == cell_id:
            cell.source = fn(cell.source)
            return
    raise KeyError(f"no cell {cell_id} in the solution notebook")


def _replace(nb: Any, cell_id: str, old: str, new: str) -> None:
    _edit(nb, cell_id, lambda s: s.replace(old, new))


def _letter(nb: Any, number: int, letter: str) -> None:
    _edit(nb, f"ex{number}-letter", lambda s: s.rsplit("resposta_", 1)[0] + f'resposta_{number} = "{letter}"')


def submissions(solution: Any) -> dict[str, bytes]:
    """Notebook bytes per student, from the solution notebook."""
    out: dict[str, bytes] = {}
    out["Ana Souza"] = nbformat.writes(solution).encode()

    bruno = copy.deepcopy(solution)
    for cid, (good, bad) in MISTAKES.items():
        _replace(bruno, cid, good, bad)
    _edit(bruno, "ex10-answer-1", lambda s: s.replace("/ 255.0", "/ 1.0"))
    _letter(bruno, 2, "a")
    _letter(bruno, 9, "b")
    out["Bruno Lima"] = nbformat.writes(bruno).encode()

    carla = copy.deepcopy(solution)
    # a typo: the model is called logr1 -> NameError on the student's own line
    _edit(carla, "ex1-answer-1", lambda s: s.replace("y_hat = logr1.", "y_hat = logr."))
    _edit(carla, "ex10-answer-2", lambda s: s.replace("learning_rate=", "lr="))
    out["Carla Dias"] = nbformat.writes(carla).encode()

    diego = copy.deepcopy(solution)
    hostile = ("import glob\nsegredos = glob.glob('/work/**/key.json', recursive=True)  # finds nothing\n"
               "while True:\n    pass\n")
    _edit(diego, "ex3-answer-1", lambda s: hostile + s)
    out["Diego Rocha"] = nbformat.writes(diego).encode()

    out["Eva Martins"] = nbformat.writes(solution).encode()[:5000]
    return out


def moodle_worksheet(max_grade: float = 100.0) -> str:
    """A grading worksheet as Moodle lets a teacher download it (before grading)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade",
                "Grade can be changed", "Last modified (submission)", "Last modified (grade)",
                "Feedback comments"])
    for s in STUDENTS:
        w.writerow([f"Participant {s.participant}", s.name, s.email, "Submitted for grading", "",
                    f"{max_grade:.2f}", "Yes", "Saturday, 28 November 2026, 10:00 AM", "-", ""])
    return buf.getvalue()


def write_class(folder: Path, solution: Any) -> Path:
    """The class laid out as Moodle's "download all submissions" (one folder per participant)."""
    subs = folder / "submissions"
    notebooks = submissions(solution)
    for s in STUDENTS:
        folder_name = f"{s.name}_{s.participant}_assignsubmission_file_"
        write_atomic_bytes(subs / folder_name / "exercicios.ipynb", notebooks[s.name])
    write_atomic(folder / "moodle_grading_worksheet.csv", moodle_worksheet())
    return subs


def write_atomic_bytes(path: Path, data: bytes) -> None:
    from autograder.fsutil import write_bytes_atomic

    write_bytes_atomic(path, data)


def run_example(out: Path, key_path: Path, *, workers: int | None = None,
                echo: Callable[[str], None] = print) -> int:
    """Generate the example class, grade it, render reports and exports. Returns an exit code."""
    from assignments.build import notebook
    from autograder.api import GradeOptions
    from autograder.batch.runner import cli_grade_batch
    from autograder.export import cli_export
    from autograder.keymodel import load_key
    from autograder.report import cli_report
    from reference.profiles import get_profile

    key = load_key(key_path)
    solution = notebook("solution", get_profile(key.profile))
    subs = write_class(out, solution)
    echo(f"example class written to {subs} ({len(STUDENTS)} students):")
    for s in STUDENTS:
        echo(f"  {s.name}: {s.story}")
    options = GradeOptions(time_overrides={"ex3": 20.0})
    code = cli_grade_batch(subs, key_path, out, workers, options=options)
    if code != 0:
        return code
    results = out / "results"
    cli_report(results, key_path, out / "reports", lang="pt", reveal="always", echo=echo)
    exports = out / "exports"
    cli_export("csv", results, exports / "all_checks.csv", key_path=key_path, echo=echo)
    cli_export("moodle", results, exports / "moodle", key_path=key_path,
               worksheet=out / "moodle_grading_worksheet.csv", reveal="always", echo=echo)
    cli_export("canvas", results, exports / "canvas_gradebook.csv", key_path=key_path,
               assignment_name="Modulo III", assignment_id="42", echo=echo)
    cli_export("gradescope", results, exports / "gradescope", key_path=key_path, echo=echo)
    echo(f"\ndone: open {out / 'reports' / 'class_summary.html'}")
    return 0
