"""Evaluate the contract's checks: extracted answers + answer key -> check results. Pure.

Inputs are plain data only: what the probe extracted (already validated JSON), the key and
the contract. Nothing from the student's kernel is trusted or called here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from autograder import compare, prepare
from autograder.contract import Check, Contract, Exercise, requires_order
from autograder.keymodel import AnswerKey, Quantity
from autograder.results import CheckResult, Misconception

Extracted = Mapping[str, Mapping[str, Any]]  # part id -> name -> value
# A quantity's variant whose id starts with this is an accepted alternative (recorded so the key
# report can show it), not a misconception.
ACCEPTED_PREFIX = "accepted:"
# The engine's own misconceptions (sentences in autograder/i18n.py), for any assignment:
TYPED_IN = "value_typed_in"  # an answer typed in as a literal number instead of computed
LETTER_AS_TEXT = "letter_as_text"  # a multiple-choice answer written as the option's text
BAND_VARIANT_TOLERANCE = compare.Tolerance(rel=0.05, abs=1e-3)  # a band quantity's point variant


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
    if isinstance(values.get(name), dict) and values[name].get("__not_reached__"):
        return Found("not_reached")  # the part stopped (an error, a limit): not read, not missing
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


def _matches_variant(obtained: Any, q: Quantity, variant: Any) -> bool:
    if isinstance(variant, dict) and isinstance(variant.get("intervals"), list):
        # a training variant observed over runs (``band_variant``): the band its values span
        intervals = [(float(lo), float(hi)) for lo, hi in variant["intervals"]]
        return bool(intervals) and compare.in_band(obtained, intervals).ok
    if q.tolerance["kind"] == "exact":
        return compare.exact(obtained, variant).ok
    tol = _tolerance(q) if q.tolerance["kind"] == "close" else BAND_VARIANT_TOLERANCE
    return compare.close(obtained, variant, tol).ok


def recognise(obtained: Any, q: Quantity) -> Misconception | None:
    """The named wrong variant the obtained value matches, under the quantity's own tolerance
    (a point variant of a band quantity: within max(5 %, 0.001); a band variant: inside it)."""
    for vid, variant in q.variants.items():
        if vid.startswith(ACCEPTED_PREFIX):  # an accepted alternative, recorded for the report
            continue
        if _matches_variant(obtained, q, variant):
            return Misconception(vid)
    return None


def degenerate(obtained: Any, q: Quantity) -> str:
    """The reason of the honest degenerate outcome ``obtained`` is (``Quantity.degenerate``), or ""."""
    for reason, d in q.degenerate.items():
        try:
            tol = compare.Tolerance(rel=float(d.get("rel", 1e-4)), abs=float(d.get("abs", 1e-3)))
            if compare.close(obtained, d["value"], tol).ok:
                return str(reason)
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
    return ""


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


def _named(check: Check, reason: str, explicit_only: bool = False) -> Misconception | None:
    """The contract's misconception for a failure of ``check`` for ``reason``."""
    mid = check.misconceptions.get(reason, "") if explicit_only else check.misconception_for(reason)
    return Misconception(mid) if mid else None


def _unavailable(check: Check, found: Found) -> CheckResult:
    part, name = (check.read or check.reads[0]).split(":", 1)
    if found.state == "not_reached":
        return _result(check, "not_run", 0.0, message_id="not_reached", part=part, name=name)
    if found.state == "missing":
        return _result(check, "missing", 0.0, message_id="missing", part=part, name=name,
                       misconception=_named(check, "missing", explicit_only=True))
    return _result(check, "invalid", 0.0, message_id="unsupported", part=part, name=name,
                   detail=found.detail, misconception=_named(check, "unsupported"))


def _value_check(check: Check, found: Found, key: AnswerKey) -> CheckResult:
    q = key.quantity(check.key)
    cmp = compare_to_quantity(found.value, q)
    reason = degenerate(found.value, q)
    if reason:  # an honest outcome known in closed form: accepted, and the report says why
        return _result(check, "pass", check.points, cmp, "degenerate_accepted", degenerate=[reason])
    if cmp.ok:
        return _result(check, "pass", check.points, cmp, "ok")
    return _result(check, "fail", 0.0, cmp,
                   misconception=recognise(found.value, q) or _named(check, cmp.reason))


def _band_map(check: Check, found: Found, key: AnswerKey) -> CheckResult:
    """Every entry of a mapping (e.g. test MSE by batch size) inside its quantity's band."""
    obtained = found.value
    if not isinstance(obtained, dict):
        cmp = compare.exact(obtained, {})
        return _result(check, "invalid", 0.0, cmp, "type_mismatch")
    prefix = check.key + "."
    expected_keys = sorted((qid[len(prefix):] for qid in key.quantities if qid.startswith(prefix)),
                           key=lambda s: (len(s), s))
    passed, mismatches, dead = 0, [], []
    variants: list[Misconception | None] = []
    for k in expected_keys:
        q = key.quantities[prefix + k]
        intervals = [(float(lo), float(hi)) for lo, hi in q.tolerance["intervals"]]
        cmp = compare.in_band(obtained.get(k), intervals)  # type: ignore[arg-type]
        reason = degenerate(obtained.get(k), q) if k in obtained else ""
        if reason:
            dead.append(k)
        passed += cmp.ok or bool(reason)
        if not (cmp.ok or reason):
            mismatches.append((k, cmp.obtained, cmp.tolerance))
            variants.append(recognise(obtained.get(k), q) if k in obtained else None)
    missing = [k for k in expected_keys if k not in obtained]
    expected_values = {k: key.quantities[prefix + k].value for k in expected_keys}
    points = check.points * passed / len(expected_keys) if expected_keys else 0.0
    status = "pass" if passed == len(expected_keys) else "fail"
    reason = "ok" if status == "pass" else "key_mismatch" if missing else "out_of_band"
    cmp = compare.Comparison(
        ok=status == "pass", reason=reason,
        obtained={k: obtained.get(k) for k in expected_keys}, expected=expected_values,
        tolerance="; ".join(f"{k}: {key.quantities[prefix + k].tolerance['intervals']}"
                            for k in expected_keys),
        difference=None, detail=f"{passed} of {len(expected_keys)} inside the band",
        mismatches=tuple(mismatches[:10]))
    # a variant names the mistake when every failing entry shows the same one; else the contract's
    same = {v.id if v else "" for v in variants}
    misconception = None if status == "pass" else (
        variants[0] if len(same) == 1 and "" not in same else _named(check, reason))
    extra: dict[str, Any] = {"degenerate": [degenerate(obtained.get(k), key.quantities[prefix + k])
                                             for k in dead][:1], "degenerate_keys": dead,
                             "degenerate_at": ", ".join(dead)} if dead else {}
    if missing:
        extra["missing_keys"] = missing
    message = ("band_map_degenerate" if dead else "ok") if status == "pass" else "band_map_partial"
    return _result(check, status, points, cmp, message, misconception=misconception,
                   passed=passed, total=len(expected_keys), **extra)


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
    return _result(check, "pass" if cmp.ok else "fail", check.points if cmp.ok else 0.0, cmp,
                   misconception=None if cmp.ok else _named(check, cmp.reason))


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
        # "Quadrática, 0-1, ..." where "d" was asked: the option's text, not its letter
        as_text = isinstance(found.value, str) and len(found.value.strip()) > 3
        return _result(check, "fail", 0.0, cmp, "invalid_letter", obtained=found.value,
                       misconception=Misconception(LETTER_AS_TEXT) if as_text else None)
    try:
        own = list(own_letters(check.consistency, extracted)) if check.consistency else []
    except Exception:  # the assignment's code on untrusted data: no credit, never a crash
        own = []
    if cmp.obtained in own and contract.consistency_credit > 0:
        return _result(check, "pass", check.points * contract.consistency_credit, cmp,
                       "letter_consistent", obtained=cmp.obtained,
                       credit=contract.consistency_credit, own_letters=own)
    wrong = check.wrong_letters.get(str(cmp.obtained), "")
    return _result(check, "fail", 0.0, cmp, "letter_wrong", own_letters=own,
                   misconception=Misconception(wrong) if wrong else None)


def _source(check: Check, code: str | None) -> CheckResult:
    """A ``source`` check: the contract's rule applied to what the student wrote (``ast``)."""
    outcome = prepare.check_rule(code, check.rule)
    if outcome.status == "ok":
        return _result(check, "pass", check.points, message_id="source_ok")
    if outcome.status == "absent":
        return _result(check, "missing", 0.0, message_id="source_absent")
    return _result(check, "fail", 0.0, message_id="source_violated", reason=outcome.reason,
                   misconception=_named(check, outcome.reason))


def _typed_in(check: Check, names: set[str]) -> CheckResult | None:
    """A check whose value the student typed in rather than computed gets no credit."""
    refs = ((check.read,) if check.read else ()) + check.reads
    typed = sorted({ref.split(":", 1)[1] for ref in refs} & names)
    if not typed:
        return None
    return _result(check, "fail", 0.0, message_id="typed_in", name=typed[0],
                   misconception=Misconception(TYPED_IN))


def evaluate_check(check: Check, extracted: Extracted, key: AnswerKey, contract: Contract,
                   own_letters: OwnLetters = _no_letters, code: str | None = None) -> CheckResult:
    """One check. ``code``: the student's code of the exercise (``prepare.student_code``), read
    for ``source`` checks and for answers typed in as literals; None when unknown."""
    if check.kind == "source":
        return _source(check, code)
    if check.kind != "letter" and code:
        names = {ref.split(":", 1)[1] for ref in ((check.read,) if check.read else ()) + check.reads}
        typed = _typed_in(check, prepare.typed_in(code, sorted(names)))
        if typed is not None:
            return typed
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


def _apply_requires(check: Check, result: CheckResult, done: Mapping[str, CheckResult]) -> CheckResult:
    """No credit for a check whose required checks did not all pass: a band on a model that is
    not the one asked for, or a letter's consistency credit from such numbers."""
    failed = [r for r in check.requires if r in done and done[r].status != "pass"]
    if not failed:
        return result
    if check.kind == "letter":
        if result.message_id != "letter_consistent":
            return result
        wrong = check.wrong_letters.get(str(result.obtained), "")
        return replace(result, status="fail", points=0.0, message_id="letter_wrong",
                       params={**result.params, "requires_failed": failed},
                       misconception=Misconception(wrong) if wrong else None)
    if result.status != "pass" and result.points == 0:
        return replace(result, params={**result.params, "requires_failed": failed})
    # passed, or partial credit (a band map): none of it counts for a model that is not the asked one
    return replace(result, status="fail", points=0.0, message_id="requires_failed",
                   params={**result.params, "requires_failed": failed,
                           "requires": ", ".join(failed)})


def evaluate_exercise(exercise: Exercise, extracted: Extracted, key: AnswerKey,
                      contract: Contract, own_letters: OwnLetters = _no_letters,
                      code: str | None = None) -> tuple[CheckResult, ...]:
    """Every check of ``exercise``, in the contract's order; ``own_letters`` gives the letters
    the student's own numbers support (consistency credit); ``code`` is what the student wrote
    for the exercise. A check's ``requires`` is applied after the checks it names."""
    done: dict[str, CheckResult] = {}
    for c in requires_order(exercise.checks):
        done[c.id] = _apply_requires(c, evaluate_check(c, extracted, key, contract, own_letters, code),
                                     done)
    return tuple(done[c.id] for c in exercise.checks)
