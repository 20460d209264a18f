"""Which letters the student's OWN numbers support (consistency credit), exercises 7, 8 and 10.

Inputs are untrusted plain data read by the probe: every function returns [] on odd values.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from autograder.sdk import lookup

from .reference.ex07_adam_decay import supported_letters as ex7_letters
from .reference.ex07_adam_decay import verdict as ex7_verdict
from .reference.ex08_batch_size import supported_letters as ex8_letters
from .reference.ex10_inception_resnet import facts as ex10_facts
from .reference.ex10_inception_resnet import supported_letters as ex10_letters

Extracted = Mapping[str, Mapping[str, Any]]


def ex7(extracted: Extracted) -> list[str]:
    runs = {}
    for label, ref in (("A", "ex7_a:history"), ("B", "ex7_b:history")):
        found = lookup(extracted, ref, "history")
        if found.state != "ok":
            return []
        h = found.value
        try:
            final = {k: float(h[k][-1]) for k in ("loss", "mae", "val_loss", "val_mae")}
        except (KeyError, TypeError, ValueError, IndexError):
            return []
        runs[label] = {"final": final, "gap_mse": final["val_loss"] - final["loss"],
                       "gap_mae": final["val_mae"] - final["mae"]}
    return ex7_letters(ex7_verdict(runs["A"], runs["B"]))


def ex8(extracted: Extracted) -> list[str]:
    found = lookup(extracted, "ex8:mse_por_batch")
    if found.state != "ok" or not isinstance(found.value, dict):
        return []
    try:
        mse = {int(k): float(v) for k, v in found.value.items()}
    except (TypeError, ValueError):
        return []
    if any(not math.isfinite(v) for v in mse.values()) or len(mse) < 4:
        return []
    return ex8_letters(mse)


def ex10(extracted: Extracted) -> list[str]:
    got = {}
    for name, (tr, te) in {"Inception": ("score1T", "score1"), "ResNet": ("score2T", "score2")}.items():
        a, b = lookup(extracted, f"ex10:{tr}"), lookup(extracted, f"ex10:{te}")
        if a.state != "ok" or b.state != "ok":
            return []
        try:
            got[name] = {"train_loss": float(a.value[0]), "train_accuracy": float(a.value[1]),
                         "test_loss": float(b.value[0]), "test_accuracy": float(b.value[1])}
        except (TypeError, ValueError, IndexError, KeyError):
            return []
    return ex10_letters(ex10_facts(got["Inception"], got["ResNet"]))


OWN_LETTERS = {"ex7": ex7, "ex8": ex8, "ex10": ex10}
