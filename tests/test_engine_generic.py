"""The engine knows no exercise: nothing under autograder/ (code, templates, schemas) names an
exercise, part, read name, quantity, dataset or misconception of any installed assignment, and
the engine never imports an assignment's modules by name."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from autograder.assignment import Assignment, all_installed

ENGINE = Path(__file__).resolve().parents[1] / "autograder"
TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
# Words an assignment may use as names that are also the engine's own vocabulary: a Keras
# History's attribute ("history") and the generic word for a Keras model ("model").
ENGINE_VOCABULARY = frozenset({"history", "model"})


def _words_of(assignment: Assignment) -> set[str]:
    """Every identifier that belongs to one assignment."""
    words: set[str] = {assignment.name}
    contract = assignment.contract
    for e in contract.exercises:
        words.add(e.id)
        for p in e.parts:
            words.add(p.id)
            words.update(r.name for r in p.reads)
        for c in e.checks:
            words.update({c.id, c.key} - {""})
    words.update(m.id for m in contract.error_misconceptions)
    words.update(d.name for d in assignment.datasets)
    for profile in assignment.profile_names:
        words.update(assignment.profile(profile).settings)
        key = assignment.key_path(profile)
        if key.is_file():
            data = json.loads(key.read_text(encoding="utf-8"))
            for qid, q in data.get("quantities", {}).items():
                words.add(qid)
                words.update(q.get("variants", {}))
    for messages in assignment.messages.values():
        words.update(m.removeprefix("misconception.") for m in messages if m.startswith("misconception."))
        words.update(m for m in messages if m.startswith("plot_") and not m.startswith("plot_band"))
    return {w for w in words if w and w not in ENGINE_VOCABULARY}


def _engine_files() -> Iterator[Path]:
    yield from sorted(ENGINE.rglob("*.py"))
    yield from sorted(ENGINE.rglob("*.json"))
    yield from sorted(p for p in TEMPLATES.rglob("*") if p.is_file() and p.suffix in (".j2", ".py"))


def _scaffold_template(path: Path) -> bool:
    """``autograder new`` writes an example assignment from these templates: they are that
    assignment's files, not the engine's."""
    return "new_assignment" in path.parts


def _assignments() -> tuple[Assignment, ...]:
    found = all_installed()
    assert {a.name for a in found} >= {"cnn_treinamento", "redes_densas"}, "both course modules install"
    return found


@pytest.mark.parametrize("assignment", _assignments(), ids=lambda a: a.name)
def test_engine_names_nothing_of_the_assignment(assignment: Assignment) -> None:
    words = _words_of(assignment)
    alternatives = "|".join(map(re.escape, sorted(words, key=len, reverse=True)))
    pattern = re.compile(r"(?<![A-Za-z0-9_])(" + alternatives + r")(?![A-Za-z0-9_])")
    hits = []
    for path in _engine_files():
        if _scaffold_template(path):
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for m in pattern.finditer(line):
                hits.append(f"{path.relative_to(ENGINE.parent)}:{n}: {m.group(1)!r} in {line.strip()[:90]}")
    assert not hits, f"the engine names {assignment.name}'s things:\n" + "\n".join(hits[:40])


def test_the_scan_finds_a_planted_name(tmp_path: Path) -> None:
    """The scan above can fail: a line naming an exercise id is found."""
    cnn = next(a for a in _assignments() if a.name == "cnn_treinamento")
    words = _words_of(cnn)
    assert {"ex7", "mse_por_batch", "hinge_01_labels", "boston_housing", "ex8.test_mse.32"} <= words
    pattern = re.compile(r"(?<![A-Za-z0-9_])(ex7)(?![A-Za-z0-9_])")
    assert pattern.search('series = {"ex7": 1}') and not pattern.search("index7 = 1")


def test_engine_imports_no_assignment() -> None:
    bad = []
    for path in ENGINE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            bad += [f"{path.relative_to(ENGINE.parent)}: import {n}" for n in names
                    if n == "assignments" or n.startswith(("assignments.", "reference"))]
            if (isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module"
                    and node.args and isinstance(node.args[0], ast.Constant)):
                bad.append(f"{path.relative_to(ENGINE.parent)}: import_module({node.args[0].value!r})")
    assert not bad, "\n".join(bad)
