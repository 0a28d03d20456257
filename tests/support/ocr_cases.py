"""Generated documents as if OCR'd (a page and a box per cell, a confidence per value), and
single-digit misreads planted in them: the cases the OCR rules and the review service meet."""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

from schemas import Document, Finding, FindingKind, Location, Unit

SURE = (0.85, 0.99)  # what a clean scan's numbers get: all above LOW_CONFIDENCE
Cell = tuple[int, int, str]  # table index, row index, column key


def scanned(doc: Document, rng: random.Random, conf: tuple[float, float] = SURE) -> Document:
    """The document as if every table had been OCR'd: one table per page, a box per cell."""
    doc = doc.model_copy(deep=True)
    for ti, table in enumerate(doc.tables):
        table.pages = [ti + 1]
        for ri, row in enumerate(table.rows):
            row.page = ti + 1
            for ci, v in enumerate(row.values.values()):
                v.page = ti + 1
                v.bbox = (100.0 + 60 * ci, 50.0 + 14 * ri, 150.0 + 60 * ci, 62.0 + 14 * ri)
                v.confidence = round(rng.uniform(*conf), 3)
    return doc


def amounts(doc: Document) -> list[Cell]:
    """Cells printing a positive amount (what a misread can hit)."""
    return [
        (ti, ri, key)
        for ti, t in enumerate(doc.tables)
        for ri, r in enumerate(t.rows)
        for key, v in r.values.items()
        if v.wan and v.wan > 0 and "%" not in v.raw
    ]


@dataclass
class Misread:
    cell: Cell
    printed: str
    read: str


def misread(doc: Document, cell: Cell, place: int, digit: int | None = None) -> Misread | None:
    """Read the `place`-th digit from the right of `cell` as another digit (in place); None when
    the cell has no such digit."""
    ti, ri, key = cell
    table = doc.tables[ti]
    v = table.rows[ri].values[key]
    at = [i for i, ch in enumerate(v.raw) if ch.isdigit()]
    if place >= len(at):
        return None
    i = at[-1 - place]
    old = int(v.raw[i])
    leading = i == at[0] and len(v.raw.split(".")[0]) > 1
    choices = [d for d in range(10) if d != old and not (leading and d == 0)]
    new = digit if digit in choices else choices[(old + 3) % len(choices)]
    return reprint(doc, cell, v.raw[:i] + str(new) + v.raw[i + 1 :])


def reprint(doc: Document, cell: Cell, raw: str) -> Misread:
    ti, ri, key = cell
    table = doc.tables[ti]
    v = table.rows[ri].values[key]
    value = Decimal(raw.replace(",", ""))
    wan = value if table.unit == Unit.wan else value / 10000
    table.rows[ri].values[key] = v.model_copy(update={"raw": raw, "value": value, "wan": wan})
    return Misread(cell, v.raw, raw)


def names(doc: Document, cell: Cell, loc: Location) -> bool:
    ti, ri, key = cell
    table, row = doc.tables[ti], doc.tables[ti].rows[ri]
    return (loc.table_key, loc.row_code, loc.column_key) == (
        table.key,
        row.code or row.row_code or row.name,
        key,
    )


def arithmetic(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.difference is not None]


def suspects(f: Finding) -> list[Location]:
    return [loc for loc in f.locations if loc.suspect]


def points_at(doc: Document, cell: Cell, f: Finding) -> bool:
    """The finding names exactly this cell as its one suspect, first, as an extraction."""
    found = suspects(f)
    return (
        len(found) == 1
        and f.locations[0] is found[0]
        and names(doc, cell, found[0])
        and f.kind == FindingKind.extraction
    )
