"""Per-exercise and total scores from check results. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from autograder.contract import Contract
from autograder.execute import ExerciseRun
from autograder.results import CheckResult, ExerciseResult, Misconception


def series_for(reads: Mapping[str, str], run: ExerciseRun) -> dict[str, Any]:
    """Curves the reports plot, as the assignment declares them (``[series]`` in its manifest):
    series name -> "part:name" of a keras_history (its per-epoch lists) or of a mapping."""
    out: dict[str, Any] = {}
    for label, ref in reads.items():
        part, _, name = ref.partition(":")
        value = run.extracted.get(part, {}).get(name)
        if not isinstance(value, dict) or "__missing__" in value or "__unsupported__" in value:
            continue
        if isinstance(value.get("history"), dict):
            out[label] = {k: v for k, v in value["history"].items() if isinstance(v, list)}
        elif "history" not in value:
            out[label] = value
    return out


def _with_error_misconception(checks: Sequence[CheckResult], ids: Sequence[str]) -> tuple[CheckResult, ...]:
    """Attach a misconception recognised from the error text to the checks it cost."""
    if not ids:
        return tuple(checks)
    m = Misconception(ids[0])
    return tuple(replace(c, misconception=c.misconception or m) if c.status in ("not_run", "missing")
                 else c for c in checks)


def exercise_status(computed: bool, run_status: str) -> str:
    """The exercise's status as results show it: a conceptual exercise that ran is "not_computed"."""
    return run_status if computed or run_status != "ok" else "not_computed"


def exercise_result(exercise_id: str, number: int, computed: bool, run: ExerciseRun | None,
                    checks: Sequence[CheckResult], verification: str = "executed",
                    series: Mapping[str, str] | None = None) -> ExerciseResult:
    max_score = sum(c.max_points for c in checks)
    if run is None:
        return ExerciseResult(exercise_id, number, "not_run", 0.0, max_score, "not_executed",
                              tuple(checks))
    if run.status == "unanswered":  # nothing was run: each check says so, not "stopped by an error"
        checks = [replace(c, status="missing", points=0.0, message_id="unanswered", params={},
                          misconception=None) for c in checks]
    checks = _with_error_misconception(checks, run.misconceptions)
    status = exercise_status(computed, run.status)
    return ExerciseResult(
        id=exercise_id, number=number, status=status,  # type: ignore[arg-type]
        score=round(sum(c.points for c in checks), 6), max_score=max_score,
        verification=verification,  # type: ignore[arg-type]
        checks=tuple(checks), error=run.error, seconds=round(run.seconds, 3),
        notes=run.notes + tuple(f"misconception:{m}" for m in run.misconceptions),
        series=series_for(series or {}, run),
    )


def totals(exercises: Sequence[ExerciseResult]) -> tuple[float, float]:
    return (round(sum(e.score for e in exercises), 6), round(sum(e.max_score for e in exercises), 6))


def budgets(contract: Contract, reference: Mapping[str, float], floor_s: float, factor: float,
            overrides: Mapping[str, float] | None = None) -> dict[str, float]:
    """Time budget per exercise, in seconds: an override, else max(floor, factor × the exercise's
    reference time), to a tenth of a second. The reference is robust to load
    (``api.time_reference``: the fastest run the key recorded)."""
    out = {e.id: round(max(floor_s, factor * float(reference.get(e.id, 0.0))), 1)
           for e in contract.exercises}
    out.update({k: float(v) for k, v in (overrides or {}).items()})
    return out
