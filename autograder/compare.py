"""Comparison primitives: pure functions from plain data to a :class:`Comparison`.

Modelled on pytest's ``approx``: one tree walk picks the comparison by the shape of the
*expected* value (scalar, list, dict) and every number ends in one scalar rule. Each rule is
written next to a comment saying why.

Inputs are plain JSON data (None, bool, int, float, str, lists, dicts with string keys). JSON
cannot carry non-finite floats, so the strings ``"NaN"``, ``"Infinity"`` and ``"-Infinity"``
always mean those numbers; ``float('nan')`` etc. are accepted too, as are numpy arrays and
scalars. The student's value is untrusted: anything else (e.g. an object with a custom
``__eq__``) is rejected with reason ``"not_plain_data"`` and is never compared with ``==``.
"""

from __future__ import annotations

import math
import re
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "REASONS",
    "Comparison",
    "NotPlainData",
    "Tolerance",
    "close",
    "exact",
    "in_band",
    "is_plain_data",
    "letter",
    "same_order",
    "to_plain",
]

#: Every ``Comparison.reason``. The first ten are shared by all comparators.
REASONS = frozenset(
    {
        "ok",
        "not_close",  # a number outside its tolerance
        "shape_mismatch",
        "type_mismatch",
        "nan",  # the obtained value is NaN (and NaN was not allowed)
        "infinite",  # the obtained value is ±inf and the expected one is not that infinity
        "not_plain_data",
        "missing",  # the obtained value is None
        "length_mismatch",
        "key_mismatch",
        "not_equal",  # exact() / letter(): a different int, string, boolean or letter
        "out_of_band",  # in_band(): outside every interval
        "wrong_order",  # same_order(): the values sort into another order
        "tie",  # same_order(): two values are equal, so the order is ambiguous
        "invalid_letter",  # letter(): not a single letter among the choices
    }
)

_SPELLINGS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
_ACCEPTED = "only numbers, strings, booleans, None, lists and dicts with string keys are accepted"
_MAX_MISMATCHES = 10


# --------------------------------------------------------------------------------------------
# Results and tolerance
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tolerance:
    """How close a number must be: ``|obtained - expected| <= max(rel·|expected|, abs)``."""

    rel: float = 1e-6  # relative tolerance, a fraction of |expected|
    abs: float = 1e-12  # absolute tolerance; dominates for expected values near zero
    nan_ok: bool = False  # NaN equals NaN only when asked

    def __post_init__(self) -> None:
        for name in ("rel", "abs"):
            value = getattr(self, name)
            # bool is an int subclass, but ``rel=True`` is a mistake, not a tolerance of 1
            if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
                raise TypeError(
                    f"{name} tolerance must be a non-negative number, "
                    f"got {value!r} ({type(value).__name__})"
                )
            if not math.isfinite(value):
                raise ValueError(f"{name} tolerance must be a finite number, got {value!r}")
            if value < 0:
                raise ValueError(f"{name} tolerance must be a non-negative number, got {value!r}")
            object.__setattr__(self, name, float(value))
        if not isinstance(self.nan_ok, bool):
            raise TypeError(
                f"nan_ok must be True or False, got {self.nan_ok!r} ({type(self.nan_ok).__name__})"
            )

    def allowed(self, expected: float) -> float:
        """The effective tolerance for ``expected``: ``max(rel·|expected|, abs)``."""
        return max(self.rel * abs(expected), self.abs)

    def describe(self, expected: float) -> str:
        """Human-readable tolerance for ``expected``, e.g. ``"± 0.0005"`` or ``"exact"``."""
        value = _number(expected)
        if value is None:
            raise TypeError(f"describe() needs a number, got {type(expected).__name__}")
        # infinity equals only itself, and NaN only (with nan_ok) NaN: no ± applies
        if not math.isfinite(value):
            return "exact"
        allowed = self.allowed(value)
        return "exact" if allowed == 0 else f"± {_fmt_amount(allowed)}"


@dataclass(frozen=True)
class Comparison:
    """The outcome of one comparison; every field is plain JSON-safe data."""

    ok: bool
    reason: str  # machine id, one of REASONS
    obtained: Any  # the student's value as plain data (non-finite floats as "NaN" etc.)
    expected: Any  # the key's value as plain data
    tolerance: str  # human readable: "± 0.0005", "exact", "in [12.1, 40.3] ∪ [580, 600]"
    difference: Any  # max absolute difference for numbers, else None
    detail: str  # one English sentence for logs and tests
    mismatches: tuple[tuple[int | str, Any, Any], ...] = ()  # (index, obtained, expected), ≤ 10


class NotPlainData(TypeError):
    """A value that is not plain data, or is too large or too deeply nested."""

    def __init__(
        self,
        problem: str,
        path: tuple[int | str, ...] = (),
        shown: str = "",
        subject: str = "Value",
    ) -> None:
        self.problem = problem  # e.g. "a Sneaky object; only numbers, ... are accepted"
        self.path = path  # where in the value, e.g. (3, "loss")
        self.shown = shown or "<not plain data>"  # JSON-safe stand-in for the value
        super().__init__(self.sentence(subject))

    def sentence(self, subject: str) -> str:
        """E.g. ``"Obtained value is not plain data at [3]: a Sneaky object; ..."``."""
        where = f" at {_path_text(self.path)}" if self.path else ""
        return f"{subject} is not plain data{where}: {self.problem}"


# --------------------------------------------------------------------------------------------
# Plain data
# --------------------------------------------------------------------------------------------

# Exact types only: a subclass (of int, str, list, ...) can override comparison and access.
_ATOMS = (type(None), bool, int, str)
_SEQUENCES = (list, tuple)
_MAPPINGS = (dict, OrderedDict, defaultdict)
_NUMPY_SCALARS = frozenset(np.dtype(code).type for code in np.typecodes["AllInteger"] + "?efdU")
_NUMPY_KINDS = "biufUO"  # bool, int, uint, float, str, object (elements are then checked)


class _Walker:
    """Copies a value into plain data, enforcing the depth and size limits."""

    def __init__(self, max_depth: int, max_items: int) -> None:
        self.max_depth = max_depth
        self.max_items = max_items
        self.seen = 0

    def walk(self, value: Any, path: tuple[int | str, ...], depth: int) -> Any:
        self.seen += 1
        if self.seen > self.max_items:
            raise NotPlainData(f"more than {self.max_items} items", (), "<too many items>")
        kind = type(value)
        if kind in _ATOMS:
            return value
        if kind is float:
            return _float_to_plain(value)
        if kind in _SEQUENCES:
            self._enter(path, depth, 1)
            return [self.walk(item, (*path, i), depth + 1) for i, item in enumerate(value)]
        if kind in _MAPPINGS:
            self._enter(path, depth, 1)
            out = {}
            for key, item in dict.items(value):
                if type(key) is not str:  # JSON object keys are strings
                    raise NotPlainData(
                        f"a dict key of type {_type_name(key)}; dict keys must be strings",
                        path,
                        "<dict with non-string keys>",
                    )
                out[key] = self.walk(item, (*path, key), depth + 1)
            return out
        if kind is np.ndarray:
            if value.dtype.kind not in _NUMPY_KINDS:
                raise NotPlainData(
                    f"a numpy array of dtype {value.dtype}; {_ACCEPTED}", path, "<numpy array>"
                )
            self._enter(path, depth, value.ndim)
            if self.seen + value.size > self.max_items:  # before tolist() allocates it all
                raise NotPlainData(f"more than {self.max_items} items", (), "<too many items>")
            self.seen -= 1
            return self.walk(value.tolist(), path, depth)
        if kind in _NUMPY_SCALARS:
            self.seen -= 1
            return self.walk(value.item(), path, depth)
        name = _type_name(value)
        raise NotPlainData(f"an object of type {name}; {_ACCEPTED}", path, f"<{name} object>")

    def _enter(self, path: tuple[int | str, ...], depth: int, levels: int) -> None:
        if depth + levels > self.max_depth:
            raise NotPlainData(
                f"nested more than {self.max_depth} levels deep", path, "<nested too deeply>"
            )


def is_plain_data(value: Any, max_depth: int = 6, max_items: int = 100_000) -> bool:
    """True if :func:`to_plain` accepts ``value`` within these limits (numpy included)."""
    try:
        _Walker(max_depth, max_items).walk(value, (), 0)
    except NotPlainData:
        return False
    return True


def to_plain(value: Any, *, max_depth: int = 6, max_items: int = 100_000) -> Any:
    """A plain JSON-safe copy of ``value``: numpy becomes lists, ints and floats; tuples become
    lists; NaN and ±inf become ``"NaN"``, ``"Infinity"``, ``"-Infinity"``.

    Raises :class:`NotPlainData` (a ``TypeError``) for anything else, or beyond the limits.
    """
    return _Walker(max_depth, max_items).walk(value, (), 0)


# --------------------------------------------------------------------------------------------
# Comparators
# --------------------------------------------------------------------------------------------


def close(obtained: Any, expected: Any, tol: Tolerance) -> Comparison:
    """Numbers within ``tol``; lists must have exactly the expected shape, dicts the same keys.

    Booleans, strings and None inside ``expected`` are compared exactly.
    """
    if not isinstance(tol, Tolerance):
        raise TypeError(f"tol must be a Tolerance, got {type(tol).__name__}")
    want = _trusted(expected)
    return _compare_tree(
        obtained, want, lambda got, exp: _close_leaf(got, exp, tol), _tree_tolerance(tol, want)
    )


def exact(obtained: Any, expected: Any) -> Comparison:
    """Ints, strings and booleans (or lists and dicts of them) must be equal.

    An int equals a float with the same integral value (369 == 369.0, not 369.5); a boolean
    is never a number (True is not 1); strings are case-sensitive.
    """
    return _compare_tree(obtained, _trusted(expected), _exact_leaf, "exact")


def in_band(obtained: float, intervals: Sequence[tuple[float, float]]) -> Comparison:
    """A number inside the union of closed intervals ``[low, high]``."""
    bands = _check_intervals(intervals)
    text = "in " + " ∪ ".join(f"[{_show_bound(lo)}, {_show_bound(hi)}]" for lo, hi in bands)
    want = [[_float_to_plain(lo), _float_to_plain(hi)] for lo, hi in bands]
    got, failure = _untrusted_number(obtained, want, text)
    if failure is not None:
        return failure
    value = _number(got)
    assert value is not None  # _untrusted_number checked it
    if math.isnan(value):
        return Comparison(False, "nan", got, want, text, "NaN", f"Obtained NaN, expected {text}")
    if math.isinf(value):
        # an infinite value is never in a band, even one with an infinite bound
        return Comparison(
            False, "infinite", got, want, text, _float_to_plain(math.inf),
            f"Obtained {_show(got)}, expected {text}",
        )  # fmt: skip
    # closed intervals: both bounds belong to the band; the difference is the distance to it
    distance = min(max(lo - value, value - hi, 0.0) for lo, hi in bands)
    if distance == 0:
        return Comparison(True, "ok", got, want, text, 0.0, f"{_show(got)} is {text}")
    return Comparison(
        False, "out_of_band", got, want, text, distance,
        f"{_show(got)} is not {text}; the nearest bound is {_fmt_amount(distance)} away",
    )  # fmt: skip


def same_order(obtained: Mapping[str, float], expected_order: Sequence[str]) -> Comparison:
    """The keys of ``obtained`` sorted by value (ascending) must equal ``expected_order``.

    Ties never pass (reason ``"tie"``): equal values make the order ambiguous.
    """
    order = _check_order(expected_order)
    text = "ascending: " + " < ".join(order)
    try:
        got = to_plain(obtained)
    except NotPlainData as err:
        return _rejected(err, order, text)
    if got is None:
        return Comparison(False, "missing", None, order, text, None, "No value was obtained (None)")
    if type(got) is not dict:
        return Comparison(
            False, "type_mismatch", got, order, text, None,
            f"Type mismatch: obtained {_kind(got)}, expected a dict of numbers",
        )  # fmt: skip
    problem = _key_problem(got, order, ())
    if problem is not None:
        return Comparison(False, "key_mismatch", got, order, text, None, problem)
    values: dict[str, float] = {}
    for key in order:
        value = _number(got[key])
        if value is None:
            reason = "missing" if got[key] is None else "type_mismatch"
            return Comparison(
                False, reason, got, order, text, None,
                f"At key {key!r}: obtained {_kind(got[key])} where a number was expected",
            )  # fmt: skip
        if math.isnan(value):  # NaN is neither smaller nor larger than anything
            return Comparison(False, "nan", got, order, text, None, f"At key {key!r}: NaN")
        values[key] = value
    ranked = sorted(order, key=values.__getitem__)
    tied = [(a, b) for a, b in zip(ranked, ranked[1:], strict=False) if values[a] == values[b]]
    if tied:
        a, b = tied[0]
        return Comparison(
            False, "tie", got, order, text, None,
            f"{a!r} and {b!r} have the same value {_show(got[a])}, so the order is ambiguous",
        )  # fmt: skip
    if ranked == order:
        return Comparison(True, "ok", got, order, text, None, f"Sorted by value: {_chain(ranked)}")
    mismatches = tuple(
        (i, a, b) for i, (a, b) in enumerate(zip(ranked, order, strict=True)) if a != b
    )[:_MAX_MISMATCHES]
    return Comparison(
        False, "wrong_order", got, order, text, None,
        f"Sorted by value: {_chain(ranked)}; expected {_chain(order)}", mismatches,
    )  # fmt: skip


# a letter, "(d)" or "d)"; anything else ("d e", "(d", "d.") is not an answer
_LETTER = re.compile(r"\((.)\)|(.)\)?", re.DOTALL)


def letter(obtained: Any, expected: str, choices: str = "abcd") -> Comparison:
    """A multiple-choice answer: ``"d"``, ``"D"``, ``" (d) "`` and ``"d)"`` all mean ``d``.

    Anything else (``"d e"``, a letter not in ``choices``, ``4``, ``None``) is
    ``"invalid_letter"``.
    """
    if not isinstance(choices, str) or not choices or len(set(choices.lower())) != len(choices):
        raise ValueError(f"choices must be a string of distinct letters, got {choices!r}")
    options = choices.lower()
    want = _normalise_letter(expected, options)
    if want is None:
        raise ValueError(
            f"expected must be one of the letters {', '.join(options)}, got {expected!r}"
        )
    text = "exact"
    try:
        got = to_plain(obtained)
    except NotPlainData as err:
        return _rejected(err, want, text)
    answer = _normalise_letter(got, options)
    if answer is None:
        return Comparison(
            False, "invalid_letter", got, want, text, None,
            f"{_show(got)} is not one of the letters {', '.join(options)}; "
            "answer with a single letter such as 'b' or '(b)'",
        )  # fmt: skip
    if answer == want:
        return Comparison(True, "ok", answer, want, text, None, f"Answered ({answer}), as expected")
    return Comparison(
        False, "not_equal", answer, want, text, None,
        f"Answered ({answer}); the expected answer is ({want})",
    )  # fmt: skip


# --------------------------------------------------------------------------------------------
# Tree comparison
# --------------------------------------------------------------------------------------------

Path = tuple[int | str, ...]


@dataclass(frozen=True)
class _Leaf:
    ok: bool
    reason: str
    difference: float | int | None
    sentence: str


# when elements fail for different reasons, the overall reason is the first of these
_PRIORITY = ("missing", "type_mismatch", "nan", "infinite", "not_equal", "not_close")
_COUNTED = {
    "missing": "missing",
    "type_mismatch": "wrong type",
    "nan": "NaN",
    "infinite": "infinite",
}


def _compare_tree(
    obtained: Any, expected: Any, leaf: Callable[[Any, Any], _Leaf], tolerance: str
) -> Comparison:
    try:
        got = to_plain(obtained)
    except NotPlainData as err:
        return _rejected(err, expected, tolerance)
    problem = _structure_problem(got, expected, ())
    if problem is not None:
        reason, sentence = problem
        return Comparison(False, reason, got, expected, tolerance, None, sentence)
    if type(expected) not in (list, dict):
        one = leaf(got, expected)
        return Comparison(
            one.ok,
            one.reason,
            got,
            expected,
            tolerance,
            _plain_number(one.difference),
            one.sentence,
        )
    outcomes = [(path, o, e, leaf(o, e)) for path, o, e in _leaf_pairs(got, expected, ())]
    bad = [(path, o, e, out) for path, o, e, out in outcomes if not out.ok]
    difference, at = _max_difference([(path, out) for path, _, _, out in outcomes])
    where = f" at {_at(at)}" if at is not None and difference != 0 else ""
    diff_text = (
        f"; max absolute difference {_fmt_amount(difference)}{where}"
        if difference is not None
        else ""
    )
    total = len(outcomes)
    if not bad:
        match = "exactly" if tolerance == "exact" else f"within {tolerance}"
        detail = f"All {total} elements match {match}{diff_text}"
        return Comparison(True, "ok", got, expected, tolerance, _plain_number(difference), detail)
    reasons = [out.reason for *_, out in bad]
    reason = next(r for r in _PRIORITY if r in reasons)
    counts = [f"{reasons.count(r)} {label}" for r, label in _COUNTED.items() if r in reasons]
    breakdown = f" ({', '.join(counts)})" if counts else ""
    detail = f"Mismatched elements: {len(bad)} / {total}{breakdown}{diff_text}"
    mismatches = tuple((_index(path), o, e) for path, o, e, _ in bad[:_MAX_MISMATCHES])
    return Comparison(
        False, reason, got, expected, tolerance, _plain_number(difference), detail, mismatches
    )


def _structure_problem(got: Any, want: Any, path: Path) -> tuple[str, str] | None:
    """The first difference in structure (type, shape, length, keys), or None."""
    where = f" at {_path_text(path)}" if path else ""
    if type(want) in (list, dict) and got is None:
        # an obtained None means the student produced nothing
        return "missing", f"No value was obtained{where} (None)"
    if type(want) is dict:
        if type(got) is not dict:
            return "type_mismatch", f"Type mismatch{where}: obtained {_kind(got)}, expected a dict"
        keys = _key_problem(got, list(want), path)
        if keys is not None:
            return "key_mismatch", keys
        for key in want:
            problem = _structure_problem(got[key], want[key], (*path, key))
            if problem is not None:
                return problem
        return None
    if type(want) is list:
        want_shape = _shape(want)
        if type(got) is not list:
            if want_shape is not None and _number(got) is not None:
                return "shape_mismatch", (
                    f"Shape mismatch{where}: obtained a single number (shape ()), "
                    f"expected shape {want_shape}"
                )
            return "type_mismatch", f"Type mismatch{where}: obtained {_kind(got)}, expected a list"
        got_shape = _shape(got)
        # numpy-style shapes must match exactly: (10,) is not (10, 1) is not (9,)
        if want_shape is not None and got_shape is not None:
            if want_shape == got_shape:
                return None
            if len(want_shape) == len(got_shape) == 1:
                return "length_mismatch", _length_sentence(where, len(got), len(want))
            return "shape_mismatch", (
                f"Shape mismatch{where}: obtained shape {got_shape}, expected shape {want_shape}"
            )
        if len(got) != len(want):
            return "length_mismatch", _length_sentence(where, len(got), len(want))
        for i, (o, e) in enumerate(zip(got, want, strict=True)):
            problem = _structure_problem(o, e, (*path, i))
            if problem is not None:
                return problem
        return None
    if type(got) in (list, dict):
        got_shape = _shape(got)
        if got_shape is not None and _number(want) is not None:
            return "shape_mismatch", (
                f"Shape mismatch{where}: obtained shape {got_shape}, expected a single number"
            )
        return (
            "type_mismatch",
            f"Type mismatch{where}: obtained {_kind(got)}, expected {_kind(want)}",
        )
    return None


def _length_sentence(where: str, got: int, want: int) -> str:
    noun = "element" if got == 1 else "elements"
    return f"Length mismatch{where}: obtained {got} {noun}, expected {want}"


def _key_problem(got: dict[str, Any], want: list[str], path: Path) -> str | None:
    missing = sorted(k for k in want if k not in got)
    extra = sorted(k for k in got if k not in set(want))
    if not missing and not extra:
        return None
    where = f" at {_path_text(path)}" if path else ""
    parts = []
    if missing:
        parts.append(f"missing keys {_list(missing)}")
    if extra:
        parts.append(f"unexpected keys {_list(extra)}")
    return f"Key mismatch{where}: " + "; ".join(parts)


def _shape(value: Any) -> tuple[int, ...] | None:
    """numpy-style shape of a regular nested list (a scalar is ``()``), None if irregular."""
    if type(value) is dict:
        return None
    if type(value) is not list:
        return ()
    if not value:
        return (0,)
    inner = {_shape(item) for item in value}
    if len(inner) != 1 or None in inner:
        return None
    (shape,) = inner
    assert shape is not None
    return (len(value), *shape)


def _leaf_pairs(got: Any, want: Any, path: Path) -> Iterator[tuple[Path, Any, Any]]:
    if type(want) is dict:
        for key in want:
            yield from _leaf_pairs(got[key], want[key], (*path, key))
    elif type(want) is list:
        for i, (o, e) in enumerate(zip(got, want, strict=True)):
            yield from _leaf_pairs(o, e, (*path, i))
    else:
        yield path, got, want


def _max_difference(
    outcomes: list[tuple[Path, _Leaf]],
) -> tuple[float | int | None, Path | None]:
    """The largest difference and where; a NaN difference dominates, as in ``np.max``."""
    best: float | int | None = None
    at: Path | None = None
    for path, out in outcomes:
        d = out.difference
        if d is None:
            continue
        if isinstance(d, float) and math.isnan(d):
            return d, path
        if best is None or d > best:
            best, at = d, path
    return best, at


# --------------------------------------------------------------------------------------------
# Scalar rules
# --------------------------------------------------------------------------------------------


def _close_leaf(got: Any, want: Any, tol: Tolerance) -> _Leaf:
    want_number = _number(want)
    if want_number is None:
        # booleans, strings and None in the expected value have no tolerance: compare exactly
        return _exact_leaf(got, want)
    tolerance = tol.describe(want_number)
    expected = f"{_show(want)} {tolerance}" if tolerance != "exact" else _show(want)
    if got is None:
        # an obtained None means the student produced nothing
        return _Leaf(False, "missing", None, f"No value was obtained (None); expected {expected}")
    got_number = _number(got)
    if got_number is None:
        return _type_mismatch(got, "a number")
    difference = _abs_difference(got_number, want_number)
    if math.isnan(got_number) or math.isnan(want_number):
        # NaN equals NaN only when asked (nan_ok): a NaN usually means training diverged
        if math.isnan(got_number) and math.isnan(want_number):
            if tol.nan_ok:
                return _Leaf(True, "ok", None, "Obtained NaN and expected NaN (nan_ok)")
            return _Leaf(
                False, "nan", difference, "Obtained NaN; NaN equals NaN only with nan_ok=True"
            )
        if math.isnan(got_number):
            return _Leaf(False, "nan", difference, f"Obtained NaN, expected {expected}")
        return _Leaf(False, "not_close", difference, f"Obtained {_show(got)}, expected NaN")
    if math.isinf(got_number) or math.isinf(want_number):
        # infinity equals only the same infinity: no tolerance brings a finite number close
        if got_number == want_number:
            return _Leaf(True, "ok", 0.0, f"Obtained {_show(got)}, as expected")
        reason = "infinite" if math.isinf(got_number) else "not_close"
        return _Leaf(False, reason, difference, f"Obtained {_show(got)}, expected {expected}")
    # tolerance = max(rel·|expected|, abs), as in pytest.approx: rel scales with the value,
    # abs keeps expected values at (or near) zero from demanding an exact match
    if difference <= tol.allowed(want_number):
        return _Leaf(True, "ok", difference, f"{_show(got)} is within {tolerance} of {_show(want)}")
    return _Leaf(
        False, "not_close", difference,
        f"{_show(got)} is not within {tolerance} of {_show(want)} "
        f"(absolute difference {_fmt_amount(difference)})",
    )  # fmt: skip


def _exact_leaf(got: Any, want: Any) -> _Leaf:
    if got is None:
        # an obtained None means the student produced nothing (unless None was expected)
        if want is None:
            return _Leaf(True, "ok", None, "Obtained None, as expected")
        return _Leaf(
            False, "missing", None, f"No value was obtained (None); expected {_show(want)}"
        )
    if want is None:
        return _type_mismatch(got, "None")
    if type(want) is bool:
        # booleans compare exactly and are never numbers: True is not 1
        if type(got) is not bool:
            return _type_mismatch(got, "a boolean")
        return _equal_leaf(got is want, got, want, None)
    want_number = _number(want)
    if want_number is None:
        # text compares exactly (case-sensitive)
        if type(got) is not str or _number(got) is not None:
            return _type_mismatch(got, "a string")
        return _equal_leaf(got == want, got, want, None)
    got_number = _number(got)
    if got_number is None:
        return _type_mismatch(got, "a number")
    difference = _abs_difference(got_number, want_number)
    if math.isnan(got_number):  # exact comparison: NaN equals nothing, not even NaN
        return _Leaf(False, "nan", difference, f"Obtained NaN, expected exactly {_show(want)}")
    if math.isinf(got_number) and got_number != want_number:
        return _Leaf(
            False, "infinite", difference, f"Obtained {_show(got)}, expected {_show(want)}"
        )
    if not math.isfinite(want_number) or math.isinf(got_number):
        return _equal_leaf(got_number == want_number, got, want, difference)
    # Python compares int and float exactly, without rounding: 369 == 369.0, 369 != 369.5;
    # both are exact built-in types here, so == runs no student code
    if type(got) is int and type(want) is int:
        return _equal_leaf(got == want, got, want, abs(got - want))
    return _equal_leaf(got == want, got, want, difference)


def _equal_leaf(equal: bool, got: Any, want: Any, difference: float | int | None) -> _Leaf:
    if equal:
        return _Leaf(True, "ok", difference, f"Obtained {_show(got)}, as expected")
    return _Leaf(
        False, "not_equal", difference, f"Obtained {_show(got)}, expected exactly {_show(want)}"
    )


def _type_mismatch(got: Any, wanted: str) -> _Leaf:
    note = "; booleans are never numbers" if type(got) is bool and wanted == "a number" else ""
    return _Leaf(
        False, "type_mismatch", None,
        f"Obtained {_kind(got)} {_show(got)} where {wanted} was expected{note}",
    )  # fmt: skip


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _number(value: Any) -> float | None:
    """The value as a float if it is a number (never a bool), else None."""
    kind = type(value)
    if kind is float:
        return float(value)
    if kind is int:
        try:
            return float(value)
        except OverflowError:
            return math.inf if value > 0 else -math.inf
    if kind is str:
        # JSON cannot carry non-finite floats; these spellings always mean the numbers
        return _SPELLINGS.get(value)
    if isinstance(value, (np.integer, np.floating)) and not isinstance(value, np.bool_):
        return float(value)  # trusted arguments (tolerances, bounds) may be numpy scalars
    return None


def _abs_difference(a: float, b: float) -> float:
    if math.isinf(a) and a == b:
        return 0.0
    return abs(a - b)


def _float_to_plain(value: float) -> float | str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def _plain_number(value: float | int | None) -> float | int | str | None:
    return _float_to_plain(value) if isinstance(value, float) else value


def _trusted(expected: Any) -> Any:
    """The key's value as plain data; a bad key is a bug, so it raises with a sentence."""
    try:
        return to_plain(expected, max_items=10_000_000)
    except NotPlainData as err:
        raise NotPlainData(err.problem, err.path, err.shown, "Expected value") from None


def _rejected(err: NotPlainData, expected: Any, tolerance: str) -> Comparison:
    return Comparison(
        False,
        "not_plain_data",
        err.shown,
        expected,
        tolerance,
        None,
        err.sentence("Obtained value"),
    )


def _untrusted_number(
    obtained: Any, expected: Any, tolerance: str
) -> tuple[Any, Comparison | None]:
    """The obtained single number as plain data, or the failed Comparison."""
    try:
        got = to_plain(obtained)
    except NotPlainData as err:
        return None, _rejected(err, expected, tolerance)
    if got is None:
        failure = Comparison(
            False, "missing", None, expected, tolerance, None, "No value was obtained (None)"
        )
        return got, failure
    if _number(got) is None:
        leaf = _type_mismatch(got, "a number")
        return got, Comparison(False, leaf.reason, got, expected, tolerance, None, leaf.sentence)
    return got, None


def _tree_tolerance(tol: Tolerance, expected: Any) -> str:
    """One tolerance text for a whole value: shared if every number gets the same one."""
    numbers = [
        n for _, _, e in _leaf_pairs(expected, expected, ()) if (n := _number(e)) is not None
    ]
    texts = {tol.describe(n) for n in numbers}
    if not texts:
        return "exact"
    if len(texts) == 1:
        return texts.pop()
    return f"± max({_fmt_amount(tol.rel)} × |expected|, {_fmt_amount(tol.abs)})"


def _check_intervals(intervals: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    if isinstance(intervals, (str, bytes)) or not isinstance(intervals, Sequence) or not intervals:
        raise ValueError(
            f"intervals must be a non-empty list of (low, high) pairs, got {intervals!r}"
        )
    bands = []
    for pair in intervals:
        bounds = [_number(b) for b in pair] if isinstance(pair, Sequence) else []
        if len(bounds) != 2 or any(b is None or math.isnan(b) for b in bounds):
            raise ValueError(f"each interval must be a (low, high) pair of numbers, got {pair!r}")
        low, high = bounds
        assert low is not None and high is not None
        if low > high:
            raise ValueError(f"interval {pair!r} is empty: its low bound is above its high bound")
        bands.append((low, high))
    return bands


def _check_order(expected_order: Sequence[str]) -> list[str]:
    order = list(expected_order) if not isinstance(expected_order, str) else []
    if not order or any(type(k) is not str for k in order) or len(set(order)) != len(order):
        raise ValueError(
            f"expected_order must be a non-empty list of distinct strings, got {expected_order!r}"
        )
    return order


def _normalise_letter(value: Any, options: str) -> str | None:
    if type(value) is not str:
        return None
    match = _LETTER.fullmatch(value.strip().lower())
    if match is None:
        return None
    answer = match.group(1) or match.group(2)
    return answer if answer in options else None


def _type_name(value: Any) -> str:
    try:
        name = type(value).__qualname__
    except Exception:  # a hostile metaclass; the name is only for the message
        return "unknown"
    return name if type(name) is str else "unknown"


def _kind(value: Any) -> str:
    if value is None:
        return "None"
    if type(value) is bool:
        return "a boolean"
    if _number(value) is not None:
        return "a number"
    names: dict[type, str] = {str: "a string", list: "a list", dict: "a dict"}
    return names.get(type(value), "a value")


def _show(value: Any, limit: int = 60) -> str:
    """A short display of a plain value (never of a student object)."""
    number = _number(value)
    if number is not None and not math.isfinite(number):
        return "NaN" if math.isnan(number) else ("∞" if number > 0 else "-∞")
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _show_bound(value: float) -> str:
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))  # "[580, 600]" rather than "[580.0, 600.0]"
    return repr(value)


def _fmt_amount(value: float | int, digits: int = 3) -> str:
    """A tolerance or difference to ``digits`` significant digits: 0.0005, 1.23e-7, 1e-12."""
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if value == 0:
        return "0"
    if 1e-4 <= abs(value) < 1e6:
        decimals = max(0, digits - 1 - math.floor(math.log10(abs(value))))
        text = f"{value:.{decimals}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{int(exponent)}"


def _path_text(path: Path) -> str:
    return "".join(f"[{part!r}]" for part in path)


def _index(path: Path) -> int | str:
    """A mismatch index: the int or key itself at the top level, ``"[2][1]"`` deeper down."""
    return path[0] if len(path) == 1 else _path_text(path)


def _at(path: Path) -> str:
    if len(path) == 1:
        return f"index {path[0]}" if type(path[0]) is int else f"key {path[0]!r}"
    return _path_text(path)


def _list(items: Sequence[str], limit: int = 10) -> str:
    shown = ", ".join(repr(k) for k in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _chain(keys: Sequence[str]) -> str:
    return " < ".join(keys)
