"""Late work: an assignment's late policy and what it does to a score (pure functions).

The policy lives in the assignment's ``assignment.toml`` (``[late]``, docs/authoring.md)::

    [late]
    due = "2026-05-31T23:59:00-03:00"   # ISO 8601; a naive time is local time
    grace = "15m"                       # forgiven lateness: "90s", "15m", "2h", "1d" (default 0)
    penalty_per_day = 10                # percent of the maximum score per started day late
    # penalty_per_hour = 1              #   ... or per started hour (not both)
    cap = 50                            # the most the penalty may take, percent (default 100)
    refuse = false                      # true: late work scores 0 (after the grace period)

When a submission was made comes from the LMS itself (``Submitted``): Gradescope's
``created_at``, Moodle's "Last modified (submission)" in the grading worksheet, and Canvas's
``LATE_`` mark in the download (Canvas says *that* a file is late, not *when*: one period is
charged, and the record says it was estimated). Lateness counts from the due date; a
submission within the grace period is on time. The penalty is a percentage of the maximum
score (as Canvas's own late policy counts it), capped, and the final score never goes below 0.

``apply`` records everything in the result (``result.late``: raw score, penalty, final score,
the policy, where the time came from) and sets ``result.score`` to the final score, so every
report and export shows the same number. Applying again (another due date from ``--due``)
starts from the recorded raw score.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from autograder.i18n import Msg, msg

if TYPE_CHECKING:
    from autograder.results import GradeResult

DAY_S = 86_400.0
HOUR_S = 3_600.0
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNIT_S = {"s": 1.0, "m": 60.0, "h": HOUR_S, "d": DAY_S, "": 60.0}
KEYS = ("due", "grace", "penalty_per_day", "penalty_per_hour", "cap", "refuse")


class LateValueError(ValueError):
    """A wrong late policy (the manifest's ``[late]``) or date (``--due``). A ``ValueError`` whose
    sentence is the catalogue's: ``.msg``, which the CLI and the assignment loader say in their
    reader's language; ``str()`` is the English text."""

    def __init__(self, what: Msg) -> None:
        self.msg = what
        super().__init__(str(what))


def parse_time(text: str) -> datetime:
    """An ISO 8601 date or date-time; a naive one is local time. ``LateValueError`` otherwise."""
    try:
        dt = datetime.fromisoformat(str(text).strip().replace("Z", "+00:00"))
    except ValueError:
        raise LateValueError(msg("late_bad_time", text=text)) from None
    return dt if dt.tzinfo is not None else dt.astimezone()


def parse_duration(value: object) -> float:
    """Seconds in ``"90s"``, ``"15m"``, ``"2h"``, ``"1d"`` or a bare number of minutes."""
    if isinstance(value, bool):
        raise LateValueError(msg("late_bad_grace", value=value))
    if isinstance(value, int | float):
        if value < 0:
            raise LateValueError(msg("late_negative_grace", value=value))
        return float(value) * 60.0
    m = _DURATION.match(str(value))
    if not m:
        raise LateValueError(msg("late_bad_grace", value=value))
    return float(m.group(1)) * _UNIT_S[m.group(2)]


def _percent(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
        raise LateValueError(msg("late_bad_percent", name=name, value=value))
    return float(value)


@dataclass(frozen=True)
class LatePolicy:
    """What late work costs. Percentages are of the maximum score."""

    due: datetime | None = None
    grace_s: float = 0.0
    per_day: float = 0.0
    per_hour: float = 0.0
    cap: float = 100.0
    refuse: bool = False

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any]) -> LatePolicy:
        """From the ``[late]`` table; ``LateValueError`` naming the key that is wrong."""
        unknown = sorted(set(table) - set(KEYS))
        if unknown:
            raise LateValueError(msg("late_unknown_keys", keys=", ".join(unknown), known=", ".join(KEYS)))
        due = table.get("due")
        if isinstance(due, datetime):
            due = due if due.tzinfo is not None else due.astimezone()
        elif due is not None:
            due = parse_time(str(due))
        per_day = _percent(table.get("penalty_per_day", 0), "penalty_per_day")
        per_hour = _percent(table.get("penalty_per_hour", 0), "penalty_per_hour")
        if per_day and per_hour:
            raise LateValueError(msg("late_day_and_hour"))
        refuse = table.get("refuse", False)
        if not isinstance(refuse, bool):
            raise LateValueError(msg("late_bad_refuse", value=refuse))
        return cls(due=due, grace_s=parse_duration(table.get("grace", 0)), per_day=per_day,
                   per_hour=per_hour, cap=_percent(table.get("cap", 100), "cap"), refuse=refuse)

    def with_due(self, due: datetime | None) -> LatePolicy:
        """The same policy with another due date (``--due``); None keeps this one."""
        return self if due is None else dataclasses.replace(self, due=due)

    @property
    def charges(self) -> bool:
        """Whether late work costs anything under this policy."""
        return self.refuse or self.per_day > 0 or self.per_hour > 0

    def to_dict(self) -> dict[str, Any]:
        return {"due": self.due.isoformat() if self.due else None, "grace_seconds": self.grace_s,
                "penalty_per_day": self.per_day, "penalty_per_hour": self.per_hour, "cap": self.cap,
                "refuse": self.refuse}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> LatePolicy:
        """The inverse of ``to_dict`` (jobs carry the policy as plain data)."""
        return cls(due=parse_time(d["due"]) if d.get("due") else None, grace_s=float(d["grace_seconds"]),
                   per_day=float(d["penalty_per_day"]), per_hour=float(d["penalty_per_hour"]),
                   cap=float(d["cap"]), refuse=bool(d["refuse"]))


@dataclass(frozen=True)
class Submitted:
    """When the LMS says the work was submitted."""

    at: datetime | None = None
    lms_late: bool | None = None  # the LMS's own mark (Canvas LATE_), when it gives no time
    source: str = ""  # e.g. "gradescope created_at", "moodle worksheet", "canvas LATE_ mark"


@dataclass(frozen=True)
class Assessment:
    late: bool
    lateness_s: float | None  # None: the LMS said late without saying when
    unit: str  # "day" | "hour" | "" (no per-period penalty)
    periods: int  # started days or hours charged
    penalty_percent: float
    refused: bool
    estimated: bool  # the lateness was not known: one period charged
    within_grace: bool


def assess(policy: LatePolicy, submitted: Submitted) -> Assessment | None:
    """How late the submission is and what that costs; None when nothing can be said (no due
    date and no LMS mark, or no submission time)."""
    lateness: float | None = None
    if submitted.at is not None and policy.due is not None:
        lateness = (submitted.at - policy.due).total_seconds()
        late = lateness > 0
    elif submitted.lms_late is not None:
        late = submitted.lms_late
    else:
        return None
    within_grace = late and lateness is not None and lateness <= policy.grace_s
    late = late and not within_grace
    unit, size, rate = (("hour", HOUR_S, policy.per_hour) if policy.per_hour
                        else ("day", DAY_S, policy.per_day) if policy.per_day else ("", DAY_S, 0.0))
    estimated = late and lateness is None
    periods = 0
    if late and unit:
        periods = 1 if lateness is None else max(1, math.ceil(lateness / size - 1e-9))
    refused = late and policy.refuse
    penalty = 100.0 if refused else min(policy.cap, rate * periods)
    return Assessment(late, lateness, unit, periods, penalty, refused, estimated, within_grace)


def record(policy: LatePolicy, submitted: Submitted, assessment: Assessment, raw_score: float,
           max_score: float) -> dict[str, Any]:
    """What ``result.late`` holds (plain JSON data; schema ``late`` in result.schema.json)."""
    points = min(raw_score, max_score * assessment.penalty_percent / 100.0) if max_score else 0.0
    final = max(0.0, raw_score - points)
    return {
        "source": submitted.source,
        "submitted_at": submitted.at.isoformat() if submitted.at else None,
        "due": policy.due.isoformat() if policy.due else None,
        "late": assessment.late, "within_grace": assessment.within_grace,
        "lateness_seconds": assessment.lateness_s, "estimated": assessment.estimated,
        "unit": assessment.unit, "periods": assessment.periods,
        "penalty_percent": assessment.penalty_percent, "penalty_points": round(raw_score - final, 6),
        "refused": assessment.refused,
        "raw_score": raw_score, "final_score": round(final, 6),
        "policy": policy.to_dict(),
    }


def raw_score(result: GradeResult) -> float:
    """The score before any late penalty."""
    return float(result.late["raw_score"]) if result.late else float(result.score)


def sentence(late: Mapping[str, Any] | None, lang: str = "pt") -> str:
    """The student's sentence about lateness; "" when on time or when no policy applied."""
    from autograder.i18n import translate

    if not late or not (late.get("late") or late.get("within_grace")):
        return ""
    key = ("late_within_grace" if late.get("within_grace") else "late_refused" if late.get("refused")
           else "late_estimated" if late.get("estimated") else "late_penalty")
    return translate(key, lang, **describe(late, lang))


def apply(result: GradeResult, policy: LatePolicy | None, submitted: Submitted) -> GradeResult:
    """``result`` with its late record and final score. Unchanged when there is no policy or
    nothing can be said about the time; a grader error is never penalised."""
    if policy is None or result.status == "grader_error":
        return result
    assessment = assess(policy, submitted)
    if assessment is None:
        return result
    raw = raw_score(result)
    rec = record(policy, submitted, assessment, raw, float(result.max_score))
    return dataclasses.replace(result, late=rec, score=rec["final_score"])


def submitted_from_record(late: Mapping[str, Any] | None) -> Submitted | None:
    """The submission time a late record holds (to re-apply another policy), if any."""
    if not late:
        return None
    at = parse_time(late["submitted_at"]) if late.get("submitted_at") else None
    lms_late = None if at is not None else bool(late.get("late"))
    return Submitted(at, lms_late, str(late.get("source", "")))


def describe(late: Mapping[str, Any], lang: str = "pt") -> dict[str, Any]:
    """Parameters for the catalogue's ``late_*`` messages (reports and exports)."""
    from autograder.i18n import translate

    lateness = late.get("lateness_seconds")
    span = ""
    if isinstance(lateness, int | float) and lateness > 0:
        span = str(timedelta(seconds=round(float(lateness))))
    return {"submitted": late.get("submitted_at") or "?", "due": late.get("due") or "?", "span": span,
            "periods": late.get("periods", 0),
            "unit": translate(f"late_unit_{late.get('unit') or 'day'}", lang),
            "percent": f"{float(late.get('penalty_percent', 0)):g}",
            "points": f"{float(late.get('penalty_points', 0)):g}",
            "raw": f"{float(late.get('raw_score', 0)):g}", "final": f"{float(late.get('final_score', 0)):g}",
            "source": late.get("source", "")}


def late_policy_dict(assignment: Any, due_override: str = "") -> dict[str, Any] | None:
    """The policy a batch job carries: the assignment's ``[late]`` with ``--due`` instead of its
    due date; ``--due`` alone records lateness without a penalty; None when there is neither."""
    policy = assignment.late_policy
    due = parse_time(due_override) if due_override else None
    if policy is None and due is None:
        return None
    return (policy or LatePolicy()).with_due(due).to_dict()


def apply_job(result: GradeResult, policy: Mapping[str, Any] | None, submitted_at: str,
              lms_late: bool | None, source: str = "") -> GradeResult:
    """``apply`` from a batch job's plain data (``autograder.batch.jobs``)."""
    if policy is None:
        return result
    at = parse_time(submitted_at) if submitted_at else None
    where = source or ("moodle worksheet" if at and result.student.source.startswith("moodle")
                       else "gradescope export" if at else "canvas LATE_ mark")
    return apply(result, LatePolicy.from_dict(policy), Submitted(at, lms_late, where))


def due_zone(assignment: Any, due_override: str = "") -> tzinfo | None:
    """The time zone of the due date (``--due``, else ``[late]``): Moodle writes its dates
    without one, and they are read in the due date's zone."""
    if due_override:
        return parse_time(due_override).tzinfo
    policy = assignment.late_policy
    return policy.due.tzinfo if policy is not None and policy.due is not None else None
