"""``autograder new``: a new assignment folder that builds, keys and grades at once.

The folder is a tiny but real module (docs/authoring.md, section 1)::

    <folder>/
      README.md                     what to edit next, for the instructor
      __init__.py                   hooks: a subclass of autograder.sdk.BaseHooks
      assignment.toml               name, version, title, profiles full + smoke, [key] exercises
      contract.json                 a computed exercise (an array and two numbers, ``close``) and a letter
      source.md                     the notebooks' one authored source (Portuguese)
      answers.json                  the official letters and their justifications
      messages.json                 the sentences of its misconceptions (pt, en)
      keyrules.py                   reference numbers -> key quantities and drift
      example.toml                  the example class of ``autograder example``
      key_report.md                 the introduction of the key's report (Portuguese)
      key_report.en.md              the same in English
      reference/__init__.py
      reference/ex01_gradiente.py   exercise 1's reference computation (numpy)

The files are Jinja2 templates in ``templates/new_assignment/`` (the package
``autograder.templates``), rendered with the assignment's ``name`` and ``title``.
``render_files`` is pure; ``write_files`` refuses to write into a non-empty folder.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path

import jinja2

from autograder.errors import AutograderError
from autograder.i18n import msg
from autograder.templating import template_dir

TEMPLATES = "new_assignment"
SUFFIX = ".j2"
NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")

# Every file the scaffold writes, relative to the new folder (docs/authoring.md lists them).
FILES = (
    "README.md",
    "__init__.py",
    "answers.json",
    "assignment.toml",
    "contract.json",
    "example.toml",
    "key_report.md",
    "key_report.en.md",
    "keyrules.py",
    "messages.json",
    "reference/__init__.py",
    "reference/ex01_gradiente.py",
    "source.md",
)


class ScaffoldError(AutograderError):
    """The new assignment cannot be written (a bad name, an occupied folder). Exit code 2."""

    exit_code = 2


def check_name(name: str) -> str:
    """``name`` if it can name an assignment (a contract ``module``, a Python package)."""
    if not NAME.match(name):
        raise ScaffoldError(msg("scaffold_bad_name", name=name), fix=msg("scaffold_bad_name_fix"))
    return name


def default_title(name: str) -> str:
    return f"Módulo {name}"


def check_title(title: str) -> str:
    if not title.strip() or "\n" in title or "\r" in title:
        raise ScaffoldError(msg("scaffold_bad_title", title=title), fix=msg("scaffold_bad_title_fix"))
    return title.strip()


def default_dir(name: str, cwd: Path) -> Path:
    """Where ``autograder new NAME`` writes without ``--dir``: ``./assignments/NAME`` when the
    current folder has an ``assignments/`` folder (a course repository such as this one keeps
    its modules there), else ``./NAME``."""
    return cwd / "assignments" / name if (cwd / "assignments").is_dir() else cwd / name


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_dir() / TEMPLATES)),
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False)
    # a JSON string literal (also a valid TOML basic string), accents kept readable
    env.filters["json"] = lambda value: json.dumps(value, ensure_ascii=False)
    return env


def render_files(name: str, title: str | None = None) -> dict[str, str]:
    """The files of a new assignment named ``name``: path relative to its folder -> text. Pure."""
    name = check_name(name)
    title = check_title(title if title is not None else default_title(name))
    env = _environment()
    files = {}
    for template in sorted(env.list_templates(filter_func=lambda t: t.endswith(SUFFIX))):
        files[template.removesuffix(SUFFIX)] = env.get_template(template).render(name=name, title=title)
    missing = set(FILES) - set(files)
    if missing:  # an installation without the templates' package data
        raise ScaffoldError(msg("scaffold_templates_incomplete", missing=str(sorted(missing))),
                            where=str(template_dir() / TEMPLATES),
                            fix=msg("scaffold_templates_incomplete_fix"))
    return files


def write_files(folder: Path, files: Mapping[str, str]) -> list[Path]:
    """Write ``files`` into ``folder`` (created with its parents; an existing EMPTY folder is
    fine). Refuses, writing nothing, when ``folder`` is a file or a folder with anything in it."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ScaffoldError(msg("scaffold_folder_is_file", folder=str(folder)), where=str(folder),
                            fix=msg("scaffold_folder_is_file_fix"))
    if folder.is_dir():
        present = sorted(p.name for p in folder.iterdir())
        if present:
            shown = ", ".join(present[:5]) + (", …" if len(present) > 5 else "")
            raise ScaffoldError(msg("scaffold_folder_not_empty", count=len(present), shown=shown),
                                where=str(folder), fix=msg("scaffold_folder_not_empty_fix"))
    written = []
    for rel, text in sorted(files.items()):
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def scaffold(name: str, folder: Path, title: str | None = None) -> list[Path]:
    """Render and write a new assignment named ``name`` into ``folder``; the paths written."""
    return write_files(folder, render_files(name, title))
