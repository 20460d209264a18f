"""``autograder regrade``: grade only what changed since the gradebook last graded, keep the history,
and re-render only the reports that changed.

What is graded again, per student (the newest submission: from the new download ``PATH`` when
given, else the one the gradebook holds):

    a new submission (another notebook sha256)    -> graded
    a new answer key (another key sha256)         -> graded
    a new grader version                          -> graded
    none of these                                 -> kept (its gradebook attempt is the result)

Every grading is a new attempt; earlier ones stay. Reports (``OUT/reports``) are rendered again
only for students whose latest attempt, active overrides or report templates (the templates, the
message catalogue and the assignment's messages: their sha256) changed since the last render;
the class summary whenever any report did.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from autograder.assignment import Assignment
from autograder.batch.discover import Discovery, FoundSubmission, Problem, discover
from autograder.gradebook import Gradebook, store
from autograder.gradebook import repository as repo
from autograder.i18n import Echo, Msg, msg
from autograder.naming import safe_name
from autograder.results import Student


def template_sha256(assignment: Assignment | None) -> str:
    """The sha256 of what a report's text is made from besides the result: the report templates,
    the message catalogue, and the assignment's messages."""
    h = hashlib.sha256()
    templates = resources.files("autograder.templates")
    for entry in sorted(templates.iterdir(), key=lambda e: e.name):
        if entry.is_file() and entry.name.endswith(".j2"):
            h.update(entry.name.encode() + b"\0" + entry.read_bytes())
    h.update(resources.files("autograder").joinpath("i18n.py").read_bytes())
    if assignment is not None and assignment.path("messages.json").is_file():
        h.update(assignment.path("messages.json").read_bytes())
    return h.hexdigest()


def submissions_to_grade(gradebook: Gradebook, assignment: Assignment, work_dir: Path,
                         found: Discovery | None) -> Discovery:
    """The newest submission of every student: ``found`` (a new download) first, then the
    gradebook's latest submission of every other student, written into ``work_dir``."""
    subs = list(found.submissions) if found else []
    problems = list(found.problems) if found else []
    have = {f.student.id for f in subs}
    work_dir.mkdir(parents=True, exist_ok=True)
    with store.read(gradebook.engine) as conn:
        stored = repo.latest_submissions(conn, assignment.name)
        for student, sub in stored:
            if student.lms_id in have:
                continue
            data = repo.notebook(conn, sub.sha256)
            if data is None:
                problems.append(Problem(sub.source_file or student.lms_id, "no_notebook",
                                        msg("gradebook_regrade_no_notebook", student=student.lms_id)))
                continue
            path = work_dir / f"{safe_name(student.lms_id)}.ipynb"
            path.write_bytes(data)
            if sub.submitted_at is not None:
                t = sub.submitted_at.replace(tzinfo=UTC).timestamp()  # stored as naive UTC
                os.utime(path, (t, t))
            who = Student(student.lms_id, student.name, student.email, student.source)
            subs.append(FoundSubmission(who, path, "gradebook", sub.source_file or str(path), sub.late))
    return Discovery(tuple(sorted(subs, key=lambda f: f.student.id)), tuple(problems),
                     found.layout if found else "gradebook", found.root if found else work_dir)


@dataclass(frozen=True)
class ReportsRendered:
    rendered: tuple[str, ...]  # students whose report was rendered now
    unchanged: int
    summary: bool  # the class summary was rendered
    out_dir: str


def render_changed_reports(gradebook: Gradebook, assignment: Assignment, key_path: Path | None, out_dir: Path,
                           *, lang: str = "pt", reveal: str = "never", due: datetime | None = None,
                           force: bool = False, warn: Echo | None = None) -> ReportsRendered:
    """Render the reports of the students whose latest grade (attempt, overrides) or templates
    changed since the last render into ``out_dir`` (all of them with ``force``)."""
    from autograder import report
    from autograder.keymodel import load_key

    warn = warn or _print
    key = load_key(key_path) if key_path else None
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    where = str(out_dir.resolve())
    templates = template_sha256(assignment)
    grades = gradebook.latest(assignment.name)
    with store.read(gradebook.engine) as conn:
        before = repo.report_states(conn, assignment.name, where)
    rendered = []
    for g in grades:
        stem = safe_name(g.student.lms_id)
        state = (g.attempt.id, repo.overrides_digest(g.overrides), templates)
        if not force and before.get(g.student.lms_id) == state and (out_dir / f"{stem}.html").is_file():
            continue
        try:
            view = report.student_view(g.result, key, assignment, lang=lang, reveal=reveal,  # type: ignore[arg-type]
                                       due=due)
            _write(out_dir, report.render_student(view, "html"), f"{stem}.html")
            _write(out_dir, report.render_student(view, "md", asset_dir=f"{stem}_files"), f"{stem}.md")
        except Exception as exc:  # one broken result never stops the class
            warn(msg("gradebook_report_failed", student=g.student.lms_id,
                     error=f"{type(exc).__name__}: {exc}"))
            continue
        with store.write(gradebook.engine) as conn:
            repo.record_report(conn, g.student.id, assignment.name, where, *state)
        rendered.append(g.student.lms_id)
    summary = bool(rendered) or force or not (out_dir / "class_summary.html").is_file()
    if summary:
        summary_view = report.summary_view([g.result for g in grades], key, assignment, lang=lang)
        _write(out_dir, report.render_summary(summary_view, "html"), "class_summary.html")
        _write(out_dir, report.render_summary(summary_view, "md", asset_dir="class_summary_files"),
               "class_summary.md")
    return ReportsRendered(tuple(rendered), len(grades) - len(rendered), summary, str(out_dir))


def _print(m: Msg) -> None:
    print(m.text("en"))


def _write(base: Path, rendered: Any, name: str) -> None:
    from autograder.fsutil import write_atomic, write_bytes_atomic

    write_atomic(base / name, rendered.text)
    for rel, data in rendered.files.items():
        write_bytes_atomic(base / rel, data)


def prepare(gradebook: Gradebook, assignment: Assignment, out_dir: Path, path: Path | None) -> Discovery:
    """Discover ``path`` (when given) and complete it with the gradebook's submissions; the files
    live under ``out_dir/.regrade`` until ``cleanup``."""
    work = Path(out_dir) / ".regrade"
    shutil.rmtree(work, ignore_errors=True)
    found = discover(Path(path), extract_to=work / "download") if path is not None else None
    return submissions_to_grade(gradebook, assignment, work / "gradebook", found)


def cleanup(out_dir: Path) -> None:
    shutil.rmtree(Path(out_dir) / ".regrade", ignore_errors=True)
