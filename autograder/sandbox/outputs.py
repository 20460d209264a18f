"""What a cell produced, as plain data: nbformat outputs capped at a byte budget, the error
located in the cell's own code, and the ``CellRun`` / ``ErrorInfo`` records the sandbox returns.

Nothing here talks to a kernel: ``Outputs`` is fed the IOPub messages one by one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

Status = Literal["ok", "error", "timeout", "memory", "dead", "output_limit"]

_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
_CELL_FRAME = re.compile(r"Cell In\[(\d+)\], line (\d+)")


@dataclass(frozen=True)
class ErrorInfo:
    """Why a cell failed, located in the cell's own code where possible."""

    ename: str
    """Exception class name, or the limit that stopped the cell (e.g. "Timeout")."""
    evalue: str
    """Exception message, or a sentence saying which limit was exceeded."""
    traceback: str
    """Plain-text traceback (ANSI colour codes stripped); empty for limits without one."""
    line: int | None
    """1-based line in the cell's code that raised (innermost frame of this cell), or None."""
    code_line: str
    """That source line, or "" when the line is unknown."""


@dataclass(frozen=True)
class CellRun:
    """Exactly what happened when one cell ran.

    ``status`` (first match wins): "memory" a resource limit (memory, processes, disk) was
    exceeded and the kernel killed, ``error.ename`` says which; "dead" the kernel exited on
    its own; "timeout" the cell was interrupted (and killed if it would not stop); "error" the
    cell raised; "output_limit" the cell finished but its output was truncated; "ok".
    After "memory", "dead" or a timeout that needed a kill, call ``Sandbox.restart()``.
    """

    status: Status
    outputs: tuple[dict[str, Any], ...]
    """nbformat-v4 output dicts (stream, execute_result, display_data, error), capped."""
    error: ErrorInfo | None
    seconds: float
    output_truncated: bool


def limit_error(ename: str, evalue: str) -> ErrorInfo:
    """Why a limit stopped the cell: no traceback, no line."""
    return ErrorInfo(ename=ename, evalue=evalue, traceback="", line=None, code_line="")


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


def hide_paths(text: str, replacements: Sequence[tuple[str, str]]) -> str:
    """``text`` with the grader's own directories replaced by short names (``<python>`` for the
    interpreter's prefixes, ``~`` for the sandbox home): students never see the grading
    machine's paths. Longest paths first, so a prefix inside another is not half-replaced."""
    for path, name in sorted(replacements, key=lambda r: -len(r[0])):
        if path and len(path) > 1:
            text = text.replace(path, name)
    return text


def hide_error_paths(info: ErrorInfo | None, replacements: Sequence[tuple[str, str]]) -> ErrorInfo | None:
    """The same error with its message, traceback and line free of the grader's paths."""
    if info is None:
        return None
    return ErrorInfo(ename=info.ename, evalue=hide_paths(info.evalue, replacements),
                     traceback=hide_paths(info.traceback, replacements), line=info.line,
                     code_line=info.code_line)


def _size(value: object) -> int:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return len(text.encode("utf-8", "replace"))


class Outputs:
    """nbformat outputs of one cell, keeping at most ``cap`` bytes of text and data."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.size = 0
        self.truncated = False
        self._items: list[dict[str, Any]] = []
        self._streams: dict[int, list[str]] = {}  # index of a stream output -> text parts
        self._display_ids: dict[int, str] = {}
        self._clear_on_next = False

    def add(self, msg_type: str, content: Mapping[str, Any]) -> None:
        if msg_type == "clear_output":
            if content.get("wait"):
                self._clear_on_next = True
            else:
                self._clear()
            return
        if msg_type == "update_display_data":
            self._update(content)
            return
        if self._clear_on_next:
            self._clear()
        if msg_type == "stream":
            self._add_stream(str(content.get("name", "stdout")), str(content.get("text", "")))
            return
        data = content.get("data") if isinstance(content.get("data"), dict) else {}
        meta = content.get("metadata") if isinstance(content.get("metadata"), dict) else {}
        item: dict[str, Any]
        if msg_type == "execute_result":
            item = {"output_type": "execute_result",
                    "execution_count": content.get("execution_count"),
                    "data": data, "metadata": meta}
        elif msg_type == "display_data":
            item = {"output_type": "display_data", "data": data, "metadata": meta}
        elif msg_type == "error":
            tb = content.get("traceback")
            lines = [strip_ansi(str(x)) for x in tb] if isinstance(tb, list) else []
            item = {"output_type": "error", "ename": str(content.get("ename", "")),
                    "evalue": str(content.get("evalue", "")), "traceback": lines}
        else:
            return
        cost = _size(item)
        if self.truncated or self.size + cost > self.cap:
            self.truncated = True
            return
        self.size += cost
        transient = content.get("transient")
        if isinstance(transient, dict) and isinstance(transient.get("display_id"), str):
            self._display_ids[len(self._items)] = transient["display_id"]
        self._items.append(item)

    def _add_stream(self, name: str, text: str) -> None:
        if self.truncated:
            return
        data = text.encode(errors="replace")
        room = self.cap - self.size
        if len(data) > room:
            self.truncated = True
            text = data[: max(room, 0)].decode("utf-8", "ignore")
            data = text.encode()
        if not text:
            return
        self.size += len(data)
        last = len(self._items) - 1
        if last in self._streams and self._items[last]["name"] == name:
            self._streams[last].append(text)  # joined once at the end: no quadratic copying
        else:
            self._streams[len(self._items)] = [text]
            self._items.append({"output_type": "stream", "name": name, "text": ""})

    def _update(self, content: Mapping[str, Any]) -> None:
        transient = content.get("transient")
        display_id = transient.get("display_id") if isinstance(transient, dict) else None
        data = content.get("data")
        if display_id is None or not isinstance(data, dict):
            return
        for index, did in self._display_ids.items():
            if did != display_id:
                continue
            item = self._items[index]
            cost = _size(data) - _size(item["data"])
            if self.size + cost > self.cap:
                self.truncated = True
                continue
            self.size += cost
            item["data"] = data
            if isinstance(content.get("metadata"), dict):
                item["metadata"] = content["metadata"]

    def _clear(self) -> None:
        self._items.clear()
        self._streams.clear()
        self._display_ids.clear()
        self.size = 0
        self._clear_on_next = False

    def build(self) -> tuple[dict[str, Any], ...]:
        for index, parts in self._streams.items():
            self._items[index]["text"] = "".join(parts)
        return tuple(self._items)


def error_info(content: Mapping[str, Any], code: str, execution_count: int | None,
                max_chars: int) -> ErrorInfo:
    """Locate an error in the cell: innermost "Cell In[n], line L" frame of this cell."""
    tb = content.get("traceback")
    text = strip_ansi("\n".join(str(x) for x in tb)) if isinstance(tb, list) else ""
    frames = [(int(n), int(line)) for n, line in _CELL_FRAME.findall(text)]
    mine = [line for n, line in frames if n == execution_count] if execution_count else []
    line = mine[-1] if mine else None
    lines = code.splitlines()
    code_line = lines[line - 1] if line is not None and 0 < line <= len(lines) else ""
    if len(text) > max_chars:
        text = "…" + text[-max_chars:]
    return ErrorInfo(ename=str(content.get("ename", "")), evalue=str(content.get("evalue", "")),
                     traceback=text, line=line, code_line=code_line)
