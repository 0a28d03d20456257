"""Templates over tables: linear identities, column identities, code hierarchies, row totals,
and the same figure in two tables."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from schemas import Finding, FindingKind, Location, Row
from worker.rules import Rule, template
from worker.rules.index import (
    Fig,
    Index,
    TableIndex,
    finding,
    fmt,
    is_unit_line,
    parent_code,
    printed,
    row_name,
)
from worker.rules.missing import missing_rows, unread_pages


def _sum(figs: list[tuple[int, Fig]]) -> Decimal:
    return sum((s * f.wan for s, f in figs), Decimal(0))


def _tol(figs: list[Fig]) -> Decimal:
    return sum((f.bound for f in figs), Decimal(0))


@template("linear")
def linear(ix: Index, rule: Rule) -> Iterator[Finding]:
    """Σ lhs = Σ rhs over references (see worker/rules/index.py for the syntax).

    When it fails while a term could not be read — an optional line absent from a table that
    has a line the reading could not name ('上年结余、结转'), or a required cell that prints
    nothing — the extraction, not the document, is in question."""
    p = rule.params
    sides, absent = [], []
    for side in ("lhs", "rhs"):
        terms = []
        for spec in p[side]:
            t = ix.ref(spec, p.get("table"))
            if t is None:
                return
            if not t[1]:
                absent.append(spec)
            terms.append(t)
        sides.append([(sign, f) for sign, figs in terms for f in figs])
    if sum(1 for _ in sides[1]) < p.get("min_rhs", 1) or not sides[0]:
        return
    left, right = _sum(sides[0]), _sum(sides[1])
    figs = [f for _, f in sides[0] + sides[1]]
    tol = _tol(figs)
    if abs(left - right) > tol and not any(
        _holds(ix, p.get("table"), sides[0], alt) for alt in p.get("or_rhs", [])
    ):
        detail = f"{fmt(left)} ≠ {fmt(right)}{printed(figs)}"
        unsure = _unread(ix, absent, figs, p.get("table"))
        if unsure:
            detail += f"；{unsure}，可能未读出"
        kind = FindingKind.extraction if unsure else rule.kind
        yield finding(rule, detail, right, left, tol, [f.loc for f in figs], kind=kind)


def _holds(ix: Index, table: str | None, lhs: list[tuple[int, Fig]], specs: list[str]) -> bool:
    """The identity holds with another right-hand side the family prints it with (`or_rhs`:
    a 收支总表's 一般公共预算资金 counting the fund's 上年结转 too)."""
    terms = [ix.ref(spec, table) for spec in specs]
    if any(t is None for t in terms):
        return False
    rhs = [(sign, f) for sign, figs in terms for f in figs]  # type: ignore[union-attr]
    return abs(_sum(lhs) - _sum(rhs)) <= _tol([f for _, f in lhs + rhs])


def _unread(ix: Index, absent: list[str], figs: list[Fig], table: str | None) -> str:
    """What in a failed identity the reading may have missed ('' when nothing)."""
    blank = [f.label for f in figs if f.raw == "" and f.where[4] is not None]
    if blank:
        return f"单元格未印数值：{'、'.join(blank[:3])}"
    for spec in absent:
        parts = spec.lstrip("-").rstrip("?").split(":")
        ti = ix.tables.get(parts[0] if len(parts) == 3 else (table or ""))
        if ti is not None and (rows := ti.unresolved()):
            names = "、".join(f"“{r.name}”" for r in rows[:3])
            return f"{ti.name} 中有未能对应的行 {names}"
    return ""


def _groups(cols: set[str]) -> set[str]:
    return {""} | {k.rsplit(".", 1)[0] + "." for k in cols if "." in k}


def _parts(ti: TableIndex, prefix: str, rule: Rule) -> list[tuple[int, str]] | None:
    """The part columns of the identity in one column group; None when a `required` part has
    no column. A part printed only as a group ('上年结转结余 | 合计 | 一般公共预算 …') counts
    by the group's 合计 (else its columns); `expand` names the columns that stand for a part
    printed without its own (基本支出 split into 人员经费 | 公用经费)."""
    p = rule.params
    parts: list[tuple[int, str]] = []
    found: set[str] = set()
    for spec in p["parts"]:
        sign, key = (-1, spec[1:]) if spec.startswith("-") else (1, spec)
        cols = _columns_for(ti, key if "." in key and not prefix else prefix + key, prefix, p)
        if cols:
            found.add(key)
            parts += [(sign, c) for c in cols]
    for broad, narrow in p.get("subsumes", {}).items():
        if any(k == prefix + broad for _, k in parts):
            parts = [(s, k) for s, k in parts if k not in {prefix + n for n in narrow}]
    if not set(p.get("required", ())) <= found:
        return None
    return parts


def _columns_for(ti: TableIndex, key: str, prefix: str, p: dict) -> list[str]:
    if _summable(ti, key):
        return [key]
    if prefix:
        return []
    if _summable(ti, f"{key}.total"):
        return [f"{key}.total"]
    group = [c for c in sorted(ti.cols) if c.startswith(key + ".") and _summable(ti, c)]
    if group:
        return group
    expanded = p.get("expand", {}).get(key, [])
    return expanded if expanded and all(_summable(ti, c) for c in expanded) else []


def _summable(ti: TableIndex, key: str) -> bool:
    # 其中 columns restate part of a neighbour; summing them would double count.
    return key in ti.cols and "其中" not in ti.titles.get(key, "")


@template("column_sum")
def column_sum(ix: Index, rule: Rule) -> Iterator[Finding]:
    """In every row: the total column = Σ part columns (within each column group).

    A failure on most rows at once, or a row whose total is blank while its parts are not (a
    row split over two lines), says the columns were misread: those are extraction findings.
    """
    p = rule.params
    for ti in (ix.tables[k] for k in p["tables"] if k in ix.tables):
        for prefix in _groups(ti.cols):
            total = prefix + p["total"]
            parts = _parts(ti, prefix, rule)
            if total not in ti.cols or parts is None or len(parts) < p.get("min_parts", 2):
                continue
            rows = [
                r for r in ti.rows if total in r.values and any(k in r.values for _, k in parts)
            ]
            found = [f for row in rows for f in _row_sum(rule, ti, row, total, parts)]
            fragment = any(
                not r.values[total].raw.strip()
                for r in rows
                if any(r.values[k].wan for _, k in parts if k in r.values)
            )
            if (len(found) >= 2 and 2 * len(found) >= len(rows)) or (found and fragment):
                for f in found:
                    f.kind = FindingKind.extraction
                    f.message += "；多行同时不符或行被拆开，列或行的提取可能有误"
            yield from found


def _row_sum(
    rule: Rule, ti: TableIndex, row: Row, total: str, parts: list[tuple[int, str]]
) -> Iterator[Finding]:
    if total not in row.values or not any(k in row.values for _, k in parts):
        return
    ft = ti.fig(row, total)
    figs = [(s, f) for s, k in parts if (f := ti.fig(row, k)) is not None]
    if ft is None:
        return
    right = _sum(figs)
    tol = _tol([ft] + [f for _, f in figs])
    if abs(ft.wan - right) > tol:
        names = "+".join(ti.col_name(k) for _, k in parts)
        detail = (
            f"{row_name(row)} {ti.col_name(total)} {fmt(ft.wan)} ≠ {names} {fmt(right)}"
            f"{printed([ft] + [f for _, f in figs])}"
        ).lstrip()
        yield finding(rule, detail, right, ft.wan, tol, [ft.loc] + [f.loc for _, f in figs])


@template("hierarchy")
def hierarchy(ix: Index, rule: Rule) -> Iterator[Finding]:
    """Parent code rows = Σ child rows; the 合计 row = Σ top-level rows; per column."""
    for ti in (ix.tables[k] for k in rule.params["tables"] if k in ix.tables):
        for parent, kids in ti.children().items():
            yield from _family(ix, rule, ti, ti.by_code[parent], [ti.by_code[k] for k in kids])
        if ti.total is not None and ti.by_code:
            yield from _family(ix, rule, ti, ti.total, ti.top_level())


def _family(
    ix: Index, rule: Rule, ti: TableIndex, parent: Row, kids: list[Row]
) -> Iterator[Finding]:
    bad: list[tuple[Fig, Decimal, Decimal, list[Fig]]] = []
    for col in sorted(ti.cols):
        fp = ti.fig(parent, col)
        if fp is None or col not in parent.values:
            continue
        figs = [f for k in kids if (f := ti.fig(k, col)) is not None]
        total = sum((f.wan for f in figs), Decimal(0))
        tol = _tol([fp, *figs])
        if abs(fp.wan - total) > tol:
            bad.append((fp, total, tol, figs))
    if not bad:
        return
    fp, total, tol, figs = bad[0]
    label = parent.code or parent.name or "合计"
    cols = "、".join(ti.col_name(b[0].loc.column_key or "") for b in bad)
    detail = (
        f"{ti.name} {label} {fmt(fp.wan)} ≠ Σ下级 {fmt(total)}（列 {cols}）{printed([fp, *figs])}"
    )
    locs = [b[0].loc for b in bad] + [f.loc for b in bad for f in b[3]]
    if kids and not any(v.wan for k in kids for v in k.values.values()):
        detail += "；下级行均无数值，行的数值可能未提取"
        yield finding(rule, detail, total, fp.wan, tol, locs, kind=FindingKind.extraction)
        return
    missing = missing_rows(ix, ti, parent.code)
    if missing:
        detail += f"；页面文本中有未提取的行 {', '.join(missing)}"
        locs += [
            Location(table_key=ti.key, row_code=m, page=(ti.table.pages or [None])[0])
            for m in missing
        ]
        yield finding(rule, detail, total, fp.wan, tol, locs, kind=FindingKind.extraction)
        return
    if unread := unread_pages(ix, ti):
        detail += f"；表格可能续至第{'、'.join(map(str, unread))}页而未读出"
        yield finding(rule, detail, total, fp.wan, tol, locs, kind=FindingKind.extraction)
        return
    yield finding(rule, detail, total, fp.wan, tol, locs)


@template("rows_total")
def rows_total(ix: Index, rule: Rule) -> Iterator[Finding]:
    """Uncoded tables (projects): the 合计 row = Σ the other rows, per column."""
    for ti in (ix.tables[k] for k in rule.params["tables"] if k in ix.tables):
        if ti.total is None:
            continue
        kids = [
            r
            for r in ti.rows
            if r is not ti.total
            and not r.row_code
            and (not r.code or r.code in ti.codes)
            and not (r.code and parent_code(r.code, ti.codes))  # 30201 under 302: its parts
            and not is_unit_line(r.name, ti.department)  # a unit's subtotal of its projects
        ]
        if kids:
            yield from _family(ix, rule, ti, ti.total, kids)


@template("rows_match")
def rows_match(ix: Index, rule: Rule) -> Iterator[Finding]:
    """Each function class has the same amount in table a (column) and table b (column).
    `present: both` compares the classes both tables print (sound however incomplete the
    rows are); `present: one` reports a class only one of them prints (needs every row)."""
    (ta, ca), (tb, cb) = (s.split(":") for s in (rule.params["a"], rule.params["b"]))
    if ta not in ix.tables or tb not in ix.tables:
        return
    both = rule.params.get("present") == "both"
    a, b = ix.tables[ta].class_figs(ca, both), ix.tables[tb].class_figs(cb, both)
    if not a or not b:
        return
    for code in sorted(a.keys() & b.keys() if both else a.keys() ^ b.keys()):
        fa, fb = a.get(code, []), b.get(code, [])
        va, vb = sum((f.wan for f in fa), Decimal(0)), sum((f.wan for f in fb), Decimal(0))
        tol = _tol(fa + fb)
        if abs(va - vb) > tol:
            locs = [f.loc for f in fa + fb] or [Location(table_key=ta, row_code=code)]
            if not fb:
                locs.append(Location(table_key=tb, row_code=code, column_key=cb))
            if not fa:
                locs.append(Location(table_key=ta, row_code=code, column_key=ca))
            na, nb = ix.tables[ta].name, ix.tables[tb].name
            detail = f"类 {code}: {na} {fmt(va)} ≠ {nb} {fmt(vb)}{printed(fa + fb)}"
            yield finding(rule, detail, vb, va, tol, locs)
