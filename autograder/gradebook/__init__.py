"""The gradebook: every grading attempt of every student, TA overrides and comments, in SQLite
(default: ``gradebook.sqlite`` next to the results) or PostgreSQL, through SQLAlchemy; the schema
is created and upgraded by the Alembic migrations shipped in ``migrations/``.

    models       the tables and the frozen records (Attempt, Override, Comment, ...)
    store        where the gradebook is (path or URL), the engine, migrations, transactions
    repository   functions of a connection: record, query, override, undo, comment, history
    overrides    ``apply_overrides(result, overrides) -> result``, pure
    regrade      ``autograder regrade``: grade only what changed; re-render only changed reports
    cli          what the ``autograder gradebook ...`` commands print

The JSON results stay the interchange format: the batch writes ``results/<student>.json`` and then
records the same text here; ``Gradebook.import_results`` rebuilds a gradebook from a folder.

For a review UI (one ``Gradebook`` per process; every method is one transaction)::

    gb = open_gradebook("course.sqlite")            # or "postgresql://user@host/course"
    gb.latest("my_sheet")                            # [Grade]: attempt used, overrides applied
    gb.history("2024001", "my_sheet")                # submissions, attempts, overrides (undone too), comments
    o = gb.override("2024001", "my_sheet", "q4", None, 8.0, who="ta.maria", why="valid approach")
    gb.undo(o.id, who="ta.maria", why="typo")        # kept in the history with who/when/why
    gb.comment("2024001", "my_sheet", "see the plot", who="ta.maria", exercise="q4")
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder.gradebook import repository as repo
from autograder.gradebook import store
from autograder.gradebook.models import Attempt, Comment, Override
from autograder.gradebook.overrides import OverrideError, apply_overrides
from autograder.gradebook.repository import Grade, History, NotFound, Recorded
from autograder.gradebook.store import DEFAULT_NAME, GradebookError
from autograder.i18n import Echo, Msg, msg
from autograder.results import error_reason, read_result, skipped_file

__all__ = ["DEFAULT_NAME", "Attempt", "Comment", "Grade", "Gradebook", "GradebookError", "History",
           "NotFound", "Override", "OverrideError", "Recorded", "apply_overrides", "open_gradebook"]


@dataclass(frozen=True)
class Imported:
    recorded: int  # new attempts
    already: int  # results that were already in the gradebook
    skipped: tuple[Msg, ...]  # "file: reason", one sentence each


class Gradebook:
    """A handle on one gradebook (an engine); each method runs in its own transaction."""

    def __init__(self, location: str | Path, create: bool = True) -> None:
        self.location = str(location)
        self.where = store.describe(location)
        try:
            self.engine = store.make_engine(location, create)
            store.migrate(self.engine, self.where)
        except GradebookError:
            raise
        except Exception as exc:  # a driver or server error: one clear sentence
            raise GradebookError(msg("gradebook_cannot_open", error=f"{type(exc).__name__}: {exc}"),
                                 where=self.where, fix=msg("gradebook_cannot_open_fix")) from exc

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Gradebook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writes ---------------------------------------------------------------------------------
    def record(self, result_text: str, *, notebook: bytes | None = None,
               submitted_at: _dt.datetime | None = None, source_file: str | None = None, late: bool = False,
               late_info: Mapping[str, Any] | None = None, mode: str | None = None,
               origin: str = "grade-batch", validate: bool = True) -> Recorded:
        """Record one result file's text as an attempt (idempotent: the same text is one attempt)."""
        with store.write(self.engine) as conn:
            return repo.record_attempt(conn, result_text, notebook_bytes=notebook, submitted_at=submitted_at,
                                       source_file=source_file, late=late, late_info=late_info, mode=mode,
                                       origin=origin, validate=validate)

    def override(self, student: str, assignment: str, exercise: str, check: str | None, points: float, *,
                 who: str, why: str, attempt_id: int | None = None,
                 when: _dt.datetime | None = None) -> Override:
        """A TA gives ``points`` to an exercise (``check`` None) or to one check of the submission of
        ``attempt_id`` (default: the student's latest grade). Raises OverrideError, NotFound, ValueError."""
        with store.write(self.engine) as conn:
            return repo.add_override(conn, student, assignment, exercise, check, points, who=who, why=why,
                                     attempt_id=attempt_id, when=when)

    def undo(self, override_id: int, *, who: str, why: str = "",
             when: _dt.datetime | None = None) -> Override:
        """Undo an override; it stays in the history with who undid it, when and why."""
        with store.write(self.engine) as conn:
            return repo.undo_override(conn, override_id, who=who, why=why, when=when)

    def comment(self, student: str, assignment: str, text: str, *, who: str, exercise: str | None = None,
                attempt_id: int | None = None, when: _dt.datetime | None = None) -> Comment:
        with store.write(self.engine) as conn:
            return repo.add_comment(conn, student, assignment, text, who=who, exercise=exercise,
                                    attempt_id=attempt_id, when=when)

    def import_results(self, results_dir: Path, origin: str = "import") -> Imported:
        """Record every result JSON of ``results_dir`` (rebuilds a gradebook from the interchange format)."""
        recorded = already = 0
        skipped: list[Msg] = []
        for path in sorted(Path(results_dir).glob("*.json")):
            read = read_result(path)
            if isinstance(read, Msg):
                skipped.append(read)
                continue
            text, _ = read
            try:
                r = self.record(text, origin=origin)
            except (ValueError, KeyError, TypeError) as exc:
                skipped.append(skipped_file(path.name, error_reason(exc)))
                continue
            recorded += r.new
            already += not r.new
        return Imported(recorded, already, tuple(skipped))

    # -- reads ----------------------------------------------------------------------------------
    def latest(self, assignment: str, student: str | None = None) -> list[Grade]:
        """The latest grade of each student (or of ``student``) with overrides applied."""
        with store.read(self.engine) as conn:
            return repo.latest_grades(conn, assignment, student)

    def history(self, student: str, assignment: str | None = None) -> History:
        with store.read(self.engine) as conn:
            return repo.history(conn, student, assignment)

    def attempt(self, attempt_id: int) -> Attempt:
        with store.read(self.engine) as conn:
            return repo.get_attempt(conn, attempt_id)

    def current_attempt(self, student: str, assignment: str, submission_sha256: str, key_sha256: str,
                        grader_version: str) -> Attempt | None:
        with store.read(self.engine) as conn:
            return repo.current_attempt(conn, student, assignment, submission_sha256, key_sha256,
                                        grader_version)

    def notebook(self, sha256: str) -> bytes | None:
        with store.read(self.engine) as conn:
            return repo.notebook(conn, sha256)

    def assignments(self) -> list[str]:
        from sqlalchemy import select

        from autograder.gradebook import models as m

        with store.read(self.engine) as conn:
            return sorted(r[0] for r in conn.execute(select(m.submissions.c.assignment).distinct()))


def open_gradebook(location: str | Path, create: bool = True) -> Gradebook:
    """Open (upgrading its schema as needed) the gradebook at a path or URL; a SQLite file that
    does not exist is created only with ``create`` (grade-batch, import), else refused."""
    return Gradebook(location, create)


def _print(m: Msg) -> None:
    print(m.text("en"))


def export_results(location: str | Path, assignment: Any, echo: Echo = _print) -> list[Any]:
    """For ``autograder export --from-gradebook``: the latest result per student of ``assignment``
    with overrides applied; says which attempt each one is (one line per student)."""
    name = getattr(assignment, "name", None)
    with open_gradebook(location, create=False) as gb:
        if name is None:
            names = gb.assignments()
            if len(names) != 1:
                raise GradebookError(msg("gradebook_assignments", n=len(names), names=", ".join(names)),
                                     where=gb.where, fix=msg("gradebook_pass_assignment"))
            name = names[0]
        grades = gb.latest(name)
    echo(msg("gradebook_export_from", where=store.describe(location), n=len(grades), assignment=name))
    for g in grades:
        echo(msg("gradebook_export_grade", grade=g.describe()))
    return [g.result for g in grades]
