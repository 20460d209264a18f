"""The review pages' view data: pure functions from gradebook records to frozen dataclasses.

Every sentence comes from the catalogue (``autograder.i18n``); the checks, errors, misconceptions
and plots of a submission are the student report's own view data (``autograder.report``), shown
with expected values (TAs see the key). Templates under ``templates/review/`` only lay them out.

    flags            why a submission needs a TA: timeouts, crashes, grader errors, invalid
                     submissions, consistency credit, drifted letters, near-duplicate answers
    class_view       the class page: rows (filtered, sorted), filters, distribution, duplicates
    submission_view  one submission: cells beside checks, overrides, comments, attempts
    pair_view        two students' answers to one exercise, side by side
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote, urlencode

from autograder import report, templating
from autograder.assignment import Assignment
from autograder.gradebook import Comment, History, Override
from autograder.i18n import render, translate
from autograder.keymodel import AnswerKey
from autograder.late import sentence as late_sentence
from autograder.results import ExerciseResult, GradeResult
from autograder.review.duplicates import DuplicatePair
from autograder.review.notebook import Cell, RenderedNotebook
from autograder.review.records import Entry, attempt_result

CRASHES = ("error", "memory", "dead", "output_limit")
FLAG_KINDS = ("grader_error", "invalid", "timeout", "crash", "consistency", "drift", "duplicate")
SORTS = ("student", "total", "status", "late", "flags")


def _t(lang: str) -> Callable[..., str]:
    return lambda mid, **kw: translate(mid, lang, **kw)


def _num(value: float) -> str:
    return templating.format_number(float(value))


def _when(dt: _dt.datetime | None) -> str:
    return f"{dt:%Y-%m-%d %H:%M} UTC" if dt is not None else "—"


def student_href(student: str) -> str:
    return "/s/" + quote(student, safe="")


def exercise_label(number: int, lang: str) -> str:
    return translate("review_ex", lang, number=number)


# ---- flags ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Flag:
    kind: str  # one of FLAG_KINDS
    text: str
    exercise: str = ""


def _drifted(e: ExerciseResult, result: GradeResult) -> bool:
    drift = (result.key or {}).get("drift", {})
    status = drift.get(e.id) if isinstance(drift, Mapping) else None
    if not isinstance(status, str) or status in report.DRIFT_OK:
        return False
    return any(
        c.kind == "letter" and c.status in ("pass", "fail") and c.points < c.max_points for c in e.checks
    )


def flags(
    result: GradeResult, pairs: Sequence[DuplicatePair], names: Mapping[str, str], me: str, lang: str
) -> tuple[Flag, ...]:
    """Why this submission needs a TA's eyes (empty: it does not)."""
    out = []
    if result.status == "grader_error":
        out.append(Flag("grader_error", translate("review_flag_grader_error", lang)))
    elif result.status == "invalid_submission":
        out.append(Flag("invalid", translate("review_flag_invalid", lang)))
    for e in result.exercises:
        label = exercise_label(e.number, lang)
        if e.status == "timeout":
            out.append(Flag("timeout", translate("review_flag_timeout", lang, exercise=label), e.id))
        elif e.status in CRASHES:
            out.append(
                Flag(
                    "crash",
                    translate(
                        "review_flag_crash",
                        lang,
                        exercise=label,
                        status=translate(f"status_{e.status}", lang),
                    ),
                    e.id,
                )
            )
        if any(c.message_id == "letter_consistent" for c in e.checks):
            out.append(Flag("consistency", translate("review_flag_consistency", lang, exercise=label), e.id))
        if _drifted(e, result):
            out.append(Flag("drift", translate("review_flag_drift", lang, exercise=label), e.id))
    numbers = {e.id: e.number for e in result.exercises}
    for p in pairs:
        other = p.b if p.a == me else p.a
        label = exercise_label(numbers[p.exercise], lang) if p.exercise in numbers else p.exercise
        out.append(
            Flag(
                "duplicate",
                translate("review_flag_duplicate", lang, exercise=label, other=names.get(other, other)),
                p.exercise,
            )
        )
    return tuple(out)


def entry_flags(
    entry: Entry, pairs: Sequence[DuplicatePair], names: Mapping[str, str], lang: str
) -> tuple[Flag, ...]:
    """``flags`` of the entry's result, and a grader error newer than the grade it has."""
    newer = entry.grade is not None and entry.newest.status == "grader_error"
    return flags(entry.result, pairs, names, entry.id, lang) + (
        (Flag("grader_error", translate("review_flag_grader_error_newer", lang)),) if newer else ()
    )


# ---- the class page -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreCell:
    exercise: str
    value: float
    score: str
    max_score: str
    status: str
    full: bool
    failed: bool  # the exercise did not run to the end
    overridden: bool


@dataclass(frozen=True)
class ClassRow:
    student: str
    name: str
    email: str
    href: str
    total: float | None  # None: no grade (grader error only)
    total_text: str
    max_text: str
    status: str
    status_text: str
    late: bool
    scores: tuple[ScoreCell, ...]
    misconceptions: tuple[tuple[str, str], ...]  # (id, sentence)
    flags: tuple[Flag, ...]
    overrides: int

    @property
    def needs_review(self) -> bool:
        return bool(self.flags)

    def score_of(self, exercise: str) -> ScoreCell | None:
        return next((s for s in self.scores if s.exercise == exercise), None)


@dataclass(frozen=True)
class Query:
    """The class page's filters and sort (from the URL's query string)."""

    exercise: str = ""  # students who lost points in this exercise
    status: str = ""  # a submission status or an exercise status
    misconception: str = ""
    flag: str = ""  # one of FLAG_KINDS
    needs_review: bool = False
    sort: str = "student"  # one of SORTS or an exercise id
    descending: bool = False

    def href(self, **changes: Any) -> str:
        q = replace(self, **changes)
        params = {
            k: v
            for k, v in (
                ("exercise", q.exercise),
                ("status", q.status),
                ("misconception", q.misconception),
                ("flag", q.flag),
                ("review", "1" if q.needs_review else ""),
                ("sort", "" if q.sort == "student" else q.sort),
                ("desc", "1" if q.descending else ""),
            )
            if v
        }
        return "/?" + urlencode(params) if params else "/"


def parse_query(params: Mapping[str, str], exercises: Sequence[str]) -> Query:
    """A query from the URL; unknown values are dropped, never an error."""
    exercise = params.get("exercise", "")
    sort = params.get("sort", "student")
    return Query(
        exercise=exercise if exercise in exercises else "",
        status=params.get("status", "")[:40],
        misconception=params.get("misconception", "")[:120],
        flag=params.get("flag", "") if params.get("flag", "") in FLAG_KINDS else "",
        needs_review=params.get("review", "") in ("1", "on", "true"),
        sort=sort if sort in SORTS or sort in exercises else "student",
        descending=params.get("desc", "") in ("1", "on", "true"),
    )


def _misconception_ids(result: GradeResult) -> list[str]:
    ids = [c.misconception.id for e in result.exercises for c in e.checks if c.misconception]
    ids += [n.split(":", 1)[1] for e in result.exercises for n in e.notes if n.startswith("misconception:")]
    return list(dict.fromkeys(ids))


def class_row(
    entry: Entry,
    pairs: Sequence[DuplicatePair],
    names: Mapping[str, str],
    assignment: Assignment | None,
    lang: str,
) -> ClassRow:
    r = entry.result
    overridden = {o.exercise for o in (entry.grade.overrides if entry.grade else ())}
    scores = tuple(
        ScoreCell(
            e.id,
            float(e.score),
            _num(e.score),
            _num(e.max_score),
            e.status,
            bool(e.max_score) and e.score >= e.max_score - 1e-9,
            e.status in CRASHES or e.status == "timeout",
            e.id in overridden,
        )
        for e in r.exercises
    )
    messages = assignment.messages if assignment is not None else None
    graded = entry.grade is not None
    return ClassRow(
        student=entry.id,
        name=entry.name,
        email=entry.student.email or r.student.email,
        href=student_href(entry.id),
        total=float(r.score) if graded else None,
        total_text=_num(r.score) if graded else "—",
        max_text=_num(r.max_score),
        status=entry.newest.status,
        status_text=translate(f"submission_status_{entry.newest.status}", lang),
        late=entry.late,
        scores=scores,
        misconceptions=tuple(
            (m, report.misconception_text(m, lang, messages)) for m in _misconception_ids(r)
        ),
        flags=_one_per_partner(entry_flags(entry, pairs, names, lang), pairs, names, entry.id, lang),
        overrides=len(entry.grade.overrides) if entry.grade else 0,
    )


def _one_per_partner(
    found: tuple[Flag, ...], pairs: Sequence[DuplicatePair], names: Mapping[str, str], me: str, lang: str
) -> tuple[Flag, ...]:
    """The class table's flags: near-duplicates said once per other student, with how many exercises."""
    partners: dict[str, list[str]] = {}
    for p in pairs:
        partners.setdefault(p.b if p.a == me else p.a, []).append(p.exercise)
    merged = tuple(
        Flag(
            "duplicate",
            translate("review_flag_duplicates", lang, other=names.get(o, o), n=len(exs)),
            exs[0] if len(exs) == 1 else "",
        )
        for o, exs in partners.items()
    )
    return tuple(f for f in found if f.kind != "duplicate") + merged


def _matches(row: ClassRow, q: Query) -> bool:
    if q.needs_review and not row.needs_review:
        return False
    if q.flag and not any(
        f.kind == q.flag and (not q.exercise or f.exercise in ("", q.exercise)) for f in row.flags
    ):
        return False
    if q.exercise:
        cell = row.score_of(q.exercise)
        if cell is None or (cell.full and not q.status and not q.flag):
            return False
    if q.status:
        cells = [c for c in row.scores if not q.exercise or c.exercise == q.exercise]
        if row.status != q.status and not any(c.status == q.status for c in cells):
            return False
    return not q.misconception or any(m == q.misconception for m, _ in row.misconceptions)


def _sort_key(row: ClassRow, sort: str) -> Any:
    if sort == "total":
        return (row.total or 0.0, row.name.casefold())
    if sort == "status":
        return (row.status, row.name.casefold())
    if sort == "late":
        return (row.late, row.name.casefold())
    if sort == "flags":
        return (len(row.flags), row.name.casefold())
    if sort != "student":
        cell = row.score_of(sort)
        return (cell.value if cell else 0.0, row.name.casefold())
    return (row.name.casefold(), row.student)


def select(rows: Sequence[ClassRow], q: Query) -> tuple[ClassRow, ...]:
    """The rows the query keeps, in its order (students without a score last, either way)."""
    kept = [r for r in rows if _matches(r, q)]
    unscored = [
        r
        for r in kept
        if (r.total is None if q.sort == "total" else q.sort not in SORTS and r.score_of(q.sort) is None)
    ]
    scored = [r for r in kept if r not in unscored]
    return tuple(sorted(scored, key=lambda r: _sort_key(r, q.sort), reverse=q.descending) + unscored)


@dataclass(frozen=True)
class Option:
    value: str
    text: str
    selected: bool


@dataclass(frozen=True)
class Column:
    """A sortable column header."""

    key: str
    text: str
    href: str
    sorted: str  # "" | "asc" | "desc"


@dataclass(frozen=True)
class PairLink:
    exercise: str
    exercise_text: str
    a: str
    a_name: str
    b: str
    b_name: str
    href: str
    group: int


def pair_href(p: DuplicatePair) -> str:
    return "/pair?" + urlencode({"exercise": p.exercise, "a": p.a, "b": p.b})


def pair_links(
    pairs: Sequence[DuplicatePair], names: Mapping[str, str], numbers: Mapping[str, int], lang: str
) -> tuple[PairLink, ...]:
    return tuple(
        PairLink(
            p.exercise,
            exercise_label(numbers[p.exercise], lang) if p.exercise in numbers else p.exercise,
            p.a,
            names.get(p.a, p.a),
            p.b,
            names.get(p.b, p.b),
            pair_href(p),
            p.group,
        )
        for p in pairs
    )


@dataclass(frozen=True)
class ClassView:
    lang: str
    title: str
    assignment: str
    ta: str
    n: int  # students in the gradebook
    rows: tuple[ClassRow, ...]  # those the query keeps
    query: Query
    columns: tuple[Column, ...]  # student, exercises..., total, status, late, flags
    exercises: tuple[tuple[str, str, str], ...]  # (id, label, title)
    exercise_options: tuple[Option, ...]
    status_options: tuple[Option, ...]
    misconception_options: tuple[Option, ...]
    flag_options: tuple[Option, ...]
    needs_review: int  # of all students
    stats: tuple[tuple[str, str], ...]
    histogram: bytes | None
    per_exercise: tuple[tuple[str, str, str], ...]  # title, mean rate, full marks
    duplicates: tuple[PairLink, ...]
    t: Callable[..., str] = field(repr=False, compare=False, default=translate)


def class_rows(entries: Sequence[Entry], pairs: Sequence[DuplicatePair], assignment: Assignment | None,
               lang: str) -> list[ClassRow]:
    """One row per student, each with the near-identical pairs it is part of."""
    names = {e.id: e.name for e in entries}
    per_student: dict[str, list[DuplicatePair]] = {}
    for p in pairs:
        per_student.setdefault(p.a, []).append(p)
        per_student.setdefault(p.b, []).append(p)
    return [class_row(e, per_student.get(e.id, ()), names, assignment, lang) for e in entries]


def class_view(
    entries: Sequence[Entry],
    pairs: Sequence[DuplicatePair],
    assignment: Assignment | None,
    key: AnswerKey | None,
    query: Query,
    *,
    lang: str,
    ta: str,
    summary: report.SummaryView | None = None,
) -> ClassView:
    """The class page. ``summary`` (the report's class summary of the graded results) may be passed
    when the caller keeps one; otherwise it is computed."""
    names = {e.id: e.name for e in entries}
    rows = class_rows(entries, pairs, assignment, lang)
    contract = assignment.contract if assignment is not None else None
    if contract is not None:
        exercises = tuple(
            (e.id, exercise_label(e.number, lang), e.title_pt if lang == "pt" else e.title_en)
            for e in contract.exercises
        )
    else:
        seen: dict[str, int] = {}
        for e in entries:
            for x in e.result.exercises:
                seen.setdefault(x.id, x.number)
        exercises = tuple(
            (x, exercise_label(n, lang), x) for x, n in sorted(seen.items(), key=lambda kv: kv[1])
        )
    numbers = {e.id: e.number for e in (contract.exercises if contract else ())}
    t = _t(lang)

    def column(key: str, text: str) -> Column:
        active = query.sort == key
        return Column(
            key,
            text,
            query.href(sort=key, descending=active and not query.descending),
            ("desc" if query.descending else "asc") if active else "",
        )

    columns = (
        column("student", t("review_col_student")),
        *(column(x, label) for x, label, _ in exercises),
        column("total", t("report_total")),
        column("status", t("report_status")),
        column("late", t("review_col_late")),
        column("flags", t("review_col_flags")),
    )
    statuses = sorted(
        {r.status for r in rows} | {c.status for r in rows for c in r.scores} - {"ok", "not_computed"}
    )
    misconceptions = dict(m for r in rows for m in r.misconceptions)
    graded = [e.result for e in entries if e.grade is not None]
    summary = summary or report.summary_view(graded, key, assignment, lang=lang)
    return ClassView(
        lang=lang,
        title=t("review_title"),
        assignment=assignment.title if assignment is not None else "",
        ta=ta,
        n=len(entries),
        rows=select(rows, query),
        query=query,
        columns=columns,
        exercises=exercises,
        exercise_options=tuple(
            Option(x, f"{label} — {title}", x == query.exercise) for x, label, title in exercises
        ),
        status_options=tuple(Option(s, _status_text(s, lang), s == query.status) for s in statuses),
        misconception_options=tuple(
            Option(m, text, m == query.misconception)
            for m, text in sorted(misconceptions.items(), key=lambda kv: kv[1])
        ),
        flag_options=tuple(Option(k, t(f"review_kind_{k}"), k == query.flag) for k in FLAG_KINDS),
        needs_review=sum(1 for r in rows if r.needs_review),
        stats=summary.stats,
        histogram=summary.histogram,
        per_exercise=summary.exercises,
        duplicates=pair_links(pairs, names, numbers, lang),
        t=t,
    )


def _status_text(status: str, lang: str) -> str:
    for mid in (f"submission_status_{status}", f"status_{status}"):
        text = translate(mid, lang)
        if text != mid:
            return text
    return status


# ---- a submission ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OverrideView:
    id: int
    exercise: str
    check: str | None
    target: str
    points: str
    who: str
    why: str
    when: str
    active: bool
    undone: str  # "undone by … on …: why", or ""
    attempt_id: int | None


def override_view(o: Override, lang: str) -> OverrideView:
    undone = (
        ""
        if o.active
        else translate(
            "review_override_undone",
            lang,
            who=o.undone_by or "?",
            when=_when(o.undone_at),
            why=o.undo_why or "—",
        )
    )
    return OverrideView(
        o.id,
        o.exercise,
        o.check,
        o.target,
        _num(o.points),
        o.who,
        o.why,
        _when(o.created_at),
        o.active,
        undone,
        o.attempt_id,
    )


@dataclass(frozen=True)
class CommentView:
    id: int
    who: str
    when: str
    text: str
    exercise: str


def comment_view(c: Comment) -> CommentView:
    return CommentView(c.id, c.who, _when(c.created_at), c.text, c.exercise or "")


@dataclass(frozen=True)
class CheckRow:
    check: report.CheckView
    exercise: str
    max_points: float
    graded_points: str  # what the grader gave, before overrides
    override: OverrideView | None  # the active override of this check


@dataclass(frozen=True)
class ExercisePanel:
    view: report.ExerciseView  # the student report's view of this exercise (overrides applied)
    max_score: float
    graded_score: str
    override: OverrideView | None  # the active override of the exercise's score
    checks: tuple[CheckRow, ...]
    cells: tuple[Cell, ...]
    comments: tuple[CommentView, ...]
    flags: tuple[Flag, ...]
    duplicates: tuple[PairLink, ...]


@dataclass(frozen=True)
class AttemptView:
    id: int
    when: str
    origin: str
    mode: str
    status_text: str
    score: str
    used: bool  # the attempt the grade comes from
    key: str


@dataclass(frozen=True)
class RegradeLink:
    id: str
    href: str
    state_text: str


@dataclass(frozen=True)
class SubmissionView:
    lang: str
    ta: str
    csrf: str
    student_id: str
    student_name: str
    student_email: str
    href: str
    report_href: str
    next_review_href: str
    attempt_id: int | None  # the attempt the TA looks at (what an override is made on)
    status: str
    status_text: str
    graded: bool  # a usable grade exists (overrides and comments are possible)
    score: str
    max_score: str
    graded_score: str  # before overrides
    late_text: str
    attempt_text: str
    source_file: str
    exercises: tuple[ExercisePanel, ...]
    other_cells: tuple[Cell, ...]  # cells before the first exercise (the sheet's introduction)
    notebook_problem: str
    flags: tuple[Flag, ...]
    messages: tuple[str, ...]  # the result's messages: overrides applied, late work, problems
    key_warnings: tuple[str, ...]
    overrides: tuple[OverrideView, ...]  # all, undone ones too, newest first
    comments: tuple[CommentView, ...]  # on the whole submission
    attempts: tuple[AttemptView, ...]  # newest first
    prev_href: str
    next_href: str
    regrade: RegradeLink | None
    t: Callable[..., str] = field(repr=False, compare=False, default=translate)


def _active(overrides: Sequence[Override], exercise: str, check: str | None) -> Override | None:
    chosen = [o for o in overrides if o.active and o.exercise == exercise and o.check == check]
    return max(chosen, key=lambda o: (o.created_at, o.id)) if chosen else None


def submission_view(
    entry: Entry,
    history: History,
    notebook: RenderedNotebook | None,
    pairs: Sequence[DuplicatePair],
    names: Mapping[str, str],
    assignment: Assignment | None,
    key: AnswerKey | None,
    *,
    lang: str,
    ta: str,
    csrf: str,
    prev: str | None = None,
    nxt: str | None = None,
    regrade: RegradeLink | None = None,
) -> SubmissionView:
    """One submission: each exercise's cells beside its checks, with overrides and comments."""
    result = entry.result
    graded = entry.grade is not None
    original = attempt_result(entry.grade.attempt) if entry.grade is not None else result
    sub_id = entry.grade.submission.id if entry.grade is not None else entry.submission.id
    overrides = [o for o in history.overrides if o.submission_id == sub_id]
    comments = [c for c in history.comments if c.submission_id == sub_id]
    student = report.student_view(result, key, assignment, lang=lang, reveal="always")
    graded_ex = {e.id: e for e in original.exercises}
    numbers = {e.id: e.number for e in result.exercises}
    mine = [p for p in pairs if entry.id in (p.a, p.b)]
    all_flags = entry_flags(entry, mine, names, lang)
    panels = []
    for ev, er in zip(student.exercises, result.exercises, strict=True):
        g = graded_ex.get(er.id)
        graded_checks = {c.id: c for c in g.checks} if g else {}
        rows = tuple(
            CheckRow(
                cv,
                er.id,
                float(cr.max_points),
                _num(graded_checks[cr.id].points) if cr.id in graded_checks else "—",
                (lambda o: override_view(o, lang) if o else None)(_active(overrides, er.id, cr.id)),
            )
            for cv, cr in zip(ev.checks, er.checks, strict=True)
        )
        ex_override = _active(overrides, er.id, None)
        panels.append(
            ExercisePanel(
                view=ev,
                max_score=float(er.max_score),
                graded_score=_num(g.score) if g else "—",
                override=override_view(ex_override, lang) if ex_override else None,
                checks=rows,
                cells=notebook.of(er.id) if notebook else (),
                comments=tuple(comment_view(c) for c in comments if c.exercise == er.id),
                flags=tuple(f for f in all_flags if f.exercise == er.id),
                duplicates=pair_links([p for p in mine if p.exercise == er.id], names, numbers, lang),
            )
        )
    known = {e.id for e in result.exercises}
    used = entry.grade.attempt.id if entry.grade is not None else None
    late_text = late_sentence(result.late, lang) or (translate("review_late", lang) if entry.late else "")
    t = _t(lang)
    return SubmissionView(
        lang=lang,
        ta=ta,
        csrf=csrf,
        student_id=entry.id,
        student_name=entry.name,
        student_email=entry.student.email or result.student.email,
        href=student_href(entry.id),
        report_href="/report/" + quote(entry.id, safe=""),
        next_review_href="/next?" + urlencode({"after": entry.id}),
        attempt_id=entry.grade.attempt.id if entry.grade is not None else None,
        status=result.status,
        status_text=translate(f"submission_status_{result.status}", lang),
        graded=graded,
        score=_num(result.score) if graded else "—",
        max_score=_num(result.max_score),
        graded_score=_num(original.score) if graded else "—",
        late_text=late_text,
        attempt_text=(entry.grade.attempt.describe() if entry.grade is not None
                      else entry.newest.describe()).text(lang),
        source_file=entry.submission.source_file,
        exercises=tuple(panels),
        other_cells=tuple(c for c in notebook.cells if c.exercise not in known) if notebook else (),
        notebook_problem=(notebook.problem if notebook else t("review_no_notebook")),
        flags=all_flags,
        messages=tuple(render(str(m), lang) for m in result.messages),  # the grader's reason
        key_warnings=student.key_warnings,
        overrides=tuple(
            override_view(o, lang)
            for o in sorted(overrides, key=lambda o: (o.created_at, o.id), reverse=True)
        ),
        comments=tuple(comment_view(c) for c in comments if not c.exercise or c.exercise not in known),
        attempts=tuple(
            AttemptView(
                a.id,
                _when(a.graded_at),
                a.origin,
                a.mode,
                translate(f"submission_status_{a.status}", lang),
                f"{_num(a.score)} / {_num(a.max_score)}",
                a.id == used,
                a.key_sha256[:10],
            )
            for a in reversed(history.attempts)
        ),
        prev_href=student_href(prev) if prev else "",
        next_href=student_href(nxt) if nxt else "",
        regrade=regrade,
        t=t,
    )


# ---- two answers side by side ---------------------------------------------------------------------


@dataclass(frozen=True)
class PairSide:
    student: str
    name: str
    href: str
    cells: tuple[Cell, ...]
    score: str


@dataclass(frozen=True)
class PairView:
    lang: str
    exercise: str
    exercise_text: str
    left: PairSide
    right: PairSide
    nodes: int
    group: int
    t: Callable[..., str] = field(repr=False, compare=False, default=translate)


def pair_view(
    pair: DuplicatePair,
    left: tuple[Entry, RenderedNotebook | None],
    right: tuple[Entry, RenderedNotebook | None],
    assignment: Assignment | None,
    lang: str,
) -> PairView:
    numbers = {e.id: e.number for e in (assignment.contract.exercises if assignment else ())}

    def side(entry: Entry, nb: RenderedNotebook | None, cells: tuple[int, ...]) -> PairSide:
        ex = next((e for e in entry.result.exercises if e.id == pair.exercise), None)
        score = f"{_num(ex.score)} / {_num(ex.max_score)}" if ex else "—"
        return PairSide(entry.id, entry.name, student_href(entry.id), nb.at(cells) if nb else (), score)

    return PairView(
        lang,
        pair.exercise,
        exercise_label(numbers[pair.exercise], lang) if pair.exercise in numbers else pair.exercise,
        side(*left, pair.cells_a),
        side(*right, pair.cells_b),
        pair.nodes,
        pair.group,
        _t(lang),
    )


# ---- what the student reads ---------------------------------------------------------------------------


def feedback_result(entry: Entry, history: History, lang: str) -> GradeResult:
    """The entry's result (overrides applied: their messages say who, when, why) with the TAs'
    comments on its submission added to its messages: what the student's report shows."""
    sub_id = entry.grade.submission.id if entry.grade is not None else entry.submission.id
    numbers = {e.id: e.number for e in entry.result.exercises}
    lines = []
    plain = set()  # the gradebook's own, untranslated lines for these comments (with_comments)
    for c in history.comments:
        if c.submission_id != sub_id:
            continue
        plain.add(f"{c.who}{f' ({c.exercise})' if c.exercise else ''}: {c.text}")
        where = exercise_label(numbers[c.exercise], lang) if c.exercise in numbers else ""
        mid = "review_comment_for_student_ex" if where else "review_comment_for_student"
        lines.append(translate(mid, lang, who=c.who, exercise=where, text=c.text))
    kept = tuple(m for m in entry.result.messages if m not in plain)
    return replace(entry.result, messages=kept + tuple(lines))
