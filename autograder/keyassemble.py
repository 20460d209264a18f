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

Physical limits: a band never crosses what the quantity can be (``BandPolicy.lower`` /
``upper``: a loss or an MSE is >= 0, an accuracy lies in [0, 1]); intervals are clipped to them.
A run whose value is not finite (a diverged, NaN model) never widens a band: it is left out.

Run kinds (``Run.seeding``): ``deterministic`` and ``sheet`` are the training runs bands come
from; ``notebook`` runs repeat an exercise in the grader's own context (the solution notebook,
after its earlier cells, in the sandboxed kernel) and join its bands; ``variants`` runs compute
named wrong variants (no band). Timings come from the training runs only.
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
    """The floors of a band: ``pad(v) = max(k·std(healthy runs), rel·|v|, abs)``, clipped to the
    quantity's physical limits ``[lower, upper]`` (e.g. 0 for a loss, [0, 1] for an accuracy)."""

    rel: float
    abs: float
    k: float = 3.0
    lower: float = -math.inf
    upper: float = math.inf

    def describe(self) -> str:
        text = (f"union over observed runs of v ± max({self.k:g}·std(healthy runs), "
                f"{self.rel:g}·|v|, {self.abs:g})")
        if math.isfinite(self.lower) or math.isfinite(self.upper):
            text += f", within [{_bound(self.lower)}, {_bound(self.upper)}]"
        return text

    def pad(self, value: float, std: float) -> float:
        return max(self.k * std, self.rel * abs(value), self.abs)

    def clip(self, lo: float, hi: float) -> tuple[float, float] | None:
        lo, hi = max(lo, self.lower), min(hi, self.upper)
        return (lo, hi) if lo <= hi else None


def _bound(x: float) -> str:
    return "∞" if x == math.inf else "-∞" if x == -math.inf else f"{x:g}"


def merge_intervals(intervals: Sequence[tuple[float, float]]) -> list[list[float]]:
    out: list[list[float]] = []
    for lo, hi in sorted(intervals):
        if out and lo <= out[-1][1]:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return out


def band(values: Sequence[float], degenerate: Sequence[bool], policy: BandPolicy) -> list[list[float]]:
    """The accepted band: the union of ``v ± pad(v)`` over every finite observed value, clipped
    to the policy's physical limits (a NaN or infinite run never widens it)."""
    pairs = [(v, d) for v, d in zip(values, degenerate, strict=True) if math.isfinite(v)]
    healthy = [v for v, d in pairs if not d]
    s = statistics.pstdev(healthy) if len(healthy) >= 2 else 0.0
    clipped = [policy.clip(v - policy.pad(v, s), v + policy.pad(v, s)) for v, _d in pairs]
    return merge_intervals([iv for iv in clipped if iv is not None])


def degenerate_value(value: float, rel: float = 1e-4, abs_: float = 1e-3) -> dict[str, float]:
    """An honest degenerate outcome known in closed form, accepted within max(rel·|value|, abs_)
    (``Quantity.degenerate``; e.g. the MSE of a network that predicts 0 for every input)."""
    return {"value": float(value), "rel": float(rel), "abs": float(abs_)}


def band_variant(values: Sequence[float], policy: BandPolicy) -> dict[str, Any]:
    """A named wrong variant of a training quantity, observed over runs: the band its values
    span under ``policy`` (``{"intervals": [...]}``); a check recognises it when the obtained
    value falls inside and outside the quantity's own band."""
    return {"intervals": band(list(values), [False] * len(values), policy)}


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


TRAINING_SEEDINGS = ("deterministic", "sheet", "notebook")  # runs whose values make bands


def band_quantity(qid: str, description: str, units: str, runs: Sequence[Run],
                  pick: Pick, dead: Pick, policy: BandPolicy, source: str,
                  degenerate: Mapping[str, Any] | None = None,
                  variants: Mapping[str, Any] | None = None) -> Quantity:
    """A training quantity: the deterministic run's value, every sheet-seeded (and notebook)
    value observed, their spread, and the band ``policy`` derives from them. ``dead(data)``
    flags a degenerate run (kept in the band, left out of the std). ``degenerate``: honest
    outcomes known in closed form, accepted wherever they occur (``degenerate_value``);
    ``variants``: named wrong values (``band_variant``)."""
    det = [r for r in runs if r.seeding == "deterministic"]
    sheet = [r for r in runs if r.seeding in ("sheet", "notebook")]
    ordered = det + sheet
    values = [float(pick(r.data)) for r in ordered]
    flags = [bool(dead(r.data)) for r in ordered]
    return Quantity(
        id=qid, description=description, units=units, source=source,
        value=values[0] if det else (statistics.median(values) if values else None),
        observed=tuple(float(pick(r.data)) for r in sheet),
        spread=spread(values, flags),
        tolerance={"kind": "band", "intervals": band(values, flags, policy),
                   "rule": policy.describe()},
        degenerate=dict(degenerate or {}), variants=dict(variants or {}),
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


def curve(qid: str, description: str, runs: Sequence[Run], pick: Pick, source: str,
          policy: BandPolicy | None = None, dead: Pick | None = None, final: str = "") -> Quantity:
    """A per-epoch curve for plots: the deterministic run and the envelope of the runs.

    With ``policy`` the envelope is padded per epoch by the same rule as the bands the checks
    use (``v ± max(k·std, rel·|v|, abs)`` over the healthy runs, clipped to the physical limits),
    so the band drawn is the band that grades; ``final`` names the band quantity the checks
    compare the last epoch with (drawn there). Without it, the bare min–max of the runs."""
    ordered = [r for r in _ordered(runs) if r.seeding in TRAINING_SEEDINGS]
    curves = [[float(v) for v in pick(r.data)] for r in ordered]
    healthy = [c for c, r in zip(curves, ordered, strict=True) if not (dead and dead(r.data))] or curves
    n = min(len(c) for c in healthy)
    lo: list[float | None] = []
    hi: list[float | None] = []
    for i in range(n):
        col = [c[i] for c in healthy if math.isfinite(c[i])]
        if not col:  # JSON has no NaN: an epoch no healthy run reached is a gap
            lo.append(None)
            hi.append(None)
            continue
        if policy is None:
            lo.append(min(col))
            hi.append(max(col))
            continue
        s = statistics.pstdev(col) if len(col) >= 2 else 0.0
        ivs = [policy.clip(v - policy.pad(v, s), v + policy.pad(v, s)) for v in col]
        kept = [iv for iv in ivs if iv is not None]
        lo.append(min(a for a, _ in kept) if kept else None)
        hi.append(max(b for _, b in kept) if kept else None)
    tolerance: dict[str, Any] = {"kind": "envelope", "lower": lo, "upper": hi}
    if policy is not None:
        tolerance["rule"] = policy.describe()
    if final:
        tolerance["final"] = final
    return Quantity(id=qid, description=description, value=curves[0], source=source,
                    observed=tuple(curves[1:]), tolerance=tolerance)


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
    timings = {e: max((float(r.data.get("wall_seconds", 0.0)) for r in rs
                       if r.seeding in ("deterministic", "sheet")), default=0.0)
               for e, rs in by_ex.items()}
    answers = assignment.answers()["answers"]
    return AnswerKey(
        profile=profile.name, built_at=built_at, environment=environment,
        quantities={q.id: q for q in parts.quantities},
        answers={k: dict(v) for k, v in answers.items()},
        drift=dict(parts.drift), timings=timings, runs={e: len(rs) for e, rs in by_ex.items()},
        profile_settings=profile.to_dict(), published=dict(parts.published),
        assignment=assignment.identity(),
    )
