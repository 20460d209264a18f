"""Near-identical answers between students: a pure function over notebooks.

For each exercise, a student's *answer* cells (role ``answer`` in the cell's ``autograder``
metadata, and the cells the student added after them; letter cells are left out: everyone
writes ``resposta_N = "c"``) give one fingerprint:

* **code**: the cells parsed as one Python module (IPython magics and shell escapes left out) and
  normalised: every name (variables, functions, classes, arguments, import aliases) replaced by
  ``_1, _2, …`` in order of first appearance, every literal by its type. Comments, blank lines and
  formatting are not in an AST, so they never matter; attribute and keyword names (``.fit``,
  ``epochs=``) are the library's API and are kept.
* **outputs**: the cells' outputs with what changes from run to run masked (execution counts,
  ANSI colours, durations such as ``2s 13ms/step``); images by the sha256 of their bytes.

Two students' answers to an exercise are *near-identical* when both fingerprints are equal and
the code is substantial (at least ``min_nodes`` AST nodes: ``x = np.mean(y)`` is everyone's
answer, not a copy) and differs from the given template. A fingerprint shared by more than
``max_group`` students is the class's common answer (or the solution), not a sign of copying,
and is not reported. The result is a list of pairs for a TA to look at side by side; it accuses
no one.
"""

from __future__ import annotations

import ast
import hashlib
import itertools
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from autograder.pycode import without_magics

MIN_NODES = 25
ANSWER_ROLES = frozenset({"answer"})
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# durations Keras and friends print: "2s", "13ms/step", "1.2 s/epoch", "ETA: 0s", "00:03"
_DURATION = re.compile(
    r"\b\d+(?:\.\d+)?\s?(?:ms|us|µs|s|min)(?:/(?:step|epoch|it))?\b|\b\d{1,2}:\d{2}(?::\d{2})?\b"
)
_SPACE = re.compile(r"[ \t]+")


@dataclass(frozen=True)
class Fingerprint:
    """One student's answer to one exercise, reduced to what a copy keeps."""

    exercise: str
    code_sha256: str  # the normalised AST (or, for code that does not parse, normalised text)
    outputs_sha256: str
    nodes: int  # size of the normalised code
    cells: tuple[int, ...]  # indices of the answer cells in the notebook


@dataclass(frozen=True)
class DuplicatePair:
    """Two students whose answers to ``exercise`` are near-identical (``a`` < ``b``)."""

    exercise: str
    a: str
    b: str
    cells_a: tuple[int, ...]
    cells_b: tuple[int, ...]
    nodes: int
    group: int  # how many students share this answer (2 for a pair)


# ---- code ---------------------------------------------------------------------------------------


class _Abstract(ast.NodeTransformer):
    """Names -> ``_1, _2, …`` by first appearance; literals -> their type's name."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def _name(self, name: str) -> str:
        return self.names.setdefault(name, f"_{len(self.names) + 1}")

    def visit_Name(self, node: ast.Name) -> ast.AST:
        return ast.copy_location(ast.Name(id=self._name(node.id), ctx=node.ctx), node)

    def visit_arg(self, node: ast.arg) -> ast.AST:
        self.generic_visit(node)
        node.arg = self._name(node.arg)
        node.type_comment = None
        return node

    def _def(self, node: Any) -> ast.AST:
        node.name = self._name(node.name)
        self.generic_visit(node)
        return node  # type: ignore[no-any-return]

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _def

    def visit_alias(self, node: ast.alias) -> ast.AST:
        if node.asname:
            node.asname = self._name(node.asname)
        return node

    def visit_Global(self, node: ast.Global) -> ast.AST:
        node.names = [self._name(n) for n in node.names]
        return node

    visit_Nonlocal = visit_Global  # type: ignore[assignment]

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        kind = type(node.value).__name__
        return ast.copy_location(ast.Constant(value=f"<{kind}>"), node)


def normalised_code(sources: Sequence[str]) -> tuple[str, int]:
    """The normalised form of some cells' code and its size in AST nodes (0: nothing but
    comments). Code that does not parse is compared as text without comments and spaces."""
    text = "\n".join(without_magics(s) for s in sources)
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        lines = [_SPACE.sub(" ", ln.split("#", 1)[0]).strip() for ln in text.splitlines()]
        kept = [ln for ln in lines if ln]
        return "text:" + "\n".join(kept), sum(len(ln.split()) for ln in kept)
    tree = _Abstract().visit(tree)
    nodes = sum(1 for n in ast.walk(tree) if not isinstance(n, (ast.Load, ast.Store, ast.Del)))
    body = ast.dump(tree, annotate_fields=False, include_attributes=False)
    return body, nodes - 1 if tree.body else 0  # the Module itself is not code


# ---- outputs ------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    text = "".join(value) if isinstance(value, list) else str(value)
    text = _DURATION.sub("<t>", _ANSI.sub("", text))
    return "\n".join(_SPACE.sub(" ", ln).rstrip() for ln in text.splitlines())


def _output(out: Mapping[str, Any]) -> Any:
    kind = out.get("output_type")
    if kind == "stream":
        return ["stream", out.get("name", ""), _text(out.get("text", ""))]
    if kind == "error":
        return ["error", out.get("ename", ""), _text(out.get("evalue", ""))]
    data = out.get("data") or {}
    shown = []
    for mime in sorted(data):
        value = data[mime]
        if mime.startswith("image/"):
            raw = "".join(value) if isinstance(value, list) else str(value)
            shown.append([mime, hashlib.sha256(re.sub(r"\s+", "", raw).encode()).hexdigest()])
        elif isinstance(value, (str, list)):
            shown.append([mime, _text(value)])
        else:
            shown.append([mime, json.dumps(value, sort_keys=True, default=str)])
    return [kind, shown]


def _sha(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


# ---- notebooks ----------------------------------------------------------------------------------


def _cells(nb: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    cells = nb.get("cells") if isinstance(nb, Mapping) else None
    return [c for c in cells if isinstance(c, Mapping)] if isinstance(cells, list) else []


def _meta(cell: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = cell.get("metadata")
    tagged = meta.get("autograder") if isinstance(meta, Mapping) else None
    return tagged if isinstance(tagged, Mapping) else {}


def _source(cell: Mapping[str, Any]) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def answer_cells(nb: Mapping[str, Any]) -> dict[str, list[int]]:
    """exercise id -> indices of its answer cells: the tagged ``answer`` code cells, and untagged
    code cells the student added after one (until the next tagged cell of another role)."""
    out: dict[str, list[int]] = defaultdict(list)
    current: str | None = None
    for i, cell in enumerate(_cells(nb)):
        meta = _meta(cell)
        if meta:
            role, exercise = meta.get("role"), meta.get("exercise")
            current = str(exercise) if role in ANSWER_ROLES and exercise else None
            if current is not None and cell.get("cell_type") == "code":
                out[current].append(i)
        elif current is not None and cell.get("cell_type") == "code":
            out[current].append(i)
    return dict(out)


def fingerprints(
    nb: Mapping[str, Any], templates: Mapping[str, str] | None = None, min_nodes: int = MIN_NODES
) -> dict[str, Fingerprint]:
    """exercise id -> the fingerprint of this notebook's answer, for the answers worth comparing:
    at least ``min_nodes`` AST nodes, and not the given template's code (``templates``: exercise
    id -> its normalised code, from ``template_codes``)."""
    cells = _cells(nb)
    out = {}
    for exercise, indices in answer_cells(nb).items():
        code, nodes = normalised_code([_source(cells[i]) for i in indices])
        if nodes < min_nodes or (templates and templates.get(exercise) == code):
            continue
        outputs = [
            _output(o) for i in indices for o in cells[i].get("outputs") or () if isinstance(o, Mapping)
        ]
        out[exercise] = Fingerprint(exercise, _sha(code), _sha(outputs), nodes, tuple(indices))
    return out


def template_codes(nb: Mapping[str, Any]) -> dict[str, str]:
    """exercise id -> the normalised code of the blank notebook's answer cells (what everyone starts from)."""
    cells = _cells(nb)
    return {e: normalised_code([_source(cells[i]) for i in idx])[0] for e, idx in answer_cells(nb).items()}


def near_duplicates(
    prints: Mapping[str, Mapping[str, Fingerprint]], max_group: int | None = None
) -> list[DuplicatePair]:
    """Pairs of students with the same fingerprint for an exercise, sorted by exercise and names.

    ``prints``: student -> exercise -> fingerprint. ``max_group`` (default: the larger of 3 and a
    tenth of the students) is the most students one answer may have before it counts as the
    class's common answer and is no longer reported."""
    limit = max_group if max_group is not None else max(3, len(prints) // 10)
    groups: dict[tuple[str, str, str], list[tuple[str, Fingerprint]]] = defaultdict(list)
    for student, per in prints.items():
        for exercise, fp in per.items():
            groups[(exercise, fp.code_sha256, fp.outputs_sha256)].append((student, fp))
    pairs = []
    for (exercise, _, _), members in groups.items():
        if len(members) < 2 or len(members) > limit:
            continue
        for (sa, fa), (sb, fb) in itertools.combinations(sorted(members, key=lambda m: m[0]), 2):
            pairs.append(DuplicatePair(exercise, sa, sb, fa.cells, fb.cells, fa.nodes, len(members)))
    return sorted(pairs, key=lambda p: (p.exercise, p.a, p.b))


def find_near_duplicates(
    notebooks: Mapping[str, Mapping[str, Any]],
    *,
    templates: Mapping[str, str] | None = None,
    min_nodes: int = MIN_NODES,
    max_group: int | None = None,
) -> list[DuplicatePair]:
    """``near_duplicates`` over notebooks (student -> notebook as JSON data)."""
    return near_duplicates(
        {s: fingerprints(nb, templates, min_nodes) for s, nb in notebooks.items()}, max_group
    )


def by_student(pairs: Iterable[DuplicatePair]) -> dict[str, list[DuplicatePair]]:
    """student -> the pairs they are in."""
    out: dict[str, list[DuplicatePair]] = defaultdict(list)
    for p in pairs:
        out[p.a].append(p)
        out[p.b].append(p)
    return dict(out)
