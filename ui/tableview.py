"""Tables as the reviewer sees them: a DataFrame of printed cell text, where findings point,
which page boxes to highlight, and the reviewer's edits turned back into `Edit`s.

OCR'd numbers under the review threshold (`worker.services.review.unsure`) get their own look in the grid
and on the page until a reviewer corrects or confirms them; the cells a finding suspects of
being misread (Location.suspect) stand out above everything else."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pandas as pd

from schemas import BBox, Document, Finding, Location, Table, Value, ValueStatus
from schemas.geometry import union
from ui.i18n import t
from ui.names import column_name
from worker.services.review import Edit, unsure

CODE, NAME = "row_code", "row_name"  # label columns; value columns are the canonical column keys
Cell = tuple[int, int, str | None]  # (table index, row index, column key or None = whole row)

BACKGROUND = {
    "finding": "background-color: #ffe08a",
    "corrected": "background-color: #c8efc8",
    "selected": "background-color: #b7d3ff",
    "low_confidence": "background-color: #e6d9ff",
    "active": "background-color: #ffb05c",
    "suspect": "background-color: #ff8f87",
}
# the text colour of a low-confidence number, kept under any background: a cell of the picked
# finding is still visibly unsure
LOW_TEXT = "color: #5b2aa6"
_LAYERS = ("finding", "low_confidence", "active", "suspect")  # later wins the background


def value_keys(table: Table) -> list[str]:
    keys = [c.key for c in table.columns]
    for row in table.rows:  # values the header did not name still get a column
        keys.extend(k for k in row.values if k not in keys)
    return keys


def table_frame(table: Table, numeric: bool = False) -> pd.DataFrame:
    """One row per table row; value cells hold the printed text, the thing a reviewer compares
    and corrects — or (`numeric`, for reading) the printed numbers of `number_columns`, so a
    grid sorts them by value. A line the reader named by a canonical key only (no printed
    code) shows no code: keys are not for reviewers."""
    keys = value_keys(table)
    records = [
        {
            CODE: row.code or "",
            NAME: row.name,
            **{k: (row.values[k].raw if k in row.values else "") for k in keys},
        }
        for row in table.rows
    ]
    frame = pd.DataFrame(records, columns=[CODE, NAME, *keys], dtype="string")
    for key in number_columns(table) if numeric else ():
        frame[key] = pd.array([_number(row.values.get(key)) for row in table.rows],
                              dtype="Float64")
    return frame


# a printed amount the grid can show as a number without changing what it says: digits,
# thousands separators, decimals, a minus (not a dash, 12.3% or accounting parentheses)
_PLAIN_NUMBER = re.compile(r"-?\d[\d,]*(?:\.(?P<frac>\d+))?")


def number_columns(table: Table) -> dict[str, int]:
    """Value columns whose every printed cell is a plain number → the decimals to show them
    with: two (万元 and 元 amounts), more where a cell prints more. A column with anything else
    in it (a dash, a percentage, text) stays text, so nothing printed is hidden or changed."""
    found = {}
    for key in value_keys(table):
        cells = [v for row in table.rows if (v := row.values.get(key)) and v.raw.strip()]
        plain = [_PLAIN_NUMBER.fullmatch(v.raw.strip()) for v in cells]
        if all(m is not None for m in plain) and all(v.value is not None for v in cells):
            found[key] = max([2, *(len(m["frac"] or "") for m in plain if m)])
    return found


def _number(value: Value | None) -> float | None:
    return None if value is None or value.value is None else float(value.value)


def column_titles(table: Table) -> dict[str, str]:
    """Grid headers: the printed header, else the column's name in the reference data."""
    return {CODE: t("table.code"), NAME: t("table.name")} | {
        k: column_name(k, table) for k in value_keys(table)}


def diff_edits(table_index: int, before: pd.DataFrame, after: pd.DataFrame) -> list[Edit]:
    """Cells the reviewer changed in the editor (label columns are not editable)."""
    edits = []
    for key in before.columns.drop([CODE, NAME]):
        for i, (old, new) in enumerate(zip(before[key], after[key], strict=True)):
            old_s, new_s = _text(old), _text(new)
            if old_s != new_s:
                edits.append(Edit(table=table_index, row=i, column=str(key), new=new_s))
    return edits


def apply_editor_state(before: pd.DataFrame, state: Any) -> pd.DataFrame:
    """`before` with the cells an `st.data_editor`'s widget state says were edited (its
    `edited_rows`: row position → {column: value}); rows are neither added nor deleted here."""
    after = before.copy()
    for row, cells in ((state or {}).get("edited_rows") or {}).items():
        for column, value in cells.items():
            after.iloc[int(row), after.columns.get_loc(column)] = value
    return after


def _text(v: Any) -> str:
    return (
        "" if v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v)) else str(v).strip()
    )


# -- where things are -----------------------------------------------------------------------


def tables_on_page(doc: Document, page: int) -> list[int]:
    return [i for i, t in enumerate(doc.tables) if page in t.pages or not t.pages]


def locate(doc: Document, loc: Location) -> Iterator[Cell]:
    """The cells a finding location names (table by key, row by code, column by key)."""
    if loc.table_key is None:
        return
    for ti, table in enumerate(doc.tables):
        if table.key != loc.table_key or (loc.page and table.pages and loc.page not in table.pages):
            continue
        for ri, row in enumerate(table.rows):
            if loc.row_code is None or loc.row_code in (
                row.code,
                row.row_code,
                None if row.code or row.row_code else row.name,  # projects have only a name
            ):
                if loc.row_code is None and loc.column_key is None:
                    break  # the whole table: no single cell to mark
                yield ti, ri, loc.column_key


def finding_cells(doc: Document, finding: Finding) -> set[Cell]:
    return {cell for loc in finding.locations for cell in locate(doc, loc)}


def suspect_cells(doc: Document, finding: Finding) -> set[Cell]:
    """The cells the finding suspects of being misread."""
    return {cell for loc in finding.locations if loc.suspect for cell in locate(doc, loc)}


def unsure_cells(table: Table, table_index: int) -> set[Cell]:
    """OCR'd numbers below the review threshold no reviewer has corrected or confirmed."""
    return {
        (table_index, ri, key)
        for ri, row in enumerate(table.rows)
        for key, value in row.values.items()
        if unsure(value)
    }


def cell_box(doc: Document, cell: Cell) -> tuple[int | None, BBox | None]:
    """(page, bbox) of a cell; a whole row's box when no column is named."""
    ti, ri, key = cell
    row = doc.tables[ti].rows[ri]
    if key is None:
        return row.page, row.bbox or union([v.bbox for v in row.values.values()])
    value = row.values.get(key)
    return (value.page, value.bbox) if value else (row.page, None)


def finding_boxes(
    doc: Document, finding: Finding, page: int, suspect: bool | None = None
) -> list[BBox]:
    """Every box on `page` the finding involves: its own boxes, else the cells it names (only
    its suspected or unsuspected locations when `suspect` says which)."""
    boxes = []
    for loc in finding.locations:
        if suspect is not None and loc.suspect != suspect:
            continue
        if loc.bbox is not None and loc.page in (page, None):
            boxes.append(loc.bbox)
            continue
        for cell in locate(doc, loc):
            p, box = cell_box(doc, cell)
            if box is not None and p in (page, None):
                boxes.append(box)
    return boxes


def finding_page(doc: Document, finding: Finding) -> int | None:
    for loc in finding.locations:
        if loc.page:
            return loc.page
        for cell in locate(doc, loc):
            p, _ = cell_box(doc, cell)
            if p:
                return p
    return None


def corrected_boxes(doc: Document, page: int) -> list[BBox]:
    return _value_boxes(doc, page, lambda v: v.status == ValueStatus.corrected)


def unsure_boxes(doc: Document, page: int) -> list[BBox]:
    """Boxes of the low-confidence OCR numbers printed on `page`, of every table."""
    return _value_boxes(doc, page, unsure)


def _value_boxes(doc: Document, page: int, keep: Callable[[Value], bool]) -> list[BBox]:
    return [
        v.bbox
        for t in doc.tables
        for r in t.rows
        for v in r.values.values()
        if v.bbox and v.page == page and keep(v)
    ]


# -- styling --------------------------------------------------------------------------------


def styled(
    frame: pd.DataFrame,
    table: Table,
    table_index: int,
    flagged: set[Cell],
    active: set[Cell],
    suspects: set[Cell] | None = None,
) -> Any:
    """Corrected cells green, cells any finding names amber, low-confidence OCR numbers violet
    (violet text whatever the background), the picked finding's cells orange and the cells it
    suspects of a misread red."""
    return frame.style.apply(
        lambda _: cell_css(frame, table, table_index, flagged, active, suspects or set()),
        axis=None,
    )


def cell_css(
    frame: pd.DataFrame,
    table: Table,
    table_index: int,
    flagged: set[Cell],
    active: set[Cell],
    suspects: set[Cell],
) -> pd.DataFrame:
    """The CSS of every grid cell (see `styled`)."""
    keys = list(frame.columns)
    css = pd.DataFrame("", index=frame.index, columns=keys)
    for ri, row in enumerate(table.rows):
        for key, value in row.values.items():
            if value.status == ValueStatus.corrected and key in keys:
                css.iat[ri, keys.index(key)] = BACKGROUND["corrected"]
    low = unsure_cells(table, table_index)
    layers = {"finding": flagged, "low_confidence": low, "active": active, "suspect": suspects}
    for role in _LAYERS:
        for ti, ri, named in layers[role]:
            if ti != table_index or ri >= len(css):
                continue
            cols = [keys.index(named)] if named in keys else range(len(keys))
            for ci in cols:
                css.iat[ri, ci] = BACKGROUND[role]
    for _, ri, col in low:
        if ri < len(css) and col in keys:
            css.iat[ri, keys.index(col)] += "; " + LOW_TEXT
    return css
