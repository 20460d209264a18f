"""Fast mode's cache and replay: ways to avoid re-running expensive training, each recorded per
exercise in the result (``verification``).

* ``cached``: an exercise whose normalised code (every non-letter cell, given and the
  student's) is identical to one already executed, in the same environment, with the same
  grader and profile, and seeded deterministically (``keras.utils.set_random_seed``), reuses
  that execution's extracted answers. Letter cells are always executed.
* ``replay_verified``: the submitted notebook carries the values the student obtained (saved
  by the self-check). The grader re-executes the exercise for its first few epochs only and
  accepts the submitted full-run values when the replayed prefix agrees within tolerance and
  the structure (parameters, optimizer, data) is identical; otherwise it executes in full.
* ``executed``: full re-execution; always available (``--mode full``, the default).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder import compare
from autograder.assignment import Assignment, Profile
from autograder.authoring import authored_cells
from autograder.contract import Exercise
from autograder.execute import Execution, ExerciseRun, probe_source
from autograder.fsutil import write_atomic
from autograder.prepare import Plan, PlannedCell, read_notebook
from autograder.prepare import plan as prepare_plan

SELFCHECK_MIME = "application/vnd.dl-autograder.selfcheck+json"
# replayed prefix vs submitted values: |a - b| <= max(REPLAY_REL·|b|, REPLAY_ABS) per epoch
REPLAY_REL = 0.02
REPLAY_ABS = 1e-3


def normalise(source: str) -> str:
    """Code without comments-only lines, blank lines and trailing spaces."""
    lines = [line.rstrip() for line in source.splitlines()]
    return "\n".join(line for line in lines if line.strip() and not line.lstrip().startswith("#"))


def is_deterministic(cells: Sequence[PlannedCell]) -> bool:
    return any(re.search(r"\bset_random_seed\s*\(", c.source) for c in cells)


def fingerprint(exercise: str, cells: Sequence[PlannedCell], context: Mapping[str, Any]) -> str:
    """Identity of an exercise's execution: its code (letters excluded) and everything around it."""
    code = [normalise(c.source) for c in cells if c.exercise == exercise and c.role != "letter"]
    blob = json.dumps({"exercise": exercise, "code": code, "context": dict(context),
                       "probe": hashlib.sha256(probe_source().encode()).hexdigest()}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


@dataclass(frozen=True)
class ExerciseCache:
    """Extracted answers by fingerprint, one JSON file each (atomic writes; safe to share)."""

    root: Path

    def _path(self, fp: str) -> Path:
        return self.root / fp[:2] / f"{fp}.json"

    def get(self, fp: str) -> ExerciseRun | None:
        try:
            d = json.loads(self._path(fp).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return None
        if not compare.is_plain_data(d.get("extracted"), max_depth=8, max_items=500_000):
            return None
        return ExerciseRun(exercise=d["exercise"], status="ok", error=None,
                           seconds=float(d.get("seconds", 0.0)), extracted=d["extracted"])

    def put(self, fp: str, run: ExerciseRun) -> None:
        write_atomic(self._path(fp), json.dumps(
            {"exercise": run.exercise, "seconds": run.seconds, "extracted": run.extracted}))


def cacheable(exercise: str, cells: Sequence[PlannedCell], run: ExerciseRun,
              training: Collection[str]) -> bool:
    """A clean run of an exercise that trains nothing, or trains seeded deterministically."""
    mine = [c for c in cells if c.exercise == exercise]
    return run.status == "ok" and not run.notes and (exercise not in training or is_deterministic(mine))


def _letters(ex: Exercise) -> set[tuple[str, str]]:
    return {(p.id, r.name) for p in ex.parts for r in p.reads if r.type == "letter"}


def without_letters(ex: Exercise, extracted: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    letters = _letters(ex)
    return {part: {n: v for n, v in values.items() if (part, n) not in letters}
            for part, values in extracted.items()}


def only_letters(ex: Exercise, extracted: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    letters = _letters(ex)
    return {part: {n: v for n, v in values.items() if (part, n) in letters}
            for part, values in extracted.items()}


Extracted = Mapping[str, Mapping[str, Any]]


def merge(base: Extracted, extra: Extracted) -> dict[str, dict[str, Any]]:
    out = {p: dict(v) for p, v in base.items()}
    for p, v in extra.items():
        out.setdefault(p, {}).update(v)
    return out


def submitted_values(raw: bytes, exercise: str) -> dict[str, dict[str, Any]] | None:
    """The values the student's own run produced, as the self-check saved them, or None."""
    try:
        read_notebook(raw, "submission")  # validates; the plain JSON is read below
        nb = json.loads(raw.decode("utf-8"))
    except Exception:
        return None
    found = None
    for cell in nb.get("cells", []) if isinstance(nb, dict) else []:
        for out in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            payload = out.get("data", {}).get(SELFCHECK_MIME) if isinstance(out, dict) else None
            if (isinstance(payload, dict) and payload.get("exercise") == exercise
                    and not payload.get("part") and isinstance(payload.get("values"), dict)):
                found = payload["values"]
    if found is None or not compare.is_plain_data(found, max_depth=8, max_items=500_000):
        return None
    return {str(p): dict(v) for p, v in found.items() if isinstance(v, dict)}


def _close(a: Any, b: Any) -> bool:
    try:
        fa, fb = float(a), float(b)
    except (TypeError, ValueError):
        return False
    return math.isfinite(fa) and math.isfinite(fb) and abs(fa - fb) <= max(REPLAY_REL * abs(fb), REPLAY_ABS)


def replay_agrees(ex: Exercise, replayed: Mapping[str, Mapping[str, Any]],
                  submitted: Mapping[str, Mapping[str, Any]]) -> tuple[bool, str]:
    """Do the replayed first epochs and the structure agree with what the student submitted?"""
    for part in ex.parts:
        for r in part.reads:
            if r.type == "letter":
                continue
            raw_sub = submitted.get(part.id, {}).get(r.name)
            if raw_sub is None or (isinstance(raw_sub, dict) and (
                    "__missing__" in raw_sub or "__unsupported__" in raw_sub)):
                return False, f"{r.name}: no submitted value"
            got: dict[str, Any] = replayed.get(part.id, {}).get(r.name) or {}
            sub: dict[str, Any] = raw_sub if isinstance(raw_sub, dict) else {}
            if not isinstance(got, dict):
                got = {}
            problem = _structure_problem(r.name, r.type, got, sub)
            if problem:
                return False, problem
    return True, ""


def _structure_problem(name: str, kind: str, got: dict[str, Any], sub: dict[str, Any]) -> str:
    if kind == "keras_history":
        gh, sh = got.get("history") or {}, sub.get("history") or {}
        if sub.get("steps") != got.get("steps"):
            return f"{name}: {sub.get('steps')} steps per epoch submitted, replay has {got.get('steps')}"
        for metric, values in gh.items():
            if metric not in sh or len(sh[metric]) < len(values):
                return f"{name}: {metric} missing or shorter than the replay"
            for i, v in enumerate(values):
                if not _close(v, sh[metric][i]):
                    return (f"{name}: {metric} at epoch {i + 1} is {sh[metric][i]} in the submission "
                            f"but {v} when replayed")
    elif kind == "keras_model":
        for k in ("params", "layers"):
            if got.get(k) != sub.get(k):
                return f"{name}: {k} differ from the replay"
        go, so = got.get("optimizer") or {}, sub.get("optimizer") or {}
        same_momentum = _close(go.get("momentum") or 0, so.get("momentum") or 0)
        if go.get("class") != so.get("class") or not same_momentum:
            return f"{name}: optimizer differs from the replay"
    elif kind == "array_stats":
        if got.get("shape") != sub.get("shape") or not all(
                _close(got.get(k), sub.get(k)) for k in ("min", "max", "mean")):
            return f"{name}: the data differ from the replay"
    return ""


def replay_profile_epochs(epochs: int, wanted: int) -> int | None:
    """Epochs to replay, or None when replaying would not be cheaper than the full run."""
    k = min(wanted, epochs - 1)
    return k if k >= 1 else None


def context(key_profile: str, environment: Mapping[str, str], grader_version: str,
            assignment: Mapping[str, str]) -> dict[str, Any]:
    """Everything besides the code that decides an execution's outcome (part of the fingerprint)."""
    return {"profile": key_profile, "environment": dict(environment), "grader": grader_version,
            "module": assignment["name"], "contract": assignment["contract_sha256"]}


# ---- fast mode, around one grading: decide before execution, settle after ------------------

@dataclass
class FastPlan:
    """What fast mode decided per exercise before execution."""

    overrides: dict[str, list[PlannedCell]] = dataclasses.field(default_factory=dict)
    cached: dict[str, ExerciseRun] = dataclasses.field(default_factory=dict)
    submitted: dict[str, dict[str, dict[str, Any]]] = dataclasses.field(default_factory=dict)
    fingerprints: dict[str, str] = dataclasses.field(default_factory=dict)


def plan_fast(raw: bytes, plan: Plan, assignment: Assignment, profile: Profile,
              context: Mapping[str, Any], cache_dir: Path | None,
              replay_exercises: Collection[str], replay_epochs: int) -> FastPlan:
    """Per computed exercise: served from the cache, replayed for a few epochs, or neither."""
    fast = FastPlan()
    cache = ExerciseCache(cache_dir) if cache_dir else None
    for e in assignment.contract.exercises:
        if not e.computed:
            continue
        fp = fast.fingerprints[e.id] = fingerprint(e.id, plan.cells, context)
        hit = cache.get(fp) if cache else None
        if hit is not None:
            fast.cached[e.id] = hit
            fast.overrides[e.id] = [c for c in plan.cells if c.exercise == e.id and c.role == "letter"]
            continue
        setting = assignment.replay_settings.get(e.id)
        if e.id not in replay_exercises or not setting:
            continue
        submitted = submitted_values(raw, e.id)
        k = replay_profile_epochs(int(profile[setting]), replay_epochs)
        if submitted is None or k is None:
            continue
        replay = prepare_plan(raw, authored_cells(assignment.authored, profile.replace(**{setting: k})),
                              assignment.contract)
        fast.overrides[e.id] = [c for c in replay.cells if c.exercise == e.id]
        fast.submitted[e.id] = submitted
    return fast


RunFull = Callable[[Exercise, list[PlannedCell]], ExerciseRun]


def settle(fast: FastPlan, execution: Execution, plan: Plan, assignment: Assignment,
           cache_dir: Path | None, run_full: RunFull) -> tuple[Execution, dict[str, str]]:
    """Merge cached and replay-verified answers; run in full whatever a replay did not confirm
    (``run_full``); store clean executions in the cache. Returns the execution and, per
    exercise, how it was verified."""
    runs = dict(execution.exercises)
    verification: dict[str, str] = {}
    for ex in assignment.contract.exercises:
        run = runs.get(ex.id)
        if run is None:
            continue
        if ex.id in fast.cached:
            cached = fast.cached[ex.id]
            runs[ex.id] = dataclasses.replace(
                run, extracted=merge(without_letters(ex, cached.extracted), only_letters(ex, run.extracted)))
            verification[ex.id] = "cached"
            continue
        if ex.id in fast.submitted:
            ok, why = (replay_agrees(ex, run.extracted, fast.submitted[ex.id])
                       if run.status == "ok" else (False, f"the replay ended with {run.status}"))
            if ok:
                runs[ex.id] = dataclasses.replace(run, extracted=merge(
                    without_letters(ex, fast.submitted[ex.id]), only_letters(ex, run.extracted)))
                verification[ex.id] = "replay_verified"
                continue
            full = run_full(ex, [c for c in plan.cells if c.exercise == ex.id])
            run = runs[ex.id] = dataclasses.replace(full, notes=full.notes + (f"replay_mismatch: {why}",))
        verification[ex.id] = "executed"
        if (ex.id in fast.fingerprints and cache_dir
                and cacheable(ex.id, plan.cells, run, assignment.training_exercises)):
            ExerciseCache(cache_dir).put(fast.fingerprints[ex.id], dataclasses.replace(
                run, extracted=without_letters(ex, run.extracted)))
    return dataclasses.replace(execution, exercises=runs), verification
