"""Evaluate the contract's checks: extracted answers + answer key -> check results. Pure.

Inputs are plain data only: what the probe extracted (already validated JSON), the key and
the contract. Nothing from the student's kernel is trusted or called here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from autograder import compare
from autograder.contract import Check, Contract, Exercise
from autograder.keymodel import AnswerKey, Quantity
from autograder.results import CheckResult, Misconception

Extracted = Mapping[str, Mapping[str, Any]]  # part id -> name -> value
# A quantity's variant whose id starts with this is an accepted alternative (recorded so the key
# report can show it), not a misconception.
ACCEPTED_PREFIX = "accepted:"


@dataclass(frozen=True)
class Found:
    """A value looked up for a check: present, missing, not reached, or unsupported."""

    state: str  # "ok" | "missing" | "not_reached" | "unsupported"
    value: Any = None
    detail: str = ""


_STEP = re.compile(r"\.?([A-Za-z_][A-Za-z0-9_]*)|\[(-?\d+)\]|\[([A-Za-z_][A-Za-z0-9_,]*)\]")


def resolve(value: Any, path: str) -> Any:
    """Follow ``a.b[0][-1]`` or project ``layers[class,units]`` through plain data; KeyError if absent."""
    pos = 0
    while pos < len(path):
        m = _STEP.match(path, pos)
        if not m:
            raise KeyError(f"bad path {path!r} at {pos}")
        name, index, fields = m.groups()
        if name is not None:
            if not isinstance(value, dict) or name not in value:
                raise KeyError(name)
            value = value[name]
        elif index is not None:
            if not isinstance(value, list) or not -len(value) <= int(index) < len(value):
                raise KeyError(index)
            value = value[int(index)]
        else:
            if not isinstance(value, list):
                raise KeyError(fields)
            keys = fields.split(",")
            value = [[item.get(k) if isinstance(item, dict) else None for k in keys] for item in value]
        pos = m.end()
    return value


def lookup(extracted: Extracted, ref: str, path: str = "") -> Found:
    part, name = ref.split(":", 1)
    if part not in extracted:
        return Found("not_reached")
    values = extracted[part]
    if name not in values or (isinstance(values[name], dict) and values[name].get("__missing__")):
        return Found("missing")
    value = values[name]
    if isinstance(value, dict) and "__unsupported__" in value:
        return Found("unsupported", detail=str(value["__unsupported__"]))
    if path:
        try:
            value = resolve(value, path)
        except KeyError:
            return Found("unsupported", detail=f"no {path!r} in it")
        if isinstance(value, dict) and "__unsupported__" in value:
            return Found("unsupported", detail=str(value["__unsupported__"]))
    return Found("ok", value)


def _tolerance(q: Quantity) -> compare.Tolerance:
    return compare.Tolerance(rel=float(q.tolerance.get("rel", 0.0)), abs=float(q.tolerance.get("abs", 0.0)))


def compare_to_quantity(obtained: Any, q: Quantity) -> compare.Comparison:
    kind = q.tolerance["kind"]
    if kind == "exact":
        return compare.exact(obtained, q.value)
    if kind == "close":
        return compare.close(obtained, q.value, _tolerance(q))
    if kind == "band":
        return compare.in_band(obtained, [tuple(iv) for iv in q.tolerance["intervals"]])
    raise ValueError(f"quantity {q.id} has unknown tolerance kind {kind!r}")


def recognise(obtained: Any, q: Quantity) -> Misconception | None:
    """The named wrong variant the obtained value matches, under the quantity's own tolerance."""
    for vid, variant in q.variants.items():
        if vid.startswith(ACCEPTED_PREFIX):  # an accepted alternative, recorded for the report
            continue
        if q.tolerance["kind"] == "exact":
            cmp = compare.exact(obtained, variant)
        else:
            tol = _tolerance(q) if q.tolerance["kind"] == "close" else compare.Tolerance(rel=0.05, abs=1e-3)
            cmp = compare.close(obtained, variant, tol)
        if cmp.ok:
            return Misconception(vid)
    return None


def _result(check: Check, status: str, points: float, cmp: compare.Comparison | None = None,
            message_id: str = "", misconception: Misconception | None = None,
            **params: Any) -> CheckResult:
    return CheckResult(
        id=check.id, exercise=check.exercise, kind=check.kind, status=status,  # type: ignore[arg-type]
        points=points, max_points=check.points,
        obtained=cmp.obtained if cmp else None, expected=cmp.expected if cmp else None,
        tolerance=cmp.tolerance if cmp else "", difference=cmp.difference if cmp else None,
        message_id=message_id or (cmp.reason if cmp else ""),
        params={**({"detail": cmp.detail} if cmp else {}), **params},
        misconception=misconception, reveals_answer=check.kind == "letter",
    )


def _unavailable(check: Check, found: Found) -> CheckResult:
    part, name = (check.read or check.reads[0]).split(":", 1)
    if found.state == "not_reached":
        return _result(check, "not_run", 0.0, message_id="not_reached", part=part, name=name)
    if found.state == "missing":
        return _result(check, "missing", 0.0, message_id="missing", part=part, name=name)
    return _result(check, "invalid", 0.0, message_id="unsupported", part=part, name=name,
                   detail=found.detail)


def _value_check(check: Check, found: Found, key: AnswerKey) -> CheckResult:
    q = key.quantity(check.key)
    cmp = compare_to_quantity(found.value, q)
    if cmp.ok:
        return _result(check, "pass", check.points, cmp, "ok")
    return _result(check, "fail", 0.0, cmp, misconception=recognise(found.value, q))


def _band_map(check: Check, found: Found, key: AnswerKey) -> CheckResult:
    """Every entry of a mapping (e.g. test MSE by batch size) inside its quantity's band."""
    obtained = found.value
    if not isinstance(obtained, dict):
        cmp = compare.exact(obtained, {})
        return _result(check, "invalid", 0.0, cmp, "type_mismatch")
    prefix = check.key + "."
    expected_keys = sorted((qid[len(prefix):] for qid in key.quantities if qid.startswith(prefix)),
                           key=lambda s: (len(s), s))
    passed, mismatches = 0, []
    for k in expected_keys:
        intervals = [(float(lo), float(hi)) for lo, hi in key.quantities[prefix + k].tolerance["intervals"]]
        cmp = compare.in_band(obtained.get(k), intervals)  # type: ignore[arg-type]
        passed += cmp.ok
        if not cmp.ok:
            mismatches.append((k, cmp.obtained, cmp.tolerance))
    expected_values = {k: key.quantities[prefix + k].value for k in expected_keys}
    points = check.points * passed / len(expected_keys) if expected_keys else 0.0
    status = "pass" if passed == len(expected_keys) else "fail"
    cmp = compare.Comparison(
        ok=status == "pass", reason="ok" if status == "pass" else "out_of_band",
        obtained={k: obtained.get(k) for k in expected_keys}, expected=expected_values,
        tolerance="; ".join(f"{k}: {key.quantities[prefix + k].tolerance['intervals']}"
                            for k in expected_keys),
        difference=None, detail=f"{passed} of {len(expected_keys)} inside the band",
        mismatches=tuple(mismatches[:10]))
    return _result(check, status, points, cmp, "ok" if status == "pass" else "band_map_partial",
                   passed=passed, total=len(expected_keys))


def _ordering(check: Check, extracted: Extracted, key: AnswerKey) -> CheckResult:
    means: dict[str, float] = {}
    for ref in check.reads:
        found = lookup(extracted, ref)
        if found.state != "ok":
            return _unavailable(check, found)
        try:
            arr = compare.to_plain(found.value)
            flat = _flatten(arr)
            means[ref.split(":", 1)[1]] = sum(flat) / len(flat)
        except (TypeError, ZeroDivisionError, compare.NotPlainData):
            return _result(check, "invalid", 0.0, message_id="unsupported",
                           name=ref.split(":", 1)[1], part=ref.split(":", 1)[0], detail="not numbers")
    cmp = compare.same_order(means, key.quantity(check.key).value)
    return _result(check, "pass" if cmp.ok else "fail", check.points if cmp.ok else 0.0, cmp)


def _flatten(x: Any) -> list[float]:
    if isinstance(x, list):
        return [v for item in x for v in _flatten(item)]
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
        raise TypeError("not a finite number")
    return [float(x)]


# ---- letters judged against the student's own numbers -------------------------------------

OwnLetters = Callable[[str, Extracted], list[str]]  # the assignment's hooks.own_letters


def _no_letters(_exercise: str, _extracted: Extracted) -> list[str]:
    return []


def _letter(check: Check, found: Found, key: AnswerKey, contract: Contract,
            extracted: Extracted, own_letters: OwnLetters) -> CheckResult:
    number = contract.exercise(check.exercise).number
    official = key.letter(number)
    cmp = compare.letter(found.value, official, contract.letter_choices)
    if cmp.ok:
        return _result(check, "pass", check.points, cmp, "letter_correct")
    if cmp.reason == "invalid_letter":
        return _result(check, "fail", 0.0, cmp, "invalid_letter", obtained=found.value)
    try:
        own = list(own_letters(check.consistency, extracted)) if check.consistency else []
    except Exception:  # the assignment's code on untrusted data: no credit, never a crash
        own = []
    if cmp.obtained in own and contract.consistency_credit > 0:
        return _result(check, "pass", check.points * contract.consistency_credit, cmp,
                       "letter_consistent", obtained=cmp.obtained,
                       credit=contract.consistency_credit, own_letters=own)
    return _result(check, "fail", 0.0, cmp, "letter_wrong", own_letters=own)


def evaluate_check(check: Check, extracted: Extracted, key: AnswerKey, contract: Contract,
                   own_letters: OwnLetters = _no_letters) -> CheckResult:
    if check.kind == "ordering":
        return _ordering(check, extracted, key)
    found = lookup(extracted, check.read, check.path)
    if found.state != "ok":
        return _unavailable(check, found)
    if check.kind == "letter":
        return _letter(check, found, key, contract, extracted, own_letters)
    if check.kind == "band_map":
        return _band_map(check, found, key)
    return _value_check(check, found, key)


def evaluate_exercise(exercise: Exercise, extracted: Extracted, key: AnswerKey,
                      contract: Contract, own_letters: OwnLetters = _no_letters) -> tuple[CheckResult, ...]:
    """Every check of ``exercise``; ``own_letters`` gives the letters the student's own numbers
    support (consistency credit)."""
    return tuple(evaluate_check(c, extracted, key, contract, own_letters) for c in exercise.checks)
