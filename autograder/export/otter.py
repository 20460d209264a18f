"""An otter-grader assignment from the same authored source (otter 6/7 "assign" master format).

``master_notebook(profile, key_path)`` returns a master notebook for ``otter assign``:

* a raw ``# ASSIGNMENT CONFIG`` cell (exception-based tests kept in the notebook metadata,
  an autograder zip generated, tests not re-run by ``otter assign``; ``python_version`` and
  ``requirements`` pinned to the key's environment, so the zip installs TensorFlow/Keras);
* every text cell of the source as Markdown, outside the questions;
* one otter question per contract PART (``# BEGIN QUESTION`` / ``name: <part id>``), so otter's
  ``grader.check("<part id>")`` runs right after that part, before a later part reuses a name
  (``history`` in exercise 7). Inside a question: the given cells, each answer cell as a
  ``# BEGIN SOLUTION`` block (the student sees the comment and ``...``), the letter as
  ``resposta_N = "x"  # SOLUTION``, then ``# BEGIN TESTS``.
* Tests (numpy only): one public 0-point test that the part's names exist, and one HIDDEN test
  per contract check, worth the check's points, comparing with the answer key's value and
  tolerance (``close``: max(rel·|v|, abs); ``band``: inside one interval; letters: the key's
  letter). Model checks require a compiled model, so an untouched notebook scores zero.

The self-check cells are left out: otter brings its own ``grader.check``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import nbformat

from autograder.assignment import Assignment, Profile, load_assignment
from autograder.authoring import KERNELSPEC, Module, rendered_cells
from autograder.contract import Check, Part, Read
from autograder.errors import AutograderError, KeyError_
from autograder.i18n import msg, translate
from autograder.keymodel import AnswerKey, load_key

MASTER_NAME = "{module}.ipynb"
RESERVED = {"np", "value", "got", "expected", "env"}


class OtterExportError(AutograderError):
    """The contract asks for something this exporter cannot express as an otter test."""

    exit_code = 10


@dataclass(frozen=True)
class Accessor:
    """How to get a contract path's value out of a live object (``value``) in the kernel."""

    expression: str
    precondition: str = ""  # a condition asserted first (e.g. the model must be compiled)
    failed: str = ""  # the id of the sentence the student reads when it does not hold


def _say(message_id: str, lang: str) -> str:
    """A sentence of the catalogue as a Python string literal for the generated test code; its
    placeholders (values known only when the test runs) stay, for ``.format`` there."""
    return repr(translate(message_id, lang))


_COMPILED = ('getattr(value, "optimizer", None) is not None', "otter_test_not_compiled")
_HISTORY = ('isinstance(getattr(value, "history", None), dict)', "otter_test_not_history")
_ACCESSORS: tuple[tuple[str, str, Accessor], ...] = (
    ("keras_model", r"params", Accessor("int(value.count_params())", *_COMPILED)),
    ("keras_model", r"layers\[([\w,]+)\]", Accessor(  # lists, as the probe's plain JSON has them
        '__import__("json").loads(__import__("json").dumps([[type(layer).__name__ if k == "class" '
        'else layer.get_config().get(k) for k in "{0}".split(",")] for layer in value.layers]))',
        *_COMPILED)),
    ("keras_model", r"optimizer\.class", Accessor("type(value.optimizer).__name__", *_COMPILED)),
    ("keras_model", r"loss", Accessor(  # Keras's one name for it: 'mse' is mean_squared_error
        '(lambda f: getattr(f, "name", None) or getattr(f, "__name__", type(f).__name__))'
        '(__import__("keras").losses.get(value.loss))', *_COMPILED)),
    ("keras_model", r"optimizer\.(learning_rate|momentum)",
     Accessor('float(value.optimizer.get_config()["{0}"])', *_COMPILED)),
    ("keras_history", r"(epochs|steps)", Accessor('int(value.params["{0}"])', *_HISTORY)),
    ("keras_history", r"history\.(\w+)\[-1\]", Accessor('float(value.history["{0}"][-1])', *_HISTORY)),
    ("keras_history", r"history\.(\w+)", Accessor('[float(v) for v in value.history["{0}"]]', *_HISTORY)),
    ("array_stats", r"col_mean", Accessor(
        "np.asarray(value, dtype=float).reshape(len(value), -1).mean(axis=0)")),
    ("array_stats", r"max", Accessor("float(np.max(value))")),
    ("array", r"\[(-?\d+)\]", Accessor("float(np.asarray(value, dtype=float).ravel()[{0}])")),
    ("array", r"", Accessor("np.asarray(value, dtype=float)")),
    ("number", r"", Accessor("float(value)")),
    ("mapping", r"", Accessor("{str(int(k)): v for k, v in value.items()}")),
)


def accessor(read: Read, path: str, check_id: str = "") -> Accessor:
    """The accessor for ``path`` in a value of the read's type; OtterExportError if unknown."""
    for kind, pattern, acc in _ACCESSORS:
        m = re.fullmatch(pattern, path)
        if kind == read.type and m:
            expression = acc.expression
            for i, group in enumerate(m.groups()):
                expression = expression.replace(f"{{{i}}}", group)
            return Accessor(expression, acc.precondition, acc.failed)
    raise OtterExportError(msg("otter_unreadable_path", check=check_id or "?", path=path, ref=read.ref,
                               type=read.type),
                           where=check_id or read.ref, fix=msg("otter_unreadable_path_fix"))


# --------------------------------------------------------------------------------------------
# Test code for one check
# --------------------------------------------------------------------------------------------


def _function_name(check_id: str) -> str:
    return "test_" + re.sub(r"\W", "_", check_id)


def _config_header(points: float, hidden: bool) -> list[str]:
    return ['""" # BEGIN TEST CONFIG', f"points: {points:g}", f"hidden: {str(hidden).lower()}",
            '""" # END TEST CONFIG']


def _comparison(check: Check, key: AnswerKey, lang: str) -> list[str]:
    """Lines comparing ``got`` with the key quantity of ``check`` (inside the test function);
    what a failed assertion says is in ``lang``."""
    if check.kind == "letter":
        raise AssertionError("letters are handled by _letter_test")
    if check.kind == "band_map":
        prefix = check.key + "."
        bands = {qid[len(prefix):]: q.tolerance["intervals"]
                 for qid, q in sorted(key.quantities.items()) if qid.startswith(prefix)}
        if not bands:
            raise OtterExportError(msg("otter_no_band_quantities", prefix=prefix), where=check.id)
        return [f"bands = {bands!r}",
                "got = {k: float(v) for k, v in got.items()}",
                f"assert sorted(got) == sorted(bands), {_say('otter_test_other_keys', lang)}",
                "for k, intervals in bands.items():",
                "    assert any(lo <= got[k] <= hi for lo, hi in intervals), "
                f"{_say('otter_test_key_outside_band', lang)}.format(key=k)"]
    q = key.quantity(check.key)
    tol = q.tolerance
    if tol["kind"] == "exact" or check.kind == "exact":
        return [f"expected = {q.value!r}",
                f"assert got == expected, {_say('otter_test_not_equal', lang)}"]
    if tol["kind"] == "close":
        return [f"expected = np.asarray({q.value!r}, dtype=float)",
                "got = np.asarray(got, dtype=float)",
                f"assert got.shape == expected.shape, {_say('otter_test_other_shape', lang)}",
                f"margin = np.maximum({float(tol.get('rel', 0.0))!r} * np.abs(expected), "
                f"{float(tol.get('abs', 0.0))!r})",
                "assert np.all(np.abs(got - expected) <= margin), "
                f"{_say('otter_test_outside_tolerance', lang)}"]
    if tol["kind"] == "band":
        return [f"intervals = {tol['intervals']!r}",
                "assert any(lo <= got <= hi for lo, hi in intervals), "
                f"{_say('otter_test_outside_band', lang)}"]
    raise OtterExportError(msg("otter_unknown_tolerance", kind=tol["kind"], key=check.key), where=check.id)


def _indent(lines: list[str]) -> list[str]:
    return ["    " + line if line else "" for line in lines]


def _value_test(check: Check, read: Read, key: AnswerKey, lang: str) -> list[str]:
    acc = accessor(read, check.path, check.id)
    body = ["import numpy as np", f"value = {read.name}",
            f"assert value is not None, {translate('otter_test_undefined', lang, name=read.name)!r}"]
    if acc.precondition:
        body.append(f"assert {acc.precondition}, {_say(acc.failed, lang)}")
    body.append(f"got = {acc.expression}")
    body += _comparison(check, key, lang)
    fn = _function_name(check.id)
    return [f"def {fn}({read.name}):", f'    """{check.id}: {check.path or read.name}"""',
            *_indent(body), "", f"{fn}({read.name})  # IGNORE"]


def _ordering_test(check: Check, reads: list[Read], key: AnswerKey, lang: str) -> list[str]:
    names = [r.name for r in reads]
    order = key.quantity(check.key).value
    fn = _function_name(check.id)
    body = ["import numpy as np",
            "means = {" + ", ".join(f'"{n}": float(np.mean({n}))' for n in names) + "}",
            f"assert sorted(means, key=means.get) == {order!r}, {_say('otter_test_wrong_order', lang)}"]
    return [f"def {fn}({', '.join(names)}):", f'    """{check.id}: order of the means"""',
            *_indent(body), "", f"{fn}({', '.join(names)})  # IGNORE"]


def _letter_test(check: Check, read: Read, letter: str, lang: str) -> list[str]:
    fn = _function_name(check.id)
    body = [f"text = {read.name}.strip().lower() if isinstance({read.name}, str) else \"\"",
            'if len(text) == 3 and text[0] == "(" and text[2] == ")":',
            "    text = text[1]",
            'elif len(text) == 2 and text[1] == ")":',
            "    text = text[0]",
            f'assert text == "{letter}", {_say("otter_test_other_letter", lang)}']
    return [f"def {fn}({read.name}):", f'    """{check.id}: the official letter"""',
            *_indent(body), "", f"{fn}({read.name})  # IGNORE"]


def _names_test(part: Part, lang: str) -> list[str]:
    names = [r.name for r in part.reads]
    fn = _function_name(part.id + "_nomes")
    body = [f"missing = [name for name in {names!r} if name not in env]",
            f'assert not missing, {_say("otter_test_define", lang)}.format(names=", ".join(missing))']
    return [f"def {fn}(env):", f'    """{part.id}: the names this part must define"""',
            *_indent(body), "", f"{fn}(globals())  # IGNORE"]


def part_tests(module: Module, part: Part, key: AnswerKey, lang: str = "pt") -> list[str]:
    """Sources of the test cells of one part: the public names test, then one hidden test per check;
    what a failed test tells the student is in ``lang``."""
    exercise = module.contract.exercise(module.contract.part_owner()[part.id])
    reads = module.contract.reads()
    clash = [r.name for r in part.reads if r.name in RESERVED]
    if clash:
        raise OtterExportError(msg("otter_reserved_names", part=part.id, names=", ".join(clash)),
                               where=part.id)
    cells = ["\n".join(_config_header(0, hidden=False) + _names_test(part, lang))]
    for check in exercise.checks:
        refs = (check.read,) if check.read else check.reads
        if not refs or refs[0].split(":", 1)[0] != part.id:
            continue
        if check.kind == "letter":
            lines = _letter_test(check, reads[check.read], key.letter(exercise.number), lang)
        elif check.kind == "ordering":
            lines = _ordering_test(check, [reads[r] for r in check.reads], key, lang)
        else:
            lines = _value_test(check, reads[check.read], key, lang)
        cells.append("\n".join(_config_header(check.points, hidden=True) + lines))
    return cells


def part_points(module: Module, part: Part) -> float:
    exercise = module.contract.exercise(module.contract.part_owner()[part.id])
    return sum(c.points for c in exercise.checks
               if (refs := ((c.read,) if c.read else c.reads)) and refs[0].split(":", 1)[0] == part.id)


def unexpressed(module: Module) -> list[str]:
    """Checks that read no name (``source`` checks examine the code itself): otter tests only
    see the notebook's variables, so they are left out of the master and its points with them."""
    return [c.id for e in module.contract.exercises for c in e.checks if not c.read and not c.reads]


# --------------------------------------------------------------------------------------------
# The master notebook
# --------------------------------------------------------------------------------------------


def requirements(environment: dict[str, str]) -> list[str]:
    """The packages the key was built with, pinned, for otter's autograder environment."""
    pins = [("tensorflow-cpu", "tensorflow"), ("keras", "keras"), ("numpy", "numpy"),
            ("scikit-learn", "scikit_learn")]
    return [f"{pkg}=={environment[name]}" if environment.get(name) not in (None, "", "unknown") else pkg
            for pkg, name in pins]


def python_version(environment: dict[str, str]) -> str:
    """major.minor of the key's Python (otter installs it with conda), e.g. "3.11"."""
    m = re.match(r"(\d+)\.(\d+)", environment.get("python", ""))
    return f"{m.group(1)}.{m.group(2)}" if m else "3.11"


def assignment_config(module: Module, profile: Profile, environment: dict[str, str] | None = None) -> str:
    """The ``# ASSIGNMENT CONFIG`` raw cell (YAML). ``requirements`` and ``python_version`` come
    from the key's environment fingerprint, so the autograder zip ``otter assign`` builds has
    the TensorFlow/Keras the key was built with (otter's default environment has neither)."""
    env = environment or {}
    return "\n".join([
        "# ASSIGNMENT CONFIG",
        f"name: {module.name}",
        "init_cell: true",
        "check_all_cell: false",
        "export_cell: false",
        "run_tests: false",
        "show_question_points: true",
        "generate: true",
        "tests:",
        "    files: false",
        "    ok_format: false",
        f'python_version: "{python_version(env)}"',
        "requirements:",
        *[f"    - {req}" for req in requirements(env)],
        f"# profile: {profile.name}",
    ])


def _raw(text: str) -> nbformat.NotebookNode:
    return cast(nbformat.NotebookNode, nbformat.v4.new_raw_cell(text))


def _letter_solution(source: str, lang: str = "pt") -> str:
    """``resposta_N = "x"  # SOLUTION`` (otter shows ``resposta_N = ...``), justification dropped."""
    line = source.splitlines()[-1]
    return f"# {translate('otter_letter_prompt', lang)}\n" + line + "  # SOLUTION"


def master_notebook(assignment: Assignment, profile: Profile, key_path: Path,
                    lang: str | None = None) -> nbformat.NotebookNode:
    """The otter master notebook for ``profile``; tests compare with the key at ``key_path``.
    What the notebook says to the student (failed tests, prompts) is in ``lang``, by default
    the assignment's language."""
    lang = lang or assignment.language
    mod = assignment.authored
    key = load_key(Path(key_path))
    if key.profile != profile.name:
        raise KeyError_(msg("otter_key_profile", key=key.profile, profile=profile.name),
                        where=str(key_path), fix=msg("otter_key_profile_fix", key=key.profile,
                                                     profile=profile.name))
    student = {c.id: c for c in rendered_cells(mod, profile, "student")}
    parts = {p.id: p for e in mod.contract.exercises for p in e.parts}
    cells: list[nbformat.NotebookNode] = [_raw(assignment_config(mod, profile, key.environment.to_dict()))]
    current = ""
    owner = mod.contract.part_owner()
    for c in rendered_cells(mod, profile, "solution"):
        # a question ends at the next part, or at a cell of another exercise; a text cell inside
        # a part (the sheet explains between two of its cells) stays in the question
        if current and ((c.part and c.part != current) or (not c.part and c.exercise != owner[current])):
            cells += _close_question(mod, parts[current], key, lang)
            current = ""
        if c.role == "selfcheck":
            continue
        if c.role == "text":
            cells.append(nbformat.v4.new_markdown_cell(c.source))
            continue
        if c.part != current:
            points = part_points(mod, parts[c.part])
            cells.append(_raw(f"# BEGIN QUESTION\nname: {c.part}\npoints: {points:g}"))
            current = c.part
        if c.role == "given":
            cells.append(nbformat.v4.new_code_cell(c.source))
        elif c.role == "answer":
            code = f"{student[c.id].source}\n# BEGIN SOLUTION\n{c.source}\n# END SOLUTION"
            cells += [_raw("# BEGIN SOLUTION"), nbformat.v4.new_code_cell(code), _raw("# END SOLUTION")]
        elif c.role == "letter":
            cells += [_raw("# BEGIN SOLUTION"), nbformat.v4.new_code_cell(_letter_solution(c.source, lang)),
                      _raw("# END SOLUTION")]
    if current:
        cells += _close_question(mod, parts[current], key, lang)
    for i, cell in enumerate(cells):
        cell["id"] = f"otter-{i:03d}"
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata = nbformat.from_dict({"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}})
    nbformat.validate(nb)
    return cast(nbformat.NotebookNode, nb)


def _close_question(module: Module, part: Part, key: AnswerKey, lang: str) -> list[nbformat.NotebookNode]:
    tests = [nbformat.v4.new_code_cell(src) for src in part_tests(module, part, key, lang)]
    return [_raw("# BEGIN TESTS"), *tests, _raw("# END TESTS"), _raw("# END QUESTION")]


def write_master(assignment: Assignment, out_dir: Path, profile: Profile, key_path: Path,
                 lang: str | None = None) -> Path:
    """Write the master notebook as ``<out_dir>/<assignment>.ipynb`` and return its path (its
    sentences in ``lang``, by default the assignment's language)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / MASTER_NAME.format(module=assignment.name)
    text = nbformat.writes(master_notebook(assignment, profile, key_path, lang))
    path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """CLI: write the otter master notebook (then run ``otter assign`` on it)."""
    parser = argparse.ArgumentParser(prog="python -m autograder.export.otter", description=main.__doc__)
    parser.add_argument("--key", required=True, type=Path, help="key.json of the same profile")
    parser.add_argument("--profile", default="full")
    parser.add_argument("--out", required=True, type=Path, help="folder for the master notebook")
    parser.add_argument("--assignment", default=None, help="name or folder (default: the only one installed)")
    parser.add_argument("--lang", choices=("pt", "en"), default=None,
                        help="language of the notebook's sentences and of errors (default: the assignment's)")
    args = parser.parse_args(argv)
    lang = args.lang or "en"
    try:
        assignment = load_assignment(args.assignment)
        lang = args.lang or assignment.language
        path = write_master(assignment, args.out, assignment.profile(args.profile), args.key, lang)
    except (AutograderError, ValueError) as exc:
        print(exc.message(lang) if isinstance(exc, AutograderError) else str(exc), file=sys.stderr)
        return getattr(exc, "exit_code", 2)
    print(json.dumps({"master": str(path)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
