"""Módulo II - Redes densas: funções de ativação, inicialização e treinamento (MBA em Ciência de Dados).

O código do módulo: execuções de referência, grandezas da chave e as alternativas que os números
do próprio aluno sustentam. Todo o resto sobre a folha é dado nesta pasta (``assignment.toml``,
``contract.json``, ``source.md``, ``answers.json``, ``messages.json``).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from typing import Any

from autograder.sdk import Assignment, BaseHooks, KeyParts, Profile, Progress, Run, RunSpec

from . import keyrules, letters

REFERENCE = {  # exercício -> o módulo (em .reference) cujo run(profile, seeding, progress) o calcula
    "ex1": "ex01_ativacoes",
    "ex2": "ex02_inicializacao",
    "ex4": "ex04_moons",
}


class Hooks(BaseHooks):
    def run_reference(self, assignment: Assignment, spec: RunSpec, profile: Profile,
                      progress: Progress) -> dict[str, Any]:
        if spec.exercise not in REFERENCE:
            return super().run_reference(assignment, spec, profile, progress)
        module = importlib.import_module(f".reference.{REFERENCE[spec.exercise]}", __name__)
        return dict(module.run(profile, spec.seeding, progress))

    def assemble_key(self, assignment: Assignment, profile: Profile, runs: Sequence[Run]) -> KeyParts:
        return keyrules.assemble(assignment.answers(), runs)

    def own_letters(self, exercise: str, extracted: Mapping[str, Mapping[str, Any]]) -> list[str]:
        fn = letters.OWN_LETTERS.get(exercise)
        if fn is None:
            return []
        try:
            return fn(extracted)
        except Exception:  # dados não confiáveis: nunca derrubar a correção
            return []


hooks = Hooks()
