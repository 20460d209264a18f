"""A submitted notebook as the TA reads it: nbconvert's HTML, cell by cell, through a strict sanitizer.

Nothing a student wrote may run in the TA's browser. Each cell is converted by nbconvert
(``basic`` template: markdown rendered, code highlighted, outputs as the notebook holds them) and
the HTML is then cleaned by nh3 (ammonia) with an allow-list: text and table markup, code
highlighting classes, links to http(s)/mailto only, images only as ``data:image/...`` (no request
leaves the page, no tracking pixel), no ``script``/``style``/``iframe``/``svg``/``form`` (their
content dropped), no event handler, ``style`` or ``id`` attribute, no relative URL. Only the class
names nbconvert and pygments write are kept, so a notebook cannot dress itself as the page
(``notice``, ``error``, ``rv-…``).
Independently, the review app sends a Content-Security-Policy without any script source.

SVG outputs are shown as ``<img src="data:image/svg+xml…">`` (an image cannot run scripts); very
long text outputs are cut (the grader keeps 2 MB per cell; a page does not need more than
``MAX_OUTPUT_CHARS``).
"""

from __future__ import annotations

import base64
import copy
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import nbformat

MAX_OUTPUT_CHARS = 20_000
ROLES = ("text", "given", "answer", "letter", "selfcheck")
MAX_CELLS = 2_000

_TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "caption",
        "code",
        "dd",
        "del",
        "details",
        "div",
        "dl",
        "dt",
        "em",
        "figcaption",
        "figure",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "ins",
        "kbd",
        "li",
        "mark",
        "ol",
        "p",
        "pre",
        "q",
        "s",
        "samp",
        "small",
        "span",
        "strong",
        "sub",
        "summary",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "u",
        "ul",
        "var",
    }
)
# removed with everything inside them (ammonia also drops the content of script and style)
_DROP_WITH_CONTENT = frozenset(
    {
        "script",
        "style",
        "iframe",
        "object",
        "embed",
        "svg",
        "math",
        "template",
        "noscript",
        "textarea",
        "select",
        "button",
        "form",
        "frame",
        "frameset",
        "canvas",
        "audio",
        "video",
        "title",
        "head",
        "link",
        "meta",
        "base",
    }
)
_ATTRIBUTES = {
    "*": {"class", "title", "lang", "dir"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start"},
}
_IMAGE_DATA = re.compile(r"^data:image/(png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/=\s]*$")
_SIZE = re.compile(r"^\d{1,4}(px|%)?$")


# the classes nbconvert and pygments write; any other (the page's own: notice, error, rv-…) is dropped
_CLASS = re.compile(
    r"^(?:cell|border-box-sizing|code_cell|text_cell|rendered|input|inner_cell|input_area|"
    r"input_prompt|output_prompt|prompt|output|output_wrapper|output_area|output_subarea|"
    r"output_[a-z]+|text_cell_render|rendered_html|highlight|hl-[a-z0-9-]+|ansi-[a-z-]+|"
    r"anchor-link|celltag_[A-Za-z0-9_-]+|[a-z]{1,3}[0-9]?)$"
)


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if attr == "class":
        kept = [c for c in value.split() if _CLASS.match(c)]
        return " ".join(kept) or None
    if tag == "img" and attr == "src":
        return value if _IMAGE_DATA.match(value) else None
    if attr == "href":
        return value if value.lower().startswith(("http://", "https://", "mailto:")) else None
    if attr in ("width", "height"):
        return value if _SIZE.match(value.strip()) else None
    return value


def sanitize(html: str) -> str:
    """``html`` with nothing that can run, load, or pose as the review page (see the module)."""
    import nh3

    return str(
        nh3.clean(
            html,
            tags=set(_TAGS),
            clean_content_tags=set(_DROP_WITH_CONTENT),
            attributes=_ATTRIBUTES,
            attribute_filter=_attribute_filter,
            strip_comments=True,
            link_rel="noopener noreferrer nofollow",
            url_schemes={"http", "https", "mailto", "data"},
            url_relative="deny",
        )
    )


@dataclass(frozen=True)
class Cell:
    """One cell, ready for a template: ``html`` is sanitized."""

    index: int  # in the submitted notebook (the grader's "cell N" is index + 1)
    kind: str  # code | markdown | raw
    exercise: str  # the contract's exercise id, "" before the first exercise
    role: str  # text | given | answer | letter | selfcheck | added (a cell the student added)
    html: str


@dataclass(frozen=True)
class RenderedNotebook:
    cells: tuple[Cell, ...]
    problem: str = ""  # why the notebook cannot be shown (then ``cells`` is empty)

    def of(self, exercise: str) -> tuple[Cell, ...]:
        return tuple(c for c in self.cells if c.exercise == exercise)

    def at(self, indices: tuple[int, ...]) -> tuple[Cell, ...]:
        wanted = set(indices)
        return tuple(c for c in self.cells if c.index in wanted)


def _cut(text: Any) -> Any:
    joined = "".join(text) if isinstance(text, list) else text
    if isinstance(joined, str) and len(joined) > MAX_OUTPUT_CHARS:
        return joined[:MAX_OUTPUT_CHARS] + f"\n… ({len(joined) - MAX_OUTPUT_CHARS} characters more)"
    return text


def _safe_outputs(outputs: Any) -> list[Any]:
    out = []
    for o in outputs if isinstance(outputs, list) else ():
        if not isinstance(o, Mapping):
            continue
        o = copy.deepcopy(dict(o))
        if "text" in o:
            o["text"] = _cut(o["text"])
        data = o.get("data")
        if isinstance(data, Mapping):
            data = {k: _cut(v) for k, v in data.items()}
            svg = data.get("image/svg+xml")
            if svg is not None and "image/png" not in data:
                raw = "".join(svg) if isinstance(svg, list) else str(svg)
                b64 = base64.b64encode(raw.encode("utf-8")).decode("ascii")
                data = {"text/html": f'<img src="data:image/svg+xml;base64,{b64}" alt="SVG">'}
            data.pop("application/javascript", None)
            data.pop("application/vnd.jupyter.widget-view+json", None)
            o["data"] = data
        out.append(o)
    return out


def _exporter() -> Any:
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="basic")  # type: ignore[no-untyped-call]
    exporter.exclude_input_prompt = False
    return exporter


def _prepared(cell: Any) -> Any:
    c = copy.deepcopy(cell)
    c["metadata"] = {}
    if c.get("cell_type") == "code":
        c["outputs"] = _safe_outputs(c.get("outputs"))
    c.pop("attachments", None)
    return c


def _one(exporter: Any, meta: Mapping[str, Any], cell: Any) -> str:
    """One cell on its own (when the whole notebook does not convert)."""
    one = nbformat.v4.new_notebook()
    one.metadata = nbformat.from_dict(dict(meta))
    one.cells = [_prepared(cell)]
    try:
        body, _ = exporter.from_notebook_node(one)
        return sanitize(body)
    except Exception as exc:  # one odd cell must not hide the others
        from markupsafe import escape

        return f"<pre>{escape(str(cell.get('source', '')))}</pre><p>({escape(type(exc).__name__)})</p>"


def _converted(exporter: Any, meta: Mapping[str, Any], cells: list[Any]) -> list[str] | None:
    """Every cell's sanitized HTML from one conversion of the whole notebook: each cell follows a
    raw marker with a random nonce (a notebook cannot forge it), and the HTML is cut there."""
    nonce = secrets.token_hex(16)
    whole = nbformat.v4.new_notebook()
    whole.metadata = nbformat.from_dict(dict(meta))
    for i, cell in enumerate(cells):
        whole.cells.append(nbformat.v4.new_raw_cell(f"<!--rv-cell:{nonce}:{i}-->"))
        whole.cells.append(_prepared(cell))
    try:
        body, _ = exporter.from_notebook_node(whole)
    except Exception:  # some cell nbconvert cannot take: convert them one by one
        return None
    pieces = re.split(rf"<!--rv-cell:{nonce}:(\d+)-->", body)
    found = {int(pieces[k]): pieces[k + 1] for k in range(1, len(pieces) - 1, 2)}
    if sorted(found) != list(range(len(cells))):
        return None
    return [sanitize(found[i]) for i in range(len(cells))]


def render(raw: bytes) -> RenderedNotebook:
    """The notebook's cells as sanitized HTML, each with its exercise and role. A notebook that
    cannot be read gives no cells and the reason (``problem``)."""
    try:
        nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
    except Exception as exc:  # not JSON, not a notebook: say why, show nothing
        return RenderedNotebook((), f"{type(exc).__name__}: {str(exc)[:300]}")
    exporter = _exporter()
    meta = {"language_info": {"name": "python"}}
    source = list(nb.get("cells", []))[:MAX_CELLS]
    htmls = _converted(exporter, meta, source) or [_one(exporter, meta, c) for c in source]
    cells = []
    exercise, role = "", "text"
    for i, (cell, html) in enumerate(zip(source, htmls, strict=True)):
        meta_ag = (
            cell.get("metadata", {}).get("autograder") if isinstance(cell.get("metadata"), Mapping) else None
        )
        if isinstance(meta_ag, Mapping) and meta_ag.get("exercise"):
            exercise, role = str(meta_ag.get("exercise")), str(meta_ag.get("role", ""))
            role = role if role in ROLES else "added"
        else:
            role = "added"
        cells.append(Cell(i, str(cell.get("cell_type", "")), exercise, role, html))
    return RenderedNotebook(tuple(cells))


def notebook_json(raw: bytes) -> dict[str, Any] | None:
    """The notebook as plain JSON data (for the near-duplicate detector), or None."""
    import json

    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return data if isinstance(data, dict) else None
