"""Student and solution notebooks, generated from ONE authored source per assignment.

The source is ``<assignment folder>/source.md`` (format: docs/authoring.md): Markdown cells,
code cells as Jinja2 templates over a run ``Profile``, answer cells with a student and a
solution version. This module parses it, checks it against the assignment's answer contract
(``contract.json``) and renders:

* the student notebook: the sheet's text and options, the given code, answer cells holding only a
  comment saying what to write, ``resposta_N = ""`` letter cells, and the self-check;
* the solution notebook: the same cells with the solutions and the official letters.

Every cell carries ``metadata.autograder = {id, exercise, part, role[, checksum]}`` and the
exercise id in ``metadata.tags``; the grader matches submissions to :func:`authored_cells`.

Regenerate the committed FULL-profile copies with ``autograder assignment build --assignment NAME``
(``--check`` only verifies that they are up to date).
"""

from __future__ import annotations

import ast
import builtins
import hashlib
import json
import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

import jinja2
import nbformat

from autograder.errors import AssignmentError
from autograder.i18n import Msg, bullets, msg
from autograder.pycode import parse

if TYPE_CHECKING:
    from autograder.assignment import Assignment, Profile
    from autograder.contract import Contract

ROLES = ("text", "given", "answer", "letter", "selfcheck")
CHECKSUM_ROLES = ("given", "selfcheck")  # instructor-owned code: restored when edited
Kind = Literal["student", "solution"]
KINDS: tuple[Kind, ...] = ("student", "solution")
SOURCE_FILE = "source.md"
GENERATED_DIR = "generated"
SELFCHECK_MIME = "application/vnd.dl-autograder.selfcheck+json"
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}

_MARKER = re.compile(r"^<!-- cell (?P<attrs>[^>]*?) -->\s*$")
_ATTR = re.compile(r"(\w+)=(\S+)")
_FENCE_OPEN = re.compile(r"^```(?P<lang>\w+)(?:[ \t]+(?P<variant>\w+))?[ \t]*$")
_ID = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")


class SourceError(AssignmentError):
    """The authored source of an assignment is malformed or disagrees with its answer contract."""


@dataclass(frozen=True)
class SourceCell:
    """One cell as authored: templates not yet rendered for a profile."""

    id: str  # stable, unique in the assignment, e.g. "<exercise>-given-3"
    exercise: str  # "intro" or a contract exercise id
    part: str  # contract part id; "" for text and self-check cells
    role: str  # one of ROLES
    student: str  # Markdown, or the code template the student sees
    solution: str  # the solution's code template (equal to ``student`` unless role is "answer")
    line: int  # line of the marker in the source file, for error messages

    @property
    def cell_type(self) -> str:
        return "markdown" if self.role == "text" else "code"


@dataclass(frozen=True)
class Module:
    """A parsed module: its cells, the contract they satisfy and the official answers."""

    name: str
    path: Path  # the authored source file
    source_sha256: str
    cells: tuple[SourceCell, ...]
    selfcheck_expectations: Mapping[str, Mapping[str, Any]]  # "part:name" -> facts
    contract: Contract
    answers: Mapping[str, Mapping[str, Any]]  # "1".."10" -> {"letter", "justificativa", ...}
    replayable: tuple[str, ...] = ()  # exercises fast mode may replay: their models' weights are saved


@dataclass(frozen=True)
class Cell:
    """A cell rendered for one profile and notebook kind (the student's kind is what the grader
    restores instructor cells from)."""

    id: str
    exercise: str
    part: str
    role: str
    cell_type: str  # "markdown" | "code"
    source: str


# --------------------------------------------------------------------------------------------
# Parsing and validating the source
# --------------------------------------------------------------------------------------------


def _fenced_blocks(lines: list[str], start: int, where: str) -> list[tuple[str, str]]:
    """``[(variant, code)]`` of the ```python blocks in a code cell's body; nothing else allowed."""
    blocks: list[tuple[str, str]] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        m = _FENCE_OPEN.match(line)
        if not m or m.group("lang") != "python":
            raise SourceError(msg("authoring_text_outside_block", text=line.strip()[:60]),
                              where=f"{where}:{start + i + 1}", fix=msg("authoring_text_outside_block_fix"))
        end = next((j for j in range(i + 1, len(lines)) if lines[j].rstrip() == "```"), None)
        if end is None:
            raise SourceError(msg("authoring_block_not_closed"), where=f"{where}:{start + i + 1}",
                              fix=msg("authoring_block_not_closed_fix"))
        blocks.append((m.group("variant") or "", "\n".join(lines[i + 1:end])))
        i = end + 1
    return blocks


def _expectations(preamble: list[str], where: str) -> dict[str, dict[str, Any]]:
    try:
        start = next(i for i, line in enumerate(preamble) if line.strip() == "```json selfcheck")
    except StopIteration:
        return {}
    end = next((j for j in range(start + 1, len(preamble)) if preamble[j].strip() == "```"), None)
    if end is None:
        raise SourceError(msg("authoring_selfcheck_json_not_closed"), where=where)
    try:
        data = json.loads("\n".join(preamble[start + 1:end]))
    except json.JSONDecodeError as exc:
        raise SourceError(msg("authoring_selfcheck_json_invalid", error=str(exc)), where=where,
                          fix=msg("authoring_selfcheck_json_invalid_fix")) from exc
    if not isinstance(data, dict):
        raise SourceError(msg("authoring_selfcheck_json_not_object"), where=where)
    return {str(k): dict(v) for k, v in data.items()}


def parse_source(text: str, where: str = SOURCE_FILE) -> tuple[tuple[SourceCell, ...],
                                                                dict[str, dict[str, Any]]]:
    """Cells and self-check expectations of an authored source text (no contract checks yet)."""
    lines = text.splitlines()
    markers = [(i, m) for i, line in enumerate(lines) if (m := _MARKER.match(line))]
    if not markers:
        raise SourceError(msg("authoring_no_markers"), where=where, fix=msg("authoring_no_markers_fix"))
    expectations = _expectations(lines[:markers[0][0]], where)
    cells: list[SourceCell] = []
    for k, (i, m) in enumerate(markers):
        body = lines[i + 1:markers[k + 1][0] if k + 1 < len(markers) else len(lines)]
        attrs = dict(_ATTR.findall(m.group("attrs")))
        here = f"{where}:{i + 1}"
        unknown = set(attrs) - {"id", "exercise", "part", "role"}
        missing = {"id", "exercise", "role"} - set(attrs)
        if unknown or missing:
            raise SourceError(msg("authoring_bad_marker", unknown=str(sorted(unknown)),
                                  missing=str(sorted(missing))),
                              where=here, fix=msg("authoring_bad_marker_fix"))
        cid, role = attrs["id"], attrs["role"]
        if not _ID.match(cid):
            raise SourceError(msg("authoring_bad_cell_id", id=cid), where=here,
                              fix=msg("authoring_bad_cell_id_fix"))
        if role not in ROLES:
            raise SourceError(msg("authoring_unknown_role", role=role), where=here,
                              fix=msg("authoring_unknown_role_fix", roles=", ".join(ROLES)))
        student = solution = ""
        if role == "text":
            student = solution = "\n".join(body).strip("\n")
            if not student.strip():
                raise SourceError(msg("authoring_text_cell_empty", id=cid), where=here)
        else:
            blocks = _fenced_blocks(body, i + 1, where)
            variants = [v for v, _ in blocks]
            if role == "answer":
                if variants != ["student", "solution"]:
                    raise SourceError(msg("authoring_answer_blocks", id=cid, found=str(variants)), where=here)
                student, solution = blocks[0][1], blocks[1][1]
            elif role == "letter" or (role == "selfcheck" and not blocks):
                if blocks:
                    raise SourceError(msg("authoring_letter_takes_no_code", id=cid), where=here)
            else:
                if variants != [""]:
                    raise SourceError(msg("authoring_one_block", id=cid, role=role), where=here)
                student = solution = blocks[0][1]
        cells.append(SourceCell(cid, attrs["exercise"], attrs.get("part", ""), role, student,
                                solution, i + 1))
    return tuple(cells), expectations


def validate(cells: Sequence[SourceCell], contract: Contract, expectations: Mapping[str, Any],
             where: str) -> None:
    """Raise SourceError listing every way the cells disagree with the contract."""
    problems: list[Msg] = []
    ids = [c.id for c in cells]
    problems += [msg("authoring_duplicate_cell_id", id=i)
                 for i in sorted({i for i in ids if ids.count(i) > 1})]
    owner = contract.part_owner()
    exercises = [e.id for e in contract.exercises]
    for c in cells:
        if c.exercise != "intro" and c.exercise not in exercises:
            problems.append(msg("authoring_unknown_exercise", id=c.id, exercise=c.exercise))
        if c.role in ("given", "answer", "letter"):
            if owner.get(c.part) != c.exercise:
                problems.append(msg("authoring_part_not_of_exercise", id=c.id, part=c.part,
                                    exercise=c.exercise))
        elif c.part:
            problems.append(msg("authoring_role_has_no_part", id=c.id, role=c.role, part=c.part))
    generated = [c for c in cells if c.role == "selfcheck" and not c.student]
    code = [c for c in cells if c.cell_type == "code"]
    if len(generated) != 1 or not code or code[0] is not generated[0]:
        problems.append(msg("authoring_selfcheck_first"))
    # parts: contiguous, in the contract's order, each exercise's letter in its last part
    order = [c.part for c in cells if c.part]
    runs = [p for k, p in enumerate(order) if k == 0 or order[k - 1] != p]
    if len(runs) != len(set(runs)):
        problems.append(msg("authoring_parts_contiguous", found=str(runs)))
    expected = [p.id for e in contract.exercises for p in e.parts]
    if [p for p in runs if p in expected] != expected or set(runs) - set(expected):
        problems.append(msg("authoring_parts_order", expected=str(expected), found=str(runs)))
    for e in contract.exercises:
        letters = [c for c in cells if c.exercise == e.id and c.role == "letter"]
        if len(letters) != 1 or letters[0].part != e.parts[-1].id:
            problems.append(msg("authoring_letter_cell", exercise=e.id, part=e.parts[-1].id))
        checks = [c for c in cells if c.exercise == e.id and c.role == "selfcheck"]
        if not checks or checks[-1].student.strip() != f'check("{e.id}")':
            problems.append(msg("authoring_selfcheck_last", exercise=e.id))
    reads = contract.reads()
    problems += [msg("authoring_unknown_expectation", ref=ref) for ref in expectations if ref not in reads]
    if problems:
        raise SourceError(msg("authoring_disagrees", problems=bullets(problems)), where=where,
                          fix=msg("authoring_disagrees_fix"))


def load_source(assignment: Assignment) -> Module:
    """Parse and validate the assignment's ``source.md`` against its contract."""
    path = assignment.source_path
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SourceError(msg("authoring_source_unreadable", error=str(exc)), where=str(path)) from exc
    contract = assignment.contract
    cells, expectations = parse_source(text, where=str(path))
    validate(cells, contract, expectations, where=str(path))
    return Module(assignment.name, path, sha256_text(text), cells, expectations, contract,
                  dict(assignment.answers().get("answers", {})), tuple(assignment.replay_settings))


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------


def _jinja() -> jinja2.Environment:
    return jinja2.Environment(undefined=jinja2.StrictUndefined, trim_blocks=True,
                              lstrip_blocks=True, autoescape=False)


def render_code(template: str, profile: Profile, where: str = "") -> str:
    """A code template rendered for ``profile``, without trailing blank lines."""
    try:
        text = _jinja().from_string(template).render(profile=profile)
    except jinja2.TemplateError as exc:
        raise SourceError(msg("authoring_template_error", error=str(exc)), where=where) from exc
    return text.strip("\n").rstrip()


def _letter_source(module: Module, exercise: str, kind: Kind) -> str:
    number = module.contract.exercise(exercise).number
    if kind == "student":
        return f'resposta_{number} = ""  # \'a\', \'b\', \'c\' ou \'d\''
    answer = module.answers[str(number)]
    wrapped = textwrap.wrap("Justificativa: " + str(answer.get("justificativa", "")), width=92)
    comments = "".join(f"# {line}\n" for line in wrapped)
    return f'{comments}resposta_{number} = "{answer["letter"]}"'


def selfcheck_config(module: Module, profile: Profile) -> dict[str, Any]:
    """What the self-check needs: the contract's reads (no checks, no key) and profile facts."""

    def resolve(value: Any) -> Any:
        if isinstance(value, str) and value.startswith("profile."):
            got = getattr(profile, value.removeprefix("profile."))
            return list(got) if isinstance(got, tuple) else got
        return value

    exercises = []
    for e in module.contract.exercises:
        parts = []
        for p in e.parts:
            reads = []
            for r in p.reads:
                read: dict[str, Any] = {"name": r.name, "type": r.type, "pt": r.pt, "en": r.en}
                if r.shape is not None:
                    read["shape"] = list(r.shape)
                facts = module.selfcheck_expectations.get(r.ref)
                if facts:
                    read["expect"] = {k: resolve(v) for k, v in facts.items()}
                reads.append(read)
            parts.append({"id": p.id, "reads": reads})
        exercises.append({"id": e.id, "number": e.number,
                          "title": {"pt": e.title_pt, "en": e.title_en}, "parts": parts})
    weights = {e.id: [[p.id, r.name] for p in e.parts for r in p.reads if r.type == "keras_model"]
               for e in module.contract.exercises if e.id in module.replayable}
    return {"module": module.name, "profile": profile.name,
            "letter_choices": module.contract.letter_choices, "mime": SELFCHECK_MIME,
            "exercises": exercises, **({"weights": weights} if any(weights.values()) else {})}


def _raw_literal(text: str, what: Msg | str) -> str:
    """``text`` as a raw triple-quoted Python literal (readable in the notebook); ``what`` names
    it in an error (a file's path, or a ``Msg``)."""
    if "'''" in text or text.endswith("\\"):
        raise SourceError(msg("authoring_cannot_embed", what=what),
                          fix=msg("authoring_cannot_embed_fix", what=what))
    return "r'''\n" + text.strip("\n") + "\n'''"


def _engine_source(name: str) -> str:
    return (Path(str(resources.files("autograder"))) / name).read_text(encoding="utf-8")


def selfcheck_source(module: Module, profile: Profile) -> str:
    """The first code cell: defines ``check`` from the embedded contract, probe and checker."""
    config = json.dumps(selfcheck_config(module, profile), ensure_ascii=False, indent=1,
                        sort_keys=True)
    first, last = module.contract.exercises[0].id, module.contract.exercises[-1].id
    probe = _engine_source("probe.py")
    runtime = _engine_source("selfcheck_runtime.py")
    return "\n".join([
        "# Autoverificação — célula gerada automaticamente; não a edite.",
        "# Define check(exercicio): confere se os nomes pedidos em cada exercício existem e têm o",
        "# tipo e o formato esperados, sem revelar respostas. Funciona sem internet (Python e NumPy).",
        "import json as _ag_json",
        "import types as _ag_types",
        "",
        f"_AG_CONFIG = _ag_json.loads({_raw_literal(config, msg('authoring_contract_json'))})",
        "",
        f"_AG_PROBE_SOURCE = {_raw_literal(probe, 'autograder/probe.py')}",
        "",
        f"_AG_CHECK_SOURCE = {_raw_literal(runtime, 'autograder/selfcheck_runtime.py')}",
        "",
        "",
        "def _ag_module(name, source):",
        "    module = _ag_types.ModuleType(name)",
        '    exec(compile(source, "<" + name + ">", "exec"), module.__dict__)',
        "    return module",
        "",
        "",
        'check = _ag_module("autoverificacao", _AG_CHECK_SOURCE).make_check(',
        '    _AG_CONFIG, _ag_module("autograder_probe", _AG_PROBE_SOURCE), globals())',
        f"print('Autoverificação pronta: ao final de cada exercício rode check(\"{first}\"), ..., "
        f"check(\"{last}\").')",
    ])


def rendered_cells(module: Module, profile: Profile, kind: Kind) -> tuple[Cell, ...]:
    """Every cell of one notebook kind, rendered for ``profile``."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    out = []
    for c in module.cells:
        where = f"{module.path}:{c.line}"
        if c.role == "text":
            source = c.student
        elif c.role == "letter":
            source = _letter_source(module, c.exercise, kind)
        elif c.role == "selfcheck" and not c.student:
            source = selfcheck_source(module, profile)
        else:
            source = render_code(c.solution if kind == "solution" else c.student, profile, where)
        out.append(Cell(c.id, c.exercise, c.part, c.role, c.cell_type, source))
    return tuple(out)


def authored_cells(module: Module, profile: Profile) -> tuple[Cell, ...]:
    """The cells handed to students for ``profile``, in order.

    The grader restores instructor-owned cells ("given", "text", "selfcheck") from these when a
    student edited or deleted them. Answer and letter cells carry the student version.
    """
    return rendered_cells(module, profile, "student")


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def cell_metadata(cell: Cell) -> dict[str, Any]:
    """``metadata.autograder`` of one cell (the format the grader relies on)."""
    meta: dict[str, Any] = {"id": cell.id, "exercise": cell.exercise, "part": cell.part,
                            "role": cell.role}
    if cell.role in CHECKSUM_ROLES:
        meta["checksum"] = sha256_text(cell.source)
    return meta


def _names(sources: Sequence[str]) -> tuple[set[str], set[str]]:
    """(names bound or imported, names loaded) by the code (``ast`` only, magics blanked; a cell
    that is not Python is left out)."""
    bound: set[str] = set()
    loaded: set[str] = set()
    for source in sources:
        tree = parse(source)
        if tree is None:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Name):
                (loaded if isinstance(node.ctx, ast.Load) else bound).add(node.id)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                bound.add(node.name)
            elif isinstance(node, ast.arg):
                bound.add(node.arg)
            elif isinstance(node, ast.ExceptHandler) and node.name:
                bound.add(node.name)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                bound.update((a.asname or a.name).split(".")[0] for a in node.names)
    return bound, loaded


def undeclared_needs(cells: Sequence[Cell], contract: Contract) -> list[Msg]:
    """Exercises whose executed cells use a name that only an earlier exercise binds, without
    that exercise in the contract's ``needs``: the grader skips unanswered exercises, so the name
    would be undefined there. Intro cells always run and count for every exercise."""
    code = [c for c in cells if c.cell_type == "code" and c.role in ("given", "answer", "letter")]
    intro = [c.source for c in cells if c.exercise == "intro" and c.cell_type == "code"
             and c.role != "selfcheck"]
    bound_by = {e.id: _names([c.source for c in code if c.exercise == e.id])[0] for e in contract.exercises}
    problems: list[Msg] = []
    for k, e in enumerate(contract.exercises):
        bound, loaded = _names([*intro, *(c.source for c in code if c.exercise == e.id)])
        free = loaded - bound - set(dir(builtins))
        needed, stack = set(), list(e.needs)
        while stack:  # what the declared needs bind, transitively
            n = stack.pop()
            if n not in needed:
                needed.add(n)
                free -= bound_by.get(n, set())
                stack.extend(contract.exercise(n).needs)
        origin: dict[str, list[str]] = {}
        for name in sorted(free):  # the nearest earlier exercise that binds it
            src = next((x.id for x in reversed(contract.exercises[:k]) if name in bound_by[x.id]), None)
            if src:
                origin.setdefault(src, []).append(name)
        problems += [msg("authoring_undeclared_need", exercise=e.id, names=", ".join(names), source=src)
                     for src, names in origin.items()]
    return problems


def notebook(assignment: Assignment, kind: Kind, profile: Profile | str) -> nbformat.NotebookNode:
    """The student or solution notebook of ``assignment`` for ``profile`` (deterministic).
    Raises SourceError when an exercise uses another's names undeclared (``undeclared_needs``)."""
    mod = load_source(assignment)
    profile = assignment.profile(profile) if isinstance(profile, str) else profile
    solution = rendered_cells(mod, profile, "solution")
    problems = undeclared_needs(solution, mod.contract)
    if problems:
        raise SourceError(msg("authoring_undeclared_needs", problems=bullets(problems)),
                          where=str(mod.path), fix=msg("authoring_undeclared_needs_fix"))
    cells = []
    for c in solution if kind == "solution" else rendered_cells(mod, profile, kind):
        meta = {"autograder": cell_metadata(c), "tags": [c.exercise]}
        if c.cell_type == "markdown":
            node = nbformat.v4.new_markdown_cell(c.source, metadata=meta)
        else:
            node = nbformat.v4.new_code_cell(c.source, metadata=meta)
        node["id"] = c.id
        cells.append(node)
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata = nbformat.from_dict({
        "kernelspec": dict(KERNELSPEC),
        "language_info": {"name": "python"},
        "autograder": {"module": mod.name, "assignment": assignment.name,
                       "assignment_version": assignment.version, "kind": kind, "profile": profile.name,
                       "profile_settings": profile.to_dict(), "source_sha256": mod.source_sha256,
                       "title": mod.contract.title},
    })
    nbformat.validate(nb)
    return cast(nbformat.NotebookNode, nb)


def notebook_text(nb: nbformat.NotebookNode) -> str:
    """The bytes written to disk (nbformat's canonical JSON, one trailing newline)."""
    text = str(nbformat.writes(nb))
    return text if text.endswith("\n") else text + "\n"


def write_all(assignment: Assignment, out_dir: Path, profile: Profile | str) -> dict[str, Path]:
    """Write ``student.ipynb`` and ``solution.ipynb`` for ``profile`` into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for kind in KINDS:
        path = out_dir / f"{kind}.ipynb"
        path.write_text(notebook_text(notebook(assignment, kind, profile)), encoding="utf-8")
        written[kind] = path
    return written


def stale_generated(assignment: Assignment, profile: str = "full") -> list[Path]:
    """The committed notebooks (``generated/``, full profile) that differ from what the source
    generates now."""
    stale = []
    for kind in KINDS:
        path = assignment.generated_dir / f"{kind}.ipynb"
        want = notebook_text(notebook(assignment, kind, profile))
        if not path.is_file() or path.read_text(encoding="utf-8") != want:
            stale.append(path)
    return stale
