"""Print a synthetic Document as the layout IR (worker/layout.py), with seeded layout variations:
code columns (one 科目编码 or 类|款|项), 栏次 rows, 行次 columns in summary tables, how zeros
print (0.00, 0, blank, -, —), thousands separators, narrative before or after the tables, and
multi-row merged headers (Cell.origin) built from the column titles ('基本支出/人员经费')."""

from __future__ import annotations

import random
from dataclasses import dataclass

from schemas import Document, Row, Table, Value
from tools.synth_plan import numeral
from worker.layout import Block, Cell, TableBlock, TextBlock


@dataclass(frozen=True)
class Variant:
    codes: str = "single"  # single | split (类 | 款 | 项)
    lanci: bool = True  # a 栏次 row under the header
    hangci: bool = False  # 行次 columns in the summary tables
    zero: str = "0.00"  # how a zero prints: 0.00 | 0 | "" | - | —
    thousands: bool = False
    narrative_first: bool = True
    group_header: bool = True  # '项目' over code + name columns

    @classmethod
    def from_seed(cls, seed: int) -> Variant:
        rng = random.Random(seed * 7919 + 17)
        return cls(
            codes=rng.choice(["single", "split"]),
            lanci=rng.random() < 0.5,
            hangci=rng.random() < 0.5,
            zero=rng.choice(["0.00", "0", "", "-", "—"]),
            thousands=rng.random() < 0.3,
            narrative_first=rng.random() < 0.5,
            group_header=rng.random() < 0.5,
        )


def to_blocks(doc: Document, variant: int | Variant = 0) -> list[Block]:
    v = variant if isinstance(variant, Variant) else Variant.from_seed(variant)
    kind = "部门决算" if doc.doc_type and doc.doc_type.value == "final_account" else "部门预算"
    blocks: list[Block] = [TextBlock(f"{doc.fiscal_year}年{doc.department}{kind}")]
    parts = [narrative_blocks(doc), table_blocks(doc, v)]
    for part in parts if v.narrative_first else parts[::-1]:
        blocks += part
    return blocks


def narrative_blocks(doc: Document) -> list[Block]:
    blocks: list[Block] = []
    section, sentences = None, []
    for f in [*doc.narrative, None]:
        if f is None or f.section != section:
            if sentences:
                blocks.append(TextBlock("".join(dict.fromkeys(sentences))))
            if f is not None and f.section:
                blocks.append(TextBlock(f.section))
            section, sentences = (f.section, []) if f is not None else (None, [])
        if f is not None:
            sentences.append(f.sentence)
    return blocks


def fmt(value: Value, v: Variant) -> str:
    if value.value is None or value.value == 0:
        return v.zero
    return f"{value.value:,.2f}" if v.thousands else f"{value.value:.2f}"


def table_blocks(doc: Document, v: Variant) -> list[Block]:
    blocks: list[Block] = []
    for n, t in enumerate(doc.tables, 1):
        blocks.append(TextBlock(f"{numeral(n)}、{t.title}" if n % 2 else t.title))
        blocks.append(TextBlock(f"部门：{doc.department}    单位：{t.unit.value}"))
        grid = GRIDS.get(t.key, coded_grid)(t, v)
        blocks.append(TableBlock(rows=grid))
        if t.empty:
            blocks.append(TextBlock("说明：本部门无相关收支，故本表无数据。"))
    return blocks


def header(paths: list[list[str]]) -> list[list[Cell]]:
    """Rows of header cells from per-column title paths; merged cells point at their origin."""
    depth = max(len(p) for p in paths)
    rows = [[Cell("") for _ in paths] for _ in range(depth)]
    for c, path in enumerate(paths):
        for r in range(depth):
            if r >= len(path):
                rows[r][c] = Cell("", origin=_origin(rows, len(path) - 1, c))
            elif c and paths[c - 1][: r + 1] == path[: r + 1]:
                rows[r][c] = Cell("", origin=_origin(rows, r, c - 1))
            else:
                rows[r][c] = Cell(path[r])
    return rows


def _origin(rows: list[list[Cell]], r: int, c: int) -> tuple[int, int]:
    return rows[r][c].origin or (r, c)


def _code_cells(row: Row, v: Variant) -> list[str]:
    code = row.code or ""
    if v.codes == "single":
        return [code]
    return [code[:3], code[3:5], code[5:7]]


def coded_grid(t: Table, v: Variant) -> list[list[Cell]]:
    econ = t.key in ("basic_expenditure", "economic_summary")
    name = "科目名称"
    if v.codes == "single":
        code_paths = [["科目编码"]]
    else:
        code_paths = [["科目编码", "类"], ["科目编码", "款"], ["科目编码", "项"]][
            : 2 if econ else 3
        ]
    if v.group_header:
        code_paths = [["项目", *p] for p in code_paths]
        name_path = ["项目", name]
    else:
        name_path = [name]
    cols = [c.key for c in t.columns]
    paths = code_paths + [name_path] + [c.title.split("/") for c in t.columns]
    grid = header(paths)
    if v.lanci:
        grid.append(
            [Cell("") for _ in code_paths]
            + [Cell("栏次")]
            + [Cell(str(i)) for i in range(1, len(cols) + 1)]
        )
    for row in t.rows:
        codes = _code_cells(row, v)[: len(code_paths)]
        cells = (
            codes + [row.name] + [fmt(row.values[k], v) if k in row.values else "" for k in cols]
        )
        grid.append([Cell(x) for x in cells])
    return grid


def plain_grid(t: Table, v: Variant) -> list[list[Cell]]:
    """Uncoded tables: projects (a name column) and 三公 (values only)."""
    named = t.key != "sangong"
    paths = ([["项目名称"]] if named else []) + [c.title.split("/") for c in t.columns]
    grid = header(paths)
    for row in t.rows:
        cells = ([row.name] if named else []) + [fmt(row.values[c.key], v) for c in t.columns]
        grid.append([Cell(x) for x in cells])
    return grid


INCOME_SIDE = {
    "general_budget",
    "gov_fund",
    "state_capital",
    "special_account",
    "unit_funds",
    "business",
    "operating",
    "upper_subsidy",
    "affiliated",
    "other",
    "fiscal",
    "income_total",
    "use_non_fiscal_balance",
    "carryover",
    "grand_total_income",
}
INCOME_TAIL = ("use_non_fiscal_balance", "carryover")
SPEND_TAIL = ("expenditure_total", "balance_distribution", "year_end_carryover")


def summary_grid(t: Table, v: Variant) -> list[list[Cell]]:
    """收入 | 支出 side by side; totals and balances aligned at the bottom, 总计 on the last row."""
    left = [
        r
        for r in t.rows
        if (r.row_code and r.row_code in INCOME_SIDE) or (r.row_code or "").startswith("carryover.")
    ]
    right = [r for r in t.rows if r not in left]
    lcols = [c for c in t.columns if any(c.key in r.values for r in left)]
    rcols = [c for c in t.columns if any(c.key in r.values for r in right)]
    hang = [["行次"]] if v.hangci else []
    paths = (
        [["收入", "项目"]]
        + [["收入", *p] for p in hang]
        + [["收入", *c.title.split("/")] for c in lcols]
        + [["支出", "项目"]]
        + [["支出", *p] for p in hang]
        + [["支出", *c.title.split("/")] for c in rcols]
    )
    grid = header(paths)
    lbody, ltail = _split(left, INCOME_TAIL)
    rbody, rtail = _split(right, SPEND_TAIL)
    n_body, n_tail = max(len(lbody), len(rbody)), max(len(ltail), len(rtail))
    lrows = _pad(lbody, n_body) + _pad(ltail, n_tail, top=True)
    rrows = _pad(rbody, n_body) + _pad(rtail, n_tail, top=True)
    for i, (lr, rr) in enumerate(zip(lrows, rrows, strict=True), 1):
        cells = _side(lr, lcols, v, i, v.hangci) + _side(rr, rcols, v, i + len(lrows), v.hangci)
        grid.append([Cell(x) for x in cells])
    return grid


def _split(rows: list[Row], tail: tuple[str, ...]) -> tuple[list[Row], list[Row]]:
    """Body lines, then the totals/balances block (本年收入合计 stays on top when printed first)."""

    def is_tail(i: int, code: str) -> bool:
        return code in tail or code.startswith("carryover") or (code == "income_total" and i > 0)

    first = next((i for i, r in enumerate(rows) if is_tail(i, r.row_code or "")), len(rows))
    return rows[:first], rows[first:]


def _pad(rows: list[Row], n: int, top: bool = False) -> list[Row | None]:
    pad: list[Row | None] = [None] * (n - len(rows))
    return [*rows, *pad] if not top or not rows else [*rows[:-1], *pad, rows[-1]]


def _side(row: Row | None, cols: list, v: Variant, n: int, hang: bool) -> list[str]:
    if row is None:
        return [""] + ([str(n)] if hang else []) + [""] * len(cols)
    vals = [fmt(row.values[c.key], v) if c.key in row.values else "" for c in cols]
    return [row.name] + ([str(n)] if hang else []) + vals


def basic_final_grid(t: Table, v: Variant) -> list[list[Cell]]:
    """The 决算 basic-expenditure table: three (code, name, 决算数) groups side by side."""
    if "total" in {c.key for c in t.columns}:
        return coded_grid(t, v)
    coded = [r for r in t.rows if r.code]
    groups = [
        [r for r in coded if r.code[:3] in ("301", "303")],
        [r for r in coded if r.code[:3] == "302"],
        [r for r in coded if r.code[:3] not in ("301", "302", "303")],
    ]
    n = max(len(g) for g in groups)
    grid = header([["经济分类科目编码"], ["科目名称"], ["决算数"]] * 3)
    for i in range(n):
        cells: list[str] = []
        for g in groups:
            r = g[i] if i < len(g) else None
            cells += [r.code or "", r.name, fmt(r.values["amount"], v)] if r else ["", "", ""]
        grid.append([Cell(x) for x in cells])
    totals = {r.row_code: r for r in t.rows if r.row_code}
    last = [
        "",
        "人员经费合计",
        _val(totals.get("personnel_total"), v),
        "",
        "",
        "",
        "",
        "公用经费合计",
        _val(totals.get("public_total"), v),
    ]
    grid.append([Cell(x) for x in last])
    return grid


def _val(row: Row | None, v: Variant) -> str:
    return fmt(row.values["amount"], v) if row else ""


GRIDS = {
    "income_expenditure_summary": summary_grid,
    "fiscal_appropriation_summary": summary_grid,
    "sangong": plain_grid,
    "project_expenditure": plain_grid,
    "basic_expenditure": basic_final_grid,
}
