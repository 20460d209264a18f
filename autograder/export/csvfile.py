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

    def text(self) -> str:
        buf = io.StringIO()
        csv.writer(buf, lineterminator=self.eol).writerows(self.rows)
        return self.bom + buf.getvalue()


def read(text: str) -> Table:
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    body = text[len(bom):]
    return Table(list(csv.reader(io.StringIO(body, newline=""))), bom, "\r\n" if "\r\n" in body else "\n")


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
