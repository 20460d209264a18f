"""Turns named kernel variables into plain JSON data. Runs INSIDE the student's kernel.

This module must stay self-contained (standard library only, NumPy optional, duck typing for
Keras objects): its source is sent to the kernel as one cell after each tagged part, and it
is also imported by the reference solutions so both describe models the same way.

Nothing it produces is trusted: the grader validates every value again, in its own process.
Objects that are not plain data (numbers, strings, lists, dicts, arrays of numbers) are
reported as ``{"__unsupported__": "<type name>"}``, never passed through.

When grading, the kernel's guard (``autograder.execute.GUARD``) executes this source once,
before any student code, with a private copy of the builtins: NumPy and ``math`` are bound
here at that moment, so a student who later replaces ``sys.modules["numpy"]`` or patches the
builtins does not change how any exercise is read.
"""

from __future__ import annotations

import math
import re
from typing import Any

try:
    import numpy as _np
except Exception:  # NumPy is optional: without it, arrays are reported as unsupported
    _np = None  # type: ignore[assignment]

MIME = "application/vnd.dl-autograder+json"
MAX_ITEMS = 200_000


def _number(x: Any) -> Any:
    if type(x) is bool:
        return x
    try:
        f = float(x)
    except Exception:
        return {"__unsupported__": type(x).__name__}
    if type(x) is int or (hasattr(x, "dtype") and getattr(x.dtype, "kind", "") in "iu"):
        return int(f)
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "Infinity" if f > 0 else "-Infinity"
    return f


def plain(x: Any, depth: int = 0) -> Any:
    """Numbers, strings, lists, dicts and array-likes as JSON-safe data; anything else flagged."""
    if depth > 8:
        return {"__unsupported__": "too deeply nested"}
    if x is None or type(x) is str or type(x) is bool:
        return x
    if type(x) in (int, float):
        return _number(x)
    tname = type(x).__module__ + "." + type(x).__name__
    if tname.startswith("numpy.") and hasattr(x, "tolist") and getattr(x, "ndim", None) == 0:
        return _number(x)
    if type(x) in (list, tuple):
        if len(x) > MAX_ITEMS:
            return {"__unsupported__": f"sequence of {len(x)} items"}
        return [plain(v, depth + 1) for v in x]
    if type(x) is dict:
        return {str(k): plain(v, depth + 1) for k, v in list(x.items())[:MAX_ITEMS]}
    if tname.startswith(("numpy.", "tensorflow.", "keras.")) and hasattr(x, "shape"):
        try:
            arr = _np.asarray(x)
        except Exception:
            return {"__unsupported__": tname}
        if arr.dtype.kind not in "biuf":
            return {"__unsupported__": f"array of {arr.dtype}"}
        if arr.size > MAX_ITEMS:
            return {"__unsupported__": f"array of {arr.size} items"}
        return plain(arr.tolist(), depth + 1)
    return {"__unsupported__": tname}


def array_stats(x: Any) -> Any:
    """Shape, range and per-column mean/std of an array (enough to spot normalisation mistakes)."""
    try:
        arr = _np.asarray(x, dtype=float)
    except Exception:
        return {"__unsupported__": type(x).__name__}
    flat2 = arr.reshape(arr.shape[0], -1) if arr.ndim >= 2 else arr.reshape(-1, 1)
    cols = flat2.shape[1]
    return {
        "shape": [int(s) for s in arr.shape],
        "min": _number(arr.min()) if arr.size else None,
        "max": _number(arr.max()) if arr.size else None,
        "mean": _number(arr.mean()) if arr.size else None,
        "std": _number(arr.std()) if arr.size else None,
        "col_mean": [_number(v) for v in flat2.mean(axis=0)] if cols <= 64 else None,
        "col_std": [_number(v) for v in flat2.std(axis=0)] if cols <= 64 else None,
    }


def _layer(layer: Any) -> dict[str, Any]:
    cfg = {}
    try:
        cfg = layer.get_config()
    except Exception:
        pass
    out: dict[str, Any] = {"class": type(layer).__name__}
    for k in ("units", "filters", "kernel_size", "strides", "pool_size", "activation", "padding"):
        if k in cfg:
            out[k] = plain(cfg[k])
    return out


def keras_model(model: Any) -> Any:
    """Parameter count, layers and optimizer configuration of a Keras model."""
    if not (hasattr(model, "count_params") and hasattr(model, "layers")):
        return {"__unsupported__": type(model).__name__}
    summary: dict[str, Any] = {
        "params": int(model.count_params()),
        "layers": [_layer(layer) for layer in model.layers],
        "optimizer": None,
        "loss": None,
    }
    opt = getattr(model, "optimizer", None)
    if opt is not None:
        conf = {}
        try:
            conf = opt.get_config()
        except Exception:
            pass
        summary["optimizer"] = {
            "class": type(opt).__name__,
            "learning_rate": plain(conf.get("learning_rate")),
            "momentum": plain(conf.get("momentum")),
        }
    summary["loss"] = loss_name(getattr(model, "loss", None))
    return summary


# Keras's own short names for its losses (keras.losses.get resolves them to these functions)
_LOSS_ALIASES = {"mse": "mean_squared_error", "mae": "mean_absolute_error",
                 "mape": "mean_absolute_percentage_error", "msle": "mean_squared_logarithmic_error",
                 "bce": "binary_crossentropy", "kld": "kl_divergence"}


def loss_name(loss: Any) -> Any:
    """One name for a Keras loss however it was given: 'mse', 'MSE', 'mean_squared_error',
    'MeanSquaredError', ``MeanSquaredError()`` and ``keras.losses.mean_squared_error`` are all
    "mean_squared_error" (the function's name; a Loss class's name in snake case, as Keras
    names its instances). No Keras import: the probe must not depend on the student's modules."""
    if loss is None:
        return None
    if not isinstance(loss, str):
        name = getattr(loss, "name", None)  # a Loss instance
        if not isinstance(name, str):
            name = getattr(loss, "__name__", None)  # a loss function (or class)
        loss = name if isinstance(name, str) else type(loss).__name__
    if loss.lower() in _LOSS_ALIASES:
        return _LOSS_ALIASES[loss.lower()]
    if loss[:1].isupper():  # a class name: CategoricalCrossentropy -> categorical_crossentropy
        return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", loss)).lower()
    return loss


def keras_history(history: Any) -> Any:
    """Per-epoch metrics, epochs and steps per epoch of a Keras History."""
    hist = getattr(history, "history", None)
    if type(hist) is not dict:
        return {"__unsupported__": type(history).__name__}
    params = getattr(history, "params", None) or {}
    return {
        "history": {str(k): plain(list(v)) for k, v in hist.items()},
        "epochs": plain(params.get("epochs")),
        "steps": plain(params.get("steps")),
    }


def describe(value: Any, kind: str) -> Any:
    """The JSON form of ``value`` for the contract type ``kind``."""
    if kind == "keras_model":
        return keras_model(value)
    if kind == "keras_history":
        return keras_history(value)
    if kind == "array_stats":
        return array_stats(value)
    return plain(value)


def collect(namespace: dict[str, Any], reads: list[tuple[str, str]]) -> dict[str, Any]:
    """``{name: described value}``; a name that is not defined becomes ``{"__missing__": true}``."""
    out: dict[str, Any] = {}
    for name, kind in reads:
        if name not in namespace:
            out[name] = {"__missing__": True}
            continue
        try:
            out[name] = describe(namespace[name], kind)
        except Exception as exc:  # the student's object misbehaved; say so, never crash the probe
            out[name] = {"__unsupported__": f"{type(exc).__name__} while reading"}
    return out
