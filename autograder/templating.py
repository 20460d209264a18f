"""One Jinja2 environment over the ``templates/`` folder (installed as ``autograder.templates``)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import jinja2


def template_dir() -> Path:
    return Path(str(resources.files("autograder.templates")))


def environment(autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_dir())),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["fmt"] = format_number
    return env


def format_number(value: Any, digits: int = 4) -> str:
    """Numbers for people: up to ``digits`` significant decimals, lists and intervals kept short."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int):
        return f"{value:,}".replace(",", " ") if abs(value) >= 10000 else str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        if value == 0:
            return "0"
        if abs(value) >= 1000:
            return f"{value:.1f}"
        return f"{value:.{digits}g}" if abs(value) < 1e-3 else f"{round(value, digits):g}"
    if isinstance(value, (list, tuple)):
        items = [format_number(v, digits) for v in value[:12]]
        more = f", … (n = {len(value)})" if len(value) > 12 else ""  # no word: any language
        return "[" + ", ".join(items) + more + "]"
    return str(value)


def render(name: str, **context: Any) -> str:
    autoescape = name.endswith(".html.j2")
    return environment(autoescape).get_template(name).render(**context)
