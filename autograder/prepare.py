"""Validate a submitted notebook and plan what to execute. Pure: bytes in, a plan out.

* Cells are matched to the authored source by ``metadata.autograder.id``.
* Instructor-owned cells ("given") are always taken from the source: a student's edit is
  undone and a deleted one is put back; both are recorded in ``restored``.
* Student cells ("answer", "letter") and cells the student added (no id) run where they
  belong: after the authored cell they followed in the submission.
* Self-check cells and Markdown are not executed.
* An exercise the student left as handed out is not executed at all (``skipped``), unless an
  exercise that runs ``needs`` it.

It also reads what the student wrote, without running it (``ast`` only): which answers were
typed in as literal numbers (``typed_in``) and the contract's ``source`` rules (``check_rule``).
"""

from __future__ import annotations

import ast
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import nbformat

from autograder.authoring import Cell
from autograder.contract import Contract
from autograder.errors import SubmissionError
from autograder.i18n import encode, msg
from autograder.pycode import parse

EXECUTED_ROLES = ("given", "answer", "letter")
OWNED_ROLES = ("given",)
MAX_NOTEBOOK_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class PlannedCell:
    exercise: str
    part: str
    role: str  # given | answer | letter | added
    source: str
    submitted_index: int  # index in the submitted notebook, -1 when restored from the source
    cell_id: str  # authored id, or "" for a cell the student added


@dataclass(frozen=True)
class Plan:
    cells: tuple[PlannedCell, ...]
    restored: tuple[str, ...]  # "<cell id> (edited)" / "<cell id> (deleted)"
    notes: tuple[str, ...]  # coded messages about the submission (``i18n.encode``)
    skipped: tuple[str, ...] = ()  # unanswered exercises that are not run (``unanswered``)


def read_notebook(data: bytes, where: str) -> Any:
    """Parse and validate an .ipynb; SubmissionError with the reason when that is impossible."""
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise SubmissionError(msg("prepare_too_large", size_mb=f"{len(data) / 1e6:.0f}",
                                  limit_mb=f"{MAX_NOTEBOOK_BYTES / 1e6:.0f}"),
                              where=where, fix=msg("prepare_too_large_fix"))
    try:
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    except UnicodeDecodeError as exc:
        raise SubmissionError(msg("prepare_not_utf8"), where=where, fix=msg("prepare_submit_ipynb")) from exc
    except (json.JSONDecodeError, nbformat.reader.NotJSONError) as exc:
        raise SubmissionError(msg("prepare_not_json", detail=str(exc)), where=where,
                              fix=msg("prepare_save_again")) from exc
    except Exception as exc:  # nbformat raises several types for malformed notebooks
        raise SubmissionError(msg("prepare_unreadable", error=type(exc).__name__, detail=str(exc)),
                              where=where, fix=msg("prepare_submit_ipynb")) from exc
    if not isinstance(nb.get("cells"), list):
        raise SubmissionError(msg("prepare_no_cells"), where=where, fix=msg("prepare_submit_ipynb"))
    return nb


def _meta(cell: Any) -> dict[str, Any]:
    meta = cell.get("metadata", {}).get("autograder", {})
    return meta if isinstance(meta, dict) else {}


def _source(cell: Any) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def plan(data: bytes, authored: Sequence[Cell], contract: Contract,
         where: str = "submission") -> Plan:
    """The cells to execute, in order, grouped by exercise and part."""
    nb = read_notebook(data, where)
    by_id: dict[str, tuple[int, Any]] = {}
    followers: dict[str, list[tuple[int, Any]]] = {}
    notes: list[str] = []
    last_id = ""
    for i, cell in enumerate(nb.cells):
        cid = _meta(cell).get("id", "")
        if cid and cid not in by_id:
            by_id[cid] = (i, cell)
            last_id = cid
        elif cell.get("cell_type") == "code" and _source(cell).strip():
            followers.setdefault(last_id, []).append((i, cell))
    known = {a.id for a in authored}
    unknown = [cid for cid in by_id if cid not in known]
    if unknown:
        notes.append(encode("unknown_cell_ids", count=len(unknown), example=unknown[0]))
    if not any(cid in known for cid in by_id):
        notes.append(encode("not_handed_out"))  # sentences: autograder/i18n.py

    parts = contract.part_owner()
    cells: list[PlannedCell] = []
    restored: list[str] = []
    answered: set[str] = set()
    # cells added before the first tagged cell run at the very start
    for i, cell in followers.get("", []):
        cells.append(PlannedCell("intro", "", "added", _source(cell), i, ""))
    for a in authored:
        got = by_id.get(a.id)
        if a.cell_type == "code" and a.role in EXECUTED_ROLES:
            if a.role in OWNED_ROLES:
                if got is None:
                    restored.append(f"{a.id} (deleted)")
                elif _source(got[1]) != a.source:
                    restored.append(f"{a.id} (edited)")
                cells.append(PlannedCell(a.exercise, a.part, a.role, a.source,
                                         got[0] if got else -1, a.id))
            elif got is not None:
                cells.append(PlannedCell(a.exercise, a.part, a.role, _source(got[1]), got[0], a.id))
                if not same_code(_source(got[1]), a.source):
                    answered.add(a.exercise)
        for i, cell in followers.get(a.id, []):
            if a.part and a.part not in parts:
                continue
            cells.append(PlannedCell(a.exercise, a.part, "added", _source(cell), i, ""))
            answered.add(a.exercise)
    return Plan(cells=tuple(cells), restored=tuple(restored), notes=tuple(notes),
                skipped=unanswered(contract, answered))


def same_code(submitted: str, authored: str) -> bool:
    """True when the student's cell is the handed-out one up to comments and layout (the same
    syntax tree); a cell that does not parse is never the same (the student wrote something)."""
    if submitted == authored:
        return True
    try:
        return ast.dump(ast.parse(submitted)) == ast.dump(ast.parse(authored))
    except (SyntaxError, ValueError):
        return False


def unanswered(contract: Contract, answered: Collection[str]) -> tuple[str, ...]:
    """The exercises to skip: no answer or letter cell differs from the handed-out one and the
    student added no cell, and no exercise that runs ``needs`` them (the contract's ``needs``).
    Running them could earn nothing the student wrote; it would only cost time (README,
    "Unanswered exercises")."""
    run = {e.id for e in contract.exercises if e.id in answered}
    for e in reversed(contract.exercises):  # needs point to earlier exercises only
        if e.id in run:
            run.update(e.needs)
    return tuple(e.id for e in contract.exercises if e.id not in run)


# ---- what the student wrote: literal values and source rules (pure, ``ast`` only) -------------

STUDENT_ROLES = ("answer", "added")


def student_code(plan: Plan) -> dict[str, str]:
    """Exercise id -> the code the student wrote for it (answer cells and cells they added), in
    the order it runs. Given cells are the instructor's and are left out."""
    out: dict[str, list[str]] = {}
    for c in plan.cells:
        if c.role in STUDENT_ROLES and c.exercise != "intro":
            out.setdefault(c.exercise, []).append(c.source)
    return {e: "\n".join(parts) for e, parts in out.items()}


_LITERAL_CALLS = frozenset({"array", "asarray", "float", "int", "list", "tuple", "dict", "float32",
                            "float64"})


def _is_number(node: ast.AST) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    return (isinstance(node, ast.Constant) and type(node.value) in (int, float))


def is_literal(node: ast.AST) -> bool:
    """A value typed in: a number, or a non-empty container (or ``np.array(...)``) of numbers."""
    if _is_number(node):
        return True
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return bool(node.elts) and all(is_literal(e) for e in node.elts)
    if isinstance(node, ast.Dict):
        return bool(node.values) and all(v is not None and is_literal(v) for v in node.values)
    if isinstance(node, ast.Call) and _call_name(node) in _LITERAL_CALLS:
        return bool(node.args) and all(is_literal(a) for a in node.args)
    return False


def _targets(node: ast.AST) -> list[tuple[str, bool]]:
    """(name, whole) for each name a statement binds: ``x = ...`` (whole) or ``x[k] = ...``."""
    out: list[tuple[str, bool]] = []
    if isinstance(node, ast.Name):
        out.append((node.id, True))
    elif isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        out.append((node.value.id, False))
    elif isinstance(node, (ast.Tuple, ast.List)):
        for elt in node.elts:
            out += [(n, True) for n, _ in _targets(elt)]
    return out


def typed_in(code: str, names: Sequence[str]) -> set[str]:
    """The ``names`` whose value the student's code types in rather than computes: the last
    binding of the name assigns a literal (``w = 1.6094``, ``p = np.array([0.13, ...])``)
    or fills it item by item with literals (``errors[2] = 22.46``). Empty containers, later computed
    reassignments and code that is not Python are not flagged."""
    tree = parse(code)
    if tree is None:
        return set()
    wanted = set(names)
    state: dict[str, bool] = {}
    assigns = sorted((n for n in ast.walk(tree) if isinstance(n, (ast.Assign, ast.AnnAssign))),
                     key=lambda n: (n.lineno, n.col_offset))  # in source order
    for node in assigns:
        value = node.value
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if value is None:
            continue
        for target in targets:
            for name, whole in _targets(target):
                if name not in wanted:
                    continue
                literal = is_literal(value)
                if whole:
                    state[name] = literal and not _is_empty(value)
                elif literal:
                    state[name] = True
                else:
                    state[name] = False
    return {n for n, typed in state.items() if typed}


def _is_empty(node: ast.AST) -> bool:
    return isinstance(node, (ast.List, ast.Tuple, ast.Set, ast.Dict)) and not (
        node.keys if isinstance(node, ast.Dict) else node.elts)


def _call_name(node: ast.Call) -> str:
    f = node.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""


def _functions(tree: ast.AST) -> dict[str, ast.AST]:
    return {n.name: n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}


def _calls_within(node: ast.AST, functions: Mapping[str, ast.AST], seen: frozenset[str] = frozenset()
                  ) -> set[str]:
    """Names of every call made in ``node``, through the student's own functions it calls."""
    out: set[str] = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Call):
            name = _call_name(n)
            out.add(name)
            if name in functions and name not in seen:
                out |= _calls_within(functions[name], functions, seen | {name})
    return out


@dataclass(frozen=True)
class RuleOutcome:
    """What a source rule found: ``ok``, a reason it is violated, or ``absent`` (no code to judge)."""

    status: str  # "ok" | "violated" | "absent"
    reason: str = ""  # e.g. "outside_loop", "not_called", "forbidden_argument"


def check_rule(code: str | None, rule: Mapping[str, Any]) -> RuleOutcome:
    """Apply a contract ``source`` rule to the student's code of an exercise.

    * ``call_outside_loop`` (``calls``, ``loop_calls``): in a loop that calls one of
      ``loop_calls`` (e.g. ``fit``), one of ``calls`` must be made on each iteration (e.g. build
      a fresh model, set the seeds). Reasons: ``outside_loop`` (made only outside it),
      ``not_called`` (never made).
    * ``call_argument`` (``call``, ``argument``, ``names``, optional ``targets``): the argument
      (a position or a keyword) of every ``call`` (only those whose result is assigned to one of
      ``targets``, when given) must not use any of ``names`` (e.g. training data where test data
      belongs). Reason: ``forbidden_argument``.
    Calls into functions the student defined are followed."""
    tree = parse(code or "")
    if tree is None or not (code or "").strip():
        return RuleOutcome("absent")
    functions = _functions(tree)
    kind = rule.get("kind")
    if kind == "call_outside_loop":
        wanted, loop_calls = set(rule.get("calls", ())), set(rule.get("loop_calls", ()))
        loops = [n for n in ast.walk(tree) if isinstance(n, (ast.For, ast.While, ast.AsyncFor))
                 and _calls_within(n, functions) & loop_calls]
        if not loops:
            return RuleOutcome("absent")
        if any(_calls_within(loop, functions) & wanted for loop in loops):
            return RuleOutcome("ok")
        return RuleOutcome("violated", "outside_loop" if _calls_within(tree, functions) & wanted
                           else "not_called")
    if kind == "call_argument":
        call, names = str(rule.get("call", "")), set(rule.get("names", ()))
        targets = set(rule.get("targets", ()))
        argument = rule.get("argument", 0)
        found = []
        for node in ast.walk(tree):
            value: ast.AST | None = None
            if targets:
                if isinstance(node, ast.Assign) and any(
                        n in targets for t in node.targets for n, _ in _targets(t)):
                    value = node.value
            elif isinstance(node, ast.Call):
                value = node
            if isinstance(value, ast.Call) and _call_name(value) == call:
                found.append(value)
        if not found:
            return RuleOutcome("absent")
        for c in found:
            arg: ast.AST | None = None
            if isinstance(argument, int) and not isinstance(argument, bool):
                keyword = "x" if argument == 0 else ""  # Keras: evaluate(x=..., y=...)
                arg = c.args[argument] if len(c.args) > argument else next(
                    (k.value for k in c.keywords if keyword and k.arg == keyword), None)
            else:
                arg = next((k.value for k in c.keywords if k.arg == argument), None)
            if arg is not None and {n.id for n in ast.walk(arg) if isinstance(n, ast.Name)} & names:
                return RuleOutcome("violated", "forbidden_argument")
        return RuleOutcome("ok")
    return RuleOutcome("absent")
