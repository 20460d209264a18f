"""TA overrides applied to a result: pure functions on frozen dataclasses.

Rules (the same for exports, reports, ``gradebook show`` and a review UI):

* Only active overrides apply (an undone one is kept in the history, not applied).
* Check overrides first: the check's points become the override's, and its exercise's score is
  the sum of its checks again (as ``autograder.scoring`` computes it).
* Then exercise overrides: the exercise's score becomes the override's points (its checks are
  left as graded, so the report still shows what the grader found).
* For the same target the most recent override wins. The total moves by the change of the
  exercise scores (so an adjustment made on the total, such as a late penalty of a fixed number
  of points, is kept), within 0 and the maximum score.
* An override whose target the result does not have (another contract) is not applied; the
  result's messages say so. Every applied override adds one message: who, when, old → new, why.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from autograder.gradebook.models import Comment, Override
from autograder.i18n import Msg, encode, msg
from autograder.results import ExerciseResult, GradeResult


class OverrideError(ValueError):
    """An override that cannot apply to the result it is made on (unknown target, points out of
    range), or a target that is not ``EXERCISE[:CHECK]``. ``msg`` says why (the CLI and the review
    UI show it in their language); ``str()`` is English."""

    def __init__(self, what: Msg) -> None:
        self.msg = what
        super().__init__(str(what))


def _points(value: float) -> str:
    return f"{value:g}"


def check_override(result: GradeResult, exercise: str, check: str | None, points: float) -> None:
    """Raise ``OverrideError`` unless ``result`` has the target and 0 <= points <= its maximum."""
    ex = next((e for e in result.exercises if e.id == exercise), None)
    if ex is None:
        known = ", ".join(e.id for e in result.exercises)
        raise OverrideError(msg("gradebook_no_exercise", exercise=repr(exercise), known=known) if known
                            else msg("gradebook_no_exercise_none", exercise=repr(exercise)))
    limit = ex.max_score
    if check is not None:
        c = next((c for c in ex.checks if c.id == check), None)
        if c is None:
            checks = ", ".join(c.id for c in ex.checks)
            raise OverrideError(
                msg("gradebook_no_check", check=repr(check), exercise=repr(exercise), known=checks) if checks
                else msg("gradebook_no_check_none", check=repr(check), exercise=repr(exercise)))
        limit = c.max_points
    if not 0 <= points <= limit:
        raise OverrideError(msg("gradebook_points_out_of_range", points=f"{points:g}", limit=f"{limit:g}",
                                target=f"{exercise}:{check}" if check else exercise))


def _latest_per_target(overrides: Sequence[Override]) -> list[Override]:
    latest: dict[tuple[str, str | None], Override] = {}
    for o in sorted((o for o in overrides if o.active), key=lambda o: (o.created_at, o.id)):
        latest[(o.exercise, o.check)] = o
    return list(latest.values())


def _message(o: Override, old: float) -> str:
    """The result's message for an applied override (coded: reports say it in the reader's language)."""
    return encode("gradebook_override_applied", target=o.target, old=_points(old), new=_points(o.points),
                  who=o.who, when=f"{o.created_at:%Y-%m-%d %H:%M}", why=o.why)


def apply_overrides(result: GradeResult, overrides: Sequence[Override]) -> GradeResult:
    """``result`` with ``overrides`` applied (see the module's rules); ``result`` itself unchanged."""
    chosen = _latest_per_target(overrides)
    if not chosen:
        return result
    exercises = {e.id: e for e in result.exercises}
    messages: list[str] = []
    for o in (o for o in chosen if o.check is not None):
        ex = exercises.get(o.exercise)
        check = next((c for c in ex.checks if c.id == o.check), None) if ex else None
        if ex is None or check is None:
            messages.append(encode("gradebook_override_no_check", target=o.target))
            continue
        checks = tuple(dataclasses.replace(c, points=o.points) if c.id == o.check else c for c in ex.checks)
        score = round(sum(c.points for c in checks), 6)
        exercises[ex.id] = dataclasses.replace(ex, checks=checks, score=score)
        messages.append(_message(o, check.points))
    for o in (o for o in chosen if o.check is None):
        ex = exercises.get(o.exercise)
        if ex is None:
            messages.append(encode("gradebook_override_no_exercise", target=o.target))
            continue
        exercises[ex.id] = dataclasses.replace(ex, score=o.points)
        messages.append(_message(o, ex.score))
    new: tuple[ExerciseResult, ...] = tuple(exercises[e.id] for e in result.exercises)
    delta = sum(e.score for e in new) - sum(e.score for e in result.exercises)
    score = min(max(result.score + delta, 0.0), result.max_score)
    return dataclasses.replace(result, exercises=new, score=round(score, 6),
                               messages=result.messages + tuple(messages))


def with_comments(result: GradeResult, comments: Sequence[Comment]) -> GradeResult:
    """``result`` with the TAs' comments for the student added to its messages (``who (exercise):
    text``, in the TA's own words), so reports and exports read from the gradebook show them."""
    lines = tuple(f"{c.who}{f' ({c.exercise})' if c.exercise else ''}: {c.text}" for c in comments)
    return dataclasses.replace(result, messages=result.messages + lines) if lines else result
