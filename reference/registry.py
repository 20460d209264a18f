"""Which reference module computes which exercise (an immutable table, not a registry to mutate)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import MappingProxyType
from typing import Any

MODULES = MappingProxyType({
    1: "reference.ex01_losses",
    3: "reference.ex03_init_losses",
    7: "reference.ex07_adam_decay",
    8: "reference.ex08_batch_size",
    10: "reference.ex10_inception_resnet",
})
TRAINING = (7, 8, 10)
COMPUTED = tuple(MODULES)


def runner(exercise: int) -> Callable[..., dict[str, Any]]:
    if exercise not in MODULES:
        raise ValueError(f"Exercise {exercise} is not computed; computed ones: {list(MODULES)}")
    return importlib.import_module(MODULES[exercise]).run
