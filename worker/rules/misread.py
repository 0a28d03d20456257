"""Which OCR'd cell a broken identity points at.

On a scanned page an arithmetic failure is more often a misread than a document that contradicts
itself. For a document finding (it has a difference) that involves OCR'd cells, a cell
*explains* it when a reading of its printed text with one digit different (same length and
decimals), one integer digit more or fewer, or its decimal point lost, moves its value by the
difference — either sign, within the finding's tolerance. A misread cell usually breaks several
identities at once (its row's columns, its parent's sum, the same figure in another table), so
a (cell, reading) that explains more findings beats one that explains fewer; then a
low-confidence cell beats a sure one. The finding becomes an
extraction finding naming the cell, its suspects first. When nothing explains it but a
low-confidence OCR cell is involved, that cell is named instead. Text-layer findings are never
touched: they name no OCR'd location.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from schemas import Finding, FindingKind, Location, Row, Table, Unit, Value
from worker.rules.index import YUAN, Index, Where, cell_where
from worker.rules.ocr import is_low, unchecked

MAX_SUSPECTS = 3  # more cells explaining a difference equally well point at none of them
_NUMBER = re.compile(r"^(-?)(\d[\d,]*)(?:\.(\d+))?$")

Key = Where


@dataclass(slots=True)
class Cell:
    table: Table
    row: Row
    column: str
    value: Value


def point_at_misreads(ix: Index, findings: list[Finding], limit: float) -> list[Finding]:
    """Name the likely misread cell in every OCR-touched document finding (in place)."""
    todo = [f for f in findings if _ocr_arithmetic(f)]
    if not todo:
        return findings
    cells = _ocr_cells(ix, {loc.table_key for f in todo for loc in f.locations})
    explained = [_explanations(f, cells) for f in todo]
    votes = Counter((k, alt) for ex in explained for k, alts in ex.items() for alt in alts)
    for f, ex in zip(todo, explained, strict=True):
        suspects = _by_digit(ex, votes, cells, limit)
        note = "疑似OCR误读"
        if not suspects:
            suspects = _lowest(f, cells, limit)
            note = "差额无法由单个数字误读解释，所涉OCR数值置信度低，先核对"
        if suspects:
            _mark(f, suspects, cells, note)
    return findings


@lru_cache(maxsize=16384)  # the same cell is asked again on every reviewer edit
def misreadings(raw: str, change: Decimal, tol: Decimal) -> frozenset[str]:
    """Texts the printed `raw` may be a misreading of: one digit different, or one integer digit
    more or fewer (same decimals), or the decimal point lost, whose value differs from raw's by `change` (either sign) within `tol` — in the table's unit."""
    m = _NUMBER.match(raw.strip())
    if m is None:
        return frozenset()
    sign, ints, decs = m.group(1), m.group(2).replace(",", ""), m.group(3) or ""
    step = Decimal(1).scaleb(-len(decs))  # one unit of the last printed digit
    lo, hi = (abs(change) - tol) / step, (abs(change) + tol) / step
    found = {_point(a, len(decs)) for a in _variants(ints, decs, lo, hi)}
    printed = Decimal(ints + "." + decs if decs else ints)
    found |= {
        p
        for p in _points(ints, decs)
        if abs(change) - tol <= abs(Decimal(p) - printed) <= abs(change) + tol
    }
    return frozenset(sign + f for f in found)


# -- internals ------------------------------------------------------------------------------


def _ocr_arithmetic(f: Finding) -> bool:
    return (
        f.kind == FindingKind.document
        and f.difference is not None
        and f.tolerance is not None
        and any(loc.confidence is not None for loc in f.locations)
    )


def _key(loc: Location) -> Key:
    return (loc.table_key, loc.row_code, loc.column_key, loc.page, loc.bbox)


def _ocr_cells(ix: Index, tables: set[str | None]) -> dict[Key, Cell]:
    """OCR'd cells of the named tables, keyed like the locations the index builds for them."""
    out: dict[Key, Cell] = {}
    for ti in (t for k, t in ix.tables.items() if k in tables):
        for row in ti.table.rows:
            for col, v in row.values.items():
                if v.confidence is not None:
                    out.setdefault(cell_where(ti.key, row, col, v), Cell(ti.table, row, col, v))
    return out


def _explanations(f: Finding, cells: dict[Key, Cell]) -> dict[Key, frozenset[str]]:
    """The finding's unchecked OCR cells that one misread digit explains, with the readings."""
    out = {}
    for loc in f.locations:
        cell = cells.get(_key(loc))
        if cell is None or not unchecked(cell.value) or cell.value.wan is None:
            continue
        scale = YUAN if cell.table.unit == Unit.yuan else Decimal(1)
        alts = misreadings(cell.value.raw, f.difference / scale, f.tolerance / scale)  # type: ignore[operator]
        if alts:
            out[_key(loc)] = alts
    return out


def _by_digit(
    ex: dict[Key, frozenset[str]], votes: Counter, cells: dict[Key, Cell], limit: float
) -> list[Key]:
    if not ex:
        return []
    score = {k: max(votes[(k, a)] for a in alts) for k, alts in ex.items()}
    best = max(score.values())
    top = [k for k in score if score[k] == best]
    low = [k for k in top if is_low(cells[k].value, limit)]
    top = sorted(low or top, key=lambda k: cells[k].value.confidence or 0.0)
    return top if len(top) <= MAX_SUSPECTS else []


def _lowest(f: Finding, cells: dict[Key, Cell], limit: float) -> list[Key]:
    low = [k for loc in f.locations if (k := _key(loc)) in cells and is_low(cells[k].value, limit)]
    return [min(low, key=lambda k: cells[k].value.confidence or 0.0)] if low else []


def _mark(f: Finding, suspects: list[Key], cells: dict[Key, Cell], note: str) -> None:
    first = [
        loc.model_copy(update={"suspect": True}) for loc in f.locations if _key(loc) in suspects
    ]
    first.sort(key=lambda loc: suspects.index(_key(loc)))
    f.locations = first + [loc for loc in f.locations if _key(loc) not in suspects]
    f.kind = FindingKind.extraction
    more = f"等 {len(suspects)} 处" if len(suspects) > 1 else ""
    f.message += f"（{note}：{_describe(cells[suspects[0]])}{more}）"


def _describe(cell: Cell) -> str:
    page = cell.value.page or cell.row.page
    title = next((c.title for c in cell.table.columns if c.key == cell.column), cell.column)
    label = cell.row.name or cell.row.code or cell.row.row_code or ""
    where = f"第{page}页 " if page else ""
    return f"{where}{label} {title} “{cell.value.raw}”，置信度{cell.value.confidence:.2f}"


def _variants(ints: str, decs: str, lo: Decimal, hi: Decimal) -> set[int]:
    """Readings as integers in units of the last digit whose distance from the printed one is
    within [lo, hi]: one digit swapped, then one integer digit dropped or added."""
    digits = ints + decs
    printed = int(digits)
    out = set()
    for j, ch in enumerate(digits):
        place = 10 ** (len(digits) - 1 - j)
        for k in range(max(1, math.ceil(lo / place)), min(9, math.floor(hi / place)) + 1):
            for new in (int(ch) + k, int(ch) - k):
                if 0 <= new <= 9 and not (j == 0 and new == 0 and len(ints) > 1):
                    out.add(printed + (new - int(ch)) * place)
    shorter = [ints[:j] + ints[j + 1 :] for j in range(len(ints))] if len(ints) > 1 else []
    longer = [ints[:j] + x + ints[j:] for j in range(len(ints) + 1) for x in "0123456789"]
    for alt in shorter + longer:
        if (len(alt) == 1 or alt[0] != "0") and lo <= abs(int(alt + decs) - printed) <= hi:
            out.add(int(alt + decs))
    return out


def _points(ints: str, decs: str) -> list[str]:
    """Where the decimal point the engine did not see may have been: a scan's point is a few
    pixels, "151.43" comes back "15143" at full confidence. (The reverse, a speck taken for a
    point, is rare and would make every A = B failure two-sided.)"""
    if decs:
        return []
    return [f"{int(ints[:-k])}.{ints[-k:]}" for k in (1, 2) if len(ints) > k]


def _point(units: int, decimals: int) -> str:
    text = str(units).rjust(decimals + 1, "0")
    return f"{text[:-decimals]}.{text[-decimals:]}" if decimals else text
