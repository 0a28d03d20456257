"""Data rows of one standard table → canonical `Row`s.

A table is split into sides first: the summary tables print income and expenditure side by
side, and some final-account tables repeat code | name | amount three times across the page.
Each side is read on its own and the sides are concatenated, left to right. A row gets its
code from 类/款/项 columns, a code column or the start of its name; uncoded lines get a
canonical `row_code` from `schemas/reference/rows.yaml`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cache

from schemas import Row, Unit, Value
from schemas.geometry import union
from schemas.reference import function_codes, row_vocabulary, table_rule
from worker.layout import BBox, Cell
from worker.tables.headers import VALUE, ColumnSpec, Role
from worker.tables.labels import nearest, renumber, split_ordinal
from worker.tables.numbers import Kind, norm_label, parse, wan_of

CODE_ROLES = (Role.cls, Role.kuan, Role.xiang, Role.code)
_EMBEDDED_CODE = re.compile(
    r"^[\[【]?(?!(?:19|20)\d\d(?!\d))(\d{3,9})[\]】]?"
    r"(?:[\s\-—_:：、]+|(?=[^\d年月日号个万元%．.]))(\S.*)$"
)  # not "2024年…", not a year opening a name ('2026高质量发展行动——…项目')
_ORG = re.compile(
    r"委员会|办公室|局$|中心$|部门|单位|政府|中共|党委|学校|医院|[委办处院站所馆队室]$"
)
_NOTE = re.compile(r"^(?:注|说明|备注|附注)\s*[:：\d]")
_CODE_SPECKS = re.compile(r"(?<=\d)[.,·:;](?=\d)")
LEVELS = {3: 1, 5: 2, 7: 3}  # code length → level: 类 / 款 / 项
_REMARK = re.compile(r"[（(][^（()）]*[)）]\s*$")
_YEAR_ROW = re.compile(r"^\s*((?:19|20)\d{2})\s*年度?\s*$")


class SideKind(StrEnum):
    """Which side of a summary table a group of columns is (its rows use that side's labels)."""

    income = "income"
    expenditure = "expenditure"


@dataclass(slots=True)
class Side:
    specs: list[ColumnSpec]
    kind: SideKind | None = None
    _first: dict[Role, ColumnSpec | None] = field(default_factory=dict)

    def first(self, role: Role) -> ColumnSpec | None:
        if role not in self._first:  # asked once per row and role: remember
            self._first[role] = next((s for s in self.specs if s.role == role), None)
        return self._first[role]

    @property
    def values(self) -> list[ColumnSpec]:
        return [s for s in self.specs if s.role == VALUE]


@dataclass(slots=True)
class _CodeState:
    """Codes printed once for a run of rows (a merged 类 cell) carry down to the rows below."""

    cls: str = ""
    kuan: str = ""


@dataclass(slots=True)
class RowsResult:
    rows: list[Row] = field(default_factory=list)
    bad_cells: int = 0  # text where a number should be


# --- sides --------------------------------------------------------------------------------------


def split_sides(specs: list[ColumnSpec], summary: bool) -> list[Side]:
    """Cut the columns at every label column; label groups without values join a neighbour."""
    anchors = [s.index for s in specs if s.role == Role.name]
    starts = []
    for a in anchors:
        start = a
        while (
            start - 1 >= 0
            and specs[start - 1].role not in (VALUE, Role.name)
            and start - 1 not in starts
        ):
            start -= 1
        starts.append(start)
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    spans = [specs[a:b] for a, b in zip(starts, [*starts[1:], len(specs)], strict=True)]
    sides: list[list[ColumnSpec]] = []
    for span in spans:
        if sides and (
            not any(s.role == VALUE for s in sides[-1]) or not any(s.role == VALUE for s in span)
        ):
            sides[-1] = sides[-1] + span
        else:
            sides.append(span)
    result = [Side(span, _side_kind(span)) for span in sides]
    if summary and len(result) == 2 and not any(s.kind for s in result):
        result[0].kind, result[1].kind = SideKind.income, SideKind.expenditure
    return result


def _side_kind(span: list[ColumnSpec]) -> SideKind | None:
    tops = {norm_label(s.path[0]) for s in span if s.path}
    if tops & {"收入", "收入项目"}:
        return SideKind.income
    if tops & {"支出", "支出项目"}:
        return SideKind.expenditure
    return None


# --- rows ----------------------------------------------------------------------------------------


def read_side(side: Side, rows: list[list[Cell]], unit: Unit, table_key: str) -> RowsResult:
    out = RowsResult()
    state = _CodeState()
    value_specs = side.values
    name_spec = side.first(Role.name)
    if name_spec is not None and any(r[name_spec.index].confidence is not None for r in rows):
        rows = _ocr_labels_repaired(side, rows, name_spec.index, table_key)
    for cells in rows:
        row = _read_row(side, value_specs, cells, unit, state, out, table_key)
        if row is not None:
            out.rows.append(row)
    _contextual_codes(out.rows, side.kind)
    _year_rows(out.rows)
    return out


def _year_rows(rows: list[Row]) -> None:
    """Rows named by a year (深圳 三公: 2025年 | 2026年 | 增减变化金额): the latest is the
    table's own year (current), earlier ones the year before (prior_year)."""
    years = {r.name: int(m.group(1)) for r in rows if not r.code and (m := _YEAR_ROW.match(r.name))}
    if len(years) < 2:
        return
    latest = max(years.values())
    for row in rows:
        if row.name in years and row.row_code is None:
            row.row_code = "current" if years[row.name] == latest else "prior_year"


def _ocr_labels_repaired(
    side: Side, rows: list[list[Cell]], col: int, table_key: str
) -> list[list[Cell]]:
    """Rows whose OCR'd name cell is put right: ordinals by their run, the label of an uncoded
    line by the vocabulary (worker/tables/labels.py). Text-layer cells are left as printed; so are
    the names of coded lines (款/项 names are not in the vocabulary; the code identifies them)."""
    codes, printed = _label_lexicon(side.kind or "", table_key)
    code_cols = [s.index for s in side.specs if s.role in CODE_ROLES]
    labels = []
    for cells in rows:
        label = _label(cells[col].text)
        coded = any(cells[i].text.strip() for i in code_cols) or _EMBEDDED_CODE.match(label)
        if cells[col].confidence is not None and not coded:
            head, core = split_ordinal(label, codes)
            key = norm_label(core)
            near = None if key in codes else nearest(key, codes)
            label = head + (printed.get(near, near) if near else core)
        labels.append(label)
    out = []
    for cells, label in zip(rows, renumber(labels), strict=True):
        cell = cells[col]
        if cell.confidence is not None and label != _label(cell.text):
            cells = [*cells[:col], replace(cell, text=label), *cells[col + 1 :]]
        out.append(cells)
    return out


@cache
def _label_lexicon(side_kind: str, table_key: str) -> tuple[dict[str, str], dict[str, str]]:
    """For every row label this side of this table may carry: normalized label → its code or
    row_code, and → the label as printed."""
    codes = dict(_row_lookup(side_kind, table_key))
    if side_kind != SideKind.income:
        for key, code in _class_by_name().items():
            codes.setdefault(key, code)
    names = [a for sec in _vocab_sections(side_kind, table_key) for v in sec.values() for a in v]
    names += [n for ns in function_codes().class_names().values() for n in ns]
    printed: dict[str, str] = {}
    for name in names:
        printed.setdefault(norm_label(name), name)
    return codes, printed


def known_label(text: str) -> bool:
    """A row label the vocabulary knows on some table (rows.yaml, the function classes' names)."""
    return norm_label(_label(text)) in _known_labels()


@cache
def _known_labels() -> frozenset[str]:
    return frozenset(k for kind in ("", *SideKind) for k in _label_lexicon(kind, "")[0])


def _read_row(
    side: Side,
    value_specs: list[ColumnSpec],
    cells: list[Cell],
    unit: Unit,
    state: _CodeState,
    out: RowsResult,
    table_key: str,
) -> Row | None:
    name_spec = _name_column(side, cells, table_key)
    label = _name_text(cells, name_spec.index) if name_spec else ""
    if not label and name_spec is not None:
        label = _inner_label(side, cells, name_spec)
    code, label = _row_code_and_label(side, cells, label, state)
    values = {spec.key: _value(cells[spec.index], spec, unit, out) for spec in value_specs}
    has_value = any(v.value is not None for v in values.values())
    unit_name = _unit_name(side, cells) if not (label or code) else ""
    if not label and not code and not has_value:
        return None
    if not has_value and name_spec is not None and _label_runs_on(side, cells, name_spec.index):
        return None  # the side its value stands on reads it (江苏 当年支出小计 over both panels)
    if _NOTE.match(label) and not has_value:
        return None
    row = Row(code=code or None, name=label or unit_name, values=values)
    if unit_name:
        row.row_code = "unit"  # the subtotal line of the unit the rows below belong to
    else:
        _classify(row, side, cells, table_key, units=bool(name_spec and name_spec.units))
    page, bbox = _position(cells, side, name_spec)
    row.page, row.bbox = page, bbox
    return row


def _label_runs_on(side: Side, cells: list[Cell], index: int) -> bool:
    """The row's own label is merged over every value column of its side and on past the side:
    a label of the next side's row (江苏 收支预算总表: 当年支出小计 | 结转下年资金 | 支出合计
    printed across the 功能分类 and 支出用途 panels, the amount in the last column)."""
    if cells[index].origin is not None or not cells[index].text.strip():
        return False
    past = max(s.index for s in side.specs) + 1
    spanned = [s.index for s in side.values] + [past]
    return all(j < len(cells) and (o := cells[j].origin) is not None and o[1] == index
               for j in spanned)


def _name_column(side: Side, cells: list[Cell], table_key: str) -> ColumnSpec | None:
    """The label column that names this row. A row may print several "code-name" labels
    (北京: 2200504-气象事业机构 | 50502-商品和服务支出 | 30201-办公费): the one whose code is of
    the family the table is by (tables.yaml `row_codes`) names it, the others are context."""
    names = [s for s in side.specs if s.role == Role.name]
    if len(names) < 2:
        return names[0] if names else None
    rule = table_rule(table_key)
    wanted = rule.row_codes if rule else ["2"]

    def rank(spec: ColumnSpec) -> int:
        m = _EMBEDDED_CODE.match(_label(cells[spec.index].text))
        if m is None:
            return len(wanted) + 1
        return next((i for i, d in enumerate(wanted) if m.group(1).startswith(d)), len(wanted))

    coded = min(names, key=rank)  # leftmost among equals
    if rank(coded) <= len(wanted):
        return coded
    # no code: the first label printed (北京: 合计 under 部门支出经济分类科目 only)
    return next((s for s in names if _label(cells[s.index].text)), names[0])


def _name_text(cells: list[Cell], index: int) -> str:
    """The name cell's text; where the name is printed across the columns before it as well
    (西安: 合计 centred over 单位编码 | 单位名称), the text of the merge, held by its first cell."""
    cell = cells[index]
    if cell.text.strip() or cell.origin is None:
        return _label(cell.text)
    col = cell.origin[1]
    first = cells[col] if col < index else None
    if first is None or first.origin is not None:
        return ""  # merged from the row above: no label of this row's own
    if any(c.origin != cell.origin for c in cells[col + 1 : index]):
        return ""
    return _label(first.text)


def _inner_label(side: Side, cells: list[Cell], name_spec: ColumnSpec) -> str:
    """Labels printed in two columns under one header (江苏: 一般公共预算资金 merged down over
    小计 | 公共财政拨款(补助)资金 | 专项收入): where the name cell continues the group from the
    row above, the row's own label is in the column beside it (unnamed, or under the same
    header merged over both)."""
    if cells[name_spec.index].origin is None:
        return ""
    beside = next((s for s in side.specs if s.index > name_spec.index), None)
    if beside is None:
        return ""
    unnamed = beside.role == Role.attr and not beside.title
    if not (unnamed or beside.title == name_spec.title):
        return ""
    return _label(cells[beside.index].text)


def _unit_name(side: Side, cells: list[Cell]) -> str:
    spec = side.first(Role.unit_name)
    return _label(cells[spec.index].text) if spec is not None else ""


def _label(text: str) -> str:
    return re.sub(r"\s*\n\s*", "", text).strip()


def _code_text(cells: list[Cell], spec: ColumnSpec | None) -> str:
    if spec is None:
        return ""
    cell = cells[spec.index]
    text = "".join(cell.text.split())
    # a code has no separators: on an OCR'd page a "." in one is a speck ("2101.102")
    return _CODE_SPECKS.sub("", text) if cell.confidence is not None else text


def _row_code_and_label(
    side: Side, cells: list[Cell], label: str, state: _CodeState
) -> tuple[str, str]:
    cls, kuan, xiang = (_code_text(cells, side.first(r)) for r in (Role.cls, Role.kuan, Role.xiang))
    code = (
        _join_code(cls, kuan, xiang, state)
        if (cls or kuan or xiang)
        else _code_text(cells, side.first(Role.code))
    )
    if not code:
        m = _EMBEDDED_CODE.match(label)
        if m:
            code, label = m.group(1), m.group(2).strip()
    if code and not code.isdigit():
        label, code = label or code, ""
    if not code and label.isdigit():  # a unit or item code printed in the name column
        attrs = (_label(cells[s.index].text) for s in side.specs if s.role == Role.attr)
        code, label = label, next((t for t in attrs if t), "")
    return code, label


def _join_code(cls: str, kuan: str, xiang: str, state: _CodeState) -> str:
    """201 | 37 | 01 → 2013701; a 款 printed as 20137 and a 类 merged over several rows too."""
    if cls:
        state.cls, state.kuan = cls, ""
    base = state.cls if (kuan or xiang) and not cls else cls
    if kuan:
        state.kuan = kuan if len(kuan) >= 5 else base + kuan
    if not xiang:
        return state.kuan if kuan else cls
    if len(xiang) >= 7:
        return xiang
    return (state.kuan or base) + xiang


def _value(cell: Cell, spec: ColumnSpec, unit: Unit, out: RowsResult) -> Value:
    raw = cell.text.strip() if cell.origin is None else ""
    parsed = parse(raw)
    if parsed.kind is Kind.text:
        out.bad_cells += 1
    wan = wan_of(parsed, unit, spec.money)
    page = cell.page + 1 if cell.page is not None else None
    return Value(
        raw=raw, value=parsed.value, wan=wan, page=page, bbox=cell.bbox, confidence=cell.confidence
    )


def _position(
    cells: list[Cell], side: Side, name_spec: ColumnSpec | None
) -> tuple[int | None, BBox | None]:
    boxes: list[BBox] = [
        box for s in side.specs if (box := cells[s.index].bbox) and cells[s.index].text.strip()
    ]
    anchor = cells[name_spec.index] if name_spec else cells[side.specs[0].index]
    page = (
        anchor.page
        if anchor.page is not None
        else next((c.page for c in cells if c.page is not None), None)
    )
    return (page + 1 if page is not None else None), union(boxes)


# --- what a row is --------------------------------------------------------------------------------


def _classify(row: Row, side: Side, cells: list[Cell], table_key: str, units: bool = False) -> None:
    unit_code = _code_text(cells, side.first(Role.unit_code))
    code = row.code or ""
    if code and (len(code) not in LEVELS or _is_org_row(code, row.name)):
        row.code, row.row_code = None, "unit"
        return
    if code:
        row.level = LEVELS[len(code)]
        return
    found = _label_code(row.name, side.kind, table_key)
    if row.name and not found and (unit_code or units or _names_a_unit(row.name)):
        row.row_code = "unit"
        return
    if found is None:
        return
    kind, value = found
    if kind == "class":
        row.code, row.level = value, 1
    else:
        row.row_code = value
        row.level = 0 if value == "total" else None


@cache
def _unit_name_pattern() -> re.Pattern[str]:
    spec = row_vocabulary().unit_names
    places, endings = ("|".join(map(re.escape, words)) for words in (spec.places, spec.endings))
    return re.compile(rf"^.{{1,{spec.place_within}}}?(?:{places}).*(?:{endings})$")


def _names_a_unit(name: str) -> bool:
    bare = re.sub(r"[（(][^（()）]*[)）]$", "", "".join(name.split()))
    return bool(bare) and _unit_name_pattern().match(bare) is not None


def _is_org_row(code: str, name: str) -> bool:
    if len(code) != 3 or not name or not _ORG.search(name):
        return False
    return norm_label(name) not in _class_by_name()


def _label_code(label: str, side_kind: str | None, table_key: str) -> tuple[str, str] | None:
    key = norm_label(label)
    if not key:
        return None
    vocab = _row_lookup(side_kind or "", table_key)
    for candidate in _label_variants(label, key):
        if candidate in vocab:
            return "row", vocab[candidate]
    if side_kind != SideKind.income:
        code = _class_by_name().get(key) or _class_by_name().get(_strip_class_suffix(key))
        if code:
            return "class", code
    return None


def _label_variants(label: str, key: str) -> list[str]:
    """The label, then without a closing remark (事业收入（不含教育收费）), then without an ending
    of rows.yaml `drop_suffixes` (重庆: 事业收入资金)."""
    bare = norm_label(_REMARK.sub("", label)) or key
    out = [key, bare]
    for suffix in row_vocabulary().drop_suffixes:
        out += [k.removesuffix(suffix) for k in (key, bare) if k.endswith(suffix) and k != suffix]
    return out


@cache
def _row_lookup(side_kind: str, table_key: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for section in _vocab_sections(side_kind, table_key):
        for code, aliases in section.items():
            for alias in aliases:
                table.setdefault(norm_label(alias), code)
    return table


def _vocab_sections(side_kind: str, table_key: str) -> list[dict[str, list[str]]]:
    """rows.yaml sections for one side of one table, most specific first."""
    vocab = row_vocabulary()
    sides = [getattr(vocab, f"{side_kind}_side")] if side_kind else []
    implied = vocab.table_sides.get(table_key) if not side_kind else None
    after = [getattr(vocab, f"{implied}_side")] if implied else []
    return [*sides, vocab.by_table.get(table_key, {}), vocab.any, *after]


def _strip_class_suffix(key: str) -> str:
    for suffix in ("类", "支出", "事务"):
        key = key.removesuffix(suffix)
    return key


@cache
def _class_by_name() -> dict[str, str]:
    table: dict[str, str] = {}
    for code, names in function_codes().class_names().items():
        for name in names:
            table.setdefault(norm_label(name), code)
            table.setdefault(_strip_class_suffix(norm_label(name)), code)
    return table


def _section_source(name: str, side_kind: str | None) -> str | None:
    """The source a line under a carryover names with the section's own ending (rows.yaml
    `section_endings`: 1.财政拨款结余、结转, 非财政拨款资金结余 → fiscal, non_fiscal)."""
    key = norm_label(name)
    lookup = _row_lookup(side_kind or SideKind.income, "")
    for ending in row_vocabulary().section_endings:
        bare = key.removesuffix(norm_label(ending))
        if bare != key and bare:
            return lookup.get(bare) or lookup.get(bare.removesuffix("资金"))
    return None


def _contextual_codes(rows: list[Row], side_kind: str | None) -> None:
    """Income sources under a carryover line are its breakdown; a repeated grand total is the
    narrower one."""
    vocab = row_vocabulary()
    section: str | None = None
    sources = set(vocab.income_side) - set(vocab.section_prefix) - set(vocab.resets_section)
    for row in rows:
        code = row.row_code
        if code is None and section and not row.code:
            code = _section_source(row.name, side_kind)  # '1.财政拨款结余、结转'
        if code in vocab.section_prefix:
            section = vocab.section_prefix[code]
        elif code in vocab.resets_section or code in vocab.demote:
            section = None
        elif section and code in sources:
            row.row_code = f"{section}.{code}"
    for wide, narrow in vocab.demote.items():
        hits = [r for r in rows if r.row_code == wide]
        if len(hits) > 1 and not any(r.row_code == narrow for r in rows):
            hits[0].row_code = narrow
