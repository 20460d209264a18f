"""The answer contract: which names are read after which tagged part, their types, the checks.

One file per assignment (``<assignment folder>/contract.json``), validated against
``autograder/schemas/contract.schema.json`` and then for consistency (points add up, every
check reads a declared name). The notebooks show it to students; the grader consumes it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from autograder.errors import ContractError
from autograder.i18n import Msg, bullets, msg


@dataclass(frozen=True)
class Read:
    part: str
    name: str
    type: str
    shape: tuple[int | None, ...] | None
    pt: str
    en: str

    @property
    def ref(self) -> str:
        return f"{self.part}:{self.name}"


SOURCE_RULES = ("call_outside_loop", "call_argument")  # what a ``source`` check may examine


@dataclass(frozen=True)
class Check:
    id: str
    exercise: str
    kind: str
    points: float
    read: str = ""  # "part:name"
    reads: tuple[str, ...] = ()
    path: str = ""
    key: str = ""
    consistency: str = ""
    # the misconception a failure means: failure reason (a comparison reason, "unsupported",
    # a source rule's reason) -> misconception id; "*" for any reason
    misconceptions: dict[str, str] = field(default_factory=dict)
    # checks this one depends on (same exercise): no credit unless they all pass (the model or
    # the data is not the one asked for); for a letter, only its consistency credit depends
    requires: tuple[str, ...] = ()
    wrong_letters: dict[str, str] = field(default_factory=dict)  # letter -> misconception id
    rule: dict[str, Any] = field(default_factory=dict)  # kind "source": what the code must do

    def misconception_for(self, reason: str) -> str:
        """The misconception a failure for ``reason`` means ("" when the contract names none)."""
        return self.misconceptions.get(reason) or self.misconceptions.get("*", "")


@dataclass(frozen=True)
class Part:
    id: str
    reads: tuple[Read, ...]


@dataclass(frozen=True)
class Exercise:
    id: str
    number: int
    computed: bool
    points: float
    title_pt: str
    title_en: str
    parts: tuple[Part, ...]
    checks: tuple[Check, ...]
    needs: tuple[str, ...] = ()  # earlier exercises whose cells this one's code uses



@dataclass(frozen=True)
class ErrorMisconception:
    id: str
    exercises: tuple[str, ...]
    pattern: str


@dataclass(frozen=True)
class Contract:
    module: str
    title: str
    letter_choices: str
    consistency_credit: float
    exercises: tuple[Exercise, ...]
    error_misconceptions: tuple[ErrorMisconception, ...]

    @property
    def max_score(self) -> float:
        return sum(e.points for e in self.exercises)

    def exercise(self, exercise_id: str) -> Exercise:
        for e in self.exercises:
            if e.id == exercise_id:
                return e
        raise ContractError(msg("contract_no_exercise", exercise=exercise_id, module=self.module))

    def part_owner(self) -> dict[str, str]:
        """part id -> exercise id."""
        return {p.id: e.id for e in self.exercises for p in e.parts}

    def reads(self) -> dict[str, Read]:
        """"part:name" -> Read."""
        return {r.ref: r for e in self.exercises for p in e.parts for r in p.reads}


def schema() -> dict[str, Any]:
    text = resources.files("autograder").joinpath("schemas/contract.schema.json").read_text("utf-8")
    return dict(json.loads(text))


def parse_contract(data: dict[str, Any], where: str = "contract") -> Contract:
    """Validate against the schema and for consistency; raise ContractError naming the place."""
    validator = jsonschema.Draft202012Validator(schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        top = msg("contract_schema_top")
        lines = [msg("contract_schema_at", path="/".join(map(str, e.absolute_path)) or top, message=e.message)
                 for e in errors[:10]]
        raise ContractError(msg("contract_schema_mismatch", errors=bullets(lines, dash=False)), where=where,
                            fix=msg("contract_schema_mismatch_fix"))
    exercises: list[Exercise] = []
    problems: list[Msg] = []
    for e in data["exercises"]:
        parts = tuple(Part(p["id"], tuple(
            Read(p["id"], r["name"], r["type"], tuple(r["shape"]) if "shape" in r else None,
                 r["pt"], r["en"]) for r in p["reads"])) for p in e["parts"])
        declared = {r.ref for p in parts for r in p.reads}
        checks = []
        for c in e["checks"]:
            named = c.get("misconception", {})
            check = Check(id=c["id"], exercise=e["id"], kind=c["kind"], points=float(c["points"]),
                          read=c.get("read", ""), reads=tuple(c.get("reads", ())),
                          path=c.get("path", ""), key=c.get("key", ""),
                          consistency=c.get("consistency", ""),
                          misconceptions={"*": named} if isinstance(named, str) else dict(named),
                          requires=tuple(c.get("requires", ())),
                          wrong_letters=dict(c.get("wrong_letters", {})), rule=dict(c.get("rule", {})))
            for ref in ((check.read,) if check.read else ()) + check.reads:
                if ref not in declared:
                    problems.append(msg("contract_undeclared_read", check=check.id, ref=ref,
                                        exercise=e["id"]))
            if check.kind not in ("letter", "source") and not check.key:
                problems.append(msg("contract_no_key_quantity", check=check.id))
            if check.kind == "source" and check.rule.get("kind") not in SOURCE_RULES:
                rules = msg("contract_rule_or", first=", ".join(SOURCE_RULES[:-1]), second=SOURCE_RULES[-1])
                problems.append(msg("contract_source_rule", check=check.id, rules=rules))
            bad_letters = sorted(set(check.wrong_letters) - set(data["letter_choices"]))
            if bad_letters:
                problems.append(msg("contract_wrong_letters", check=check.id, letters=str(bad_letters)))
            checks.append(check)
        ids = [c.id for c in checks]
        for check in checks:
            unknown = [r for r in check.requires if r not in ids or r == check.id]
            if unknown:
                problems.append(msg("contract_unknown_requires", check=check.id, unknown=str(unknown),
                                    exercise=e["id"]))
        cycle = _requires_cycle(checks)
        if cycle:
            problems.append(msg("contract_requires_cycle", exercise=e["id"], cycle=cycle))
        total = sum(c.points for c in checks)
        if not math.isclose(total, float(e["points"]), abs_tol=1e-9):
            problems.append(msg("contract_points_mismatch", exercise=e["id"], total=total,
                                points=float(e["points"])))
        earlier = {x.id for x in exercises}
        for n in e.get("needs", []):
            if n not in earlier:
                problems.append(msg("contract_needs_not_earlier", exercise=e["id"], need=n))
        exercises.append(Exercise(e["id"], e["number"], e["computed"], float(e["points"]),
                                  e["title"]["pt"], e["title"]["en"], parts, tuple(checks),
                                  tuple(e.get("needs", []))))
    part_ids = [p.id for e in exercises for p in e.parts]
    if len(part_ids) != len(set(part_ids)):
        problems.append(msg("contract_part_ids_unique"))
    if problems:
        raise ContractError(msg("contract_inconsistent", problems=bullets(problems)), where=where,
                            fix=msg("contract_inconsistent_fix"))
    return Contract(
        module=data["module"], title=data["title"], letter_choices=data["letter_choices"],
        consistency_credit=float(data.get("consistency_credit", 1.0)), exercises=tuple(exercises),
        error_misconceptions=tuple(ErrorMisconception(m["id"], tuple(m["exercises"]), m["pattern"])
                                   for m in data.get("error_misconceptions", ())),
    )


def _requires_cycle(checks: list[Check]) -> str:
    """A cycle among ``requires`` (``"a -> b -> a"``), or ""."""
    graph = {c.id: [r for r in c.requires if r != c.id] for c in checks}
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> str:
        if state.get(node) == 1:
            return " -> ".join([*path[path.index(node):], node])
        if state.get(node) == 2:
            return ""
        state[node] = 1
        for nxt in graph.get(node, ()):
            found = visit(nxt, [*path, node])
            if found:
                return found
        state[node] = 2
        return ""

    for c in checks:
        found = visit(c.id, [])
        if found:
            return found
    return ""


def requires_order(checks: tuple[Check, ...]) -> list[Check]:
    """The checks in an order where every check comes after those it requires."""
    by_id = {c.id: c for c in checks}
    out: list[Check] = []
    seen: set[str] = set()

    def add(c: Check) -> None:
        if c.id in seen:
            return
        seen.add(c.id)
        for r in c.requires:
            if r in by_id:
                add(by_id[r])
        out.append(c)

    for c in checks:
        add(c)
    return out


def load_contract(path: Path) -> Contract:
    """Read, validate and check a contract file (``Assignment.contract`` calls this)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ContractError(msg("contract_unreadable", error=str(exc)), where=str(path)) from exc
    return parse_contract(data, where=str(path))
