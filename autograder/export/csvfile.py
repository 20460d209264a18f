"""CSV files downloaded from an LMS, read and written back the way they came (BOM, line ends)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Table:
    rows: list[list[str]]
    bom: str = ""
    eol: str = "\n"
    delimiter: str = ","

    def text(self) -> str:
        buf = io.StringIO()
        csv.writer(buf, lineterminator=self.eol, delimiter=self.delimiter).writerows(self.rows)
        return self.bom + buf.getvalue()

    @property
    def decimal_comma(self) -> bool:
        """Semicolon-separated files come from comma-decimal locales (Canvas, spreadsheets)."""
        return self.delimiter == ";"


def sniff_delimiter(body: str) -> str:
    """"," or ";" as Canvas's GradebookImporter decides (``identify_delimiter``): the separator
    that splits the first three lines into the same number of fields, ";" when it gives more."""
    lines = body.splitlines()[:3]
    counts = {}
    for sep in (";", ","):
        try:
            sizes = {len(next(csv.reader([line], delimiter=sep), [])) for line in lines}
        except csv.Error:
            sizes = set()
        counts[sep] = next(iter(sizes)) if len(sizes) == 1 else 0
    return ";" if counts[";"] > counts[","] else ","


def read(text: str, *, sniff: bool = False) -> Table:
    """A CSV file as it came: BOM, line ends, and (``sniff``) its delimiter."""
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    body = text[len(bom):]
    delimiter = sniff_delimiter(body) if sniff else ","
    rows = list(csv.reader(io.StringIO(body, newline=""), delimiter=delimiter))
    return Table(rows, bom, "\r\n" if "\r\n" in body else "\n", delimiter)


def format_number(value: float, decimal_comma: bool = False) -> str:
    """Two decimals, with the file's decimal mark."""
    text = f"{value:.2f}"
    return text.replace(".", ",") if decimal_comma else text


def find(header: Sequence[str], names: Sequence[str]) -> int | None:
    """The first column whose title is one of ``names`` (case and outer spaces ignored)."""
    wanted = {n.strip().casefold() for n in names}
    for i, h in enumerate(header):
        if h.strip().casefold() in wanted:
            return i
    return None


def parse_number(text: str) -> float | None:
    """"10", "10.00", "10,00", "1.000,50", "1,000.50" -> float; anything else -> None."""
    t = text.strip().replace("\u00a0", "").replace(" ", "")
    if "," in t and "." in t:  # the last mark is the decimal one
        t = t.replace(".", "").replace(",", ".") if t.rfind(",") > t.rfind(".") else t.replace(",", "")
    else:
        t = t.replace(",", ".")
    try:
        return float(t) if t else None
    except ValueError:
        return None
