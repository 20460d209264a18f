"""Gradescope: ``results.json`` from a grading result, and the autograder bundle.

``results.json`` follows Gradescope's autograder specification
(https://gradescope-autograders.readthedocs.io/en/latest/specs/): a top-level ``score``,
``execution_time``, ``output``, ``visibility`` and one entry in ``tests`` per check with
``name``, ``number``, ``score``, ``max_score``, ``status`` ("passed"/"failed"), ``output`` and
``visibility``. Outputs are translated sentences; expected values follow the report's reveal
rule. With ``reveal="after_due"`` before the due date, the visible tests use the hidden
messages and one extra test (0 points, ``visibility: "after_due_date"``) lists the expected
values, so Gradescope itself shows them once the due date has passed.

The bundle (``write_bundle``) is the zip Gradescope builds its image from: ``setup.sh``
(a venv in ``/autograder/venv`` with CPU TensorFlow, Keras, NumPy and scikit-learn pinned to
the versions the key was built with, this package, then the datasets; choose a base image
whose ``python3`` can install those pins, e.g. Ubuntu 24.04 for NumPy 2.4) and
``run_autograder`` (grades ``/autograder/submission/*.ipynb`` with
``autograder grade``, then ``python -m autograder.export.gradescope`` turns the result into
``/autograder/results/results.json``). ``AUTOGRADER_GS_ROOT`` relocates ``/autograder``
(tests); ``AUTOGRADER_GS_GRADE_CMD`` replaces the grading command.
"""

from __future__ import annotations

import argparse
import json
import shutil
import stat
import sys
import zipfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from autograder import templating
from autograder.assignment import Assignment, load_assignment
from autograder.errors import AutograderError
from autograder.i18n import translate
from autograder.keymodel import load_key
from autograder.report import (
    REVEALS,
    check_message,
    error_sentence,
    exercise_title,
    may_show_expected,
    misconception_text,
    parse_due,
    show_value,
    tolerance_text,
)
from autograder.results import GradeResult, load_result

VISIBILITY = ("hidden", "after_due_date", "after_published", "visible")
PACKAGE_PARTS = ("pyproject.toml", "README.md", "LICENSE", "autograder", "templates", "assignments")


def _f(x: float) -> str:
    return templating.format_number(float(x))


def _summary(result: GradeResult, assignment: Assignment | None, lang: str) -> str:
    lines = [f"{translate('report_total', lang)}: {_f(result.score)} / {_f(result.max_score)}"]
    lines += [str(m) for m in result.messages]
    for e in result.exercises:
        line = f"{exercise_title(e, assignment, lang)}: {_f(e.score)} / {_f(e.max_score)}"
        if e.status not in ("ok", "not_computed") and result.status == "graded":
            line += f" ({translate(f'status_{e.status}', lang)})"
        lines.append(line)
        if e.error is not None:
            lines.append(f"    {error_sentence(e, lang)}")
    warnings = (result.key or {}).get("warnings", [])
    lines += [f"{translate('report_key_warnings', lang)}: {w}" for w in warnings]
    not_enforced = (result.sandbox or {}).get("not_enforced", [])
    lines += [translate("limit_not_enforced", lang, what=w) for w in not_enforced]
    return "\n".join(lines)


def results_json(result: GradeResult, *, lang: str = "pt", reveal: str = "never",
                 due: datetime | None = None, now: datetime | None = None,
                 assignment: Assignment | None = None) -> dict[str, Any]:
    """Gradescope's results.json for one grading result (plain data, JSON-ready)."""
    show = may_show_expected(reveal, due, now)
    tests: list[dict[str, Any]] = []
    answers: list[str] = []
    for e in result.exercises:
        title = exercise_title(e, assignment, lang)
        err = error_sentence(e, lang)
        for i, c in enumerate(e.checks, start=1):
            out = [check_message(c, lang, show)]
            if c.misconception:
                out.append(misconception_text(c.misconception.id, lang,
                                              assignment.messages if assignment else None))
            if err and c.status in ("not_run", "missing"):
                out.append(translate("gs_error_context", lang, error=err))
            tests.append({
                "name": f"{title} · {c.id}", "number": f"{e.number}.{i}",
                "score": float(c.points), "max_score": float(c.max_points),
                "status": "passed" if c.status == "pass" else "failed",
                "output": "\n".join(x for x in out if x), "visibility": "visible",
            })
            if not show and c.status != "pass" and c.expected is not None:
                tol = tolerance_text(c, lang, True)
                answers.append(f"{c.id}: {translate('report_expected', lang)} {show_value(c.expected)}"
                               + (f" ({tol})" if tol else ""))
    if answers and reveal == "after_due":
        tests.append({"name": translate("gs_expected_title", lang), "score": 0.0, "max_score": 0.0,
                      "output": "\n".join(answers), "visibility": "after_due_date"})
    return {
        "score": float(result.score),
        "execution_time": int(round(sum(e.seconds for e in result.exercises))),
        "output": _summary(result, assignment, lang),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {"student": result.student.id, "status": result.status,
                       "grader_version": result.grader_version,
                       "key_profile": (result.key or {}).get("profile", ""),
                       "key_sha256": (result.key or {}).get("sha256", ""),
                       "result_schema_version": result.schema_version},
    }


def failure_json(message: str, log: str = "") -> dict[str, Any]:
    """results.json when there is no grading result (no notebook, or the grader failed)."""
    return {"score": 0.0, "output": message, "visibility": "visible", "stdout_visibility": "hidden",
            "tests": [], "extra_data": {"grader_log_tail": log[-2000:]}}


# ---- the bundle ----------------------------------------------------------------------------

def package_root() -> Path:
    """The source checkout this package runs from (it holds pyproject.toml)."""
    root = Path(__file__).resolve().parents[2]
    if not (root / "pyproject.toml").is_file():
        raise AutograderError("Cannot find the grader's source (pyproject.toml) to put in the bundle.",
                              where=str(root), fix="run from a source checkout (pip install -e .).")
    return root


SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image. Everything goes into
# a venv (Ubuntu 24.04 refuses system-wide pip installs); run_autograder uses it.
set -euo pipefail
ROOT="${{AUTOGRADER_GS_ROOT:-/autograder}}"
SRC="$ROOT/source"
VENV="$ROOT/venv"
if ! python3 -c "import ensurepip, venv" >/dev/null 2>&1; then
    apt-get update && apt-get install -y python3 python3-venv python3-pip
fi
python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --upgrade pip
# the versions the answer key was built with (Python {python}): other versions train to other numbers
"$VENV/bin/python" -m pip install {pins}
"$VENV/bin/python" -m pip install "$SRC/dl_autograder"
if [ -d "$SRC/data" ]; then
    "$VENV/bin/autograder" data install --from "$SRC/data"
else
    "$VENV/bin/autograder" data install
fi
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission, from /autograder.
# AUTOGRADER_GS_ROOT relocates /autograder (tests); AUTOGRADER_GS_PYTHON and
# AUTOGRADER_GS_GRADE_CMD replace the venv's python and grading command.
set -uo pipefail
ROOT="${{AUTOGRADER_GS_ROOT:-/autograder}}"
SRC="$ROOT/source"
OUT="$ROOT/results"
if [ -x "$ROOT/venv/bin/python" ]; then
    PY="${{AUTOGRADER_GS_PYTHON:-$ROOT/venv/bin/python}}"
    GRADE_CMD="${{AUTOGRADER_GS_GRADE_CMD:-$ROOT/venv/bin/autograder grade}}"
else
    PY="${{AUTOGRADER_GS_PYTHON:-python3}}"
    GRADE_CMD="${{AUTOGRADER_GS_GRADE_CMD:-autograder grade}}"
fi
mkdir -p "$OUT"
convert=("$PY" -m autograder.export.gradescope --assignment "$SRC/assignment"
         --lang "${{AUTOGRADER_GS_LANG:-{lang}}}" --reveal "${{AUTOGRADER_GS_REVEAL:-{reveal}}}"
         --metadata "$ROOT/submission_metadata.json")
shopt -s nullglob
subs=("$ROOT"/submission/*.ipynb)
if [ "${{#subs[@]}}" -eq 0 ]; then
    exec "${{convert[@]}}" --no-submission "$OUT/results.json"
fi
rm -f "$OUT/result.json"
# shellcheck disable=SC2086
$GRADE_CMD "${{subs[0]}}" --assignment "$SRC/assignment" --key "$SRC/key.json" --out "$OUT/result.json" \\
    --lang "${{AUTOGRADER_GS_LANG:-{lang}}}" >"$OUT/grader.log" 2>&1
echo "grader exit status $?"
cat "$OUT/grader.log"
if [ -s "$OUT/result.json" ]; then
    exec "${{convert[@]}}" "$OUT/result.json" "$OUT/results.json"
fi
exec "${{convert[@]}}" --grader-failed "$OUT/grader.log" "$OUT/results.json"
"""


def _environment(key_path: Path) -> dict[str, str]:
    return dict(load_key(key_path).environment.to_dict())


def _pins(env: dict[str, str]) -> str:
    pins = [f"tensorflow-cpu=={env['tensorflow']}" if env.get("tensorflow") else "tensorflow-cpu"]
    pins += [f"{pkg}=={env[name]}" for pkg, name in (("keras", "keras"), ("numpy", "numpy"),
                                                     ("scikit-learn", "scikit_learn")) if env.get(name)]
    return " ".join(f'"{p}"' for p in pins)


def _ignore(folder: str, names: list[str]) -> list[str]:
    """What the bundle leaves out of the grader's source: caches, and every committed answer key
    (their folders stay, empty, because the package lists them)."""
    skip = [n for n in names if n in ("__pycache__", "build", "dist") or n.endswith((".pyc", ".egg-info"))
            or n.startswith(".venv")]
    if "keys" in Path(folder).parts:
        skip += [n for n in names if (Path(folder) / n).is_file()]
    return skip


def _copy_package(dest: Path) -> None:
    root = package_root()
    ignore = _ignore
    dest.mkdir(parents=True, exist_ok=True)
    for part in PACKAGE_PARTS:
        src = root / part
        if src.is_dir():
            shutil.copytree(src, dest / part, ignore=ignore, dirs_exist_ok=True)
        elif src.is_file():
            shutil.copy2(src, dest / part)
    if not (dest / "README.md").exists():  # pyproject.toml names it; pip refuses without it
        (dest / "README.md").write_text("dl-autograder (bundled for Gradescope)\n", encoding="utf-8")


def _executable(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8", newline="\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def write_bundle(out_dir: Path, key_path: Path, assignment: Assignment, *, lang: str = "pt",
                 reveal: str = "never",
                 datasets_dir: Path | None = None) -> Path:
    """Write the bundle folder ``out_dir`` and ``out_dir.zip`` (files at the zip's root, as
    Gradescope wants); returns the zip's path."""
    if reveal not in REVEALS:
        raise ValueError(f"reveal must be one of {', '.join(REVEALS)}, got {reveal!r}")
    out_dir = Path(out_dir)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    shutil.copy2(key_path, out_dir / "key.json")
    _copy_package(out_dir / "dl_autograder")
    # the assignment travels as a folder of its own (it may live outside this package); its
    # committed keys stay behind: the bundle's one key is key.json
    shutil.copytree(assignment.root, out_dir / "assignment",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "keys", "*.log"))
    if datasets_dir is not None:
        shutil.copytree(datasets_dir, out_dir / "data")
    env = _environment(key_path)
    _executable(out_dir / "setup.sh", SETUP_SH.format(pins=_pins(env), python=env.get("python", "?")))
    _executable(out_dir / "run_autograder", RUN_AUTOGRADER.format(lang=lang, reveal=reveal))
    zpath = out_dir.with_suffix(".zip")
    with zipfile.ZipFile(zpath, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(out_dir.rglob("*")):
            if path.is_file():
                info = zipfile.ZipInfo.from_file(path, path.relative_to(out_dir).as_posix())
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, path.read_bytes())
    return zpath


# ---- python -m autograder.export.gradescope ------------------------------------------------

def _due_from_metadata(path: Path | None) -> datetime | None:
    """The assignment's due date from Gradescope's submission_metadata.json, if any."""
    if path is None or not Path(path).is_file():
        return None
    try:
        meta = json.loads(Path(path).read_text(encoding="utf-8"))
        return parse_due((meta.get("assignment") or {}).get("due_date"))
    except (OSError, ValueError, AttributeError):
        return None


def _write_json(path: Path, data: dict[str, Any]) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(data, indent=1, ensure_ascii=False, allow_nan=False), encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m autograder.export.gradescope",
                                description="Grading result JSON -> Gradescope results.json")
    p.add_argument("paths", nargs="+", metavar="PATH", help="RESULT.json OUT.json, or OUT.json with "
                   "--no-submission / --grader-failed")
    p.add_argument("--lang", choices=("pt", "en"), default="pt")
    p.add_argument("--reveal", choices=REVEALS, default="never")
    p.add_argument("--due", default=None, help="ISO 8601 due date (default: from --metadata)")
    p.add_argument("--metadata", type=Path, default=None, help="Gradescope's submission_metadata.json")
    p.add_argument("--assignment", default=None, help="the assignment's name or folder (for titles)")
    p.add_argument("--no-submission", action="store_true", help="write a 0-score results.json")
    p.add_argument("--grader-failed", type=Path, default=None, metavar="LOG",
                   help="write a 0-score results.json saying the grader failed")
    a = p.parse_args(argv)
    if a.no_submission or a.grader_failed:
        if len(a.paths) != 1:
            p.error("give only OUT.json with --no-submission / --grader-failed")
        if a.no_submission:
            _write_json(Path(a.paths[0]), failure_json(translate("gs_no_submission", a.lang)))
        else:
            failed: Path = a.grader_failed
            log = failed.read_text(encoding="utf-8", errors="replace") if failed.is_file() else ""
            _write_json(Path(a.paths[0]), failure_json(translate("gs_grader_failed", a.lang), log))
        return 0
    if len(a.paths) != 2:
        p.error("give RESULT.json OUT.json")
    due = parse_due(a.due) if a.due else _due_from_metadata(a.metadata)
    reveal = a.reveal
    if reveal == "after_due" and due is None:
        print("warning: --reveal after_due without a due date: expected values stay hidden", file=sys.stderr)
        reveal = "never"
    try:
        assignment: Assignment | None = load_assignment(a.assignment)
    except AutograderError:
        assignment = None
    result = load_result(Path(a.paths[0]))
    data = results_json(result, lang=a.lang, reveal=reveal, due=due, now=datetime.now(UTC),
                        assignment=assignment)
    _write_json(Path(a.paths[1]), data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
