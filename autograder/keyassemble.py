"""Turn reference runs into an answer key: pure functions, no training, no I/O.

This module is the GENERIC machinery; which quantities an exercise has, and how they are read
from its runs, is the assignment's business (``AssignmentHooks.assemble_key``, which builds
them with the helpers here, re-exported by ``autograder.sdk``). ``assemble`` adds what every
key has: timings, run counts, the official answers, the published values and the assignment's
identity.

Tolerance rule for training quantities (``band_quantity``; documented in README.md and in
every key report through each quantity's ``tolerance["rule"]``):

    For each observed value v (the deterministic run and every sheet-seeded run) accept
    [v - pad(v), v + pad(v)] with pad(v) = max(k * s, rel * |v|, abs), where s is the standard
    deviation of the *healthy* runs (runs the assignment does not flag as degenerate). The
    band is the union of these intervals, merged where they overlap.

Why not "mean ± k std": honest results can be bimodal (a run whose training collapsed sits far
from the others). A mean between the modes accepts neither mode's neighbours sensibly; a union
of intervals around every observed value accepts both modes and nothing in between. ``rel`` and
``abs`` floor the band when few runs agree too well.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from autograder.assignment import Run
from autograder.environment import Environment
from autograder.keymodel import AnswerKey, Drift, Quantity

if TYPE_CHECKING:
    from autograder.assignment import Assignment, Profile

Pick = Callable[..., Any]  # called with a run's data, returns the value of one quantity


@dataclass(frozen=True)
class BandPolicy:
    """The floors of a band: ``pad(v) = max(k·std(healthy runs), rel·|v|, abs)``."""

    rel: float
    abs: float
    k: float = 3.0

    def describe(self) -> str:
        return (f"union over observed runs of v ± max({self.k:g}·std(healthy runs), "
                f"{self.rel:g}·|v|, {self.abs:g})")


def merge_intervals(intervals: Sequence[tuple[float, float]]) -> list[list[float]]:
    out: list[list[float]] = []
    for lo, hi in sorted(intervals):
        if out and lo <= out[-1][1]:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return out


def band(values: Sequence[float], degenerate: Sequence[bool], policy: BandPolicy) -> list[list[float]]:
    """The accepted band: the union of ``v ± pad(v)`` over every observed value."""
    healthy = [v for v, d in zip(values, degenerate, strict=True) if not d]
    s = statistics.pstdev(healthy) if len(healthy) >= 2 else 0.0
    pads = [max(policy.k * s, policy.rel * abs(v), policy.abs) for v in values]
    return merge_intervals([(v - p, v + p) for v, p in zip(values, pads, strict=True)])


def spread(values: Sequence[float], degenerate: Sequence[bool]) -> dict[str, Any]:
    finite = [v for v in values if math.isfinite(v)]
    return {
        "n": len(values),
        "min": min(finite) if finite else None,
        "max": max(finite) if finite else None,
        "mean": statistics.fmean(finite) if finite else None,
        "std": statistics.pstdev(finite) if len(finite) >= 2 else 0.0,
        "degenerate": sum(bool(d) for d in degenerate),
    }


def _ordered(runs: Sequence[Run]) -> list[Run]:
    """The deterministic run(s) first, then the sheet-seeded ones, in index order."""
    return sorted(runs, key=lambda r: (r.seeding != "deterministic", r.index))


def band_quantity(qid: str, description: str, units: str, runs: Sequence[Run],
                  pick: Pick, dead: Pick, policy: BandPolicy, source: str) -> Quantity:
    """A training quantity: the deterministic run's value, every sheet-seeded value observed,
    their spread, and the band ``policy`` derives from them. ``dead(data)`` flags a degenerate
    run (kept in the band, left out of the std)."""
    det = [r for r in runs if r.seeding == "deterministic"]
    sheet = [r for r in runs if r.seeding == "sheet"]
    ordered = det + sheet
    values = [float(pick(r.data)) for r in ordered]
    degenerate = [bool(dead(r.data)) for r in ordered]
    return Quantity(
        id=qid, description=description, units=units, source=source,
        value=values[0] if det else (statistics.median(values) if values else None),
        observed=tuple(float(pick(r.data)) for r in sheet),
        spread=spread(values, degenerate),
        tolerance={"kind": "band", "intervals": band(values, degenerate, policy),
                   "rule": policy.describe()},
    )


def exact(qid: str, description: str, value: Any, source: str, units: str = "",
          variants: dict[str, Any] | None = None) -> Quantity:
    """A quantity compared exactly (integers, strings, structures)."""
    return Quantity(id=qid, description=description, value=value, tolerance={"kind": "exact"},
                    source=source, units=units, variants=variants or {})


def close(qid: str, description: str, value: Any, rel: float, abs_: float, source: str,
          variants: dict[str, Any] | None = None) -> Quantity:
    """A deterministic number (or array): ``|obtained - value| <= max(rel·|value|, abs_)``."""
    return Quantity(id=qid, description=description, value=value,
                    tolerance={"kind": "close", "rel": rel, "abs": abs_},
                    source=source, variants=variants or {})


def first_with(runs: Sequence[Run], key: str, *path: str) -> Any:
    """``data[path...][key]`` of the first run that has it (deterministic first), else None."""
    for r in _ordered(runs):
        d: Any = r.data
        for p in path:
            d = d.get(p, {}) if isinstance(d, Mapping) else {}
        if isinstance(d, Mapping) and key in d:
            return d[key]
    return None


def curve(qid: str, description: str, runs: Sequence[Run], pick: Pick, source: str) -> Quantity:
    """A per-epoch curve for plots: the deterministic run, and the min/max envelope of all runs."""
    curves = [[float(v) for v in pick(r.data)] for r in _ordered(runs)]
    n = min(len(c) for c in curves)
    lo = [min(c[i] for c in curves) for i in range(n)]
    hi = [max(c[i] for c in curves) for i in range(n)]
    return Quantity(id=qid, description=description, value=curves[0], source=source,
                    observed=tuple(curves[1:]), tolerance={"kind": "envelope", "lower": lo, "upper": hi})


def drift_verdict(exercise: int, official: str, runs: Sequence[Run],
                  extra: dict[str, Any] | None = None) -> Drift:
    """Does the official letter still hold? Counts the runs whose ``data["supports"]`` has it.

    ``exercise`` is the contract's exercise number (as the sheet and the report name it)."""
    letters: Counter[str] = Counter()
    for r in runs:
        letters.update(r.data.get("supports", []))
    supporting = sum(official in r.data.get("supports", []) for r in runs)
    det = [r for r in runs if r.seeding == "deterministic"]
    det_supports = list(det[0].data.get("supports", [])) if det else []
    n = len(runs)
    if det and official in det_supports and supporting * 2 > n:
        status = "holds"
    elif supporting > 0:
        status = "weak"
    else:
        status = "does_not_hold"
    others = ", ".join(f"({k}) in {v}" for k, v in sorted(letters.items()) if k != official)
    summary = (f"Exercise {exercise}: the official answer ({official}) is supported by "
               f"{supporting} of {n} runs today"
               + (f"; the numbers support {others}" if others else "")
               + (f"; the deterministic run supports {', '.join(det_supports) or 'no option'}"
                  if det else "") + ".")
    return Drift(exercise=exercise, official=official, status=status, runs=n,
                 runs_supporting_official=supporting, letters_supported=dict(letters),
                 deterministic_supports=det_supports, summary=summary, details=extra or {})


def reproduces(exercise: int, official: str, ok: bool, what: str) -> Drift:
    """The verdict of a deterministic exercise: today's numbers reproduce the sheet, or not."""
    return Drift(exercise=exercise, official=official,
                 status="reproduces" if ok else "does_not_hold", runs=1,
                 runs_supporting_official=int(ok), letters_supported={official: int(ok)},
                 deterministic_supports=[official] if ok else [],
                 summary=f"Exercise {exercise}: {what}")


def assemble(assignment: Assignment, profile: Profile, runs: Sequence[Run],
             environment: Environment, built_at: str) -> AnswerKey:
    """The key of ``assignment`` from every finished run: the assignment's quantities and drift
    (its ``assemble_key`` hook), plus timings, run counts, official answers and identity."""
    parts = assignment.hooks.assemble_key(assignment, profile, runs)
    by_ex: dict[str, list[Run]] = {}
    for r in runs:
        by_ex.setdefault(r.exercise, []).append(r)
    timings = {e: max(float(r.data.get("wall_seconds", 0.0)) for r in rs) for e, rs in by_ex.items()}
    answers = assignment.answers()["answers"]
    return AnswerKey(
        profile=profile.name, built_at=built_at, environment=environment,
        quantities={q.id: q for q in parts.quantities},
        answers={k: dict(v) for k, v in answers.items()},
        drift=dict(parts.drift), timings=timings, runs={e: len(rs) for e, rs in by_ex.items()},
        profile_settings=profile.to_dict(), published=dict(parts.published),
        assignment=assignment.identity(),
    )
