"""LMS exports: pure functions results -> file content, and small writers.

    csv_all     one row per (student, check), for spreadsheets
    moodle      offline grading worksheet (filled) + feedback-files zip
    canvas      gradebook import CSV (merged into an exported gradebook, or built)
    gradescope  results.json per result, and the autograder bundle

``cli_export`` is what ``autograder export TARGET RESULTS_DIR --out OUT ...`` calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autograder.i18n import Echo, Msg, msg

if TYPE_CHECKING:
    from autograder.assignment import Assignment
    from autograder.late import LatePolicy
    from autograder.results import GradeResult

TARGETS = ("csv", "moodle", "canvas", "gradescope", "gradescope-bundle")


class ExportUsageError(ValueError):
    """A command-line mistake (a missing option, an unknown target): ``msg`` is what to say, in
    the operator's language; ``str()`` is its English text."""

    def __init__(self, message_id: str, **params: Any) -> None:
        self.msg: Msg = msg(message_id, **params)
        super().__init__(str(self.msg))


def late_policy(assignment: Assignment | None, due: datetime | None) -> LatePolicy | None:
    """The assignment's late policy with ``--due`` as its due date (``--due`` alone: lateness
    recorded, no penalty); None when there is neither."""
    from autograder.late import LatePolicy

    policy = assignment.late_policy if assignment is not None else None
    if policy is None and due is None:
        return None
    return (policy or LatePolicy()).with_due(due)


def relate(results: Sequence[GradeResult], policy: LatePolicy | None,
           due: datetime | None) -> list[GradeResult]:
    """With ``--due``, every result that records when it was submitted is re-assessed against
    that due date (from its raw score); others are left as they are."""
    from autograder import late

    if policy is None or due is None:
        return list(results)
    out = []
    for r in results:
        submitted = late.submitted_from_record(r.late)
        out.append(late.apply(r, policy, submitted) if submitted is not None else r)
    return out


def _report(echo: Echo, title: str, items: Sequence[Msg | str]) -> None:
    """``title`` (a message id) with the number of items, then one line per item."""
    if items:
        echo(msg("export_list_title", title=msg(title), n=len(items)))
        for item in items:
            echo(msg("export_list_item", item=item))


def cli_export(target: str, results_dir: Path | None, out: Path, *, key_path: Path | None = None,
               lang: str = "pt", reveal: str = "never", due: str | None = None,
               worksheet: Path | None = None, gradebook: Path | None = None,
               assignment_name: str | None = None, assignment_id: str | None = None,
               points_possible: float | None = None, datasets_dir: Path | None = None,
               assignment: Assignment | None = None, echo: Echo = print,
               from_gradebook: str | Path | None = None) -> int:
    """Run one export. Returns the exit code: 0, or 1 when something was skipped or left
    unmatched (the files are still written; what was left out is listed). ``from_gradebook``
    (a gradebook's path or URL) replaces RESULTS_DIR: the latest result per student with TA
    overrides applied, each named by its attempt. What it says goes to ``echo`` (``Msg``); a
    usage mistake raises ``ExportUsageError`` (a ValueError carrying ``msg``)."""
    from autograder.assignment import check_same
    from autograder.keymodel import load_key
    from autograder.naming import safe_name
    from autograder.report import load_results, parse_due

    if target not in TARGETS:
        raise ExportUsageError("export_bad_target", targets=", ".join(TARGETS), target=target)
    out = Path(out)
    if target == "gradescope-bundle":
        from autograder.export.gradescope import write_bundle

        if key_path is None:
            raise ExportUsageError("export_bundle_needs_key")
        if assignment is None:
            raise ExportUsageError("export_bundle_needs_assignment")
        check_same(assignment, load_key(key_path).assignment, msg("assignment_recorded_answer_key"),
                   where=str(key_path))
        zpath = write_bundle(out, key_path, assignment, lang=lang, reveal=reveal, datasets_dir=datasets_dir)
        echo(msg("export_bundle_written", out=str(out), zip=str(zpath)))
        return 0
    if from_gradebook is not None:  # autograder.gradebook: it says which attempt each result is
        from autograder.gradebook import export_results

        results, bad = export_results(from_gradebook, assignment, echo=echo), False
    elif results_dir is None:
        raise ExportUsageError("export_needs_results", target=target)
    else:
        loaded = load_results(Path(results_dir), assignment)
        results = [r for _, r in loaded.results]
        _report(echo, "export_skipped_files", loaded.skipped)
        bad = bool(loaded.skipped)
    due_dt = parse_due(due)
    policy = late_policy(assignment, due_dt)
    results = relate(results, policy, due_dt)

    if target == "csv":
        from autograder.export import csv_all

        path = csv_all.write(results, out)
        echo(msg("export_csv_written", n=len(csv_all.rows(results)), path=str(path)))
    elif target == "moodle":
        from autograder.export import moodle

        if worksheet is None:
            raise ExportUsageError("export_moodle_needs_worksheet")
        key = load_key(key_path) if key_path else None
        m = moodle.write(worksheet, results, out, key=key, assignment=assignment, lang=lang, reveal=reveal,
                         due=due_dt, maximum_grade=points_possible, late_policy=policy)
        echo(msg("export_moodle_written", n=len(m.fill.matches), worksheet=str(m.worksheet),
                 zip=str(m.feedback_zip)))
        _report(echo, "export_moodle_unmatched_results", m.fill.unmatched_results)
        _report(echo, "export_moodle_unmatched_rows", m.fill.unmatched_rows)
        _report(echo, "export_rows_not_filled", m.fill.problems)
        bad |= bool(m.fill.unmatched_results or m.fill.problems)
    elif target == "canvas":
        from autograder.export import canvas

        if not assignment_name:
            raise ExportUsageError("export_canvas_needs_name")
        c = canvas.write(results, out, assignment_name=assignment_name, assignment_id=assignment_id,
                         points_possible=points_possible, gradebook_path=gradebook)
        echo(msg("export_canvas_written", n=len(c.matched), path=str(out), column=c.column))
        _report(echo, "export_canvas_unmatched_results", c.unmatched_results)
        _report(echo, "export_canvas_unmatched_rows", c.unmatched_rows)
        _report(echo, "export_rows_not_filled", c.problems)
        bad |= bool(c.unmatched_results or c.problems)
    elif target == "gradescope":
        import json

        from autograder.export.gradescope import results_json

        out.mkdir(parents=True, exist_ok=True)
        for r in results:
            data = results_json(r, lang=lang, reveal=reveal, due=due_dt, assignment=assignment)
            (out / f"{safe_name(r.student.id)}.results.json").write_text(
                json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
        echo(msg("export_gradescope_written", n=len(results), path=str(out)))
    return 1 if bad else 0
