"""Validate a submitted notebook and plan what to execute. Pure: bytes in, a plan out.

* Cells are matched to the authored source by ``metadata.autograder.id``.
* Instructor-owned cells ("given") are always taken from the source: a student's edit is
  undone and a deleted one is put back; both are recorded in ``restored``.
* Student cells ("answer", "letter") and cells the student added (no id) run where they
  belong: after the authored cell they followed in the submission.
* Self-check cells and Markdown are not executed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import nbformat

from autograder.authoring import Cell
from autograder.contract import Contract
from autograder.errors import SubmissionError

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
    notes: tuple[str, ...]  # plain sentences about the submission


def read_notebook(data: bytes, where: str) -> Any:
    """Parse and validate an .ipynb; SubmissionError with the reason when that is impossible."""
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise SubmissionError(f"The notebook is {len(data) / 1e6:.0f} MB; the limit is "
                              f"{MAX_NOTEBOOK_BYTES / 1e6:.0f} MB.", where=where,
                              fix="clear the outputs (Kernel > Restart & Clear Output) and resubmit.")
    try:
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    except UnicodeDecodeError as exc:
        raise SubmissionError("The file is not UTF-8 text, so it is not a Jupyter notebook.",
                              where=where, fix="submit the .ipynb file saved by Jupyter.") from exc
    except (json.JSONDecodeError, nbformat.reader.NotJSONError) as exc:
        raise SubmissionError(f"The notebook is not valid JSON ({exc}).", where=where,
                              fix="open it in Jupyter, save it again and resubmit the .ipynb.") from exc
    except Exception as exc:  # nbformat raises several types for malformed notebooks
        raise SubmissionError(f"The notebook cannot be read: {type(exc).__name__}: {exc}",
                              where=where, fix="submit the .ipynb file saved by Jupyter.") from exc
    if not isinstance(nb.get("cells"), list):
        raise SubmissionError("The notebook has no list of cells.", where=where,
                              fix="submit the .ipynb file saved by Jupyter.")
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
        notes.append(f"{len(unknown)} cell(s) carry ids this assignment does not know "
                     f"(e.g. {unknown[0]}); they were run as the student's own code.")
    if not any(cid in known for cid in by_id):
        notes.append("No cell of this notebook carries the assignment's tags: it is not the "
                     "notebook that was handed out. Instructor cells were restored from the source.")

    parts = contract.part_owner()
    cells: list[PlannedCell] = []
    restored: list[str] = []
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
        for i, cell in followers.get(a.id, []):
            if a.part and a.part not in parts:
                continue
            cells.append(PlannedCell(a.exercise, a.part, "added", _source(cell), i, ""))
    return Plan(cells=tuple(cells), restored=tuple(restored), notes=tuple(notes))
