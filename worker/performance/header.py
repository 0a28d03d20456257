"""The indicator header of a performance table: which column holds which field.

    find_header(rows, vocab) -> Header | None

The header row is the one that names the 三级指标 column (or a 绩效指标 column running the levels
together) and a value column (指标值, 实际完成值, 得分 …). Rows of labels right above or below it
belong to it: they name the project columns of a list-style table (项目名称 | 项目总额 | 其中：
财政资金 …) and, in the 安阳 style, the 一级指标 that heads each 三级指标/指标值 pair of columns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from worker.performance.grid import GRow
from worker.performance.vocab import Vocabulary, key

_VALUE_FIELDS = {"value", "actual", "score", "weight"}
_NAME_FIELDS = {"name", "combined"}


@dataclass
class Slot:
    """One indicator per data row: its field → columns, and the 一级指标 its group header names."""

    columns: dict[str, list[int]] = field(default_factory=dict)
    level1: str | None = None


@dataclass
class Header:
    row: int  # index of the last header row in the section's rows
    block: int
    width: int
    slots: list[Slot]
    project: dict[str, list[int]]  # list-style tables: project field → columns
    anchors: list[tuple[float, float] | None]  # x-range of each header column, for other blocks

    def mapped(self) -> list[int]:
        """The columns that hold a field, left to right."""
        cols = {c for slot in self.slots for cs in slot.columns.values() for c in cs}
        return sorted(cols | {c for cs in self.project.values() for c in cs})

    @property
    def list_style(self) -> bool:
        return "name" in self.project or "code" in self.project


def indicator_fields(row: GRow, vocab: Vocabulary) -> dict[int, str]:
    return {i: vocab.indicator[k] for i, c in enumerate(row.cells) if (k := key(c.text)) in vocab.indicator}


def is_header(row: GRow, vocab: Vocabulary) -> bool:
    fields = set(indicator_fields(row, vocab).values())
    return bool(fields & _NAME_FIELDS) and bool(fields & _VALUE_FIELDS)


def header_like(row: GRow, vocab: Vocabulary) -> bool:
    """Every cell this row prints itself is a label (no values)."""
    own = [c.own for c in row.cells if c.own]
    return bool(own) and all(vocab.label(t) or key(t) in vocab.group for t in own)


def find_header(rows: list[GRow], start: int, vocab: Vocabulary) -> Header | None:
    """The next header at or after `start`, with the label rows around it."""
    for r in range(start, len(rows)):
        if is_header(rows[r], vocab):
            return _build(rows, r, vocab)
    return None


def _build(rows: list[GRow], r: int, vocab: Vocabulary) -> Header:
    block = rows[r].block
    top = r
    while top > 0 and rows[top - 1].block == block and header_like(rows[top - 1], vocab):
        top -= 1
    bottom = r
    while (
        bottom + 1 < len(rows)
        and rows[bottom + 1].block == block
        and header_like(rows[bottom + 1], vocab)
        and not is_header(rows[bottom + 1], vocab)
    ):
        bottom += 1
    band = rows[top : bottom + 1]
    width = max(len(x.cells) for x in band)
    slots, project = _columns(band, width, vocab)
    return Header(bottom, block, width, slots, project, _anchors(band, width))


def _labels(band: list[GRow], c: int) -> list[str]:
    """The labels over column c, top to bottom (a merged label counts where it spans)."""
    return [row.cells[c].text for row in band if c < len(row.cells) and row.cells[c].text.strip()]


def _columns(band: list[GRow], width: int, vocab: Vocabulary) -> tuple[list[Slot], dict]:
    slots: list[Slot] = [Slot()]
    project: dict[str, list[int]] = {}
    last: list[int] | None = None  # the columns of the field the previous column holds
    lowest = [key(ls[-1]) for c in range(width) if (ls := _labels(band, c))]
    named = any(vocab.indicator.get(k) == "name" for k in lowest)
    for c in range(width):
        if last is not None and _spanned(band, c):
            last.append(c)  # a label merged over two columns (三级指标 | <三级指标): one field
            continue
        last = None
        labels = [key(t) for t in _labels(band, c)]
        # the lowest label names the column; a label above it is a group (绩效指标 over 一级 …
        # 备注: a column under it that the vocabulary does not know holds no field)
        ind = vocab.indicator.get(labels[-1]) if labels else None
        if ind == "combined" and named:
            ind = None  # 绩效指标 beside a 三级指标 column: the band's row label (西安)
        group = next((vocab.level1[k] for k in labels if k in vocab.level1), None)
        if ind is None:
            proj = next((vocab.project[k] for k in reversed(labels) if k in vocab.project), None)
            if proj is not None:
                last = project.setdefault(proj, [])
                last.append(c)
            continue
        slot = slots[-1]
        if ind in _NAME_FIELDS and slot.columns.keys() & _NAME_FIELDS:
            slot = Slot()
            slots.append(slot)
        last = slot.columns.setdefault(ind, [])
        last.append(c)
        if group and slot.level1 is None:
            slot.level1 = group
    return [s for s in slots if s.columns.keys() & _NAME_FIELDS], project


def _spanned(band: list[GRow], c: int) -> bool:
    """Column c is covered, in every header row, by a label merged from the column left of it."""
    cells = [row.cells[c] for row in band if c < len(row.cells)]
    return bool(cells) and all(cell.left for cell in cells)


def _anchors(band: list[GRow], width: int) -> list[tuple[float, float] | None]:
    out: list[tuple[float, float] | None] = []
    for c in range(width):
        boxes = [row.cells[c].bbox for row in band if c < len(row.cells) and row.cells[c].bbox]
        out.append((boxes[-1][0], boxes[-1][2]) if boxes else None)
    return out


def align(header: Header, row: GRow) -> list[int | None]:
    """For each cell of `row`, the header column it stands under: the same index within the
    header's block (or a block as wide); in another block whose cells start where header columns
    start, those columns (a continuation page drawn without the header's split cells: 北京 活动 |
    绩效指标 | 指标性质 … on 6 columns under a 9-column header); in a block as wide as the columns
    the header maps, those columns in order (a continuation page that drops an empty 说明 column,
    drawn to other widths); else the header column its box overlaps most, or, without boxes
    (text), the same index."""
    if row.block == header.block or len(row.cells) == header.width:
        return list(range(len(row.cells)))
    if (lined := _lined_up(header, row)) is not None:
        return lined
    mapped = header.mapped()
    if len(row.cells) == len(mapped):
        return list(mapped)
    if all(cell.bbox is None for cell in row.cells):
        return [c if c < header.width else None for c in range(len(row.cells))]
    out: list[int | None] = []
    for cell in row.cells:
        if cell.bbox is None:
            out.append(None)
            continue
        x0, x1 = cell.bbox[0], cell.bbox[2]
        overlaps = [
            (min(x1, a[1]) - max(x0, a[0]), c) for c, a in enumerate(header.anchors) if a
        ]
        best = max(overlaps, default=(0.0, None))
        out.append(best[1] if best[0] > 0 else None)
    return out


_EDGE = 2.0  # points: a cell starts where a header column starts


def _lined_up(header: Header, row: GRow) -> list[int | None] | None:
    """The header columns the row's cells start at (the first of columns merged over one
    start), when every cell starts at a different one; else None."""
    out: list[int | None] = []
    for cell in row.cells:
        if cell.left:  # the rest of the cell left of it
            out.append(None)
            continue
        near = [(abs(a[0] - cell.bbox[0]), c) for c, a in enumerate(header.anchors)
                if a is not None and cell.bbox is not None]
        gap, col = min(near, default=(_EDGE + 1, None))
        if gap > _EDGE or col in out:
            return None
        out.append(col)
    return out


# what a 指标值 looks like: a figure (after a comparator), a share, a range or a period; a bare
# comparator (＝, ≥) is not one: it is the 指标性质 column beside it
_VALUE_LIKE = re.compile(r"^[≥≤><＞＜=＝≈]?\s*\d|%$")


def fit(header: Header, rows: list[GRow], vocab: Vocabulary) -> Header:
    """The header with its indicator columns moved one column left or right when the data rows
    below print them there (a form whose data rows skip an empty cell): the shift under which
    the cells read as what their columns hold (a name under 三级指标, a figure under 指标值, a
    bare ≥ / 定性 under 指标性质, 数量指标 under 二级指标)."""
    best, shift = _fit_score(header, rows, 0, vocab), 0
    for s in (-1, 1):
        if (score := _fit_score(header, rows, s, vocab)) > best:
            best, shift = score, s
    if shift == 0:
        return header
    slots = [replace(slot, columns={f: [c + shift for c in cs] for f, cs in slot.columns.items()})
             for slot in header.slots]
    taken = {c for slot in slots for cs in slot.columns.values() for c in cs}
    project = {f: kept for f, cs in header.project.items() if (kept := [c for c in cs if c not in taken])}
    return replace(header, slots=slots, project=project)


def _looks(text: str, vocab: Vocabulary) -> str:
    """What a cell's text is: a bare comparator, a 一级/二级指标 name, a value, or a name."""
    k = key(text)
    if k in vocab.comparators:
        return "comparator"
    if k in vocab.level1 or k in vocab.level2:
        return "level"
    return "value" if _VALUE_LIKE.search(text) else "name"


# field → how each kind of cell text scores under it (kinds not listed score 0)
_EXPECTED: dict[str, dict[str, int]] = {
    "value": {"value": 1, "comparator": -1, "level": -1},  # a value may be words (好, 达标)
    "name": {"name": 1, "value": -1, "comparator": -1, "level": -1},
    "combined": {"name": 1, "level": 1, "value": -1, "comparator": -1},
    "comparator": {"comparator": 1, "name": -1, "value": -1},
    "level1": {"level": 1, "value": -1, "comparator": -1},
    "level2": {"level": 1, "value": -1, "comparator": -1},
}


def _fit_score(header: Header, rows: list[GRow], shift: int, vocab: Vocabulary) -> int:
    score = 0
    for row in rows:
        if row.block != header.block and len(row.cells) != header.width:
            continue  # a block drawn to other widths: `align` places its cells, not a shift
        texts = row.texts()
        for slot in header.slots:
            for fieldname, cols in slot.columns.items():
                expected = _EXPECTED.get(fieldname)
                for c in cols:
                    t = texts[c + shift] if 0 <= c + shift < len(texts) else ""
                    if t and expected:
                        score += expected.get(_looks(t, vocab), 0)
    return score
