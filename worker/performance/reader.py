"""Read a performance section's rows into records: one per project (or the department), each
with its header cells, budget figures, spending schedule and indicator rows.

    read_records(rows, vocab) -> list[Record]

Three layouts are told apart by their header (worker/performance/header.py): a *form* (项目名称,
预算数 … as label/value cells, then an indicator table), a *list* (one header; every row an
indicator, the project columns filled on its first row and merged or blank below) and the
*grouped* form of the list (一级指标 heading each 三级指标/指标值 pair of columns). Blank 一级 /
二级 cells are "same as above" (a merged cell in plain text); a merged cell is read from its
origin.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from worker.performance.grid import GCell, GRow
from worker.performance.header import Header, align, find_header, fit, header_like, is_header
from worker.performance.tasks import EndOfTasks, Task, TaskBand, Total, task_band
from worker.performance.vocab import Vocabulary, key
from worker.tables.numbers import parse

SCHEDULE = "资金支出计划"


@dataclass(frozen=True, slots=True)
class Item:
    text: str
    cell: GCell


@dataclass
class Record:
    fields: dict[str, Item] = field(default_factory=dict)
    indicators: list[dict[str, Item]] = field(default_factory=list)
    schedule: list[tuple[Item, Item | None]] = field(default_factory=list)
    tasks: list[tuple[Item, Item | None]] = field(default_factory=list)  # 年度主要任务: name, content

    def empty(self) -> bool:
        return not self.fields and not self.indicators

    def put(self, name: str, item: Item) -> None:
        self.fields.setdefault(name, item)


@dataclass
class _State:
    vocab: Vocabulary
    records: list[Record] = field(default_factory=lambda: [Record()])
    header: Header | None = None
    last: dict[int, dict[str, Item]] = field(default_factory=dict)  # per slot: levels above
    labels_above: list[GRow] = field(default_factory=list)
    tasks: TaskBand | None = None  # inside a 年度主要任务 table

    @property
    def cur(self) -> Record:
        return self.records[-1]

    def new_record(self) -> Record:
        if not self.cur.empty():
            self.records.append(Record())
        self.last = {}
        return self.cur


def read_records(rows: list[GRow], vocab: Vocabulary) -> list[Record]:
    state = _State(vocab)
    i = 0
    while i < len(rows):
        row = rows[i]
        if is_header(row, vocab):
            state.header = find_header(rows, i, vocab)
            if state.header:
                state.header = fit(state.header, _body(rows, state.header.row + 1, vocab), vocab)
            i = state.header.row + 1 if state.header else i + 1
            state.labels_above = []
            continue
        i = _step(state, rows, i)
    records = [r for r in state.records if r.indicators or r.fields]
    for record in records:
        _level1_from_below(record.indicators)
        _level2_from_below(record.indicators)
        _code_in_name(record, vocab)
    return records


def _code_in_name(record: Record, vocab: Vocabulary) -> None:
    """A name cell printing the code before the name, with no code of its own: both."""
    name = record.fields.get("name")
    if name is None or "code" in record.fields:
        return
    if m := vocab.code_name.match(name.text):
        record.fields["code"] = Item(m["code"], name.cell)
        record.fields["name"] = Item(m["name"].strip(), name.cell)


def _body(rows: list[GRow], start: int, vocab: Vocabulary) -> list[GRow]:
    """The data rows under a header, up to the next header or the next project's form."""
    end = next((j for j in range(start, len(rows))
                if is_header(rows[j], vocab) or _new_form(rows[j], vocab)), len(rows))
    return rows[start:end]


def _new_form(row: GRow, vocab: Vocabulary) -> bool:
    first = next((c.own for c in row.cells if c.own), "")
    return vocab.project.get(key(first)) in ("name", "code")


def _level1_from_below(indicators: list[dict[str, Item]]) -> None:
    """Rows at the head of a table with a blank 一级指标 take the first one printed below: the
    merged cell prints its text in the middle of its span, or only on the next page."""
    below = next((i["level1"] for i in indicators if "level1" in i), None)
    for indicator in indicators:
        if "level1" in indicator or below is None:
            return
        indicator["level1"] = below


def _level2_from_below(indicators: list[dict[str, Item]]) -> None:
    """Rows with no 二级指标 (none printed, none above under the same 一级) take the next one
    printed below under the same 一级: a merged cell running onto the next page prints its text
    there (西安 表14: 成本指标 over the last rows of one page and the first of the next)."""
    below: Item | None = None
    group: Item | None = None
    for indicator in reversed(indicators):
        if "level2" in indicator:
            below = indicator["level2"]
            group = indicator.get("level1")
        elif below is not None and _same(indicator.get("level1"), group):
            indicator["level2"] = below
        else:
            below = None


def _same(a: Item | None, b: Item | None) -> bool:
    return (a.text if a else None) == (b.text if b else None)


def _step(state: _State, rows: list[GRow], i: int) -> int:
    row, vocab = rows[i], state.vocab
    first = next((c.own for c in row.cells if c.own), "")
    if not first and not any(c.text.strip() for c in row.cells):
        return i + 1
    if state.header is not None and key(first) in vocab.total_rows:
        _total(state, row)
        return i + 1
    form = key(first) in vocab.project or key(first).startswith(SCHEDULE)
    if form and state.header is not None and _label_beside_indicator(state.header, row):
        form = False
    in_table = state.header is not None and not (form and not state.header.list_style)
    if in_table and _data_row(state, row):
        return i + 1
    if form and key(first) in vocab.project and vocab.project[key(first)] in ("name", "code"):
        if state.cur.indicators or "name" in state.cur.fields:
            state.new_record()
        state.header = None
    return _form(state, rows, i)


# --- indicator rows -------------------------------------------------------------------------


def _label_beside_indicator(header: Header, row: GRow) -> bool:
    """A form label in a column the header maps to no field, beside a name and a value under
    the header's columns: the label of a cell merged down over the indicator rows, printing its
    text on a later page (北京 预算13表 整体绩效目标 on p.25), not a form row."""
    where = align(header, row)
    own = [where[j] for j, c in enumerate(row.cells) if c.own]
    if not own or own[0] in header.mapped():
        return False
    slot = header.slots[0].columns
    return any(
        all(any(c in own for c in slot.get(f, [])) for f in (name, "value"))
        for name in ("name", "combined")
    )


def _pick(row: GRow, where: list[int | None], cols: list[int], merged: bool) -> Item | None:
    """The first cell printed under `cols`; a merged cell's text only when `merged`."""
    cells = [c for j, c in enumerate(row.cells) if where[j] in cols]
    own = next((c for c in cells if c.own), None)
    if own is not None:
        return Item(own.own, own)
    if merged:
        up = next((c for c in cells if c.up and c.text.strip()), None)
        return Item(up.text.strip(), up) if up else None
    return None


def _data_row(state: _State, row: GRow) -> bool:
    header = state.header
    assert header is not None
    where = align(header, row)
    if header.list_style:
        _project_cells(state, row, where)
    found = False
    for n, slot in enumerate(header.slots):
        got = {f: it for f, cols in slot.columns.items() if (it := _pick(row, where, cols, False))}
        ups = {f: it for f in ("level1", "level2") if f in slot.columns
               and (it := _pick(row, where, slot.columns[f], True))}
        if all(state.vocab.blank(got[f].text) for f in ("name", "combined", "value") if f in got):
            continue  # nothing printed (or "/") under 三级指标 and 指标值: no indicator
        if _rest_of_previous(state.cur.indicators, got):
            found = True
            continue
        levels = ups | {k: v for k, v in got.items() if k in ("level1", "level2")}
        indicator = _levels(state, n, slot.level1, got, levels)
        state.cur.indicators.append(indicator)
        found = True
    return found or bool(header.list_style and any(c.own for c in row.cells))


_LEVELS = {"level1", "level2"}


def _rest_of_previous(indicators: list[dict[str, Item]], got: dict[str, Item]) -> bool:
    """A row with values but no 三级指标 and no level of its own, under a named row that lacks
    exactly those values, is the rest of that row (its values printed a line lower: 西安's
    vertically centred cells beside a wrapped name). Merged into it: True."""
    if not indicators or {"name", "combined"} & got.keys() or _LEVELS & got.keys():
        return False
    prev = indicators[-1]
    if "name" not in prev or (got.keys() & (prev.keys() - _LEVELS)):
        return False
    prev.update(got)
    return True


def _levels(
    state: _State, n: int, group: str | None, got: dict[str, Item], levels: dict[str, Item]
) -> dict[str, Item]:
    indicator = {k: v for k, v in got.items() if k not in ("level1", "level2", "combined")}
    if "combined" in got:
        indicator |= _split(got["combined"], state.vocab)
    above = state.last.get(n, {})
    for level in ("level1", "level2"):
        item = indicator.get(level) or levels.get(level) or above.get(level)
        if level == "level2" and "level1" in levels and levels["level1"] is not above.get("level1"):
            item = indicator.get(level) or levels.get(level)  # a new 一级 starts its own 二级
        if item is not None:
            indicator[level] = item
    if group and "level1" not in indicator:
        indicator["level1"] = Item(group, (got.get("name") or next(iter(got.values()))).cell)
    state.last[n] = {k: indicator[k] for k in ("level1", "level2") if k in indicator}
    return indicator


def _split(item: Item, vocab: Vocabulary) -> dict[str, Item]:
    """产出指标数量指标XXX → 一级, 二级, 三级 (the vocabulary's names, longest first)."""
    out: dict[str, Item] = {}
    rest = item.text
    for level, names in (("level1", vocab.level1), ("level2", vocab.level2)):
        hit = next((n for n in sorted(names.values(), key=len, reverse=True)
                    if rest.startswith(n)), None)
        if hit:
            out[level], rest = Item(hit, item.cell), rest[len(hit):]
    out["name"] = Item(rest.strip(), item.cell)
    return out


def _project_cells(state: _State, row: GRow, where: list[int | None]) -> None:
    header = state.header
    assert header is not None
    got = {f: it for f, cols in header.project.items() if (it := _pick(row, where, cols, False))}
    ident = {f: got[f].text for f in ("code", "name") if f in got}
    if ident:
        known = {f: state.cur.fields[f].text for f in ident if f in state.cur.fields}
        if known != ident:
            state.new_record()
    for name, item in got.items():
        state.cur.put(name, item)


def _total(state: _State, row: GRow) -> None:
    header = state.header
    assert header is not None
    where = align(header, row)
    for slot in header.slots[:1]:
        for name, target in (("score", "score"), ("weight", "total_weight")):
            if name in slot.columns and (item := _pick(row, where, slot.columns[name], False)):
                state.cur.put(target, item)


# --- form rows ------------------------------------------------------------------------------


def _form(state: _State, rows: list[GRow], i: int) -> int:
    row, vocab = rows[i], state.vocab
    first = next((c.own for c in row.cells if c.own), "")
    if key(first).startswith(SCHEDULE):
        return _schedule(state, rows, i)
    if state.tasks is not None and _task_row(state, row):
        return i + 1
    if (band := task_band(row, vocab)) is not None:
        state.tasks, state.labels_above = band, []
        return i + 1
    evaluation = [j for j, c in enumerate(row.cells) if key(c.own) in vocab.evaluation]
    if len(evaluation) >= 2:
        return _figures(state, rows, i, evaluation)
    if header_like(row, vocab):
        state.labels_above.append(row)
        return i + 1
    if state.labels_above and _numbers_below_labels(state, row):
        state.labels_above = []
        return i + 1
    state.labels_above = []
    _label_right(state, row)
    return i + 1


def _task_row(state: _State, row: GRow) -> bool:
    """A row of the 年度主要任务 table (worker/performance/tasks.py), read: True."""
    assert state.tasks is not None
    try:
        got = state.tasks.read(row, state.vocab)
    except EndOfTasks:
        state.tasks = None
        return False
    if isinstance(got, Total):
        state.cur.put("amount", Item(got.amount.own, got.amount))
        state.tasks = None  # the table ends with its total
    elif isinstance(got, Task):
        content = Item(got.content.own, got.content) if got.content else None
        state.cur.tasks.append((Item(got.name.own, got.name), content))
    return True


def _label_right(state: _State, row: GRow) -> None:
    vocab = state.vocab
    cells = row.cells
    for j, cell in enumerate(cells):
        name = vocab.project.get(key(cell.own)) if cell.own else None
        if name is None:
            continue
        value = next((c for c in cells[j + 1 :] if c.own), None)
        if value is not None and not vocab.label(value.own):
            state.cur.put(name, Item(value.own, value))


def _numbers_below_labels(state: _State, row: GRow) -> bool:
    """A row of figures under a band of labels (总体资金情况 | 预算支出总额 | 财政拨款 …). Not
    when no label of the band stands over its figures: a label printed without its value
    ('(3) 单位资金' blank) above a label/value row ('2、资金结构: (1) 基本支出 | 500.75', 安阳)."""
    numeric = [(j, c) for j, c in enumerate(row.cells) if c.own and parse(c.own).numeric]
    placed = False
    for j, cell in numeric:
        for band in reversed(state.labels_above):
            k = key(band.cells[j].text) if j < len(band.cells) else ""
            if k in state.vocab.project:
                state.cur.put(state.vocab.project[k], Item(cell.own, cell))
                placed = True
                break
    return placed


def _schedule(state: _State, rows: list[GRow], i: int) -> int:
    periods = [(j, c) for j, c in enumerate(rows[i].cells) if c.own][1:]
    below = rows[i + 1] if i + 1 < len(rows) else None
    for j, cell in periods:
        pct = below.cells[j] if below is not None and j < len(below.cells) else None
        value = Item(pct.own, pct) if pct is not None and pct.own else None
        state.cur.schedule.append((Item(cell.own, cell), value))
    return i + 2 if below is not None else i + 1


def _figures(state: _State, rows: list[GRow], i: int, labels: list[int]) -> int:
    """A self-evaluation budget header (年初预算数 | 全年预算数 | … | 得分) and its figure row:
    figures are taken in order when there are as many as labels (misaligned columns keep their
    order), by column otherwise."""
    vocab = state.vocab
    names = [vocab.evaluation[key(rows[i].cells[j].own)] for j in labels]
    for r in range(i + 1, min(i + 4, len(rows))):
        cells = rows[r].cells
        figures = [(j, c) for j, c in enumerate(cells) if c.own and parse(c.own).numeric]
        if not figures:
            continue
        if len(figures) == len(names):
            pairs = list(zip(names, (c for _, c in figures), strict=True))
        else:
            spans = _spans(labels, len(cells))
            pairs = [(names[s], c) for j, c in figures if (s := spans[j]) is not None]
        for name, cell in pairs:
            state.cur.put(name, Item(cell.own, cell))
        return r + 1
    return i + 1


def _spans(labels: list[int], width: int) -> list[int | None]:
    """Column → index of the label whose span (up to the next label) covers it."""
    out: list[int | None] = [None] * width
    for n, start in enumerate(labels):
        end = labels[n + 1] if n + 1 < len(labels) else width
        for j in range(start, min(end, width)):
            out[j] = n
    return out
