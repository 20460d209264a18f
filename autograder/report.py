"""Feedback reports for students and the class summary, from result JSON files only.

    result.json (+ key for reference bands, + the assignment for titles, messages and plots)
      -> student_view / summary_view     plain view data, every sentence translated   (pure)
      -> render_student / render_summary Jinja2 templates in templates/, HTML or MD    (pure)
      -> render_reports                  reads a folder of results, writes the files

Reveal rule (``reveal``): expected values, the official letter, tolerances that give the
answer away (bands, orderings) and the key's curves in plots are shown only when
``may_show_expected`` is true: ``"always"``, or ``"after_due"`` once ``now >= due``. Otherwise
the ``*_hidden`` variant of each message is used and plots show only the student's numbers.
"""

from __future__ import annotations

import json
import logging
import math
import re
import statistics
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import jinja2
import markupsafe

from autograder import plots, templating
from autograder.assignment import Assignment, check_same
from autograder.i18n import LANGUAGES, Echo, Msg, has_message, message_ids, msg, render, text_of, translate
from autograder.keymodel import AnswerKey, load_key
from autograder.late import sentence as late_sentence
from autograder.naming import safe_name, student_label
from autograder.results import (
    CheckResult,
    ExerciseResult,
    GradeResult,
    error_reason,
    read_result,
    result_from_dict,
    skipped_file,
)

Reveal = Literal["never", "after_due", "always"]
Format = Literal["html", "md"]
REVEALS = ("never", "after_due", "always")
FAILED_EXERCISE = ("error", "timeout", "memory", "dead", "output_limit")
NOT_RUN = ("not_run", "unanswered")  # nothing ran: no time to show
# check kinds whose tolerance text is itself the answer (an interval around it, or the order)
TOLERANCE_REVEALS = frozenset({"band", "band_map", "ordering", "envelope"})
DRIFT_OK = ("holds", "reproduces")
_MAX_TEXT = 300

log = logging.getLogger(__name__)
Messages = Mapping[str, Mapping[str, str]] | None  # an assignment's own catalogue


class ReportValueError(ValueError):
    """A wrong reveal rule or due date (``--reveal``, ``--due``). A ``ValueError`` whose sentence is
    the catalogue's: ``.msg``, which the CLI says in the operator's language (``str()``: English)."""

    def __init__(self, what: Msg) -> None:
        self.msg = what
        super().__init__(str(what))


# ---- reveal rules and values for people --------------------------------------------------

def _aware(dt: datetime) -> datetime:
    """Naive datetimes are local time."""
    return dt if dt.tzinfo is not None else dt.astimezone()


def may_show_expected(reveal: str, due: datetime | None = None, now: datetime | None = None) -> bool:
    """Whether expected values may be shown; ``after_due`` without a due date is an error."""
    if reveal == "always":
        return True
    if reveal == "never":
        return False
    if reveal == "after_due":
        if due is None:
            raise ReportValueError(msg("report_after_due_needs_due"))
        return _aware(now or datetime.now(UTC)) >= _aware(due)
    raise ReportValueError(msg("report_bad_reveal", option="reveal", known=", ".join(REVEALS), got=reveal))


def parse_due(text: str | None) -> datetime | None:
    """An ISO 8601 date or date-time ("2024-05-31", "2024-05-31T23:59-03:00"); naive = local."""
    if not text:
        return None
    try:
        return _aware(datetime.fromisoformat(text.strip()))
    except ValueError:
        raise ReportValueError(msg("report_bad_due", text=text)) from None


def _short(text: str, limit: int = _MAX_TEXT) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


SIGNIFICANT = 4  # digits of the numbers reports show (the result file keeps the exact values)


def show_number(value: Any) -> str:
    """A number for people: integers exact (thousands spaced), floats to 4 significant digits."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int):
        return templating.format_number(value)
    if not math.isfinite(value):
        return str(value)
    if value == 0:
        return "0"
    text = f"{value:.{SIGNIFICANT}g}"
    if "e" in text and 1e-4 <= abs(value) < 1e15:
        text = f"{value:.{SIGNIFICANT + 6}f}".rstrip("0").rstrip(".")
    return text


def _numeric_key(key: Any) -> tuple[int, float, str]:
    try:
        return (0, float(key), "")
    except (TypeError, ValueError):
        return (1, 0.0, str(key))


def ordered_items(value: Mapping[Any, Any]) -> list[tuple[Any, Any]]:
    """A mapping's items, numeric keys in numeric order ({2: …, 4: …, 8: …, 16: …})."""
    items = list(value.items())
    if items and all(_numeric_key(k)[0] == 0 for k, _ in items):
        return sorted(items, key=lambda kv: _numeric_key(kv[0]))
    return items


def show_value(value: Any) -> str:
    """Obtained or expected value for a table cell: short, numbers rounded, never huge."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return _short(value, 120)
    if isinstance(value, Mapping):
        items = [f"{_short(str(k), 40)}: {show_value(v)}" for k, v in ordered_items(value)[:12]]
        more = f", … ({len(value)} items)" if len(value) > 12 else ""
        return _short("{" + ", ".join(items) + more + "}")
    if isinstance(value, (list, tuple)):
        shown = [show_value(v) for v in value[:12]]
        more = f", … ({len(value)} items)" if len(value) > 12 else ""
        return _short("[" + ", ".join(shown) + more + "]")
    return _short(show_number(value))


def exact_value(value: Any) -> str:
    """The exact value behind a rounded one (the HTML report shows it on hover)."""
    if value is None or isinstance(value, str):
        return "" if value is None else value[:2000]
    if isinstance(value, Mapping):
        value = dict(ordered_items(value))
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=True)[:2000]
    except (TypeError, ValueError):
        return str(value)[:2000]


_LONG_NUMBER = re.compile(r"-?\d+\.\d{5,}(?:e[-+]?\d+)?|-?\d(?:\.\d+)?e[-+]?\d+")


def _round_numbers(text: str) -> str:
    return _LONG_NUMBER.sub(lambda m: show_number(float(m.group(0))), text)


def tolerance_text(check: CheckResult, lang: str, show_expected: bool) -> str | None:
    """The tolerance as shown, or None when it would give the answer away."""
    if not check.tolerance:
        return None
    gives_answer = check.kind in TOLERANCE_REVEALS or check.tolerance.startswith(("in ", "ascending"))
    if gives_answer and not show_expected:
        return None
    text = check.tolerance
    if text == "exact":
        return translate("tolerance_exact", lang)
    if text.startswith("in "):
        text = translate("tolerance_band", lang, intervals=text[3:])
    elif text.startswith("ascending: "):
        text = translate("tolerance_ascending", lang, order=text[len("ascending: "):])
    elif check.kind == "band_map":
        text = "; ".join(f"{k.strip()}: {translate('tolerance_band', lang, intervals=v.strip())}"
                         for k, _, v in (part.partition(":") for part in text.split(";")))
    return _short(_round_numbers(text))


def _kind(value: Any) -> str:
    if value is None:
        return "kind_missing"
    if isinstance(value, bool):
        return "kind_bool"
    if isinstance(value, (int, float)) or value in ("NaN", "Infinity", "-Infinity"):
        return "kind_number"
    if isinstance(value, (list, tuple)):
        return "kind_list"
    if isinstance(value, Mapping):
        return "kind_mapping"
    return "kind_text"


def _shape(value: Any) -> str:
    dims: list[int] = []
    while isinstance(value, (list, tuple)):
        dims.append(len(value))
        value = value[0] if value else None
    return "(" + ", ".join(map(str, dims)) + ("," if len(dims) == 1 else "") + ")"


def _detail(check: CheckResult, lang: str, show_expected: bool) -> str:
    """The ``{detail}`` of a check's sentence, in ``lang``, from the values themselves (the
    comparison's own detail is an English sentence for logs)."""
    got, want = check.params.get("obtained", check.obtained), check.expected
    mid = check.message_id
    if mid == "shape_mismatch":
        return translate("shape_detail", lang, obtained=_shape(got), expected=_shape(want))
    if mid == "length_mismatch":
        def n(v: Any) -> str:
            return translate("detail_items", lang, n=len(v) if isinstance(v, (list, tuple, Mapping)) else 1)

        return translate("shape_detail", lang, obtained=n(got), expected=n(want))
    if mid == "type_mismatch":
        return translate("shape_detail", lang, obtained=translate(_kind(got), lang),
                         expected=translate(_kind(want), lang))
    if mid == "key_mismatch":
        def keys(v: Any) -> str:
            shown = ", ".join(str(k) for k, _ in ordered_items(v)) if isinstance(v, Mapping) else "—"
            return "{" + shown + "}"

        return translate("shape_detail", lang, obtained=keys(got), expected=keys(want))
    if mid == "wrong_order":
        if isinstance(got, Mapping):
            order = [k for k, _ in sorted(got.items(), key=lambda kv: _numeric_key(kv[1]))]
            return " < ".join(map(str, order))
        return ""
    if mid == "unsupported":
        detail = str(check.params.get("detail", ""))
        return detail if re.fullmatch(r"[\w.]+", detail) else translate(_kind(got), lang)
    return str(check.params.get("detail", ""))


def check_message(check: CheckResult, lang: str, show_expected: bool) -> str:
    """The check's sentence: ``<id>_hidden`` when expected values are hidden, ``<id>_shown``
    (e.g. the official letter) when they may be shown, else ``<id>``."""
    if not check.message_id:
        return ""
    known = message_ids("en")
    mid = check.message_id
    variant = f"{mid}_shown" if show_expected else f"{mid}_hidden"
    if variant in known:
        mid = variant
    params = dict(check.params)
    if "detail" in params or mid.startswith(("shape_mismatch", "type_mismatch", "length_mismatch",
                                             "key_mismatch", "wrong_order", "unsupported")):
        params["detail"] = _detail(check, lang, show_expected)
    params["obtained"] = show_value(params.get("obtained", check.obtained))
    params["expected"] = show_value(check.expected) if show_expected else "—"
    params["tolerance"] = tolerance_text(check, lang, show_expected) or "—"
    return translate(mid, lang, **params)


def misconception_text(mid: str, lang: str, messages: Messages = None) -> str:
    """The assignment's sentence for a named misconception (its id when it has none)."""
    key = f"misconception.{mid}"
    return translate(key, lang, extra=messages) if has_message(key, messages) else mid


def note_text(note: str, lang: str) -> str:
    """An exercise's note in ``lang``: ``<id>``, ``<id>:<part>``, ``<id>:<params as JSON>`` or
    ``<id>:<coded reason>`` (``i18n.encode``); anything else as it is."""
    head, _, arg = note.partition(":")
    key = f"note_{head}"
    if key not in message_ids("en"):
        return note
    params: dict[str, Any] = {"part": arg}
    if arg.startswith("{"):
        try:
            loaded = json.loads(arg)
            params = loaded if isinstance(loaded, dict) else params
        except ValueError:
            pass
    elif arg:
        params["reason"] = render(arg, lang)
    return translate(key, lang, **params)


def message_texts(result: GradeResult, lang: str, assignment: Assignment | None = None, *,
                  for_student: bool = True) -> tuple[str, ...]:
    """The submission's messages in ``lang`` (coded messages rendered). A student never reads
    the grader's own failure (it names internal files): they read that the staff must look."""
    if for_student and result.status == "grader_error":
        return (translate("gs_grader_failed", lang),)
    return tuple(render(str(m), lang, extra=_messages(assignment)) for m in result.messages)


def key_warning_texts(result: GradeResult, lang: str) -> tuple[str, ...]:
    """The key's environment warnings in ``lang``, recomputed from the two fingerprints the result
    records (``environment.compatibility_issues``); the recorded sentences when they are absent."""
    from autograder.environment import Environment, compatibility_issues

    key_env, here = (result.key or {}).get("environment"), result.environment
    if not isinstance(key_env, Mapping) or not here:
        return tuple(str(w) for w in (result.key or {}).get("warnings", []))
    issues = compatibility_issues(Environment.from_dict(dict(key_env)), Environment.from_dict(dict(here)))
    return tuple(translate(f"key_env_{kind}", lang, **params) for kind, params in issues)


def error_text(error: Any, lang: str, sandbox: Mapping[str, Any] | None = None,
               exercise: str = "") -> str:
    """``ename: evalue`` of the student's own error; a limit that stopped the exercise (time,
    memory, processes, disk, a dead kernel) as the catalogue's sentence."""
    if error is None:
        return ""
    key = f"limit_{error.ename}"
    if key in message_ids("en"):
        sb = sandbox or {}
        budgets = sb.get("budgets_s")
        budget = budgets.get(exercise) if isinstance(budgets, Mapping) else None
        return translate(key, lang, budget=f"{show_number(float(budget))} s" if budget else "—",
                         memory=f"{sb['memory_mb']} MB" if sb.get("memory_mb") else "—")
    return f"{error.ename}: {_short(error.evalue)}"


def _titles(assignment: Assignment | None, lang: str) -> dict[str, str]:
    if assignment is None:
        return {}
    return {e.id: (e.title_pt if lang == "pt" else e.title_en) for e in assignment.contract.exercises}


def _messages(assignment: Assignment | None) -> Messages:
    return assignment.messages if assignment is not None else None


def exercise_title(exercise: ExerciseResult, assignment: Assignment | None, lang: str) -> str:
    title = _titles(assignment, lang).get(exercise.id, exercise.id)
    return translate("report_exercise", lang, number=exercise.number, title=title)


def error_sentence(exercise: ExerciseResult, lang: str, result: GradeResult | None = None) -> str:
    e = exercise.error
    if e is None:
        return ""
    if f"limit_{e.ename}" in message_ids("en"):
        return error_text(e, lang, result.sandbox if result else None, exercise.id)
    return translate("error_in_cell", lang, cell=e.cell_index + 1 if e.cell_index >= 0 else "?",
                     line=e.line if e.line is not None else "?", ename=e.ename, evalue=_short(e.evalue))


def rule_text(exercise: ExerciseResult, lang: str) -> str:
    """How interrupted work was read in this exercise (one rule per status; README)."""
    if exercise.status not in FAILED_EXERCISE or exercise.status == "output_limit":
        return ""
    if "kernel_restarted" in exercise.notes or exercise.status in ("memory", "dead"):
        return translate("rule_killed", lang)
    if exercise.status == "timeout":
        return translate("rule_interrupted", lang) if "interrupted" in exercise.notes else ""
    return translate("rule_error", lang)


# ---- the student's report: view data ------------------------------------------------------

@dataclass(frozen=True)
class CheckView:
    id: str
    status: str
    status_text: str
    points: str
    max_points: str
    obtained: str
    expected: str | None  # None: not shown
    tolerance: str | None  # None: not shown
    message: str
    misconception: str
    obtained_exact: str = ""  # the exact value behind ``obtained`` (HTML: on hover)
    expected_exact: str = ""


@dataclass(frozen=True)
class ErrorView:
    ename: str
    evalue: str
    where: str
    code_line: str
    traceback: str


@dataclass(frozen=True)
class ExerciseView:
    id: str
    number: int
    title: str
    score: str
    max_score: str
    fraction: float
    status: str
    status_text: str
    verification_text: str
    seconds: str
    checks: tuple[CheckView, ...]
    error: ErrorView | None
    misconceptions: tuple[str, ...]
    notes: tuple[str, ...]
    drift_note: str
    plots: tuple[plots.Plot, ...]
    rule: str = ""  # how interrupted work was read (README, "The sandbox")


@dataclass(frozen=True)
class StudentView:
    lang: str
    title: str
    student_id: str
    student_name: str
    student_email: str
    submission: str
    submission_status: str
    submission_status_text: str
    score: str
    max_score: str
    fraction: float
    show_expected: bool
    reveal_note: str
    plots_note: str
    exercises: tuple[ExerciseView, ...]
    limits: tuple[str, ...]
    messages: tuple[str, ...]
    key_warnings: tuple[str, ...]
    generated: str
    t: Callable[..., str] = field(repr=False, compare=False, default=translate)
    restored: tuple[str, ...] = ()  # instructor cells restored (edited or deleted)
    time_rule: str = ""  # how the time budgets were set
    exact_note: str = ""


def restored_texts(result: GradeResult, lang: str) -> tuple[str, ...]:
    """The instructor cells grading restored, in ``lang``."""
    out = []
    for item in result.restored_cells:
        cell, _, how = str(item).partition(" (")
        kind = how.rstrip(")")
        known = kind in ("edited", "deleted")
        out.append(translate(f"restored_{kind}", lang, cell=cell) if known else str(item))
    return tuple(out)


def time_rule_text(result: GradeResult, lang: str) -> str:
    """How the time budgets were set (the reference and the factor), from the result."""
    sb = result.sandbox or {}
    rule = sb.get("time_reference_rule")
    if not isinstance(rule, str) or f"report_time_reference_{rule}" not in message_ids("en"):
        return ""
    return translate("report_time_rule", lang, floor=show_number(float(sb.get("time_floor_s", 60))),
                     factor=show_number(float(sb.get("time_factor", 3))),
                     reference=translate(f"report_time_reference_{rule}", lang))


def _check_view(c: CheckResult, lang: str, show_expected: bool, messages: Messages = None) -> CheckView:
    return CheckView(
        id=c.id, status=c.status, status_text=translate(f"check_status_{c.status}", lang),
        points=templating.format_number(float(c.points)),
        max_points=templating.format_number(float(c.max_points)),
        obtained=show_value(c.obtained),
        expected=show_value(c.expected) if show_expected else None,
        tolerance=tolerance_text(c, lang, show_expected),
        message=check_message(c, lang, show_expected),
        obtained_exact=exact_value(c.obtained),
        expected_exact=exact_value(c.expected) if show_expected else "",
        # a misconception recognised from the value itself; error-based ones (attached to the
        # checks the error cost) are said once, above the table
        misconception=(misconception_text(c.misconception.id, lang, messages)
                       if c.misconception and c.status in ("fail", "invalid") else
                       # an honest degenerate outcome accepted: the assignment says what happened
                       " ".join(translate(f"degenerate.{r}", lang, extra=messages)
                                for r in c.params.get("degenerate", []) if isinstance(r, str))),
    )


def _exercise_view(e: ExerciseResult, result: GradeResult, key: AnswerKey | None,
                   assignment: Assignment | None, lang: str, show_expected: bool) -> ExerciseView:
    ids = [c.misconception.id for c in e.checks if c.misconception]
    ids += [n.split(":", 1)[1] for n in e.notes if n.startswith("misconception:")]
    err = e.error
    error = None
    if err is not None and e.status in FAILED_EXERCISE:
        limit = f"limit_{err.ename}" in message_ids("en")
        error = ErrorView(
            ename=translate(f"status_{e.status}", lang) if limit else err.ename,
            evalue=error_text(err, lang, result.sandbox, e.id) if limit else _short(err.evalue, 1000),
            where=translate("report_error_cell" if err.line is not None else "report_error_cell_no_line",
                            lang, cell=err.cell_index + 1 if err.cell_index >= 0 else "?", line=err.line),
            code_line=_short(err.code_line, 500), traceback=err.traceback[-4000:])
    drift = (result.key or {}).get("drift", {})
    drift_status = drift.get(e.id) if isinstance(drift, Mapping) else None
    budgets = (result.sandbox or {}).get("budgets_s")
    budget = budgets.get(e.id) if isinstance(budgets, Mapping) else None
    seconds = f"{e.seconds:.1f} s"
    return ExerciseView(
        id=e.id, number=e.number, title=exercise_title(e, assignment, lang),
        score=templating.format_number(float(e.score)),
        max_score=templating.format_number(float(e.max_score)),
        fraction=e.score / e.max_score if e.max_score else 0.0,
        status=e.status, status_text=translate(f"status_{e.status}", lang),
        verification_text=translate("verification_letter_only" if e.status == "not_computed"
                                    else f"verification_{e.verification}", lang),
        seconds=(translate("report_time_of", lang, seconds=seconds, budget=f"{show_number(float(budget))} s")
                 if isinstance(budget, (int, float)) and e.status not in NOT_RUN else seconds),
        rule=rule_text(e, lang),
        checks=tuple(_check_view(c, lang, show_expected, _messages(assignment)) for c in e.checks),
        error=error,
        misconceptions=tuple(misconception_text(m, lang, _messages(assignment)) for m in dict.fromkeys(ids)),
        notes=tuple(note_text(n, lang) for n in e.notes if not n.startswith("misconception:")),
        drift_note=(translate("report_drift_note", lang)  # said where the student's numbers are judged
                    if isinstance(drift_status, str) and drift_status not in DRIFT_OK
                    and e.status not in NOT_RUN else ""),
        plots=tuple(plots.exercise_plots(e, key, show_key=show_expected, lang=lang,
                                         specs=assignment.plots(e.id) if assignment else (),
                                         messages=_messages(assignment))),
    )


def student_view(result: GradeResult, key: AnswerKey | None, assignment: Assignment | None, *,
                 lang: str = "pt", reveal: Reveal = "never", due: datetime | None = None,
                 now: datetime | None = None) -> StudentView:
    """Everything the student's report shows, translated, with the reveal rule applied."""
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    show = may_show_expected(reveal, due, now)
    exercises = tuple(_exercise_view(e, result, key, assignment, lang, show) for e in result.exercises)
    if show:
        reveal_note = ""
    elif reveal == "after_due" and due is not None:
        reveal_note = translate("report_reveal_after_due", lang,
                                due=_aware(due).isoformat(timespec="minutes"))
    else:
        reveal_note = translate("report_reveal_never", lang)
    has_curves = any(e.series for e in result.exercises)
    not_enforced = (result.sandbox or {}).get("not_enforced", [])
    return StudentView(
        lang=lang, title=translate("report_title", lang),
        student_id=result.student.id, student_name=result.student.name or result.student.id,
        student_email=result.student.email,
        submission=Path(result.submission_path).name,
        submission_status=result.status,
        submission_status_text=translate(f"submission_status_{result.status}", lang),
        score=templating.format_number(float(result.score)),
        max_score=templating.format_number(float(result.max_score)),
        fraction=result.score / result.max_score if result.max_score else 0.0,
        show_expected=show, reveal_note=reveal_note,
        plots_note=translate("report_key_hidden_in_plots", lang) if has_curves and not show else "",
        exercises=exercises,
        limits=tuple(translate("limit_not_enforced", lang, what=render(str(w), lang)) for w in not_enforced),
        messages=tuple(m for m in (late_sentence(result.late, lang),
                                   *message_texts(result, lang, assignment)) if m),
        key_warnings=key_warning_texts(result, lang),
        restored=restored_texts(result, lang), time_rule=time_rule_text(result, lang),
        exact_note=translate("report_exact_values", lang),
        generated=translate("report_generated", lang, when=result.graded_at,
                            version=result.grader_version,
                            profile=(result.key or {}).get("profile", "?")),
        t=lambda mid, **kw: translate(mid, lang, **kw),
    )


# ---- rendering ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Rendered:
    """A rendered report and the files it links to (Markdown: PNGs, by relative path)."""

    text: str
    files: dict[str, bytes]


def _md_cell(value: Any) -> str:
    """Text safe inside a Markdown table cell: no pipes, no raw HTML, one line."""
    text = str(value).replace("\\", "\\\\").replace("|", "\\|")
    text = text.replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"\s*\n\s*", " ", text)


def _md_fence(text: str) -> str:
    """A fenced code block whose fence is longer than any backtick run in ``text``."""
    runs = [len(m) for m in re.findall(r"`+", text)]
    fence = "`" * max(3, max(runs, default=0) + 1)
    return f"{fence}text\n{text}\n{fence}"


def _html_code(value: Any) -> markupsafe.Markup:
    """Escaped text with the catalogue's `code spans` as <code> (HTML templates only)."""
    escaped = str(markupsafe.escape(str(value)))
    return markupsafe.Markup(re.sub(r"`([^`\n]+)`", r"<code>\1</code>", escaped))


def _env(fmt: Format) -> jinja2.Environment:
    env = templating.environment(autoescape=fmt == "html")
    env.filters["code"] = _html_code
    env.filters["md"] = _md_cell
    env.filters["fence"] = _md_fence
    env.filters["data_uri"] = plots.data_uri
    env.filters["pct"] = lambda x: f"{100 * float(x):.0f}%"
    return env


def _check_format(fmt: str) -> None:
    if fmt not in ("html", "md"):
        raise ValueError(f"fmt must be 'html' or 'md', got {fmt!r}")


def render_student(view: StudentView, fmt: Format, *, asset_dir: str = "") -> Rendered:
    """HTML (self-contained: plots as data URIs) or Markdown (plots as PNG files under
    ``asset_dir``, returned in ``files`` for the caller to write beside the report)."""
    _check_format(fmt)
    files: dict[str, bytes] = {}
    links: dict[str, str] = {}
    if fmt == "md":
        for e in view.exercises:
            for p in e.plots:
                rel = f"{asset_dir}/{p.name}.png" if asset_dir else f"{p.name}.png"
                files[rel] = p.png
                links[p.name] = rel
    text = _env(fmt).get_template(f"student_report.{fmt}.j2").render(v=view, t=view.t, links=links)
    return Rendered(text, files)


def student_report(result: GradeResult, key: AnswerKey | None, assignment: Assignment | None, *,
                   lang: str = "pt", reveal: Reveal = "never", due: datetime | None = None,
                   now: datetime | None = None, fmt: Format, asset_dir: str = "") -> str:
    """The student's feedback report as HTML or Markdown text.

    Markdown links its plots as ``<asset_dir>/<plot>.png``; use ``render_student`` (or
    ``render_reports``) to get the PNG files too.
    """
    view = student_view(result, key, assignment, lang=lang, reveal=reveal, due=due, now=now)
    return render_student(view, fmt, asset_dir=asset_dir).text


# ---- the class summary --------------------------------------------------------------------

@dataclass(frozen=True)
class SummaryView:
    lang: str
    n: int
    stats: tuple[tuple[str, str], ...]
    histogram: bytes | None
    exercises: tuple[tuple[str, str, str], ...]  # title, mean rate, full marks "k / n"
    misconceptions: tuple[tuple[str, str, int], ...]  # text, id, submissions
    failures: tuple[tuple[str, str, str, str], ...]  # student, exercise, status, reason
    drift: tuple[str, ...]
    env_warnings: tuple[tuple[str, int], ...]
    skipped: tuple[str, ...]
    key_mismatch: str
    t: Callable[..., str] = field(repr=False, compare=False, default=translate)


def drift_text(d: Any, lang: str) -> str:
    """One sentence on whether an exercise's official letter still holds (``keymodel.Drift``)."""
    return translate("drift_summary", lang, number=d.exercise, official=d.official,
                     supporting=d.runs_supporting_official, runs=d.runs,
                     status=translate(f"drift_status_{d.status}", lang))


def _quantile_stats(scores: Sequence[float], lang: str) -> tuple[tuple[str, str], ...]:
    if not scores:
        return ()
    q = statistics.quantiles(scores, n=4, method="inclusive") if len(scores) > 1 else [scores[0]] * 3
    f = templating.format_number
    return tuple((translate(k, lang), f(float(v))) for k, v in (
        ("summary_min", min(scores)), ("summary_q1", q[0]), ("summary_median", q[1]),
        ("summary_q3", q[2]), ("summary_max", max(scores)), ("summary_mean", statistics.fmean(scores))))


def summary_view(results: Sequence[GradeResult], key: AnswerKey | None, assignment: Assignment | None, *,
                 lang: str = "pt", skipped: Sequence[Msg | str] = ()) -> SummaryView:
    """Score distribution, success per exercise, misconceptions, failures, key warnings; ``skipped``:
    the files not read and why (``Loaded.skipped``), said in ``lang``."""
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    scores = [float(r.score) for r in results if math.isfinite(r.score)]
    max_score = max((float(r.max_score) for r in results), default=0.0)
    contract = assignment.contract if assignment is not None else None
    if contract is not None:
        max_score = contract.max_score

    per_ex: dict[str, list[ExerciseResult]] = {}
    titles: dict[str, str] = {}
    for r in results:
        for e in r.exercises:
            per_ex.setdefault(e.id, []).append(e)
            titles.setdefault(e.id, exercise_title(e, assignment, lang))
    order = [e.id for e in contract.exercises] if contract else []
    order += sorted((x for x in per_ex if x not in order), key=lambda x: (len(x), x))
    exercises = []
    for ex_id in order:
        es = per_ex.get(ex_id, [])
        total_max = sum(e.max_score for e in es)
        rate = sum(e.score for e in es) / total_max if total_max else 0.0
        full = sum(1 for e in es if e.max_score and e.score >= e.max_score - 1e-9)
        exercises.append((titles.get(ex_id, ex_id), f"{100 * rate:.0f}%", f"{full} / {len(es)}"))

    seen: Counter[str] = Counter()
    for r in results:
        ids = {c.misconception.id for e in r.exercises for c in e.checks if c.misconception}
        ids |= {n.split(":", 1)[1] for e in r.exercises for n in e.notes if n.startswith("misconception:")}
        seen.update(ids)
    misconceptions = tuple((misconception_text(m, lang, _messages(assignment)), m, k)
                           for m, k in seen.most_common())

    failures = []
    for r in results:
        if r.status != "graded":
            failures.append((student_label(r), "—", translate(f"submission_status_{r.status}", lang),
                             _short(" ".join(message_texts(r, lang, assignment, for_student=False))
                                    or r.status)))
            continue
        for e in r.exercises:
            if e.status in FAILED_EXERCISE:
                reason = _short(error_text(e.error, lang, r.sandbox, e.id), 200) if e.error else ""
                failures.append((student_label(r), exercise_title(e, assignment, lang),
                                 translate(f"status_{e.status}", lang), reason))

    if key is not None:
        drift = tuple(drift_text(d, lang) for _, d in sorted(key.drift.items(), key=lambda kv: kv[1].exercise)
                      if d.status not in DRIFT_OK)
    else:
        statuses: dict[str, str] = {}
        for r in results:
            statuses.update({k: v for k, v in (r.key or {}).get("drift", {}).items() if isinstance(v, str)})
        numbers = {e.id: e.number for r in results for e in r.exercises}
        drift = tuple(translate("drift_status", lang, number=numbers.get(k, k),
                                status=translate(f"drift_status_{v}", lang))
                      for k, v in sorted(statuses.items(), key=lambda kv: _numeric_key(numbers.get(kv[0], 0)))
                      if v not in DRIFT_OK)
    warnings: Counter[str] = Counter()
    for r in results:
        warnings.update(dict.fromkeys(key_warning_texts(r, lang)).keys())
    shas = {(r.key or {}).get("sha256") for r in results} - {None, ""}
    return SummaryView(
        lang=lang, n=len(results), stats=_quantile_stats(scores, lang),
        histogram=plots.histogram(scores, max_score, lang),
        exercises=tuple(exercises), misconceptions=misconceptions, failures=tuple(failures),
        drift=drift, env_warnings=tuple(warnings.most_common()),
        skipped=tuple(text_of(s, lang) for s in skipped),
        key_mismatch=translate("summary_key_mismatch", lang, n=len(shas)) if len(shas) > 1 else "",
        t=lambda mid, **kw: translate(mid, lang, **kw),
    )


def render_summary(view: SummaryView, fmt: Format, *, asset_dir: str = "") -> Rendered:
    _check_format(fmt)
    files: dict[str, bytes] = {}
    link = ""
    if fmt == "md" and view.histogram:
        link = f"{asset_dir}/histogram.png" if asset_dir else "histogram.png"
        files[link] = view.histogram
    text = _env(fmt).get_template(f"class_summary.{fmt}.j2").render(v=view, t=view.t, histogram_link=link)
    return Rendered(text, files)


def class_summary(results: Sequence[GradeResult], key: AnswerKey | None, assignment: Assignment | None, *,
                  lang: str = "pt", fmt: Format, skipped: Sequence[Msg | str] = (),
                  asset_dir: str = "") -> str:
    """The class summary as HTML or Markdown text (see ``render_summary`` for the PNG file)."""
    view = summary_view(results, key, assignment, lang=lang, skipped=skipped)
    return render_summary(view, fmt, asset_dir=asset_dir).text


# ---- a folder of results -> a folder of reports ----------------------------------------------

@dataclass(frozen=True)
class Loaded:
    results: tuple[tuple[Path, GradeResult], ...]
    skipped: tuple[Msg, ...]  # "file: reason" (``results.skipped_file``), for the summary and the log
    foreign: tuple[str, ...] = ()  # the names of the skipped files that are results of another assignment


def load_results(results_dir: Path, assignment: Assignment | None = None) -> Loaded:
    """Every grading result in ``results_dir`` (``*.json``); others are skipped with a reason,
    and so are results of another assignment than ``assignment`` (when given)."""
    results: list[tuple[Path, GradeResult]] = []
    skipped: list[Msg] = []
    foreign: list[str] = []
    for path in sorted(Path(results_dir).glob("*.json")):
        read = read_result(path)
        if isinstance(read, Msg):
            skipped.append(read)
            continue
        _, data = read
        try:
            result = result_from_dict(data)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            skipped.append(skipped_file(path.name, error_reason(exc)))
            continue
        other = result.assignment.get("name")
        if assignment is not None and other not in (None, assignment.name):
            skipped.append(skipped_file(path.name, msg("report_foreign_result", other=other,
                                                       assignment=assignment.name)))
            foreign.append(path.name)
            continue
        results.append((path, result))
    return Loaded(tuple(results), tuple(skipped), tuple(foreign))


def _write(base: Path, rendered: Rendered, name: str) -> list[Path]:
    out = base / name
    out.write_text(rendered.text, encoding="utf-8")
    written = [out]
    for rel, data in rendered.files.items():
        target = base / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        written.append(target)
    return written


def render_reports(results_dir: Path, key_path: Path | None, out_dir: Path, *, lang: str = "pt",
                   reveal: Reveal = "never", due: datetime | None = None, now: datetime | None = None,
                   assignment: Assignment | None = None, warn: Echo | None = None) -> list[Path]:
    """Write ``<student id>.html`` and ``.md`` (+ ``<id>_files/*.png``) per result, and
    ``class_summary.html`` / ``.md``. A file that cannot be read or rendered is reported through
    ``warn`` (default: the logger) as ``report_skipped`` and listed in the summary; it never stops
    the others. A student id used twice is reported too (``report_duplicate_id``)."""
    warn = warn or (lambda m: log.warning("%s", m))
    may_show_expected(reveal, due, now)  # a bad reveal/due combination fails before any work
    key = load_key(key_path) if key_path else None
    if assignment is not None and key is not None:
        check_same(assignment, key.assignment, "answer key", where=str(key_path))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    loaded = load_results(Path(results_dir), assignment)
    skipped = list(loaded.skipped)
    for s in skipped:
        warn(msg("report_skipped", item=s))
    written: list[Path] = []
    used: set[str] = {"class_summary"}
    rendered_results = []
    for path, result in loaded.results:
        stem = safe_name(result.student.id or path.stem)
        base, i = stem, 2
        while stem in used:
            stem, i = f"{base}-{i}", i + 1
        if stem != base:
            warn(msg("report_duplicate_id", file=path.name, student=result.student.id, report=f"{stem}.html"))
        used.add(stem)
        try:
            view = student_view(result, key, assignment, lang=lang, reveal=reveal, due=due, now=now)
            written += _write(out_dir, render_student(view, "html"), f"{stem}.html")
            written += _write(out_dir, render_student(view, "md", asset_dir=f"{stem}_files"), f"{stem}.md")
        except Exception as exc:  # one broken result must not stop the class; it is reported
            skipped.append(skipped_file(path.name, msg("report_render_failed", error=type(exc).__name__,
                                                       detail=str(exc))))
            warn(msg("report_skipped", item=skipped[-1]))
            continue
        rendered_results.append(result)
    summary = summary_view(rendered_results, key, assignment, lang=lang, skipped=skipped)
    written += _write(out_dir, render_summary(summary, "html"), "class_summary.html")
    written += _write(out_dir, render_summary(summary, "md", asset_dir="class_summary_files"),
                      "class_summary.md")
    return written


CORRUPT_RESULT_EXIT = 12  # `report`: a result file is corrupt or not a result (README, exit codes)
FOREIGN_RESULT_EXIT = 9  # `report`: a result of another assignment (as AssignmentMismatch)


def cli_report(results_dir: Path, key_path: Path | None, out_dir: Path, *, lang: str = "pt",
               reveal: str = "never", due: str | None = None, assignment: Assignment | None = None,
               echo: Echo = print) -> int:
    """``autograder report RESULTS_DIR --key KEY --out OUT [--lang] [--reveal] [--due]``.

    Every readable result gets its report. Returns the exit code: 0; 12
    (``CORRUPT_RESULT_EXIT``) when a file is corrupt, not a result, or its report could not be
    rendered; else 9 when a file is a result of another assignment. Each such file is named."""
    if reveal not in REVEALS:
        raise ReportValueError(msg("report_bad_reveal", option="--reveal", known=", ".join(REVEALS),
                                   got=reveal))
    problems: list[Msg] = []

    def warn(said: Msg) -> None:
        if said.id == "report_skipped":
            problems.append(said.params["item"])
        else:  # e.g. a student id used twice: the reports are still written
            echo(msg("report_warning", message=said))

    loaded = load_results(Path(results_dir), assignment)
    written = render_reports(Path(results_dir), Path(key_path) if key_path else None, Path(out_dir),
                             lang=lang, reveal=reveal, due=parse_due(due),  # type: ignore[arg-type]
                             assignment=assignment, warn=warn)
    reports = [p for p in written if p.suffix == ".html" and p.name != "class_summary.html"]
    echo(msg("report_written", n=len(reports), path=str(out_dir)))
    foreign = [p for p in problems if p.params.get("name") in loaded.foreign]
    corrupt = [p for p in problems if p not in foreign]
    for p in corrupt:
        echo(msg("report_result_not_read", item=p))
    for p in foreign:
        echo(msg("error_line", message=p))
    return CORRUPT_RESULT_EXIT if corrupt else FOREIGN_RESULT_EXIT if foreign else 0
