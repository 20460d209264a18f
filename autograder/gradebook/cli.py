"""What the ``autograder gradebook ...`` and ``autograder regrade`` commands do and print
(``autograder/cli.py`` only parses their arguments)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from autograder.batch import columns, status_msg
from autograder.gradebook import Grade, Gradebook, GradebookError, History, OverrideError
from autograder.i18n import Echo, Msg, msg


def which_assignment(gb: Gradebook, assignment: str | None) -> str:
    """``assignment``, or the only one the gradebook holds."""
    if assignment:
        return assignment
    names = gb.assignments()
    if len(names) == 1:
        return names[0]
    if not names:
        raise GradebookError(msg("gradebook_empty"), where=gb.where, fix=msg("gradebook_empty_fix"))
    raise GradebookError(msg("gradebook_several", names=", ".join(names)), where=gb.where,
                         fix=msg("gradebook_pass_assignment"))


def parse_target(target: str) -> tuple[str, str | None]:
    """``q4`` -> (q4, None); ``q4:q4_mse`` -> (q4, q4_mse). ``OverrideError`` (a ValueError, with
    ``msg``) when it is neither."""
    exercise, _, check = target.partition(":")
    if not exercise:
        raise OverrideError(msg("gradebook_bad_target", target=repr(target)))
    return exercise, check or None


_GRADE_COLUMNS = ("student", "score", "status", "attempt", "graded", "overrides")


def grade_lines(grades: list[Grade]) -> list[Msg]:
    """The class table, one ``Msg`` per line: student, score, status, the attempt used, overrides,
    then the notes."""
    rows: list[dict[str, Msg | str]] = []
    for g in grades:
        name = f"{g.student.name} ({g.student.lms_id})" if g.student.name else g.student.lms_id
        rows.append({"student": name, "score": f"{g.result.score:g}/{g.result.max_score:g}",
                     "status": status_msg(g.result.status, g.submission.late), "attempt": f"#{g.attempt.id}",
                     "graded": f"{g.attempt.graded_at:%Y-%m-%d %H:%M}",
                     "overrides": str(len(g.overrides)) if g.overrides else ""})
    lines = columns("gradebook_table", _GRADE_COLUMNS, rows)
    for g in grades:
        lines += [msg("gradebook_table_note", student=g.student.lms_id, note=n) for n in g.notes]
    return lines


def _when(t: Any) -> str:
    return f"{t:%Y-%m-%d %H:%M}"


def history_lines(h: History) -> list[Msg]:
    """Everything about one student, one ``Msg`` per line: each submission with its attempts,
    overrides (undone ones too) and comments."""
    s = h.student
    who = f"{s.name} ({s.lms_id})" if s.name else s.lms_id
    lines = [msg("gradebook_history_student_more", who=who, email=s.email, source=s.source)
             if s.email or s.source else msg("gradebook_history_student", who=who)]
    for sub in h.submissions:
        when = (msg("gradebook_history_when", when=_when(sub.submitted_at)) if sub.submitted_at
                else msg("gradebook_history_time_unknown"))
        lines.append(msg("gradebook_history_submission_late" if sub.late else "gradebook_history_submission",
                         id=sub.id, assignment=sub.assignment, sha=sub.sha256[:12], when=when,
                         source=sub.source_file))
        for a in (a for a in h.attempts if a.submission_id == sub.id):
            lines.append(msg("gradebook_history_attempt", attempt=a.describe(), status=status_msg(a.status),
                             score=f"{a.score:g}", max=f"{a.max_score:g}", origin=a.origin))
        for o in (o for o in h.overrides if o.submission_id == sub.id):
            state = (msg("gradebook_override_active") if o.active
                     else msg("gradebook_override_undone_why", who=o.undone_by, when=_when(o.undone_at),
                              why=o.undo_why) if o.undo_why
                     else msg("gradebook_override_undone", who=o.undone_by, when=_when(o.undone_at)))
            params = dict(id=o.id, target=o.target, points=f"{o.points:g}", who=o.who,
                          when=_when(o.created_at), why=o.why, state=state)
            lines.append(msg("gradebook_history_override_on", attempt=o.attempt_id, **params) if o.attempt_id
                         else msg("gradebook_history_override", **params))
        for c in (c for c in h.comments if c.submission_id == sub.id):
            params = dict(id=c.id, who=c.who, when=_when(c.created_at), text=c.text)
            lines.append(msg("gradebook_history_comment_on", exercise=c.exercise, **params) if c.exercise
                         else msg("gradebook_history_comment", **params))
    if not h.submissions:
        lines.append(msg("gradebook_history_none"))
    return lines


def _print(m: Msg) -> None:
    print(m.text("en"))


def cli_regrade(path: Path | None, key: Path, out: Path, *, gradebook: str, assignment: Any,
                options: Any, workers: int | None = None, scheduler: str | None = None,
                cluster: str | None = None, max_tries: int = 3, reports: bool = True, lang: str = "pt",
                reveal: str = "never", due: str | None = None, echo: Echo = _print, warn: Echo = _print,
                progress: Any = None) -> int:
    """``autograder regrade``: the exit code (0 when grading ran, whatever the scores). ``lang`` is
    the reports' language; what it says goes to ``echo`` and ``warn`` (the CLI says it in the
    operator's language), the progress to ``progress`` (default: on stderr, in ``lang``)."""
    import dataclasses
    import sys

    from autograder import data
    from autograder.batch.progress import TerminalProgress
    from autograder.batch.runner import grade_found, make_executor, table_lines
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
                                      progress=progress or TerminalProgress(sys.stderr, lang=lang),
                                      gradebook=gb, origin="regrade", where=str(path or gb.where), lang=lang)
            finally:
                regrade.cleanup(out)
            for line in table_lines(summary):
                echo(line)
            echo(msg("gradebook_regrade_counts", graded=summary.count(action="graded"),
                     kept=summary.count(action="kept"), where=gb.where))
            for m in summary.gradebook_errors:
                warn(msg("batch_warning", message=m))
            if reports:
                r = regrade.render_changed_reports(gb, assignment, key, out / "reports", lang=lang,
                                                   reveal=reveal, due=due_dt, warn=warn)
                echo(msg("gradebook_regrade_reports_summary" if r.summary else "gradebook_regrade_reports",
                         rendered=len(r.rendered), unchanged=r.unchanged, out=r.out_dir))
    except AutograderError as exc:
        warn(msg("error_line", message=exc.what))
        if exc.where:
            warn(msg("error_where", where=exc.where))
        if exc.fix is not None:
            warn(msg("error_fix", fix=exc.fix))
        return exc.exit_code
    finally:
        if executor is not None:
            executor.shutdown()
    return 0
