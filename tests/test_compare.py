"""Table-driven tests for autograder.compare: one row per rule."""

from __future__ import annotations

import json
import math
from collections import OrderedDict
from dataclasses import asdict
from typing import Any

import numpy as np
import pytest

from autograder.compare import (
    REASONS,
    Comparison,
    NotPlainData,
    Tolerance,
    close,
    exact,
    in_band,
    is_plain_data,
    letter,
    same_order,
    to_plain,
)

NAN, INF = math.nan, math.inf
DEFAULT = Tolerance()


class Sneaky:
    """Claims to equal everything; must never be compared, only rejected."""

    eq_calls = 0

    def __eq__(self, other: object) -> bool:
        Sneaky.eq_calls += 1
        return True

    __hash__ = object.__hash__


class SneakyFloat(float):
    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = float.__hash__


class SneakyList(list[float]):
    pass


def assert_json_safe(result: Comparison) -> None:
    json.dumps(asdict(result), allow_nan=False)  # raises on NaN/inf or non-JSON objects
    assert result.reason in REASONS
    assert len(result.mismatches) <= 10


# --------------------------------------------------------------------------------------------
# close(): scalars
# --------------------------------------------------------------------------------------------

CLOSE_SCALARS = [
    # id, obtained, expected, tolerance, ok, reason
    ("equal", 1.0, 1.0, DEFAULT, True, "ok"),
    ("within default rel", 1.0000009, 1.0, DEFAULT, True, "ok"),
    ("outside default rel", 1.0000011, 1.0, DEFAULT, False, "not_close"),
    ("int vs float", 369, 369.0, DEFAULT, True, "ok"),
    ("rel dominates: inside", 1000.9, 1000, Tolerance(rel=1e-3, abs=1e-6), True, "ok"),
    ("rel dominates: outside", 1001.1, 1000, Tolerance(rel=1e-3, abs=1e-6), False, "not_close"),
    ("abs dominates near 0: inside", 5e-7, 0.0, Tolerance(rel=1e-3, abs=1e-6), True, "ok"),
    ("abs dominates near 0: outside", 2e-6, 0.0, Tolerance(rel=1e-3, abs=1e-6), False, "not_close"),
    ("zero needs abs", 1e-13, 0.0, DEFAULT, True, "ok"),
    ("negative expected uses |expected|", -100.05, -100, Tolerance(rel=1e-3), True, "ok"),
    ("zero tolerance is exact", 1.0 + 1e-15, 1.0, Tolerance(rel=0, abs=0), False, "not_close"),
    # NaN equals NaN only when asked, in both spellings
    ("nan vs nan", NAN, NAN, DEFAULT, False, "nan"),
    ("nan vs 'NaN'", NAN, "NaN", DEFAULT, False, "nan"),
    ("nan vs nan, nan_ok", NAN, NAN, Tolerance(nan_ok=True), True, "ok"),
    ("'NaN' vs nan, nan_ok", "NaN", NAN, Tolerance(nan_ok=True), True, "ok"),
    ("np.nan vs 'NaN', nan_ok", np.float64("nan"), "NaN", Tolerance(nan_ok=True), True, "ok"),
    ("nan vs number", NAN, 1.0, Tolerance(nan_ok=True), False, "nan"),
    ("number vs expected nan", 1.0, "NaN", Tolerance(nan_ok=True), False, "not_close"),
    # infinity equals only the same infinity, in both spellings
    ("inf vs inf", INF, INF, DEFAULT, True, "ok"),
    ("inf vs 'Infinity'", INF, "Infinity", DEFAULT, True, "ok"),
    ("'-Infinity' vs -inf", "-Infinity", -INF, DEFAULT, True, "ok"),
    ("-inf vs inf", -INF, "Infinity", DEFAULT, False, "infinite"),
    ("inf vs number", INF, 1e308, Tolerance(rel=1.0), False, "infinite"),
    ("number vs inf", 1e308, INF, Tolerance(rel=1.0), False, "not_close"),
    # booleans compare exactly and are never numbers
    ("True vs 1.0", True, 1.0, DEFAULT, False, "type_mismatch"),
    ("1 vs True", 1, True, DEFAULT, False, "type_mismatch"),
    ("False vs 0", False, 0, DEFAULT, False, "type_mismatch"),
    ("True vs True", True, True, DEFAULT, True, "ok"),
    ("True vs False", True, False, DEFAULT, False, "not_equal"),
    ("np.bool_ vs 1", np.bool_(True), 1, DEFAULT, False, "type_mismatch"),
    # strings are not numbers, except the non-finite spellings
    ("numeric text", "1.0", 1.0, DEFAULT, False, "type_mismatch"),
    ("lower-case nan is text", "nan", 1.0, DEFAULT, False, "type_mismatch"),
    ("'inf' is text", "inf", INF, DEFAULT, False, "type_mismatch"),
    ("expected string compares exactly", "relu", "relu", DEFAULT, True, "ok"),
    ("expected string, other text", "ReLU", "relu", DEFAULT, False, "not_equal"),
    # an obtained None means nothing was produced
    ("None", None, 1.0, DEFAULT, False, "missing"),
    ("None vs None", None, None, DEFAULT, True, "ok"),
    # numpy scalars are accepted
    ("np.float32", np.float32(0.1), 0.1, Tolerance(rel=1e-6), True, "ok"),
    ("np.int64", np.int64(7), 7.0, DEFAULT, True, "ok"),
    ("0-d array", np.array(2.5), 2.5, DEFAULT, True, "ok"),
]


@pytest.mark.parametrize(
    ("obtained", "expected", "tol", "ok", "reason"),
    [row[1:] for row in CLOSE_SCALARS],
    ids=[row[0] for row in CLOSE_SCALARS],
)
def test_close_scalars(obtained: Any, expected: Any, tol: Tolerance, ok: bool, reason: str) -> None:
    result = close(obtained, expected, tol)
    assert (result.ok, result.reason) == (ok, reason), result.detail
    assert_json_safe(result)


@pytest.mark.parametrize(
    ("obtained", "expected", "difference"),
    [
        (1.31, 1.0, pytest.approx(0.31)),
        (NAN, 1.0, "NaN"),
        (1.0, "NaN", "NaN"),
        (INF, 1.0, "Infinity"),
        (1.0, "-Infinity", "Infinity"),
        (-INF, INF, "Infinity"),
        (NAN, NAN, "NaN"),
    ],
)
def test_close_reports_difference_for_every_numeric_failure(
    obtained: Any, expected: Any, difference: Any
) -> None:
    result = close(obtained, expected, DEFAULT)
    assert not result.ok
    assert result.difference == difference


def test_close_scalar_record() -> None:
    result = close(1.31, 1.0, Tolerance(abs=5e-4, rel=0))
    assert result == Comparison(
        ok=False,
        reason="not_close",
        obtained=1.31,
        expected=1.0,
        tolerance="± 0.0005",
        difference=pytest.approx(0.31),
        detail="1.31 is not within ± 0.0005 of 1.0 (absolute difference 0.31)",
    )


def test_close_non_finite_values_are_json_strings() -> None:
    result = close([NAN, INF, -INF], [0, 0, 0], DEFAULT)
    assert result.obtained == ["NaN", "Infinity", "-Infinity"]
    assert result.reason == "nan"  # NaN outranks infinite
    assert "(1 NaN, 2 infinite)" in result.detail
    assert_json_safe(result)


def test_close_rejects_bad_tolerance_argument() -> None:
    with pytest.raises(TypeError, match="tol must be a Tolerance, got float"):
        close(1.0, 1.0, 1e-6)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# close(): shapes, nested lists, dicts
# --------------------------------------------------------------------------------------------

TEN = [float(i) for i in range(10)]
TEN_BY_ONE = [[x] for x in TEN]

CLOSE_STRUCTURES = [
    # id, obtained, expected, reason, detail fragment
    ("(10,) vs (10,)", TEN, TEN, "ok", "All 10 elements match"),
    ("(10,) vs (10, 1)", TEN, TEN_BY_ONE, "shape_mismatch", "shape (10,), expected shape (10, 1)"),
    ("(10, 1) vs (10,)", TEN_BY_ONE, TEN, "shape_mismatch", "shape (10, 1), expected shape (10,)"),
    ("(9,) vs (10,)", TEN[:9], TEN, "length_mismatch", "obtained 9 elements, expected 10"),
    ("(9, 1) vs (10, 1)", TEN_BY_ONE[:9], TEN_BY_ONE, "shape_mismatch", "(9, 1), expected"),
    ("scalar vs (1,)", 5.0, [5.0], "shape_mismatch", "expected shape (1,)"),
    ("(1,) vs scalar", [5.0], 5.0, "shape_mismatch", "expected a single number"),
    ("empty vs empty", [], [], "ok", "All 0 elements"),
    ("tuple is a list", (1.0, 2.0), [1.0, 2.0], "ok", "All 2 elements"),
    ("nested ok", [[1, 2], [3, 4]], [[1.0, 2.0], [3.0, 4.0]], "ok", "All 4 elements"),
    ("nested element", [[1, 2], [3, 5]], [[1, 2], [3, 4]], "not_close", "1 at [1][1]"),
    ("ragged", [[1, 2], [3]], [[1, 2], [3, 4]], "length_mismatch", "[1]: obtained 1 element,"),
    ("string vs list", "abc", [1.0], "type_mismatch", "obtained a string, expected a list"),
    ("dict vs list", {"a": 1}, [1.0], "type_mismatch", "obtained a dict, expected a list"),
    ("list vs dict", [1.0], {"a": 1.0}, "type_mismatch", "obtained a list, expected a dict"),
    ("None vs list", None, [1.0], "missing", "No value was obtained (None)"),
    ("None element", [1.0, None], [1.0, 2.0], "missing", "Mismatched elements: 1 / 2 (1 missing)"),
    ("dict ok", {"loss": 0.5, "acc": 0.9}, {"acc": 0.9, "loss": 0.5}, "ok", "All 2 elements"),
    ("dict missing key", {"loss": 0}, {"loss": 0, "acc": 0}, "key_mismatch", "missing keys 'acc'"),
    ("dict extra key", {"loss": 0, "lr": 1}, {"loss": 0}, "key_mismatch", "unexpected keys 'lr'"),
    (
        "dict missing and extra",
        {"a": 1, "z": 2},
        {"a": 1, "b": 2, "c": 3},
        "key_mismatch",
        "Key mismatch: missing keys 'b', 'c'; unexpected keys 'z'",
    ),
    ("dict value", {"loss": 0.6, "acc": 1}, {"loss": 0.5, "acc": 1}, "not_close", "at key 'loss'"),
    ("nested dict length", {"h": [1, 2]}, {"h": [1, 2, 3]}, "length_mismatch", "at ['h']"),
    ("nested dict keys", {"h": {"x": 1}}, {"h": {"y": 1}}, "key_mismatch", "Key mismatch at ['h']"),
    ("list of dicts", [{"a": 1}, {"a": 2}], [{"a": 1}, {"a": 3}], "not_close", "at [1]['a']"),
]


@pytest.mark.parametrize(
    ("obtained", "expected", "reason", "fragment"),
    [row[1:] for row in CLOSE_STRUCTURES],
    ids=[row[0] for row in CLOSE_STRUCTURES],
)
def test_close_structures(obtained: Any, expected: Any, reason: str, fragment: str) -> None:
    result = close(obtained, expected, DEFAULT)
    assert result.reason == reason, result.detail
    assert result.ok is (reason == "ok")
    assert fragment in result.detail
    assert_json_safe(result)


def test_close_array_detail_and_mismatches() -> None:
    obtained = [0.0] * 10
    obtained[1], obtained[3] = 0.2, 0.31
    result = close(obtained, [0.0] * 10, Tolerance(rel=0, abs=0.1))
    assert result.detail == "Mismatched elements: 2 / 10; max absolute difference 0.31 at index 3"
    assert result.mismatches == ((1, 0.2, 0.0), (3, 0.31, 0.0))
    assert result.difference == 0.31
    assert result.tolerance == "± 0.1"


def test_close_mismatches_are_limited_to_ten() -> None:
    result = close(list(range(25)), [x + 1 for x in range(25)], DEFAULT)
    assert result.detail.startswith("Mismatched elements: 25 / 25")
    assert len(result.mismatches) == 10
    assert result.mismatches[0] == (0, 0, 1)
    assert result.mismatches[-1] == (9, 9, 10)


@pytest.mark.parametrize(
    ("expected", "tol", "text"),
    [
        ([0.0, 0.0], Tolerance(abs=5e-4), "± 0.0005"),
        ([1.0, 2.0], DEFAULT, "± max(1e-6 × |expected|, 1e-12)"),
        (["a", True], DEFAULT, "exact"),
        (["Infinity"], DEFAULT, "exact"),
    ],
)
def test_close_tolerance_text_for_containers(expected: Any, tol: Tolerance, text: str) -> None:
    assert close(expected, expected, tol).tolerance == text


# --------------------------------------------------------------------------------------------
# numpy inputs
# --------------------------------------------------------------------------------------------

NUMPY_CASES = [
    ("array vs list", np.arange(3.0), [0, 1, 2], "ok"),
    ("float32 array", np.array([0.1, 0.2], dtype=np.float32), [0.1, 0.2], "ok"),
    ("int array", np.array([1, 2], dtype=np.int64), [1, 2], "ok"),
    ("(10, 1) array vs (10,)", np.zeros((10, 1)), [0.0] * 10, "shape_mismatch"),
    ("(10,) array vs (10, 1)", np.zeros(10), [[0.0]] * 10, "shape_mismatch"),
    ("nan in array", np.array([1.0, np.nan]), [1.0, 1.0], "nan"),
    ("expected array", [1.0, 2.0], np.array([1.0, 2.0]), "ok"),
    ("dict of arrays", {"loss": np.array([0.5, 0.4])}, {"loss": [0.5, 0.4]}, "ok"),
    ("bool array vs numbers", np.array([True, False]), [1, 0], "type_mismatch"),
    ("complex array", np.array([1 + 2j]), [1.0], "not_plain_data"),
    ("object array with object", np.array([Sneaky()], dtype=object), [1.0], "not_plain_data"),
    ("ndarray subclass", np.ma.array([1.0]), [1.0], "not_plain_data"),
]


@pytest.mark.parametrize(
    ("obtained", "expected", "reason"),
    [row[1:] for row in NUMPY_CASES],
    ids=[row[0] for row in NUMPY_CASES],
)
def test_close_numpy(obtained: Any, expected: Any, reason: str) -> None:
    result = close(obtained, expected, DEFAULT)
    assert result.reason == reason, result.detail
    assert_json_safe(result)


# --------------------------------------------------------------------------------------------
# Untrusted values: never compared with ==
# --------------------------------------------------------------------------------------------

NOT_PLAIN = [
    ("object with __eq__", Sneaky()),
    ("inside a list", [1.0, Sneaky()]),
    ("inside a dict", {"a": Sneaky()}),
    ("float subclass", SneakyFloat(1.0)),
    ("list subclass", SneakyList([1.0])),
    ("non-string dict key", {1: 1.0}),
    ("set", {1.0}),
    ("bytes", b"1"),
    ("too deep", [[[[[[[1.0]]]]]]]),
    ("too many items", np.zeros(100_001)),
]


@pytest.mark.parametrize("value", [row[1] for row in NOT_PLAIN], ids=[row[0] for row in NOT_PLAIN])
def test_not_plain_data_is_rejected_by_every_comparator(value: Any) -> None:
    Sneaky.eq_calls = 0
    results = [
        close(value, 1.0, DEFAULT),
        close(value, [1.0], DEFAULT),
        exact(value, 1),
        in_band(value, [(0, 2)]),
        same_order(value, ["a"]),
        letter(value, "a"),
    ]
    for result in results:
        assert (result.ok, result.reason) == (False, "not_plain_data"), result.detail
        assert result.detail.startswith("Obtained value is not plain data")
        assert_json_safe(result)
    assert Sneaky.eq_calls == 0
    assert not is_plain_data(value)
    with pytest.raises(NotPlainData):
        to_plain(value)


def test_not_plain_data_detail_names_the_place_and_type() -> None:
    result = close({"w": [1.0, Sneaky()]}, {"w": [1.0, 1.0]}, DEFAULT)
    assert result.obtained == "<Sneaky object>"
    assert "at ['w'][1]: an object of type Sneaky" in result.detail


def test_not_plain_expected_raises_a_sentence() -> None:
    with pytest.raises(NotPlainData, match="Expected value is not plain data at \\[0\\]"):
        close([1.0], [Sneaky()], DEFAULT)


PLAIN: list[tuple[str, Any, Any]] = [
    ("None", None, None),
    ("nested", {"a": [1, 2.5, "x", True, None]}, {"a": [1, 2.5, "x", True, None]}),
    ("tuple", (1, (2, 3)), [1, [2, 3]]),
    ("non-finite floats", [NAN, INF, -INF], ["NaN", "Infinity", "-Infinity"]),
    ("spellings stay", ["NaN"], ["NaN"]),
    ("numpy array", np.array([[1, 2]]), [[1, 2]]),
    ("numpy nan", np.array([np.nan, np.inf]), ["NaN", "Infinity"]),
    ("numpy numbers", [np.float64(0.5), np.int32(3), np.float16(2)], [0.5, 3, 2.0]),
    ("numpy bool and str", [np.bool_(False), np.str_("a")], [False, "a"]),
    ("OrderedDict", OrderedDict(a=1), {"a": 1}),
    ("six levels", [[[[[[1]]]]]], [[[[[[1]]]]]]),
]


@pytest.mark.parametrize(
    ("value", "plain"), [row[1:] for row in PLAIN], ids=[row[0] for row in PLAIN]
)
def test_to_plain(value: Any, plain: Any) -> None:
    assert is_plain_data(value)
    converted = to_plain(value)
    assert converted == plain
    json.dumps(converted, allow_nan=False)


def test_plain_data_limits_are_parameters() -> None:
    assert is_plain_data([[1]], max_depth=2)
    assert not is_plain_data([[[1]]], max_depth=2)
    assert not is_plain_data(np.zeros((1, 1, 1)), max_depth=2)
    assert is_plain_data([0] * 99_999) and not is_plain_data([0] * 100_000)  # the list counts
    assert is_plain_data([1, 2], max_items=3)
    assert not is_plain_data([1, 2, 3], max_items=3)
    assert not is_plain_data(np.zeros(10), max_items=5)
    looped: list[Any] = []
    looped.append(looped)
    assert not is_plain_data(looped)


# --------------------------------------------------------------------------------------------
# exact()
# --------------------------------------------------------------------------------------------

EXACT = [
    ("int", 369, 369, "ok"),
    ("integral float equals int", 369.0, 369, "ok"),
    ("numpy integral float", np.float64(369.0), 369, "ok"),
    ("non-integral float", 369.5, 369, "not_equal"),
    ("other int", 368, 369, "not_equal"),
    ("big ints exactly", 2**53 + 1, 2**53, "not_equal"),
    ("True is not 1", True, 1, "type_mismatch"),
    ("1 is not True", 1, True, "type_mismatch"),
    ("bools", False, False, "ok"),
    ("numpy bool", np.bool_(True), True, "ok"),
    ("text", "adam", "adam", "ok"),
    ("text is case-sensitive", "Adam", "adam", "not_equal"),
    ("text vs int", "369", 369, "type_mismatch"),
    ("int vs text", 369, "369", "type_mismatch"),
    ("None", None, 3, "missing"),
    ("NaN never equals", NAN, 3, "nan"),
    ("NaN never equals NaN", "NaN", "NaN", "nan"),
    ("inf equals inf", INF, "Infinity", "ok"),
    ("inf vs int", INF, 3, "infinite"),
    ("list of ints", [1, 2, 3], [1, 2, 3], "ok"),
    ("list element", [1, 2, 4], [1, 2, 3], "not_equal"),
    ("list of str", ["a", "b"], ["a", "c"], "not_equal"),
    ("list length", [1, 2], [1, 2, 3], "length_mismatch"),
    ("numpy ints", np.array([1, 2]), [1, 2], "ok"),
]


@pytest.mark.parametrize(
    ("obtained", "expected", "reason"),
    [row[1:] for row in EXACT],
    ids=[row[0] for row in EXACT],
)
def test_exact(obtained: Any, expected: Any, reason: str) -> None:
    result = exact(obtained, expected)
    assert result.reason == reason, result.detail
    assert result.ok is (reason == "ok")
    assert result.tolerance == "exact"
    assert_json_safe(result)


def test_exact_reports_numeric_difference() -> None:
    assert exact(369.5, 369).difference == 0.5
    assert exact(372, 369).difference == 3
    assert exact([1, 5], [1, 2]).detail == (
        "Mismatched elements: 1 / 2; max absolute difference 3 at index 1"
    )


# --------------------------------------------------------------------------------------------
# in_band()
# --------------------------------------------------------------------------------------------

BANDS = [(12.1, 40.3), (580, 600)]
BAND_CASES = [
    ("inside first", 20.0, True, "ok", 0.0),
    ("inside second", 590, True, "ok", 0.0),
    ("on a bound (closed)", 40.3, True, "ok", 0.0),
    ("numpy value", np.float32(590.0), True, "ok", 0.0),
    ("between", 100.0, False, "out_of_band", pytest.approx(59.7)),
    ("below", 12.0, False, "out_of_band", pytest.approx(0.1)),
    ("above", 601.0, False, "out_of_band", 1.0),
    ("nan", NAN, False, "nan", "NaN"),
    ("nan spelling", "NaN", False, "nan", "NaN"),
    ("inf", "Infinity", False, "infinite", "Infinity"),
    ("None", None, False, "missing", None),
    ("bool", True, False, "type_mismatch", None),
    ("text", "20", False, "type_mismatch", None),
    ("list", [20.0], False, "type_mismatch", None),
]


@pytest.mark.parametrize(
    ("obtained", "ok", "reason", "difference"),
    [row[1:] for row in BAND_CASES],
    ids=[row[0] for row in BAND_CASES],
)
def test_in_band(obtained: Any, ok: bool, reason: str, difference: Any) -> None:
    result = in_band(obtained, BANDS)
    assert (result.ok, result.reason) == (ok, reason), result.detail
    assert result.difference == difference
    assert result.tolerance == "in [12.1, 40.3] ∪ [580, 600]"
    assert result.expected == [[12.1, 40.3], [580, 600]]
    assert_json_safe(result)


def test_in_band_detail() -> None:
    assert in_band(12.0, BANDS).detail == (
        "12.0 is not in [12.1, 40.3] ∪ [580, 600]; the nearest bound is 0.1 away"
    )
    assert in_band(5, [(0, INF)]).tolerance == "in [0, ∞]"


@pytest.mark.parametrize(
    ("intervals", "message"),
    [
        ([], "non-empty list of \\(low, high\\) pairs"),
        ([(1, 0)], "is empty"),
        ([(0, NAN)], "pair of numbers"),
        ([(0, 1, 2)], "pair of numbers"),
        ([("a", 1)], "pair of numbers"),
    ],
)
def test_in_band_rejects_bad_intervals(intervals: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        in_band(1.0, intervals)


# --------------------------------------------------------------------------------------------
# same_order()
# --------------------------------------------------------------------------------------------

ORDER = ["sgd", "momentum", "adam"]
ORDER_CASES = [
    ("ascending", {"adam": 0.5, "sgd": 0.1, "momentum": 0.3}, True, "ok"),
    ("numpy values", {"adam": np.float32(0.5), "sgd": 0.1, "momentum": 0.3}, True, "ok"),
    ("infinite values order", {"adam": INF, "sgd": -INF, "momentum": 0.3}, True, "ok"),
    ("wrong order", {"adam": 0.3, "sgd": 0.5, "momentum": 0.1}, False, "wrong_order"),
    ("tie", {"adam": 0.5, "sgd": 0.1, "momentum": 0.5}, False, "tie"),
    ("tie between ints", {"adam": 2, "sgd": 1, "momentum": 2}, False, "tie"),
    ("missing key", {"adam": 0.5, "sgd": 0.1}, False, "key_mismatch"),
    ("extra key", {"adam": 0.5, "sgd": 0.1, "momentum": 0.3, "rms": 0.2}, False, "key_mismatch"),
    ("None value", {"adam": None, "sgd": 0.1, "momentum": 0.3}, False, "missing"),
    ("bool value", {"adam": True, "sgd": 0.1, "momentum": 0.3}, False, "type_mismatch"),
    ("NaN value", {"adam": "NaN", "sgd": 0.1, "momentum": 0.3}, False, "nan"),
    ("not a dict", [0.1, 0.3, 0.5], False, "type_mismatch"),
    ("None", None, False, "missing"),
]


@pytest.mark.parametrize(
    ("obtained", "ok", "reason"),
    [row[1:] for row in ORDER_CASES],
    ids=[row[0] for row in ORDER_CASES],
)
def test_same_order(obtained: Any, ok: bool, reason: str) -> None:
    result = same_order(obtained, ORDER)
    assert (result.ok, result.reason) == (ok, reason), result.detail
    assert_json_safe(result)


def test_same_order_details() -> None:
    wrong = same_order({"adam": 0.3, "sgd": 0.5, "momentum": 0.1}, ORDER)
    assert wrong.detail == (
        "Sorted by value: momentum < adam < sgd; expected sgd < momentum < adam"
    )
    assert wrong.mismatches == ((0, "momentum", "sgd"), (1, "adam", "momentum"), (2, "sgd", "adam"))
    tie = same_order({"adam": 0.5, "sgd": 0.1, "momentum": 0.5}, ORDER)
    assert tie.detail == "'momentum' and 'adam' have the same value 0.5, so the order is ambiguous"
    assert same_order({"adam": 0.5, "sgd": 0.1, "momentum": 0.3}, ORDER).detail == (
        "Sorted by value: sgd < momentum < adam"
    )
    assert same_order({"a": 1}, ["a", "b"]).detail == "Key mismatch: missing keys 'b'"


@pytest.mark.parametrize("order", [[], ["a", "a"], "ab", [1, 2]])
def test_same_order_rejects_bad_expected_order(order: Any) -> None:
    with pytest.raises(ValueError, match="distinct strings"):
        same_order({"a": 1}, order)


# --------------------------------------------------------------------------------------------
# letter()
# --------------------------------------------------------------------------------------------

LETTER_CASES = [
    ("plain", "d", "ok"),
    ("upper case", "D", "ok"),
    ("spaces", "  d \n", "ok"),
    ("parenthesised", "(d)", "ok"),
    ("parenthesised upper", "(D)", "ok"),
    ("closing parenthesis", "d)", "ok"),
    ("spaces around (d)", " (d) ", "ok"),
    ("numpy str", np.str_("d"), "ok"),
    ("other choice", "b", "not_equal"),
    ("two letters", "d e", "invalid_letter"),
    ("doubled", "dd", "invalid_letter"),
    ("open parenthesis only", "(d", "invalid_letter"),
    ("full stop", "d.", "invalid_letter"),
    ("spaces inside parentheses", "( d )", "invalid_letter"),
    ("not a choice", "e", "invalid_letter"),
    ("empty", "", "invalid_letter"),
    ("int", 4, "invalid_letter"),
    ("None", None, "invalid_letter"),
    ("bool", True, "invalid_letter"),
    ("list", ["d"], "invalid_letter"),
]


@pytest.mark.parametrize(
    ("obtained", "reason"),
    [row[1:] for row in LETTER_CASES],
    ids=[row[0] for row in LETTER_CASES],
)
def test_letter(obtained: Any, reason: str) -> None:
    result = letter(obtained, "d")
    assert result.reason == reason, result.detail
    assert result.ok is (reason == "ok")
    assert result.expected == "d"
    if reason in ("ok", "not_equal"):
        assert result.obtained in ("d", "b")  # the normalised letter
    assert_json_safe(result)


def test_letter_choices_and_validation() -> None:
    assert letter("(E)", "e", choices="abcde").ok
    assert letter("D", "(d)").ok  # the key may use the same spellings
    with pytest.raises(ValueError, match="expected must be one of the letters a, b, c, d"):
        letter("a", "z")
    with pytest.raises(ValueError, match="distinct letters"):
        letter("a", "a", choices="aab")


# --------------------------------------------------------------------------------------------
# Tolerance
# --------------------------------------------------------------------------------------------

BAD_TOLERANCES = [
    ({"rel": "x"}, TypeError, "rel tolerance must be a non-negative number, got 'x' (str)"),
    ({"abs": None}, TypeError, "abs tolerance must be a non-negative number, got None (NoneType)"),
    ({"rel": True}, TypeError, "rel tolerance must be a non-negative number, got True (bool)"),
    ({"abs": -1}, ValueError, "abs tolerance must be a non-negative number, got -1"),
    ({"rel": -1e-6}, ValueError, "rel tolerance must be a non-negative number, got -1e-06"),
    ({"rel": INF}, ValueError, "rel tolerance must be a finite number, got inf"),
    ({"abs": NAN}, ValueError, "abs tolerance must be a finite number, got nan"),
    ({"nan_ok": "yes"}, TypeError, "nan_ok must be True or False, got 'yes' (str)"),
    ({"nan_ok": 1}, TypeError, "nan_ok must be True or False, got 1 (int)"),
]


@pytest.mark.parametrize(("kwargs", "error", "message"), BAD_TOLERANCES)
def test_tolerance_validation(kwargs: dict[str, Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error) as info:
        Tolerance(**kwargs)
    assert str(info.value) == message


def test_tolerance_accepts_ints_and_numpy() -> None:
    tol = Tolerance(rel=0, abs=np.float64(0.5))
    assert (tol.rel, tol.abs) == (0.0, 0.5)
    assert type(tol.abs) is float


@pytest.mark.parametrize(
    ("tol", "expected", "text"),
    [
        (Tolerance(abs=5e-4), 1.0, "± 0.0005"),
        (DEFAULT, 369, "± 0.000369"),
        (DEFAULT, 0.0, "± 1e-12"),
        (DEFAULT, 0.123456, "± 1.23e-7"),
        (DEFAULT, -2.0, "± 2e-6"),
        (Tolerance(rel=1e-3), 1234.5, "± 1.23"),
        (Tolerance(rel=0.01), 50_000, "± 500"),
        (Tolerance(rel=0.1), 1e8, "± 1e7"),
        (Tolerance(rel=0, abs=0), 1.0, "exact"),
        (DEFAULT, INF, "exact"),
        (DEFAULT, "-Infinity", "exact"),
        (Tolerance(nan_ok=True), NAN, "exact"),
    ],
)
def test_tolerance_describe(tol: Tolerance, expected: float, text: str) -> None:
    assert tol.describe(expected) == text


def test_results_are_frozen() -> None:
    result = close(1.0, 1.0, DEFAULT)
    with pytest.raises(AttributeError):
        result.ok = False  # type: ignore[misc]
    with pytest.raises(AttributeError):
        DEFAULT.rel = 1.0  # type: ignore[misc]
