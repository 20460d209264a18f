"""A notebook cell's Python: IPython magics and shell escapes set up the environment and are not
the answer, so the code is read with them blanked (line numbers kept). Pure, ``ast`` only."""

from __future__ import annotations

import ast


def without_magics(source: str) -> str:
    """``source`` with each ``%magic``, ``%%cell magic`` and ``!shell`` line blanked."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def parse(source: str) -> ast.Module | None:
    """The cell as a module, magics blanked; None when it is not Python."""
    try:
        return ast.parse(without_magics(source))
    except (SyntaxError, ValueError):
        return None
