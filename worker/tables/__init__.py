"""Stage: the standard tables of a document, parsed deterministically from its layout.

`extract_tables(layout)` works on the format-agnostic layout (PDF, DOCX and plain text read the
same way): it finds each table's title and unit in the text before it, stitches a table
continued over pages (no title, or the same title repeated, same columns), reads the header
into canonical column keys (worker.tables.headers) and the body into canonical rows
(worker.tables.rows). Tables recognised as non-standard (绩效, 机构设置 …) are skipped; tables it
cannot classify are reported as problems, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from schemas import Column, Doubt, Problem, Row, Table, TableDoubt, Unit
from schemas.reference import TableRule
from worker.layout import Cell, Layout, TableBlock
from worker.tables.headers import (
    VALUE,
    ColumnSpec,
    Role,
    column_spec,
    count_header_rows,
    drop_common_group,
    drop_lone_prefix,
    header_paths,
    is_colnum_row,
    relative_years,
    rename_covered_totals,
    repair_shifted_groups,
    resolve_collisions,
)
from worker.tables.numbers import Kind, norm, parse
from worker.tables.rows import CODE_ROLES, Side, read_side, split_sides
from worker.tables.stitch import is_wrapped_tail, join_page_breaks, join_tail, spread
from worker.tables.titles import (
    MAX_NARRATIVE_CHARS,
    classify_title,
    find_title,
    find_unit,
    is_caption,
    is_page_furniture,
    is_title_row,
    says_empty,
)

STAGE = "tables"
SUMMARY_KEYS = frozenset({"income_expenditure_summary", "fiscal_appropriation_summary"})
MAX_CAPTION_CELLS = 3  # a caption row with a plain cell in it; a header row has more cells
MAX_TEXTS_IN_CONTINUATION = 2  # notes/captions allowed between the parts of one table


@dataclass(slots=True)
class _Part:
    """One TableBlock with its caption rows taken off."""

    rows: list[list[Cell]]
    block: TableBlock
    headless: bool = False  # a continuation that began by ending a label cut by the page break

    @property
    def width(self) -> int:
        return len(self.rows[0]) if self.rows else 0

    def texts(self, limit: int | None = None) -> list[list[str]]:
        return [[c.text.strip() for c in row] for row in self.rows[:limit]]


@dataclass(slots=True)
class _Group:
    rule: TableRule | None
    title: str
    unit: Unit | None
    parts: list[_Part] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def page(self) -> int | None:
        page = self.parts[0].block.page if self.parts else None
        return page + 1 if page is not None else None


def extract_tables(layout: Layout) -> tuple[list[Table], list[Problem]]:
    """The standard tables of a document, in order, and what could not be read."""
    groups, problems = _group_blocks(layout)
    tables: list[Table] = []
    last_unit: Unit | None = None
    for group in groups:
        last_unit = group.unit or last_unit
        if group.rule is None or not group.rule.standard or not group.parts:
            continue
        table = _build_table(group, group.unit or last_unit)
        tables.append(table)
        problems += [
            Problem(stage=STAGE, message=f"{group.title}：{d.message}", page=group.page)
            for d in table.doubts
        ]
    return tables, problems


# --- grouping blocks into tables -----------------------------------------------------------------


def _group_blocks(layout: Layout) -> tuple[list[_Group], list[Problem]]:
    groups: list[_Group] = []
    problems: list[Problem] = []
    texts: list[str] = []  # text since the last table: notes of that table, captions of the next
    for block in layout.blocks:
        if isinstance(block, TableBlock):
            _add_block(block, texts, groups, problems)
            texts = []
        elif not is_page_furniture(block.text):
            texts.append(block.text)
    if groups:
        groups[-1].notes.extend(texts)
    return groups, problems


def _add_block(
    block: TableBlock, texts: list[str], groups: list[_Group], problems: list[Problem]
) -> None:
    """Start a new table with this block, or continue the previous one."""
    part, captions = _take_captions(block)
    context = texts + captions
    found = find_title(context)
    prev = groups[-1] if groups else None
    before = texts[: found[0]] if found and found[0] < len(texts) else texts
    if prev is not None:
        prev.notes.extend(before)  # what follows a table up to the next title is about it
    if not part.rows:
        return
    if prev is not None and prev.parts and (rows := spread(prev.parts[0].rows, part.rows)):
        wide = _Part(rows, part.block)  # drawn on fewer columns, lined up with the table's
        if _continues(prev, wide, found, len(before)):
            _append_part(prev, wide)
            return
    if prev is not None and _continues(prev, part, found, len(before)):
        _append_part(prev, part)
        return
    after_title = context[found[0] :] if found else context
    unit = find_unit(after_title) or find_unit([c.text for row in part.rows[:3] for c in row])
    rule, title = (found[1], _title_text(context, found[0])) if found else (None, "")
    if rule is None and prev is not None and _inside_irregular(prev, before):
        rule, title = prev.rule, prev.title  # an untitled block inside an irregular section
    elif rule is None:
        problems.append(_unclassified(part))
    groups.append(_Group(rule, title, unit, [part]))


def _title_text(context: list[str], at: int) -> str:
    """The title as printed, with its last characters where they wrapped onto a line of their own."""
    title = context[at]
    if classify_title(title) is None and at + 1 < len(context):
        title += context[at + 1]
    return title


def _inside_irregular(prev: _Group | None, between: list[str]) -> bool:
    """An untitled table right after a non-standard one (绩效 tables come in several blocks)."""
    if prev is None or prev.rule is None or prev.rule.standard:
        return False
    return len(between) <= MAX_TEXTS_IN_CONTINUATION and all(
        len(t) <= MAX_NARRATIVE_CHARS for t in between
    )


def _take_captions(block: TableBlock) -> tuple[_Part, list[str]]:
    """Leading rows that are the table's title, unit or department lines, not its header."""
    rows = block.rows
    captions: list[str] = []
    while rows:
        texts = [c.text.strip() for c in rows[0] if c.origin is None]
        filled = [t for t in texts if t]
        numeric = any(parse(t).numeric for t in filled)
        captions_in = sum(1 for t in filled if is_caption(t))
        caption = captions_in == len(filled) or (captions_in and len(filled) <= MAX_CAPTION_CELLS)
        if filled and (numeric or not (is_title_row(texts) or caption)):
            break  # a department | 预算年度 | 单位 line is a caption even with a plain cell in it
        captions.extend(dict.fromkeys(filled))
        rows = rows[1:]
    return _Part(join_page_breaks(_rebased(rows, len(block.rows) - len(rows))), block), captions


def _rebased(rows: list[list[Cell]], dropped: int) -> list[list[Cell]]:
    """Merged-cell origins count rows from the block's first row: move them up past the
    caption rows taken off (an origin inside a caption row: the cell stands on its own)."""
    if not dropped:
        return rows
    return [[_moved_up(c, dropped) for c in row] for row in rows]


def _moved_up(cell: Cell, dropped: int) -> Cell:
    if cell.origin is None:
        return cell
    r, c = cell.origin
    return replace(cell, origin=(r - dropped, c) if r >= dropped else None)


def _continues(
    prev: _Group, part: _Part, found: tuple[int, TableRule] | None, n_texts: int
) -> bool:
    """Is this block the next page of the previous table?"""
    if prev.rule is None or not prev.parts:
        return False
    if found is not None and found[1].key != prev.rule.key:
        return False
    if found is None and n_texts > MAX_TEXTS_IN_CONTINUATION:
        return False
    first = prev.parts[0]
    if part.rows and is_wrapped_tail(prev.parts[-1].rows[-1], part.rows[0]):
        return True  # it ends a label the page break cut: no header can come before that
    n_head = count_header_rows(part.texts(8))
    if n_head == 0:
        return part.width <= first.width
    return part.width == first.width and _header_key(part, n_head) == _header_key(first, n_head)


def _header_key(part: _Part, n_head: int) -> list[list[str]]:
    return [[norm(t) for t in row] for row in part.texts(n_head)]


def _append_part(group: _Group, part: _Part) -> None:
    width = group.parts[0].width
    if part.width < width:  # a reader trimmed trailing columns that were blank on this page
        pad = [[*row, *(Cell("") for _ in range(width - len(row)))] for row in part.rows]
        part = _Part(pad, part.block)
    last = group.parts[-1]
    if part.rows and last.rows and is_wrapped_tail(last.rows[-1], part.rows[0]):
        # a new list: the part's rows may be its block's own, which the performance reader reads
        last.rows = [*last.rows[:-1], join_tail(last.rows[-1], part.rows[0])]  # '…研究' + '中心'
        part = _Part(_rebased(part.rows[1:], 1), part.block, headless=True)
    group.parts.append(part)


def _unclassified(part: _Part) -> Problem:
    head = " | ".join(t for t in part.texts(1)[0] if t)[:80] if part.rows else ""
    page = part.block.page + 1 if part.block.page is not None else None
    return Problem(
        stage=STAGE, message=f"table without a recognisable title skipped: {head}", page=page
    )


# --- one table -----------------------------------------------------------------------------------


def _build_table(group: _Group, unit: Unit | None) -> Table:
    assert group.rule is not None
    header, data = _header_and_data(group)
    specs = _column_specs(header, data, group.parts[0].width)
    sides = split_sides(specs, summary=group.rule.key in SUMMARY_KEYS)
    _finish_keys(sides)
    rows: list[Row] = []
    bad_cells = 0
    for side in sides:
        result = read_side(side, data, unit or Unit.wan, group.rule.key)
        rows.extend(result.rows)
        bad_cells += result.bad_cells
    if len(rows) == 1 and not rows[0].name and rows[0].code is None and rows[0].row_code is None:
        rows[0].row_code, rows[0].level = "total", 0  # one line of figures (三公 by item)
    has_values = any(v.value is not None for r in rows for v in r.values.values())
    doubts = _doubts(specs, _misaligned(specs, data), bad_cells, rows)
    if unit is None:
        doubts.append(TableDoubt(kind=Doubt.unit, message="未注明金额单位，按万元读取"))
    return Table(
        key=group.rule.key, title=group.title, unit=unit or Unit.wan, columns=_columns(sides),
        rows=rows, pages=sorted({p.block.page + 1 for p in group.parts if p.block.page is not None}),
        empty=says_empty(group.notes) or not has_values, bbox=group.parts[0].block.bbox,
        doubts=doubts,
    )  # fmt: skip


def _doubts(
    specs: list[ColumnSpec], misfits: list[str], bad_cells: int, rows: list[Row]
) -> list[TableDoubt]:
    """What is unresolved in the table's structure (schemas.Table.doubts)."""
    out = [TableDoubt(kind=Doubt.columns, message=m) for s in specs for m in s.problems]
    if misfits:
        where = "、".join(misfits)
        out.append(
            TableDoubt(kind=Doubt.columns, message=f"表头与数据对不齐（{where}），列可能错位")
        )
    if bad_cells:
        out.append(TableDoubt(kind=Doubt.cells, message=f"{bad_cells} 个数值单元格是文字"))
    orphans = _orphan_rows(rows)
    if orphans:
        names = "、".join(f"“{r.name}”" for r in orphans[:4])
        more = f"等 {len(orphans)} 行" if len(orphans) > 4 else ""
        out.append(TableDoubt(kind=Doubt.rows, message=f"有数值但科目未识别的行：{names}{more}"))
    return out


def _orphan_rows(rows: list[Row]) -> list[Row]:
    """Rows with figures and no subject, in a table whose rows are mostly keyed by code."""
    with_values = [r for r in rows if any(v.value is not None for v in r.values.values())]
    coded = sum(1 for r in with_values if r.code)
    if not with_values or 2 * coded < len(with_values):
        return []
    return [r for r in with_values if not r.code and not r.row_code]


def _header_and_data(group: _Group) -> tuple[list[list[Cell]], list[list[Cell]]]:
    first = group.parts[0]
    n_head = count_header_rows(first.texts(8))
    header, data = first.rows[:n_head], list(first.rows[n_head:])
    for part in group.parts[1:]:
        data.extend(part.rows[0 if part.headless else count_header_rows(part.texts(8)) :])
    data = [row for row in data if not is_colnum_row([c.text.strip() for c in row])]
    return header, data


def _column_specs(header: list[list[Cell]], data: list[list[Cell]], width: int) -> list[ColumnSpec]:
    paths = header_paths(header) if header else [[] for _ in range(width)]
    has_data = [any(row[c].text.strip() for row in data) for c in range(width)]
    paths = relative_years(repair_shifted_groups(paths, has_data))
    ocr = any(cell.confidence is not None for row in header for cell in row)
    specs = [column_spec(i, p, ocr) for i, p in enumerate(paths)]
    for spec in specs:
        if not spec.path and not has_data[spec.index]:
            spec.role = Role.attr  # a ghost column: no header, no data
    if not any(s.role == Role.name for s in specs):
        units = [s for s in specs if s.role == Role.unit_name]
        if units:
            units[0].role, units[0].units = Role.name, True  # the units are the rows
        else:
            _guess_name_column(specs, data)
    return specs


def _misaligned(specs: list[ColumnSpec], data: list[list[Cell]]) -> list[str]:
    """Columns whose data contradict their header: text under an amount, amounts under a code."""
    misfits = []
    for spec in specs:
        cells = [row[spec.index].text.strip() for row in data if row[spec.index].text.strip()]
        if not cells:
            continue
        if (
            spec.role == VALUE and sum(parse(t).kind is Kind.text for t in cells) * 2 > len(cells)
        ) or (spec.role in CODE_ROLES and any("." in t and parse(t).numeric for t in cells)):
            misfits.append(spec.title or f"column {spec.index + 1}")
    return misfits


def _guess_name_column(specs: list[ColumnSpec], data: list[list[Cell]]) -> None:
    """No header says which column holds the labels: take the first mostly-text column."""
    for spec in specs:
        if spec.role not in (VALUE, Role.attr):
            continue
        cells = [row[spec.index].text.strip() for row in data if row[spec.index].text.strip()]
        texts = sum(1 for t in cells if parse(t).kind is Kind.text)
        if cells and texts * 2 >= len(cells):
            spec.role = Role.name
            return


def _finish_keys(sides: list[Side]) -> None:
    """Distinct keys per side; a side with one amount column calls it `amount`."""
    for side in sides:
        drop_common_group(side.values)
        drop_lone_prefix(side.values)
        resolve_collisions(side.values)
        rename_covered_totals(side.values)
    for side in sides:
        if len(side.values) == 1 and side.values[0].money:
            side.values[0].key = "amount"


def _columns(sides: list[Side]) -> list[Column]:
    titles: dict[str, list[str]] = {}
    for side in sides:
        for spec in side.values:
            found = titles.setdefault(spec.key, [])
            if spec.title not in found:
                found.append(spec.title)
    return [Column(key=key, title=" | ".join(t)) for key, t in titles.items()]
