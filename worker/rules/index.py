"""A read-only index over one Document, built once per check run, and the figure references
rule parameters use.

A reference is `[-]table:row:column[?]`:
- row: a row_code (`income.total`), `#201` (a code), `@total` (the 合计 row) or `@classes` (the
  function classes, one figure each); row_code alternatives `a|b` take the first the table has;
- column: a column key, `main` (the row's first of total / amount / budget / actual) or
  alternatives `a|b` (the first the table has: a group printed with its 小计 or without);
- a leading `-` subtracts the term, a trailing `?` makes it optional (absent = not counted).
Every figure carries its rounding bound: half a unit of the last printed digit, in 万元 (at most
0.005 万元 — two decimals are the convention — and 0 for a printed zero).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from schemas import BBox, Document, Finding, Location, Row, Table, Unit, Value
from schemas.names import column_title, row_title, table_title
from schemas.performance import (
    DepartmentTargets,
    GradeCounts,
    Indicator,
    ProjectEvaluation,
    ProjectTarget,
    ProjectTargets,
    SectionKind,
    SectionResult,
    SelfEvaluation,
)
from worker.rules import Rule

MAIN = ("total", "amount", "actual", "budget")
HALF_CENT = Decimal("0.005")
YUAN = Decimal("0.0001")  # 万元 per 元
_ZERO = Decimal(0)


Where = tuple[str | None, str | None, str | None, int | None, BBox | None]


def cell_where(table_key: str, row: Row, col: str, value: Value | None) -> Where:
    """(table, row, column, page, box) of one cell: how figures, OCR cells and the locations
    of their findings name it."""
    rc = row.code or row.row_code or row.name or None  # projects have only a name
    if value is None:
        return (table_key, rc, col, row.page, None)
    return (table_key, rc, col, value.page or row.page, value.bbox)


def location(where: Where, confidence: float | None = None) -> Location:
    t, r, c, p, b = where
    return Location(table_key=t, row_code=r, column_key=c, page=p, bbox=b, confidence=confidence)


@dataclass(slots=True)
class Fig:
    """One figure: 万元 value, rounding bound, and where it is (Location built on demand)."""

    wan: Decimal
    bound: Decimal
    where: Where
    raw: str = ""
    confidence: float | None = (
        None  # OCR'd cells: carried to the location (worker/rules/misread.py)
    )
    label: str = ""  # the row and column as printed ('一般公共服务支出 项目支出')

    @property
    def loc(self) -> Location:
        return location(self.where, self.confidence)

    @property
    def printed(self) -> str:
        """'第26页 教育支出/项目支出 “5,106.54”': what a reviewer looks for on the page."""
        page = f"第{self.where[3]}页 " if self.where[3] else ""
        return f"{page}{self.label} “{self.raw or '空'}”"


def table_name(table: Table) -> str:
    """A table as messages name it: its printed title, else the catalogue's (never its key)."""
    return table.title.strip() or table_title(table.key) or "未识别的表"


def row_name(row: Row) -> str:
    """A row as messages name it: printed name or code, else the name of its canonical key."""
    return row.name.strip() or row.code or row_title(row.row_code) or ""


def column_name(titles: dict[str, str], key: str) -> str:
    """A column as printed (`titles`: key → printed header), else the vocabulary's name."""
    return titles.get(key) or column_title(key) or "未命名列"


def printed(figs: Sequence[Fig], limit: int = 8) -> str:
    """The printed values a finding rests on, with their pages (at most `limit`, then …)."""
    shown = "；".join(f.printed for f in figs[:limit])
    return f"（原文：{shown}{'…' if len(figs) > limit else ''}）" if shown else ""


@lru_cache(maxsize=8192)
def bound_of(raw: str, unit: Unit) -> Decimal:
    """Half a unit of the last printed digit, in 万元 (capped at 0.005 of the table's unit)."""
    digits = raw.replace(",", "").strip()
    decimals = len(digits) - digits.index(".") - 1 if "." in digits else 0
    half = min(HALF_CENT if unit == Unit.wan else Decimal("0.5"), Decimal(5).scaleb(-decimals - 1))
    return half if unit == Unit.wan else half * YUAN


def parent_code(code: str, present: set[str]) -> str | None:
    """The longest proper prefix of `code` that is itself a row (类 for 款, 款 for 项, ...)."""
    for cut in range(len(code) - 1, 2, -1):
        if code[:cut] in present:
            return code[:cut]
    return None


class TableIndex:
    def __init__(self, table: Table, department: str) -> None:
        self.table = table
        self.key = table.key
        self.department = department
        self.cols = {c.key for c in table.columns}
        self.titles = {c.key: c.title for c in table.columns}
        self.name = table_name(table)
        self.by_code: dict[str, Row] = {}
        self.by_rc: dict[str, Row] = {}
        self.total: Row | None = None
        self.colnum: Row | None = None  # a 栏次 row read as data: never checked
        self.rows: list[Row] = []  # the data rows
        for row in table.rows:
            if is_colnum(row):
                self.colnum = self.colnum or row
                continue
            self.rows.append(row)
            if row.code and row.code.isdigit() and not _unit_row(row, department):
                # A class printed twice (医疗卫生与计划生育 / 卫生健康 are both 210): keep the
                # line that carries figures.
                known = self.by_code.get(row.code)
                if known is None or (_blank(known) and not _blank(row)):
                    self.by_code[row.code] = row
            elif row.row_code:
                self.by_rc.setdefault(row.row_code, row)
                if row.row_code == "total" and self.total is None:
                    self.total = row
            elif row.level == 0 and self.total is None:
                self.total = row
        self.codes = set(self.by_code)

    def fig(self, row: Row, col: str) -> Fig | None:
        if "|" in col:  # alternatives: the first column the table has
            col = next((c for c in col.split("|") if c in self.cols), "")
        if col == "main":
            col = next((c for c in MAIN if c in row.values), "")
        if col not in self.cols and col not in row.values:
            return None
        v = row.values.get(col)
        where = cell_where(self.key, row, col, v)
        name = row_name(row)
        label = f"{name}/{self.col_name(col)}" if name else self.col_name(col)
        if v is None:
            return Fig(_ZERO, _ZERO, where, label=label)
        if v.wan is None or v.wan == 0:
            return Fig(_ZERO, _ZERO, where, v.raw, v.confidence, label)
        return Fig(v.wan, bound_of(v.raw, self.table.unit), where, v.raw, v.confidence, label)

    def col_name(self, key: str) -> str:
        """A column as printed in this table, else the vocabulary's name (never its key)."""
        return column_name(self.titles, key)

    def unresolved(self) -> list[Row]:
        """Rows with figures the reading gave no identity: no code, no row key, not the 合计
        line, not a unit's subtotal line."""
        return [
            r
            for r in self.rows
            if not r.code
            and not r.row_code
            and r.level != 0
            and r is not self.total
            and r.name.strip()
            and not is_unit_line(r.name, self.department)
            and any(v.wan for v in r.values.values())
        ]

    def top_level(self) -> list[Row]:
        """Coded rows with no ancestor among the rows (类 rows, or 项 rows of a flat table)."""
        return [r for c, r in sorted(self.by_code.items()) if parent_code(c, self.codes) is None]

    def children(self) -> dict[str, list[str]]:
        kids: dict[str, list[str]] = {}
        for code in sorted(self.codes):
            parent = parent_code(code, self.codes)
            if parent is not None:
                kids.setdefault(parent, []).append(code)
        return kids

    def class_figs(self, col: str, printed: bool = False) -> dict[str, list[Fig]]:
        """Figures per function class (3-digit prefix), from the top-level rows (`printed`:
        only from the class's own line, not from 款/项 lines whose class line was not read)."""
        out: dict[str, list[Fig]] = {}
        for row in self.top_level():
            f = self.fig(row, col)
            if f is not None and row.code and (not printed or len(row.code) == 3):
                out.setdefault(row.code[:3], []).append(f)
        return out


def is_colnum(row: Row) -> bool:
    """The 栏次 row ('栏次 | 1 | 2 | 3 …', '** | 1 | 2 …') numbers the columns: never data."""
    raws = [v.raw.strip() for v in row.values.values() if v.raw.strip()]
    if row.name.replace(" ", "") in _COLNUM_NAMES and all(r.isdigit() for r in raws):
        return bool(raws)
    ints = [int(r) for r in raws if r.isdigit()]
    return len(ints) >= 3 and len(ints) == len(raws) and ints == list(range(1, len(ints) + 1))


_COLNUM_NAMES = {"栏次", "**", "*", "甲", "乙", "栏号"}


def _blank(row: Row) -> bool:
    return not any(v.wan for v in row.values.values())


def _unit_row(row: Row, department: str) -> bool:
    """Department / unit subtotal lines (单位代码 227, 227001) are not 科目 rows."""
    if len(row.code or "") not in (3, 5, 7):
        return True
    return _department(row.name.strip(), department)


def _department(name: str, department: str) -> bool:
    # the department's own line, possibly cut short ('…委员会办') or marked '（本级）'; not a
    # 科目 or project named after it ('广州市信访局2026年信息化运维项目')
    if len(name) < 6 or not department:
        return False
    own = name.startswith(department) and len(name) - len(department) <= 4
    return department.startswith(name) or (own and not name.endswith(_ITEM_ENDINGS))


def is_unit_line(name: str, department: str) -> bool:
    """A line naming the department or one of its units (a subtotal of the lines under it),
    not a 科目 or a project: '广州市信访局', '杭州市道路运输管理服务中心', '（本级）'."""
    name = name.strip()
    if _department(name, department):
        return True
    return name.endswith(_UNIT_ENDINGS) and not any(w in name for w in _ITEM_WORDS)


_UNIT_ENDINGS = ("局", "委", "办", "中心", "院", "站", "所", "队", "校", "本级", "本级）",
                 "本级)", "委员会", "办公室", "单位")  # fmt: skip
_ITEM_ENDINGS = ("费", "项目", "经费", "资金", "补助", "工程", "支出", "事务")
_ITEM_WORDS = (*_ITEM_ENDINGS, "慰问", "专项")  # '辅助人员补助经费-珠海边检总站' is a project


class Index:
    def __init__(self, doc: Document, sections: Sequence[SectionResult] = ()) -> None:
        self.doc = doc
        self.evaluations: list[ProjectEvaluation] = []
        self.grade_counts: list[GradeCounts] = []
        self.targets: list[ProjectTarget] = []
        # (section kind, whose indicators: department or project name, the rows)
        self.indicators: list[tuple[SectionKind, str, list[Indicator]]] = []
        self.sections = list(sections)
        for s in sections:
            if s.data and s.kind == SectionKind.self_evaluation:
                ev = SelfEvaluation.model_validate(s.data)
                self.evaluations += ev.projects
                self.grade_counts += ev.grade_counts
                self.indicators += [(s.kind, p.name or "", p.indicators) for p in ev.projects]
            elif s.data and s.kind == SectionKind.project_targets:
                targets = ProjectTargets.model_validate(s.data).projects
                self.targets += targets
                self.indicators += [(s.kind, p.name or "", p.indicators) for p in targets]
            elif s.data and s.kind == SectionKind.department_targets:
                dept = DepartmentTargets.model_validate(s.data)
                self.indicators.append((s.kind, dept.department or "部门整体", dept.indicators))
        self.tables: dict[str, TableIndex] = {}
        for t in doc.tables:
            self.tables.setdefault(t.key, TableIndex(t, doc.department or ""))
        self.memo: dict[str, object] = {}  # what several templates derive once per run

    def ref(self, spec: str, table: str | None = None) -> tuple[int, list[Fig]] | None:
        """Resolve one reference to (sign, figures); None when a required part is absent."""
        sign = -1 if spec.startswith("-") else 1
        spec = spec.lstrip("-")
        optional = spec.endswith("?")
        parts = spec.rstrip("?").split(":")
        if len(parts) == 2:
            parts = [table or "", *parts]
        tkey, rsel, col = parts
        figs = self._figs(tkey, rsel, col)
        if figs is None:
            return (sign, []) if optional else None
        return sign, figs

    def _figs(self, tkey: str, rsel: str, col: str) -> list[Fig] | None:
        ti = self.tables.get(tkey)
        if ti is None:
            return None
        if rsel == "@classes":
            figs = [f for fs in ti.class_figs(col).values() for f in fs]
            return figs or None
        row = (
            ti.total
            if rsel == "@total"
            else (
                ti.by_code.get(rsel[1:])
                if rsel.startswith("#")
                else ti.by_rc.get(_first(rsel, ti.by_rc))
            )
        )
        if row is None:
            if rsel == "@total" and ti.table.empty and not ti.table.rows:
                return [Fig(_ZERO, _ZERO, (tkey, "total", col, None, None))]
            return None
        f = ti.fig(row, col)
        return None if f is None else [f]


def _first(rsel: str, rows: dict[str, Row]) -> str:
    return next((r for r in rsel.split("|") if r in rows), rsel)


def fmt(d: Decimal | None) -> str:
    if d is None:
        return "—"
    q = d.quantize(Decimal("0.01")) if d == d.quantize(Decimal("0.01")) else d.normalize()
    return f"{q:f}"


def finding(
    rule: Rule,
    detail: str,
    expected: Decimal | None,
    actual: Decimal | None,
    tolerance: Decimal | None,
    locs: list[Location],
    **kw: object,
) -> Finding:
    diff = actual - expected if actual is not None and expected is not None else None
    text = f"{rule.zh}：{detail}"
    if diff is not None:
        text += f"（差 {fmt(diff)}，容差 {fmt(tolerance)}）"
    return Finding(
        rule_id=rule.id,
        severity=rule.severity,
        kind=kw.get("kind", rule.kind),
        message=text,
        expected=expected,
        actual=actual,
        difference=diff,
        tolerance=tolerance,
        locations=dedupe(locs),
    )


def dedupe(locs: list[Location]) -> list[Location]:
    seen, out = set(), []
    for loc in locs:
        key = (loc.table_key, loc.row_code, loc.column_key, loc.page, loc.bbox)
        if key not in seen:
            seen.add(key)
            out.append(loc)
    return out
