"""Gradescope: ``results.json`` from a grading result, and the autograder bundle.

``results.json`` follows Gradescope's autograder specification (docs/specs.md of
gradescope/autograder_samples; https://gradescope-autograders.readthedocs.io/en/latest/specs/):
a top-level ``score``, ``execution_time``, ``output``, ``visibility``, ``stdout_visibility``,
``extra_data`` and one entry in ``tests`` per check (``name``, ``number``, ``score``,
``max_score``, ``status``, ``output``, ``visibility``). Outputs are translated sentences.

What students see and what only the instructor sees:

* Every test is ``visible``. Gradescope hides a student's total score while any test is hidden
  ("If test cases are hidden, students will not be able to see their total score"), so nothing
  is put in a hidden or ``after_due_date`` test.
* ``reveal="after_due"``: the expected values appear in the tests when the submission was made
  (``created_at`` in ``submission_metadata.json``, not the clock of a regrade) after the late
  due date if there is one, else the due date. Otherwise they are printed on the autograder's
  standard output with ``stdout_visibility: "after_due_date"``: Gradescope itself shows them to
  the student once the (late) due date has passed, and the total score stays visible.
* ``extra_data`` (stored with the submission, for the instructor) holds what the grading
  environment did not enforce, how the kernel was isolated, what the submission's code tried
  to reach, the notebooks that were not graded, the late record and the grader's log tail;
  never a value of the key.

The bundle (``write_bundle``) is the zip Gradescope builds its image from (README, "Gradescope"):
``setup.sh`` installs, in a prefix of its own (``/opt/dl-autograder``), the Python version and
the packages recorded in the key's environment fingerprint with uv (``uv python install``, or,
when uv cannot download it, a Python of the same minor version from the image, recorded in the
venv's ``python-origin.txt`` and in ``extra_data``; the system ``python3`` that runs Gradescope's
harness is never replaced), bubblewrap, the kernel user and the datasets; ``run_autograder``
locks ``/autograder`` down and calls ``python -m autograder.export.gradescope run``, which picks
the notebook, isolates the kernel (bubblewrap when it works here, else the separate user of
``gradescope_kernel``; never the grader's own user unless ``AUTOGRADER_GS_ALLOW_UNISOLATED=1``),
grades, applies the late policy and writes ``results/results.json``. ``AUTOGRADER_GS_ROOT``
relocates ``/autograder`` and ``AUTOGRADER_GS_PREFIX`` the prefix (tests).
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import platform
import pwd
import re
import shlex
import shutil
import stat
import subprocess
import sys
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from autograder import late as late_work
from autograder import templating
from autograder.assignment import Assignment, load_assignment
from autograder.errors import AutograderError
from autograder.i18n import msg, render, translate
from autograder.keymodel import load_key
from autograder.report import (
    REVEALS,
    check_message,
    error_sentence,
    exercise_title,
    key_warning_texts,
    message_texts,
    misconception_text,
    parse_due,
    show_value,
    tolerance_text,
)
from autograder.results import GradeResult, Student, load_result

VISIBILITY = ("hidden", "after_due_date", "after_published", "visible")
PACKAGE_PARTS = ("pyproject.toml", "README.md", "LICENSE", "autograder", "templates", "assignments")
UV_VERSION = "0.13.9"
DEFAULT_PREFIX = "/opt/dl-autograder"
KERNEL_USER = "student"
ISOLATIONS = ("auto", "bubblewrap", "user", "none")
# what a submission's code has no business reaching (reported to the instructor, never blocked
# by this list: the isolation does that)
PROBES = (("/autograder", r"/autograder"), ("key.json", r"key\.json"),
          ("the environment variables", r"os\.environ|getenv|/proc/[^\s'\"]*environ"),
          ("other processes", r"/proc/\d|/proc/self/|ptrace"),
          ("submission_metadata", r"submission_metadata"))


def _f(x: float) -> str:
    return templating.format_number(float(x))


# ---- reveal ---------------------------------------------------------------------------------

def reveal_now(reveal: str, *, due: datetime | None, late_due: datetime | None,
               created_at: datetime | None, now: datetime | None = None) -> bool:
    """Whether expected values may be shown in the tests: ``always``; or ``after_due`` when the
    submission was made (``created_at``; the clock only when Gradescope gave no time) after the
    late due date when there is one, else the due date."""
    if reveal not in REVEALS:
        raise ValueError(f"reveal must be one of {', '.join(REVEALS)}, got {reveal!r}")
    if reveal != "after_due":
        return reveal == "always"
    deadline = late_due or due
    if deadline is None:
        return False
    return (created_at or now or datetime.now(UTC)) >= deadline


def _summary(result: GradeResult, assignment: Assignment | None, lang: str) -> str:
    lines = [f"{translate('report_total', lang)}: {_f(result.score)} / {_f(result.max_score)}"]
    if line := late_work.sentence(result.late, lang):
        lines.append(line)
    lines += list(message_texts(result, lang, assignment))  # in the catalogue's words
    for e in result.exercises:
        line = f"{exercise_title(e, assignment, lang)}: {_f(e.score)} / {_f(e.max_score)}"
        if e.status not in ("ok", "not_computed") and result.status == "graded":
            line += f" ({translate(f'status_{e.status}', lang)})"
        lines.append(line)
        if e.error is not None:
            lines.append(f"    {error_sentence(e, lang, result)}")
    warnings = key_warning_texts(result, lang)
    lines += [f"{translate('report_key_warnings', lang)}: {w}" for w in warnings]
    return "\n".join(lines)


def expected_values(result: GradeResult, lang: str) -> list[str]:
    """One line per check the student did not pass: its expected value and tolerance."""
    out = []
    for e in result.exercises:
        for c in e.checks:
            if c.status != "pass" and c.expected is not None:
                tol = tolerance_text(c, lang, True)
                out.append(f"{c.id}: {translate('report_expected', lang)} {show_value(c.expected)}"
                           + (f" ({tol})" if tol else ""))
    return out


def results_json(result: GradeResult, *, lang: str = "pt", reveal: str = "never",
                 due: datetime | None = None, now: datetime | None = None,
                 assignment: Assignment | None = None, late_due: datetime | None = None,
                 created_at: datetime | None = None,
                 instructor: dict[str, Any] | None = None) -> dict[str, Any]:
    """Gradescope's results.json for one grading result (plain data, JSON-ready).

    With ``reveal="after_due"`` and the expected values still hidden, ``stdout_visibility`` is
    ``after_due_date``: print ``expected_values(result, lang)`` (and nothing else) on stdout."""
    show = reveal_now(reveal, due=due, late_due=late_due, created_at=created_at, now=now)
    tests: list[dict[str, Any]] = []
    for e in result.exercises:
        title = exercise_title(e, assignment, lang)
        err = error_sentence(e, lang, result)
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
    later = reveal == "after_due" and not show and bool(expected_values(result, lang))
    extra: dict[str, Any] = {
        "student": result.student.id, "status": result.status, "grader_version": result.grader_version,
        "key_profile": (result.key or {}).get("profile", ""),
        "key_sha256": (result.key or {}).get("sha256", ""),
        "result_schema_version": result.schema_version,
        "sandbox_backend": (result.sandbox or {}).get("backend", ""),
        "not_enforced": [render(str(w), lang) for w in (result.sandbox or {}).get("not_enforced", [])],
        "late": result.late,
    }
    extra.update(instructor or {})
    return {
        "score": float(result.score),
        "execution_time": int(round(sum(e.seconds for e in result.exercises))),
        "output": _summary(result, assignment, lang),
        "visibility": "visible",
        "stdout_visibility": "after_due_date" if later else "hidden",
        "tests": tests,
        "extra_data": extra,
    }


def failure_json(message: str, log: str = "", extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """results.json when there is no grading result (no notebook, or the grader failed)."""
    return {"score": 0.0, "output": message, "visibility": "visible", "stdout_visibility": "hidden",
            "tests": [], "extra_data": {"grader_log_tail": log[-2000:], **(extra or {})}}


# ---- the submission -------------------------------------------------------------------------

@dataclass(frozen=True)
class Choice:
    notebook: Path | None
    others: tuple[str, ...]  # notebooks that were not graded (relative paths)
    problem: str  # why nothing was chosen ("" when one was)


def choose_notebook(folder: Path, pattern: str = "") -> Choice:
    """The notebook to grade: the one the assignment names (``submission``, a name or a glob,
    matched against each notebook's path and name), else the only ``.ipynb``. Several
    candidates are never resolved by guessing: nothing is graded and all of them are named."""
    found = sorted(p for p in Path(folder).rglob("*.ipynb")
                   if p.is_file() and ".ipynb_checkpoints" not in p.parts and "__MACOSX" not in p.parts)
    rel = {p: p.relative_to(folder).as_posix() for p in found}
    if pattern:
        pat = pattern.casefold()
        matching = [p for p in found if fnmatch.fnmatch(rel[p].casefold(), pat)
                    or fnmatch.fnmatch(p.name.casefold(), pat)]
    else:
        matching = found
    others = tuple(rel[p] for p in found if p not in matching)
    if len(matching) == 1:
        return Choice(matching[0], others, "")
    if not matching:
        return Choice(None, others, "no_match" if pattern and found else "none")
    return Choice(None, tuple(rel[p] for p in found), "several")


def choice_message(choice: Choice, pattern: str, lang: str) -> str:
    names = ", ".join(choice.others) or "—"
    if choice.problem == "none":
        return translate("gs_no_submission", lang)
    if choice.problem == "no_match":
        return translate("gs_notebook_not_found", lang, pattern=pattern, found=names)
    if choice.problem == "several":
        return translate("gs_several_notebooks", lang, found=names,
                         what=pattern or translate("gs_one_notebook", lang))
    return translate("gs_other_notebooks", lang, found=names) if choice.others else ""


def attempts(notebook: bytes, root: Path | None = None) -> list[str]:
    """What the submission's code refers to that grading keeps away from it (for the
    instructor): the code of every cell, searched for the grading tree, the key, the
    environment variables and other processes."""
    try:
        cells = json.loads(notebook).get("cells", [])
        sources = [c.get("source", "") for c in cells if isinstance(c, dict) and c.get("cell_type") == "code"]
        code = "\n".join("".join(x) if isinstance(x, list) else str(x) for x in sources)
    except (ValueError, AttributeError, UnicodeDecodeError):
        return []
    probes = [*PROBES, *([(str(root), re.escape(str(root)))] if root and str(root) != "/autograder" else [])]
    return [what for what, pattern in probes if re.search(pattern, code)]


# ---- isolation ------------------------------------------------------------------------------

def _kernel_user(name: str) -> pwd.struct_passwd | None:
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        return None
    return entry if entry.pw_uid != 0 else None


def isolation_for(requested: str, kernel_user: str, lang: str = "en") -> tuple[str, str]:
    """(mode, why): "bubblewrap" when it works here as root, else "user" when the kernel user
    exists, else "none"; ``why`` (for the instructor) in ``lang``."""
    from autograder.sandbox.bubblewrap import bubblewrap_problem

    if requested not in ISOLATIONS:
        raise ValueError(f"isolation must be one of {', '.join(ISOLATIONS)}, got {requested!r}")
    root = os.geteuid() == 0
    why = []
    if requested in ("auto", "bubblewrap"):
        problem = bubblewrap_problem(shutil.which("bwrap"), root)
        if problem is None:
            return "bubblewrap", ""
        why.append(translate("gs_isolation_bubblewrap", lang, problem=problem))
        if requested == "bubblewrap":
            return "none", "; ".join(why)
    if requested in ("auto", "user"):
        if not root:
            why.append(translate("gs_isolation_needs_root", lang))
        elif _kernel_user(kernel_user) is None:
            why.append(translate("gs_isolation_no_user", lang, user=kernel_user))
        else:
            return "user", "; ".join(why)
    return "none", "; ".join(why) or translate("gs_isolation_none_asked", lang)


def check_secret(paths: Sequence[Path], uid: int, gid: int, python: str) -> list[str]:
    """The ``paths`` the kernel user CAN read (should be none), tried as that user."""
    probe = ("import sys\nfor p in sys.argv[1:]:\n    try:\n        open(p, 'rb').read(1)\n"
             "        print(p)\n    except OSError:\n        pass\n")
    done = subprocess.run([python, "-I", "-S", "-c", probe, *map(str, paths)], user=uid, group=gid,
                          extra_groups=[], capture_output=True, text=True, timeout=60, cwd="/",
                          env={"PATH": "/usr/bin:/bin"}, check=False)
    return [line for line in done.stdout.splitlines() if line]


# ---- the bundle ----------------------------------------------------------------------------

def package_root() -> Path:
    """The source checkout this package runs from (it holds pyproject.toml)."""
    root = Path(__file__).resolve().parents[2]
    if not (root / "pyproject.toml").is_file():
        raise AutograderError(msg("gs_no_source"), where=str(root), fix=msg("gs_no_source_fix"))
    return root


SETUP_SH = r"""#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image. Written for
# Gradescope's Ubuntu base images (22.04, the default, ships Python 3.10; 24.04 ships 3.12);
# it needs bash, apt-get and a python3 that can fetch uv from PyPI, nothing else of the image.
# The key was built with Python {python}: uv installs that version and the key's packages in a
# prefix of its own. The system python3 (Gradescope's harness runs on it) is never replaced.
# uv downloads Python from GitHub (python-build-standalone); where it cannot, a Python
# {minor} of this image is used instead (python{minor} on PATH, else apt-get python{minor}, which
# Ubuntu 22.04 has in universe), said here and recorded in $PREFIX/env/python-origin.txt; the
# grader's environment fingerprint then shows that patch version. With no Python {minor} at all
# the build stops with what to do.
#   AUTOGRADER_GS_ROOT          relocates /autograder (tests)
#   AUTOGRADER_GS_PREFIX        the prefix (default {prefix})
#   AUTOGRADER_GS_KERNEL_USER   the unprivileged user the student's kernel runs as (default {user})
#   AUTOGRADER_GS_PYTHON_FROM   an interpreter already on this machine instead of downloading
#                               Python {python} (offline tests; the key then warns if it differs)
#   AUTOGRADER_GS_APT=0         never call apt-get (tests)
set -euo pipefail
ROOT="${{AUTOGRADER_GS_ROOT:-/autograder}}"
SRC="$ROOT/source"
PREFIX="${{AUTOGRADER_GS_PREFIX:-{prefix}}}"
KERNEL_USER="${{AUTOGRADER_GS_KERNEL_USER:-{user}}}"
PYTHON_VERSION="{python}"
MINOR="{minor}"
UV_VERSION="{uv}"
export UV_PYTHON_INSTALL_DIR="$PREFIX/python" UV_NO_CONFIG=1 UV_PYTHON_DOWNLOADS=automatic
own_cache=0
if [ -z "${{UV_CACHE_DIR:-}}" ]; then export UV_CACHE_DIR="$PREFIX/cache"; own_cache=1; fi
log() {{ echo "setup: $*"; }}
apt_updated=0
apt_install() {{  # apt_install PKG...: without recommends; 1 when apt-get is not usable here
    command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && [ "${{AUTOGRADER_GS_APT:-1}}" != 0 ] \
        || return 1
    if [ "$apt_updated" = 0 ]; then apt-get update -qq || return 1; apt_updated=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}}

# 1. bubblewrap (the sandbox, where the container allows user namespaces) and pip for python3
need=()
command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
python3 -m pip --version >/dev/null 2>&1 || need+=(python3-pip)
if [ "${{#need[@]}}" -gt 0 ]; then
    apt_install "${{need[@]}}" || log "could not install ${{need[*]}}"
fi

# 2. uv, in the prefix (pip --target leaves the system python3 untouched)
mkdir -p "$PREFIX"
UV="$PREFIX/uv/bin/uv"
if ! "$UV" --version >/dev/null 2>&1; then
    python3 -m pip install --quiet --disable-pip-version-check --target "$PREFIX/uv" "uv==$UV_VERSION"
fi
export PYTHONPATH="$PREFIX/uv"  # the uv package finds its binary through it

# 3. the key's Python: Python $PYTHON_VERSION from uv, else a Python $MINOR of this image
minor_of() {{ "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null; }}
version_of() {{ "$1" -c 'import platform; print(platform.python_version())'; }}
venv_flags=()
if [ -n "${{AUTOGRADER_GS_PYTHON_FROM:-}}" ]; then
    log "using $AUTOGRADER_GS_PYTHON_FROM instead of downloading Python $PYTHON_VERSION"
    BASE="$AUTOGRADER_GS_PYTHON_FROM"
    origin="AUTOGRADER_GS_PYTHON_FROM=$BASE"
elif uv_error="$("$UV" python install "$PYTHON_VERSION" 2>&1)"; then
    BASE="$PYTHON_VERSION"
    venv_flags=(--managed-python)
    origin="uv python install $PYTHON_VERSION"
else
    printf '%s\n' "$uv_error" >&2
    first="${{uv_error%%$'\n'*}}" last="${{uv_error##*$'\n'}}"
    last="${{last#"${{last%%[![:space:]]*}}"}}"
    why="$first (${{last#cause: }})"
    log "uv could not install Python $PYTHON_VERSION (above); looking for Python $MINOR on this image"
    BASE="$(command -v "python$MINOR" || true)"
    if [ -z "$BASE" ]; then
        # beside the system python3, which stays what it is
        apt_install "python$MINOR" || log "apt-get could not install python$MINOR"
        BASE="$(command -v "python$MINOR" || true)"
    fi
    if [ -z "$BASE" ] || [ "$(minor_of "$BASE")" != "$MINOR" ]; then
        log "ERROR: no Python $MINOR here. The key was built with Python $PYTHON_VERSION; uv could not"
        log "  download it and this image has no python$MINOR (not on PATH, not from apt-get)."
        log "  What to do: let the build reach github.com (uv downloads Python from"
        log "  python-build-standalone's releases); or choose a Gradescope base image that packages"
        log "  python$MINOR (Ubuntu 22.04's universe has python3.11); or rebuild the key with a Python"
        log "  this image has (\`autograder key build\` under that Python) and export the bundle again."
        exit 1
    fi
    origin="python$MINOR of this image ($BASE), because uv python install $PYTHON_VERSION failed: $why"
    log "using $BASE (Python $(version_of "$BASE")) for the key's $PYTHON_VERSION"
fi

# 4. a venv with the key's packages, this grader and its assignment
rm -rf "$PREFIX/env"
"$UV" venv --quiet "${{venv_flags[@]}}" --python "$BASE" "$PREFIX/env"
PY="$PREFIX/env/bin/python"
printf 'requested %s\npython %s\norigin %s\n' "$PYTHON_VERSION" "$(version_of "$PY")" "$origin" \
    > "$PREFIX/env/python-origin.txt"
# the versions the answer key was built with: other versions train to other numbers. Bytecode is
# compiled now: the kernel user cannot write __pycache__ into the prefix
"$UV" pip install --quiet --compile-bytecode --python "$PY" {pins} "$SRC/dl_autograder"
unset PYTHONPATH
site="$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"

# 5. the kernel's user: no home, no login, no password (Gradescope's "run as a non-root user")
if ! id -u "$KERNEL_USER" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$KERNEL_USER" \
        || adduser --system --no-create-home --disabled-password "$KERNEL_USER"
fi

# 6. the datasets, where the kernel user can read them
export KERAS_HOME="$PREFIX/keras"
mkdir -p "$KERAS_HOME/datasets"
if [ -d "$SRC/data" ]; then
    "$PY" -m autograder data install --assignment "$SRC/assignment" --from "$SRC/data"
else
    "$PY" -m autograder data install --assignment "$SRC/assignment"
fi

# 7. permissions: the prefix readable by everyone, except what would give answers away
chmod 755 "$PREFIX"
chmod -R a+rX "$PREFIX/env" "$PREFIX/keras" "$PREFIX/uv"
[ -d "$PREFIX/python" ] && chmod -R a+rX "$PREFIX/python"
[ -d "$site/assignments" ] && chmod -R go-rwx "$site/assignments"  # the shipped sheets' sources
[ "$own_cache" = 1 ] && rm -rf "$UV_CACHE_DIR"  # it holds the built package, assignments included
chmod 700 "$SRC"
chmod 600 "$SRC/key.json"
"$PY" -m autograder.export.gradescope check-env --key "$SRC/key.json"
log "done"
"""

RUN_AUTOGRADER = r"""#!/usr/bin/env bash
# Gradescope runs this for every submission, as root, from /autograder. Everything is done by
# `python -m autograder.export.gradescope run` in the prefix setup.sh made; if that cannot even
# start, the system python3 writes a results.json that says so.
#   AUTOGRADER_GS_ROOT / AUTOGRADER_GS_PREFIX     relocate /autograder and the prefix (tests)
#   AUTOGRADER_GS_PYTHON                          another interpreter for the grader (tests)
#   AUTOGRADER_GS_ISOLATION                       auto (default) | bubblewrap | user | none
set -uo pipefail
ROOT="${{AUTOGRADER_GS_ROOT:-/autograder}}"
PREFIX="${{AUTOGRADER_GS_PREFIX:-{prefix}}}"
PY="${{AUTOGRADER_GS_PYTHON:-$PREFIX/env/bin/python}}"
OUT="$ROOT/results"
mkdir -p "$OUT"
# nothing under /autograder is for the student's kernel
chmod 711 "$ROOT" 2>/dev/null
for private in "$ROOT/source" "$ROOT/results" "$ROOT/submission"; do
    [ -e "$private" ] && chmod 700 "$private"
done
[ -f "$ROOT/source/key.json" ] && chmod 600 "$ROOT/source/key.json"
[ -f "$ROOT/submission_metadata.json" ] && chmod 600 "$ROOT/submission_metadata.json"
rm -f "$OUT/results.json"
KERAS_HOME="${{KERAS_HOME:-$PREFIX/keras}}" "$PY" -m autograder.export.gradescope run --root "$ROOT" \
    --lang "${{AUTOGRADER_GS_LANG:-{lang}}}" --reveal "${{AUTOGRADER_GS_REVEAL:-{reveal}}}"
status=$?
if [ ! -s "$OUT/results.json" ]; then
    python3 - "$OUT/results.json" "$status" <<'EOF'
import json, sys
json.dump({{"score": 0.0, "output": "{failed}", "visibility": "visible",
           "stdout_visibility": "hidden", "tests": [],
           "extra_data": {{"grader_exit_status": int(sys.argv[2])}}}}, open(sys.argv[1], "w"))
EOF
fi
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
    dest.mkdir(parents=True, exist_ok=True)
    for part in PACKAGE_PARTS:
        src = root / part
        if src.is_dir():
            shutil.copytree(src, dest / part, ignore=_ignore, dirs_exist_ok=True)
        elif src.is_file():
            shutil.copy2(src, dest / part)
    if not (dest / "README.md").exists():  # pyproject.toml names it; pip refuses without it
        (dest / "README.md").write_text("dl-autograder (bundled for Gradescope)\n", encoding="utf-8")


def _executable(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8", newline="\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def setup_script(key_path: Path) -> str:
    env = _environment(key_path)
    python = env.get("python", "3.11")
    return SETUP_SH.format(pins=_pins(env), python=python, minor=".".join(python.split(".")[:2]),
                           uv=UV_VERSION, prefix=DEFAULT_PREFIX, user=KERNEL_USER)


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
    if datasets_dir is not None:  # only the assignment's files, each verified against its sha256
        from autograder.data import install_from

        install_from(datasets_dir, assignment.datasets, cache=out_dir / "data")
    _executable(out_dir / "setup.sh", setup_script(key_path))
    failed = translate("gs_grader_failed", lang).replace('"', "'")
    _executable(out_dir / "run_autograder", RUN_AUTOGRADER.format(lang=lang, reveal=reveal,
                                                                  prefix=DEFAULT_PREFIX, failed=failed))
    zpath = out_dir.with_suffix(".zip")
    with zipfile.ZipFile(zpath, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(out_dir.rglob("*")):
            info = zipfile.ZipInfo.from_file(path, path.relative_to(out_dir).as_posix())
            if path.is_dir():  # the empty ones too (the package lists its keys/ folders)
                zf.writestr(info, b"")
            elif path.is_file():
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, path.read_bytes())
    return zpath


# ---- python -m autograder.export.gradescope ------------------------------------------------

@dataclass(frozen=True)
class Metadata:
    """What Gradescope's ``submission_metadata.json`` says (docs/submission_metadata.md)."""

    created_at: datetime | None = None
    due: datetime | None = None
    late_due: datetime | None = None
    users: tuple[dict[str, str], ...] = ()


def read_metadata(path: Path | None) -> Metadata:
    if path is None or not Path(path).is_file():
        return Metadata()
    try:
        meta = json.loads(Path(path).read_text(encoding="utf-8"))
        a = meta.get("assignment") or {}
        users = tuple({k: str(v) for k, v in u.items() if v is not None}
                      for u in meta.get("users") or () if isinstance(u, dict))
        return Metadata(parse_due(meta.get("created_at")), parse_due(a.get("due_date")),
                        parse_due(a.get("late_due_date")), users)
    except (OSError, ValueError, AttributeError, TypeError):
        return Metadata()


def _due_from_metadata(path: Path | None) -> datetime | None:
    return read_metadata(path).due


def _write_json(path: Path, data: dict[str, Any]) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(data, indent=1, ensure_ascii=False, allow_nan=False), encoding="utf-8")


def _load_assignment(spec: str | None) -> Assignment | None:
    try:
        return load_assignment(spec)
    except AutograderError:
        return None


def apply_late(result: GradeResult, assignment: Assignment | None, meta: Metadata) -> GradeResult:
    """The assignment's late policy against Gradescope's ``created_at`` (due date: the
    policy's, else the assignment's due date on Gradescope)."""
    policy = assignment.late_policy if assignment is not None else None
    if policy is None:
        return result
    if policy.due is None:
        policy = policy.with_due(meta.due)
    submitted = late_work.Submitted(meta.created_at, None, "gradescope created_at")
    return late_work.apply(result, policy, submitted)


def convert(result: GradeResult, out: Path, *, lang: str, reveal: str, meta: Metadata,
            assignment: Assignment | None, instructor: dict[str, Any] | None = None,
            now: datetime | None = None) -> dict[str, Any]:
    """Write results.json; returns it. Prints the expected values when stdout is shown to the
    student after the due date, else the instructor's notes."""
    result = apply_late(result, assignment, meta)
    data = results_json(result, lang=lang, reveal=reveal, due=meta.due, late_due=meta.late_due,
                        created_at=meta.created_at, now=now, assignment=assignment, instructor=instructor)
    _write_json(out, data)
    if data["stdout_visibility"] == "after_due_date":
        print(translate("gs_expected_title", lang))
        print("\n".join(expected_values(result, lang)))
    else:
        notes = {k: v for k, v in data["extra_data"].items() if v and k not in ("late",)}
        print(json.dumps(notes, indent=1, ensure_ascii=False))
    return data


def _grade(notebook: Path, key: Path, assignment_dir: Path, out: Path, lang: str, isolation: str,
           kernel_user: str, log: Path) -> GradeResult:
    """Grade in this process (root), the kernel isolated as ``isolation`` says."""
    from autograder.api import GradeOptions, grade, make_sandbox
    from autograder.data import verify_cache
    from autograder.keymodel import key_sha256

    assignment = load_assignment(assignment_dir)
    answer_key = load_key(key)
    datasets = verify_cache(assignment.datasets)
    student = Student(id=notebook.stem, source="gradescope")
    factory: Any = None
    if isolation == "bubblewrap":
        options = GradeOptions(backend="bubblewrap", datasets_dir=datasets)
    else:
        options = GradeOptions(backend="none", datasets_dir=datasets)
        if isolation == "user":
            from autograder.export.gradescope_kernel import UserSandbox
            from autograder.sandbox import Limits

            entry = _kernel_user(kernel_user)
            assert entry is not None
            limits = Limits(memory_mb=options.memory_mb, max_processes=options.max_processes,
                            max_output_bytes=options.max_output_bytes)

            def factory() -> Any:
                return UserSandbox(limits, uid=entry.pw_uid, gid=entry.pw_gid, user=kernel_user,
                                   datasets_dir=datasets, log_path=log)
    if factory is None:
        def factory() -> Any:
            return make_sandbox(options, datasets)
    return grade(notebook, answer_key, assignment, key_sha256=key_sha256(key), options=options,
                 student=student, sandbox_factory=factory)


def run(root: Path, *, lang: str, reveal: str, isolation: str = "auto", kernel_user: str = KERNEL_USER,
        grade_cmd: str = "", allow_unisolated: bool = False) -> int:
    """Everything ``run_autograder`` does for one submission; always writes results.json."""
    src, out = root / "source", root / "results"
    out.mkdir(parents=True, exist_ok=True)
    results_path, log = out / "results.json", out / "grader.log"
    meta = read_metadata(root / "submission_metadata.json")
    assignment = _load_assignment(str(src / "assignment"))
    pattern = assignment.submission_pattern if assignment else ""
    choice = choose_notebook(root / "submission", pattern)
    instructor: dict[str, Any] = {"notebooks_not_graded": list(choice.others)}
    if choice.notebook is None:
        _write_json(results_path, failure_json(choice_message(choice, pattern, lang), extra=instructor))
        return 0
    raw = choice.notebook.read_bytes()
    instructor["attempts"] = attempts(raw, root)
    if grade_cmd:
        mode, why = "command", "AUTOGRADER_GS_GRADE_CMD"
    else:
        mode, why = isolation_for(isolation, kernel_user, lang)
    instructor["isolation"] = mode + (f" ({why})" if why else "")
    if origin := python_origin():
        instructor["python"] = f"{platform.python_version()}: {origin}"
    try:
        if mode == "none" and not allow_unisolated:
            raise AutograderError(msg("gs_not_isolated", why=why), fix=msg("gs_not_isolated_fix"))
        if mode == "user":
            entry = _kernel_user(kernel_user)
            assert entry is not None
            secret = [src / "key.json", src / "assignment" / "assignment.toml", choice.notebook]
            readable = check_secret(secret, entry.pw_uid, entry.pw_gid, sys.executable)
            if readable:
                raise AutograderError(
                    msg("gs_kernel_user_reads", user=kernel_user, paths=", ".join(readable)),
                    fix=msg("gs_kernel_user_reads_fix"))
        if mode == "bubblewrap":
            from autograder.sandbox.bubblewrap import is_within, python_roots

            exposed = [r for r in python_roots() if is_within(str(src.resolve()), r)]
            if exposed:
                raise AutograderError(msg("gs_prefix_holds_source", prefix=exposed[0]),
                                      fix=msg("gs_prefix_holds_source_fix"))
        result_path = out / "result.json"
        result_path.unlink(missing_ok=True)
        started = time.monotonic()
        if grade_cmd:
            with open(log, "ab") as fh:
                cmd = [*shlex.split(grade_cmd), str(choice.notebook), "--assignment", str(src / "assignment"),
                       "--key", str(src / "key.json"), "--out", str(result_path), "--lang", lang]
                subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, check=False)
            result = load_result(result_path)
        else:
            result = _grade(choice.notebook, src / "key.json", src / "assignment", result_path, lang, mode,
                            kernel_user, log)
        instructor["grading_seconds"] = round(time.monotonic() - started, 1)
    except Exception as exc:  # the grader failed: the student gets a result saying so
        text = log.read_text(encoding="utf-8", errors="replace") if log.is_file() else ""
        why_text = exc.message(lang) if isinstance(exc, AutograderError) else f"{type(exc).__name__}: {exc}"
        _write_json(results_path, failure_json(translate("gs_grader_failed", lang), f"{text}\n{why_text}",
                                               extra=instructor))
        print(why_text, file=sys.stderr)
        return 0
    if choice.others:
        result = replace(result, messages=(*result.messages, choice_message(choice, pattern, lang)))
    if meta.users:
        first = meta.users[0]
        who = Student(id=first.get("email", result.student.id), name=first.get("name", ""),
                      email=first.get("email", ""), source="gradescope")
        result = replace(result, student=who)
    result_path.write_text(result.to_json(), encoding="utf-8")
    convert(result, results_path, lang=lang, reveal=reveal, meta=meta, assignment=assignment,
            instructor=instructor)
    return 0


def python_origin(prefix: Path | None = None) -> str:
    """Where setup.sh got this Python from (``python-origin.txt`` in the venv, e.g. "python3.11
    of this image (...), because uv python install 3.11.7 failed: ..."); "" when not recorded."""
    path = Path(sys.prefix if prefix is None else prefix) / "python-origin.txt"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return ""
    return next((line.split(" ", 1)[1] for line in lines if line.startswith("origin ")), "")


def check_env(key_path: Path) -> int:
    """setup.sh's last step: this environment against the key's fingerprint (printed)."""
    from autograder.environment import current

    want, have = _environment(key_path), current().to_dict()
    names = ("python", "tensorflow", "keras", "numpy", "scikit_learn")
    diff = [f"{k}: key {want[k]}, here {have.get(k)}" for k in names if want.get(k) != have.get(k)]
    print("environment matches the key's fingerprint" if not diff else
          "environment differs from the key's fingerprint:\n  " + "\n  ".join(diff))
    if origin := python_origin():
        print(f"Python {have.get('python')}: {origin}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "run":
        p = argparse.ArgumentParser(prog="python -m autograder.export.gradescope run")
        p.add_argument("--root", type=Path, default=Path(os.environ.get("AUTOGRADER_GS_ROOT", "/autograder")))
        p.add_argument("--lang", choices=("pt", "en"), default="pt")
        p.add_argument("--reveal", choices=REVEALS, default="never")
        a = p.parse_args(args[1:])
        return run(a.root, lang=a.lang, reveal=a.reveal,
                   isolation=os.environ.get("AUTOGRADER_GS_ISOLATION", "auto"),
                   kernel_user=os.environ.get("AUTOGRADER_GS_KERNEL_USER", KERNEL_USER),
                   grade_cmd=os.environ.get("AUTOGRADER_GS_GRADE_CMD", ""),
                   allow_unisolated=os.environ.get("AUTOGRADER_GS_ALLOW_UNISOLATED") == "1")
    if args and args[0] == "check-env":
        p = argparse.ArgumentParser(prog="python -m autograder.export.gradescope check-env")
        p.add_argument("--key", type=Path, required=True)
        return check_env(p.parse_args(args[1:]).key)
    p = argparse.ArgumentParser(prog="python -m autograder.export.gradescope",
                                description="Grading result JSON -> Gradescope results.json")
    p.add_argument("paths", nargs="+", metavar="PATH", help="RESULT.json OUT.json, or OUT.json with "
                   "--no-submission / --grader-failed")
    p.add_argument("--lang", choices=("pt", "en"), default="pt")
    p.add_argument("--reveal", choices=REVEALS, default="never")
    p.add_argument("--due", default=None, help="ISO 8601 due date (default: from --metadata)")
    p.add_argument("--metadata", type=Path, default=None, help="Gradescope's submission_metadata.json")
    p.add_argument("--assignment", default=None, help="the assignment's name or folder (titles, late policy)")
    p.add_argument("--no-submission", action="store_true", help="write a 0-score results.json")
    p.add_argument("--grader-failed", type=Path, default=None, metavar="LOG",
                   help="write a 0-score results.json saying the grader failed")
    a = p.parse_args(args)
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
    meta = read_metadata(a.metadata)
    if a.due:
        meta = replace(meta, due=parse_due(a.due))
    convert(load_result(Path(a.paths[0])), Path(a.paths[1]), lang=a.lang, reveal=a.reveal, meta=meta,
            assignment=_load_assignment(a.assignment), now=datetime.now(UTC))
    return 0


if __name__ == "__main__":
    sys.exit(main())
