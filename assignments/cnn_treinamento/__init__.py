"""Módulo III - Arquiteturas de CNNs e treinamento de redes profundas (MBA em Ciência de Dados).

The assignment's code: reference runs, key quantities and the letters a student's own numbers
support. Everything else about the sheet is data in this folder (``assignment.toml``).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from typing import Any

from autograder.sdk import Assignment, BaseHooks, KeyParts, Profile, Progress, Run, RunSpec

from . import keyrules, letters

REFERENCE = {  # exercise -> the module (in .reference) whose run(profile, seeding, progress) computes it
    "ex1": "ex01_losses",
    "ex3": "ex03_init_losses",
    "ex7": "ex07_adam_decay",
    "ex8": "ex08_batch_size",
    "ex10": "ex10_inception_resnet",
}


class Hooks(BaseHooks):
    def run_reference(self, assignment: Assignment, spec: RunSpec, profile: Profile,
                      progress: Progress) -> dict[str, Any]:
        module = importlib.import_module(f".reference.{REFERENCE[spec.exercise]}", __name__)
        if spec.seeding == "variants":  # the named wrong variants, each computed by running it
            return dict(module.variants(profile, progress))
        return dict(module.run(profile, spec.seeding, progress))

    def assemble_key(self, assignment: Assignment, profile: Profile, runs: Sequence[Run]) -> KeyParts:
        return keyrules.assemble(assignment.answers(), runs)

    def own_letters(self, exercise: str, extracted: Mapping[str, Mapping[str, Any]]) -> list[str]:
        fn = letters.OWN_LETTERS.get(exercise)
        return fn(extracted) if fn else []


hooks = Hooks()
