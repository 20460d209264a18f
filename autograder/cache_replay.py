"""Fast mode's cache and replay: ways to avoid re-running expensive training, each recorded per
exercise in the result (``verification``). Fast mode accepts nothing that nothing verified.

* ``cached``: an exercise whose normalised code (every non-letter cell, given and the
  student's) is identical to one already executed, in the same environment, with the same
  grader and profile, reuses that execution's extracted answers. An exercise that trains is
  cached only when its own code decides its run (``is_deterministic``): it calls
  ``set_random_seed(...)`` (``keras.utils.set_random_seed``: Python, NumPy and the backend at
  once) before every ``fit``, and seeds nothing any other way. Seeding as the sheet says
  (``np.random.seed`` / ``tf.random.set_seed``) leaves Python's ``random`` to the cells that ran
  before, so such an exercise is never served from the cache: it is always executed. Letter
  cells are always executed.
* ``replay_verified``: the submitted notebook carries the values the student obtained and the
  trained weights of its models (saved by the self-check). The grader re-executes the exercise
  for its first few epochs only, then loads the submitted weights into the models the replay
  built and recomputes what they determine. Accepted only when every value that earns credit is
  covered (``uncovered``), and

  - replayed: the structure (models, optimizer, loss, data statistics, steps per epoch) is
    identical, the replay ran exactly the epochs it was given (the code honours ``epochs``),
    the submitted histories have the profile's epochs, and their first epochs agree within
    max(2 %, 0.001);
  - recomputed: ``model.evaluate(x, y)`` with the submitted weights gives the submitted final
    scores, and the validation metrics of the last epoch, within max(1 %, 0.005) (the weights
    are saved as float16) or max(0.1 %, 0.0001) (float32);
  - bounded: the training metrics of the last epoch (a mean over the epoch, not recomputable
    from the final weights) lie within max(50 %, 0.1) of the weights' own training metrics;
  - audited: the epochs between are covered by the random audit (``GradeOptions.audit_share``
    of fast-mode submissions re-execute their replayable exercises in full, note ``audit``).

  Otherwise it executes in full, noted ``replay_mismatch`` (never a penalty, only time).
* ``executed``: full re-execution; always available (``--mode full``, the default).
"""

from __future__ import annotations

import ast
import base64
import binascii
import dataclasses
import hashlib
import json
import math
import re
import zlib
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder import compare
from autograder.assignment import Assignment, Profile
from autograder.authoring import authored_cells
from autograder.contract import Exercise
from autograder.execute import Execution, ExerciseRun, Session, probe_source
from autograder.fsutil import write_atomic
from autograder.i18n import encode
from autograder.prepare import Plan, PlannedCell, read_notebook
from autograder.prepare import plan as prepare_plan

SELFCHECK_MIME = "application/vnd.dl-autograder.selfcheck+json"
# replayed prefix vs submitted values: |a - b| <= max(REPLAY_REL·|b|, REPLAY_ABS) per epoch
REPLAY_REL = 0.02
REPLAY_ABS = 1e-3
# recomputed from the submitted weights vs submitted: float16 weights / float32 weights
RECOMPUTE_TOLERANCE = {"<f2": (1e-2, 5e-3), "<f4": (1e-3, 1e-4)}
# training metrics of the last epoch vs the final weights' own: |h - r| <= max(rel·max(|h|, |r|), abs)
BOUND_REL = 0.5
BOUND_ABS = 0.1
MAX_WEIGHTS_CHARS = 64 * 1024**2  # base64 text of one model's weights the grader accepts
CHUNK_CHARS = 256 * 1024  # weights are sent to the kernel in cells of this size
RECOMPUTE_TIMEOUT_S = 600.0

_SEEDS = re.compile(r"^(seed|set_seed)$")
_HISTORY_PATH = re.compile(r"^history\.([A-Za-z0-9_]+)\[(-?\d+)\]$")


def normalise(source: str) -> str:
    """Code without comments-only lines, blank lines and trailing spaces."""
    lines = [line.rstrip() for line in source.splitlines()]
    return "\n".join(line for line in lines if line.strip() and not line.lstrip().startswith("#"))


def _calls(source: str) -> list[str] | None:
    """The names of the functions ``source`` calls, in source order (comments and strings do not
    count); None when it does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    calls = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
            if name == "fit" and isinstance(f, ast.Attribute) and isinstance(f.value, ast.Call):
                name = "fit_new"  # ``StandardScaler().fit(x)``: a fresh estimator, not a model trained
            calls.append((node.lineno, node.col_offset, name))
    return [name for _, _, name in sorted(calls)]


def is_deterministic(cells: Sequence[PlannedCell]) -> bool:
    """Whether the exercise's own code decides its run: ``set_random_seed(...)`` is called before
    every ``fit`` (at least once), and no other seeding call (``seed``, ``set_seed``) appears.
    Source order stands for execution order; comments and strings do not count; the ``fit`` of
    an estimator made on the spot (``StandardScaler().fit(x)``) trains no model."""
    names: list[str] = []
    for c in cells:
        if c.role == "letter":
            continue
        found = _calls(c.source)
        if found is None:
            return False
        names += found
    seeded = False
    for name in names:
        if _SEEDS.match(name):
            return False
        if name == "set_random_seed":
            seeded = True
        elif name == "fit" and not seeded:
            return False
    return seeded


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
    """A clean run of an exercise that trains nothing, or whose own code decides its run."""
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


# ---- what the student submitted ------------------------------------------------------------

def _payload(raw: bytes, exercise: str) -> dict[str, Any] | None:
    """The last exercise-level self-check payload of ``exercise`` in the submitted notebook."""
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
                found = payload
    return found


def submitted_values(raw: bytes, exercise: str) -> dict[str, dict[str, Any]] | None:
    """The values the student's own run produced, as the self-check saved them, or None."""
    payload = _payload(raw, exercise)
    found = payload["values"] if payload else None
    if found is None or not compare.is_plain_data(found, max_depth=8, max_items=500_000):
        return None
    return {str(p): dict(v) for p, v in found.items() if isinstance(v, dict)}


def valid_weights(blob: Any) -> bool:
    """Whether ``blob`` is the self-check's encoding of a model's weights (not its content)."""
    if not isinstance(blob, dict) or blob.get("dtype") not in RECOMPUTE_TOLERANCE:
        return False
    shapes, data = blob.get("shapes"), blob.get("data")
    if not (isinstance(shapes, list) and isinstance(data, str) and len(data) <= MAX_WEIGHTS_CHARS):
        return False
    if not all(isinstance(s, list) and all(type(d) is int and d >= 0 for d in s) for s in shapes):
        return False
    try:
        raw = zlib.decompress(base64.b64decode(data, validate=True))
    except (binascii.Error, ValueError, zlib.error):
        return False
    count = sum(math.prod(s) for s in shapes)
    return len(raw) == count * (2 if blob["dtype"] == "<f2" else 4) and blob.get("count") == count


def submitted_weights(raw: bytes, exercise: str) -> dict[tuple[str, str], dict[str, Any]]:
    """(part, model name) -> the weights the self-check saved, for those that decode."""
    payload = _payload(raw, exercise)
    weights = payload.get("weights") if payload else None
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for part, models in (weights.items() if isinstance(weights, dict) else ()):
        for name, blob in (models.items() if isinstance(models, dict) else ()):
            if valid_weights(blob):
                out[(str(part), str(name))] = blob
    return out


# ---- what a replay may verify, and how -------------------------------------------------------

@dataclass(frozen=True)
class Recompute:
    """How fast mode recomputes one read from the submitted weights (``[fast.recompute.<ex>]``):
    ``model.evaluate(x, y)`` for a value; for a keras_history, the model's training data and
    (``val``) its validation data."""

    part: str
    name: str
    type: str
    model: str
    x: str
    y: str
    val: tuple[str, str] | None = None


def recompute_specs(assignment: Assignment, ex: Exercise) -> tuple[Recompute, ...]:
    """The exercise's ``[fast.recompute.<exercise>]`` table, checked against the contract."""
    table = assignment.manifest.get("fast", {}).get("recompute", {}).get(ex.id, {})
    reads = {r.name: (p.id, r.type) for p in ex.parts for r in p.reads}
    out = []
    for name, spec in table.items() if isinstance(table, Mapping) else ():
        if name not in reads or not isinstance(spec, Mapping):
            continue
        val = spec.get("val")
        names = [spec.get("model"), spec.get("x"), spec.get("y"), *(val or [])]
        if not all(isinstance(n, str) and n.isidentifier() for n in names) or (val and len(val) != 2):
            continue
        part, kind = reads[name]
        out.append(Recompute(part, name, kind, str(spec["model"]), str(spec["x"]), str(spec["y"]),
                             (str(val[0]), str(val[1])) if val else None))
    return tuple(out)


def uncovered(ex: Exercise, specs: Sequence[Recompute], replay_epochs: int) -> list[str]:
    """The checks earning credit whose values a replay would neither replay nor recompute nor
    bound (then the exercise is executed in full)."""
    reads = {(p.id, r.name): r.type for p in ex.parts for r in p.reads}
    by_read = {(s.part, s.name): s for s in specs}
    out = []
    for c in ex.checks:
        if c.points <= 0 or c.kind in ("letter", "source"):
            continue
        refs = [c.read] if c.read else list(c.reads)
        for ref in refs:
            part, _, name = ref.partition(":")
            kind, spec = reads.get((part, name), ""), by_read.get((part, name))
            if kind in ("keras_model", "array_stats"):
                continue
            if kind == "keras_history":
                if c.path in ("epochs", "steps"):
                    continue
                m = _HISTORY_PATH.match(c.path)
                if m and spec is not None and int(m.group(2)) == -1 and (
                        not m.group(1).startswith("val_") or spec.val is not None):
                    continue
                if m and 0 <= int(m.group(2)) < replay_epochs:
                    continue
            elif spec is not None and spec.type != "keras_history":
                continue
            out.append(c.id)
            break
    return out


def _close(a: Any, b: Any, rel: float = REPLAY_REL, abs_: float = REPLAY_ABS) -> bool:
    try:
        fa, fb = float(a), float(b)
    except (TypeError, ValueError):
        return False
    if math.isnan(fa) or math.isnan(fb):
        return math.isnan(fa) and math.isnan(fb)
    return math.isfinite(fa) and math.isfinite(fb) and abs(fa - fb) <= max(rel * abs(fb), abs_)


def _number(v: Any) -> Any:
    return float("nan") if v == "NaN" else v


def replay_agrees(ex: Exercise, replayed: Mapping[str, Mapping[str, Any]],
                  submitted: Mapping[str, Mapping[str, Any]],
                  epochs: tuple[int, int] | None = None) -> tuple[bool, str]:
    """Do the replayed first epochs and the structure agree with what the student submitted?
    ``epochs``: (epochs replayed, epochs of the full run). The reason is a coded sentence."""
    for part in ex.parts:
        for r in part.reads:
            if r.type == "letter":
                continue
            raw_sub = submitted.get(part.id, {}).get(r.name)
            if raw_sub is None or (isinstance(raw_sub, dict) and (
                    "__missing__" in raw_sub or "__unsupported__" in raw_sub)):
                return False, encode("replay_no_value", name=r.name)
            got: dict[str, Any] = replayed.get(part.id, {}).get(r.name) or {}
            sub: dict[str, Any] = raw_sub if isinstance(raw_sub, dict) else {}
            if not isinstance(got, dict):
                got = {}
            problem = _structure_problem(r.name, r.type, got, sub, epochs)
            if problem:
                return False, problem
    return True, ""


def _structure_problem(name: str, kind: str, got: dict[str, Any], sub: dict[str, Any],
                       epochs: tuple[int, int] | None) -> str:
    if kind == "keras_history":
        gh, sh = got.get("history") or {}, sub.get("history") or {}
        if sub.get("steps") != got.get("steps"):
            return encode("replay_steps", name=name, submitted=sub.get("steps"), replayed=got.get("steps"))
        if epochs is not None:
            replayed, full = epochs
            lengths = {len(v) for v in gh.values() if isinstance(v, list)}
            if got.get("epochs") != replayed or lengths - {replayed}:
                return encode("replay_epochs_ignored", name=name, given=replayed)
            lengths = {len(v) for v in sh.values() if isinstance(v, list)}
            if sub.get("epochs") != full or lengths - {full}:
                return encode("replay_submitted_epochs", name=name, submitted=sub.get("epochs"), want=full)
        for metric, values in gh.items():
            if metric not in sh or len(sh[metric]) < len(values):
                return encode("replay_metric_missing", name=name, metric=metric)
            for i, v in enumerate(values):
                if not _close(_number(v), _number(sh[metric][i])):
                    return encode("replay_epoch", name=name, metric=metric, epoch=i + 1,
                                  submitted=sh[metric][i], replayed=v)
    elif kind == "keras_model":
        for field in ("params", "layers", "loss"):
            if got.get(field) != sub.get(field):
                return encode("replay_model", name=name, what=field)
        go, so = got.get("optimizer") or {}, sub.get("optimizer") or {}
        same = all(_close(go.get(f) or 0, so.get(f) or 0) for f in ("momentum", "learning_rate"))
        if go.get("class") != so.get("class") or not same:
            return encode("replay_model", name=name, what="optimizer")
    elif kind == "array_stats":
        keys = ("min", "max", "mean", "std")
        cols = ("col_mean", "col_std")
        same = got.get("shape") == sub.get("shape") and all(_close(got.get(f), sub.get(f)) for f in keys)
        for f in cols:
            a, b = got.get(f), sub.get(f)
            same = same and ((a is None and b is None) or (
                isinstance(a, list) and isinstance(b, list) and len(a) == len(b)
                and all(_close(x, y) for x, y in zip(a, b, strict=True))))
        if not same:
            return encode("replay_data", name=name)
    return ""


def recompute_agrees(specs: Sequence[Recompute], recomputed: Mapping[str, Any] | None,
                     submitted: Mapping[str, Mapping[str, Any]],
                     dtypes: Mapping[str, str]) -> tuple[bool, str]:
    """Do the values recomputed from the submitted weights agree with the submitted ones?
    ``dtypes``: model name -> how its weights were saved (the tolerance depends on it)."""
    if not specs:
        return True, ""
    if not recomputed or "__error__" in recomputed:
        return False, encode("replay_weights_unusable")
    for s in specs:
        rel, abs_ = RECOMPUTE_TOLERANCE.get(dtypes.get(s.model, "<f4"), RECOMPUTE_TOLERANCE["<f4"])
        got = recomputed.get(s.name)
        sub = submitted.get(s.part, {}).get(s.name)
        if s.type != "keras_history":
            a = got if isinstance(got, list) else [got]
            b = sub if isinstance(sub, list) else [sub]
            if len(a) != len(b) or not all(_close(_number(x), _number(y), rel, abs_)
                                           for x, y in zip(a, b, strict=True)):
                return False, encode("replay_score", name=s.name, submitted=sub, recomputed=got)
            continue
        hist = (sub or {}).get("history") if isinstance(sub, dict) else None
        train, val = (got or {}).get("train") or {}, (got or {}).get("val") or {}
        for metric, values in (hist.items() if isinstance(hist, dict) else ()):
            if not isinstance(values, list) or not values:
                continue
            last = _number(values[-1])
            if metric.startswith("val_"):
                if s.val is None:
                    continue
                if not _close(last, _number(val.get(metric[4:])), rel, abs_):
                    return False, encode("replay_last_epoch", name=s.name, metric=metric,
                                         submitted=values[-1], recomputed=val.get(metric[4:]))
            elif metric in train and not _bounded(last, _number(train[metric])):
                return False, encode("replay_last_epoch", name=s.name, metric=metric,
                                     submitted=values[-1], recomputed=train[metric])
    return True, ""


def _bounded(h: Any, r: Any) -> bool:
    try:
        fh, fr = float(h), float(r)
    except (TypeError, ValueError):
        return False
    if math.isnan(fh) or math.isnan(fr):
        return math.isnan(fh) and math.isnan(fr)
    return abs(fh - fr) <= max(BOUND_REL * max(abs(fh), abs(fr)), BOUND_ABS)


def replay_profile_epochs(epochs: int, wanted: int) -> int | None:
    """Epochs to replay, or None when replaying would not be cheaper than the full run."""
    k = min(wanted, epochs - 1)
    return k if k >= 1 else None


def context(key_profile: str, environment: Mapping[str, str], grader_version: str,
            assignment: Mapping[str, str]) -> dict[str, Any]:
    """Everything besides the code that decides an execution's outcome (part of the fingerprint)."""
    return {"profile": key_profile, "environment": dict(environment), "grader": grader_version,
            "module": assignment["name"], "contract": assignment["contract_sha256"]}


# ---- the recomputation cell (runs in the replay's kernel) -----------------------------------

_RECOMPUTE = r'''
def __autograder_recompute(ns, blobs, specs):
    import base64, zlib
    import numpy as np
    out = {}
    try:
        for name, blob in blobs.items():
            flat = np.frombuffer(zlib.decompress(base64.b64decode("".join(blob["chunks"]))),
                                 dtype=blob["dtype"]).astype(np.float32)
            arrays, at = [], 0
            for shape in blob["shapes"]:
                n = int(np.prod(shape)) if shape else 1
                arrays.append(flat[at:at + n].reshape(shape))
                at += n
            ns[name].set_weights(arrays)
        for read, kind, model, x, y, val in specs:
            m = ns[model]
            if kind != "keras_history":
                got = m.evaluate(ns[x], ns[y], verbose=0)
                out[read] = [float(v) for v in got] if isinstance(got, (list, tuple)) else float(got)
                continue
            train = m.evaluate(ns[x], ns[y], verbose=0, return_dict=True)
            entry = {"train": {k: float(v) for k, v in train.items()}}
            if val:
                got = m.evaluate(ns[val[0]], ns[val[1]], verbose=0, return_dict=True)
                entry["val"] = {k: float(v) for k, v in got.items()}
            out[read] = entry
    except Exception as exc:
        out = {"__error__": type(exc).__name__ + ": " + str(exc)[:300]}
    return out
'''


def recompute_cells(session: Session, specs: Sequence[Recompute],
                    weights: Mapping[str, Mapping[str, Any]]) -> tuple[list[str], str]:
    """The cells that send ``weights`` (model name -> blob) in chunks, and the code that
    recomputes ``specs`` with them and leaves the result in ``__autograder_result``."""
    ns = f"{session.name}.namespace"
    cells = ["__autograder_chunks = {}\n"]
    meta = {}
    for model, blob in weights.items():
        data = str(blob["data"])
        cells.append(f"__autograder_chunks[{model!r}] = []\n")
        for i in range(0, len(data), CHUNK_CHARS):
            cells.append(f"__autograder_chunks[{model!r}].append({data[i:i + CHUNK_CHARS]!r})\n")
        meta[model] = {"dtype": blob["dtype"], "shapes": blob["shapes"]}
    spec_rows = [(s.name, s.type, s.model, s.x, s.y, s.val) for s in specs]
    code = (_RECOMPUTE + f"__autograder_meta = {meta!r}\n"
            "for _k, _v in __autograder_meta.items():\n"
            "    _v['chunks'] = __autograder_chunks[_k]\n"
            f"__autograder_result = __autograder_recompute({ns}, __autograder_meta, {spec_rows!r})\n"
            "del __autograder_recompute, __autograder_meta, __autograder_chunks\n")
    return cells, code


def recompute_hook(specs: Sequence[Recompute], weights: Mapping[str, Mapping[str, Any]]
                   ) -> Callable[[ExerciseRun, Session], ExerciseRun]:
    """What runs right after a replayed exercise, in its kernel: the recomputation."""

    def after(run: ExerciseRun, session: Session) -> ExerciseRun:
        if run.status != "ok":
            return run
        cells, code = recompute_cells(session, specs, weights)
        for cell in cells:
            if session.run(cell, 60.0).status != "ok":
                return dataclasses.replace(run, recomputed={"__error__": "the weights could not be sent"})
        found, _status = session.display_cell(code, "__recompute__", RECOMPUTE_TIMEOUT_S)
        return dataclasses.replace(run, recomputed=found or {"__error__": "no result"})

    return after


# ---- fast mode, around one grading: decide before execution, settle after ------------------

@dataclass
class FastPlan:
    """What fast mode decided per exercise before execution."""

    overrides: dict[str, list[PlannedCell]] = dataclasses.field(default_factory=dict)
    cached: dict[str, ExerciseRun] = dataclasses.field(default_factory=dict)
    submitted: dict[str, dict[str, dict[str, Any]]] = dataclasses.field(default_factory=dict)
    fingerprints: dict[str, str] = dataclasses.field(default_factory=dict)
    epochs: dict[str, tuple[int, int]] = dataclasses.field(default_factory=dict)  # (replayed, full)
    recompute: dict[str, tuple[Recompute, ...]] = dataclasses.field(default_factory=dict)
    weights: dict[str, dict[str, dict[str, Any]]] = dataclasses.field(default_factory=dict)
    notes: dict[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)  # why not replayed

    def after(self) -> dict[str, Callable[[ExerciseRun, Session], ExerciseRun]]:
        """The recomputation to run after each replayed exercise (``execute.execute``'s ``after``)."""
        return {e: recompute_hook(specs, self.weights.get(e, {}))
                for e, specs in self.recompute.items() if specs}


def plan_fast(raw: bytes, plan: Plan, assignment: Assignment, profile: Profile,
              context: Mapping[str, Any], cache_dir: Path | None,
              replay_exercises: Collection[str], replay_epochs: int) -> FastPlan:
    """Per computed exercise: served from the cache, replayed for a few epochs, or neither."""
    fast = FastPlan()
    cache = ExerciseCache(cache_dir) if cache_dir else None
    for e in assignment.contract.exercises:
        if not e.computed or e.id in plan.skipped:
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
        n = int(profile[setting])
        k = replay_profile_epochs(n, replay_epochs)
        if submitted is None or k is None:
            continue
        specs = recompute_specs(assignment, e)
        missing = uncovered(e, specs, k)
        if missing:
            fast.notes[e.id] = (encode("note_replay_not_covered", check=missing[0]),)
            continue
        weights = submitted_weights(raw, e.id)
        models = {s.model for s in specs}
        found = {name: blob for (_part, name), blob in weights.items() if name in models}
        if models - set(found):
            fast.notes[e.id] = (encode("note_replay_no_weights", name=sorted(models - set(found))[0]),)
            continue
        replay = prepare_plan(raw, authored_cells(assignment.authored, profile.replace(**{setting: k})),
                              assignment.contract)
        fast.overrides[e.id] = [c for c in replay.cells if c.exercise == e.id]
        fast.submitted[e.id] = submitted
        fast.epochs[e.id] = (k, n)
        fast.recompute[e.id] = specs
        fast.weights[e.id] = found
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
        if ex.id in plan.skipped:
            verification[ex.id] = "not_executed"
            continue
        if ex.id in fast.cached:
            cached = fast.cached[ex.id]
            runs[ex.id] = dataclasses.replace(
                run, extracted=merge(without_letters(ex, cached.extracted), only_letters(ex, run.extracted)))
            verification[ex.id] = "cached"
            continue
        if ex.id in fast.submitted:
            submitted = fast.submitted[ex.id]
            if run.status != "ok":
                ok, why = False, encode("replay_ended", status=run.status)
            else:
                ok, why = replay_agrees(ex, run.extracted, submitted, fast.epochs.get(ex.id))
            if ok:
                dtypes = {m: str(b.get("dtype")) for m, b in fast.weights.get(ex.id, {}).items()}
                ok, why = recompute_agrees(fast.recompute.get(ex.id, ()), run.recomputed, submitted,
                                           dtypes)
            if ok:
                runs[ex.id] = dataclasses.replace(run, recomputed={}, extracted=merge(
                    without_letters(ex, submitted), only_letters(ex, run.extracted)))
                verification[ex.id] = "replay_verified"
                continue
            full = run_full(ex, [c for c in plan.cells if c.exercise == ex.id])
            run = runs[ex.id] = dataclasses.replace(full, notes=full.notes + (f"replay_mismatch:{why}",))
        elif ex.id in fast.notes:
            run = runs[ex.id] = dataclasses.replace(run, notes=run.notes + fast.notes[ex.id])
        verification[ex.id] = "executed"
        if (ex.id in fast.fingerprints and cache_dir
                and cacheable(ex.id, plan.cells, run, assignment.training_exercises)):
            ExerciseCache(cache_dir).put(fast.fingerprints[ex.id], dataclasses.replace(
                run, extracted=without_letters(ex, run.extracted)))
    return dataclasses.replace(execution, exercises=runs), verification
