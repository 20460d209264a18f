"""Per-exercise and total scores from check results. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from autograder.contract import Contract
from autograder.execute import ExerciseRun
from autograder.results import CheckResult, ExerciseResult, Misconception

SERIES = {
    "ex7": (("ex7_a", "history", "A"), ("ex7_b", "history", "B")),
    "ex10": (("ex10", "histInc", "Inception"), ("ex10", "histResNet", "ResNet")),
}


def series_for(exercise: str, run: ExerciseRun) -> dict[str, Any]:
    """Curves the reports plot: per-epoch metrics, and exercise 8's MSE by batch size."""
    out: dict[str, Any] = {}
    for part, name, label in SERIES.get(exercise, ()):
        value = run.extracted.get(part, {}).get(name)
        if isinstance(value, dict) and isinstance(value.get("history"), dict):
            out[label] = {k: v for k, v in value["history"].items() if isinstance(v, list)}
    if exercise == "ex8":
        mse = run.extracted.get("ex8", {}).get("mse_por_batch")
        if isinstance(mse, dict) and "__missing__" not in mse and "__unsupported__" not in mse:
            out["test_mse"] = mse
    return out


def _with_error_misconception(checks: Sequence[CheckResult], ids: Sequence[str]) -> tuple[CheckResult, ...]:
    """Attach a misconception recognised from the error text to the checks it cost."""
    if not ids:
        return tuple(checks)
    m = Misconception(ids[0])
    return tuple(replace(c, misconception=c.misconception or m) if c.status in ("not_run", "missing")
                 else c for c in checks)


def exercise_result(exercise_id: str, number: int, computed: bool, run: ExerciseRun | None,
                    checks: Sequence[CheckResult], verification: str = "executed") -> ExerciseResult:
    max_score = sum(c.max_points for c in checks)
    if run is None:
        return ExerciseResult(exercise_id, number, "not_run", 0.0, max_score, "not_executed",
                              tuple(checks))
    checks = _with_error_misconception(checks, run.misconceptions)
    status = run.status if computed or run.status != "ok" else "not_computed"
    return ExerciseResult(
        id=exercise_id, number=number, status=status,  # type: ignore[arg-type]
        score=round(sum(c.points for c in checks), 6), max_score=max_score,
        verification=verification,  # type: ignore[arg-type]
        checks=tuple(checks), error=run.error, seconds=round(run.seconds, 3),
        notes=run.notes + tuple(f"misconception:{m}" for m in run.misconceptions),
        series=series_for(exercise_id, run),
    )


def totals(exercises: Sequence[ExerciseResult]) -> tuple[float, float]:
    return (round(sum(e.score for e in exercises), 6), round(sum(e.max_score for e in exercises), 6))


def budgets(contract: Contract, timings: Mapping[str, float], floor_s: float, factor: float,
            overrides: Mapping[str, float] | None = None) -> dict[str, float]:
    """Time budget per exercise: max(floor, factor × the key's reference time), or an override."""
    out = {e.id: max(floor_s, factor * float(timings.get(e.id, 0.0))) for e in contract.exercises}
    out.update(overrides or {})
    return out
