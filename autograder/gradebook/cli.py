"""What the ``autograder gradebook ...`` and ``autograder regrade`` commands do and print
(``autograder/cli.py`` only parses their arguments)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from autograder.gradebook import Grade, Gradebook, GradebookError, History


def which_assignment(gb: Gradebook, assignment: str | None) -> str:
    """``assignment``, or the only one the gradebook holds."""
    if assignment:
        return assignment
    names = gb.assignments()
    if len(names) == 1:
        return names[0]
    raise GradebookError("The gradebook holds no grade yet." if not names else
                         f"The gradebook holds several assignments ({', '.join(names)}).",
                         where=gb.where, fix="pass --assignment NAME." if names else
                         "grade a class with `autograder grade-batch ... --gradebook` first.")


def parse_target(target: str) -> tuple[str, str | None]:
    """``q4`` -> (q4, None); ``q4:q4_mse`` -> (q4, q4_mse)."""
    exercise, _, check = target.partition(":")
    if not exercise:
        raise ValueError(f"the target must be EXERCISE or EXERCISE:CHECK, got {target!r}")
    return exercise, check or None


def grade_lines(grades: list[Grade]) -> list[str]:
    """The class table: student, score, status, the attempt used, overrides, notes."""
    rows = [("student", "score", "status", "attempt", "graded (UTC)", "overrides")]
    for g in grades:
        name = f"{g.student.name} ({g.student.lms_id})" if g.student.name else g.student.lms_id
        rows.append((name, f"{g.result.score:g}/{g.result.max_score:g}",
                     g.result.status + (" (late)" if g.submission.late else ""), f"#{g.attempt.id}",
                     f"{g.attempt.graded_at:%Y-%m-%d %H:%M}", str(len(g.overrides)) if g.overrides else ""))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    for g in grades:
        lines += [f"  ! {g.student.lms_id}: {n}" for n in g.notes]
    return lines


def history_lines(h: History) -> list[str]:
    s = h.student
    lines = [f"{s.name} ({s.lms_id})" if s.name else s.lms_id]
    if s.email or s.source:
        lines[0] += f"  {s.email} [{s.source}]".rstrip()
    subs = {sub.id: sub for sub in h.submissions}
    for sub in h.submissions:
        late = " LATE" if sub.late else ""
        when = f"{sub.submitted_at:%Y-%m-%d %H:%M} UTC" if sub.submitted_at else "time unknown"
        lines.append(f"submission #{sub.id} {sub.assignment} sha256 {sub.sha256[:12]}… ({when}{late}) "
                     f"from {sub.source_file}")
        for a in (a for a in h.attempts if a.submission_id == sub.id):
            lines.append(f"  {a.describe()}: {a.status} {a.score:g}/{a.max_score:g} [{a.origin}]")
        for o in (o for o in h.overrides if o.submission_id == sub.id):
            state = (f"undone by {o.undone_by} on {o.undone_at:%Y-%m-%d %H:%M} UTC"
                     + (f": {o.undo_why}" if o.undo_why else "")) if not o.active else "active"
            on = f" on attempt #{o.attempt_id}" if o.attempt_id else ""
            lines.append(f"  override #{o.id} {o.target} = {o.points:g} points{on}, by {o.who} on "
                         f"{o.created_at:%Y-%m-%d %H:%M} UTC: {o.why} ({state})")
        for c in (c for c in h.comments if c.submission_id == sub.id):
            on = f" on {c.exercise}" if c.exercise else ""
            lines.append(f"  comment #{c.id}{on} by {c.who} on {c.created_at:%Y-%m-%d %H:%M} UTC: {c.text}")
    if not subs:
        lines.append("no submission recorded")
    return lines


def cli_regrade(path: Path | None, key: Path, out: Path, *, gradebook: str, assignment: Any,
                options: Any, workers: int | None = None, scheduler: str | None = None,
                cluster: str | None = None, max_tries: int = 3, reports: bool = True, lang: str = "pt",
                reveal: str = "never", due: str | None = None, echo: Callable[[str], None] = print,
                warn: Callable[[str], None] = print) -> int:
    """``autograder regrade``: the exit code (0 when grading ran, whatever the scores)."""
    import dataclasses
    import io
    import sys

    from autograder import data
    from autograder.batch.progress import TerminalProgress
    from autograder.batch.runner import grade_found, make_executor, print_table
    from autograder.errors import AutograderError
    from autograder.gradebook import open_gradebook, regrade
    from autograder.report import parse_due

    executor: Any = None
    try:
        due_dt = parse_due(due)
        if options.datasets_dir is None:
            options = dataclasses.replace(options, datasets_dir=data.verify_cache(assignment.datasets))
        if options.cache_dir is not None:
            options = dataclasses.replace(options, cache_dir=Path(options.cache_dir).resolve())
        with open_gradebook(gradebook, create=False) as gb:
            try:
                found = regrade.prepare(gb, assignment, out, path)
                executor, workers = make_executor(assignment, options.backend, workers, scheduler, cluster,
                                                  max_tries, warn)
                summary = grade_found(found, key, out, assignment=assignment, workers=workers,
                                      options=options, executor=executor,
                                      progress=TerminalProgress(sys.stderr), gradebook=gb, origin="regrade",
                                      where=str(path or gb.where))
            finally:
                regrade.cleanup(out)
            table = io.StringIO()
            print_table(summary, table)
            for line in table.getvalue().rstrip("\n").splitlines():
                echo(line)
            echo(f"\n{summary.count(action='graded')} graded now (new submission, key or grader version), "
                 f"{summary.count(action='kept')} unchanged; every attempt is kept in {gb.where}.")
            for line in summary.gradebook_errors:
                warn(f"warning: {line}")
            if reports:
                r = regrade.render_changed_reports(gb, assignment, key, out / "reports", lang=lang,
                                                   reveal=reveal, due=due_dt, warn=warn)
                echo(f"reports: {len(r.rendered)} rendered, {r.unchanged} unchanged"
                     + (", class summary rendered" if r.summary else "") + f" ({r.out_dir})")
    except AutograderError as exc:
        warn(f"error: {exc.message()}")
        return exc.exit_code
    finally:
        if executor is not None:
            executor.shutdown()
    return 0
