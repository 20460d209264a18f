"""As alternativas que os números do PRÓPRIO aluno sustentam (crédito de consistência), ex. 4.

As entradas são dados simples, não confiáveis, lidos pela sonda: toda função devolve [] diante
de valores estranhos, nunca levanta exceção.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from autograder.sdk import lookup

from .reference.ex04_moons import facts, supported_letters

Extracted = Mapping[str, Mapping[str, Any]]


def _final(extracted: Extracted, ref: str) -> dict[str, float] | None:
    found = lookup(extracted, ref, "history")
    if found.state != "ok" or not isinstance(found.value, dict):
        return None
    try:
        final = {k: float(found.value[k][-1]) for k in ("loss", "val_accuracy")}
    except (KeyError, TypeError, ValueError, IndexError):
        return None
    return final if all(math.isfinite(v) for v in final.values()) else None


def ex4(extracted: Extracted) -> list[str]:
    sig = _final(extracted, "ex4_sig:hist_sig")
    relu = _final(extracted, "ex4_relu:hist_relu")
    if sig is None or relu is None:
        return []
    return supported_letters(facts(sig, relu))


OWN_LETTERS = {"ex4": ex4}
