"""Templates over the narrative's facts: amounts vs tables, shares, growth, rates, counts, parts.

Percent tolerance: ±0.01 points (or half a unit of the printed precision when coarser, '75%'),
plus how far the rounding of the printed amounts can move the ratio (a share of a 4.21 万元 whole
moves by up to 0.12 points when its part is rounded by 0.005).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from functools import cache
from pathlib import Path

import yaml

from schemas import DocType, Finding, Location, Unit
from schemas.narrative import Amount, NarrativeFact
from worker.narrative.amounts import SCALE
from worker.rules import Rule, template
from worker.rules.index import Fig, Index, bound_of, finding, fmt

HUNDRED = Decimal(100)
POINT = Decimal("0.01")


@cache
def figure_map() -> dict:
    return yaml.safe_load(Path(__file__).with_name("figures.yaml").read_text("utf-8"))


def value(f: NarrativeFact, doc_type: DocType | None) -> Amount | None:
    """The fact's figure: amount, else 决算/执行数, else (budget documents) 预算数."""
    if f.amount is not None:
        return f.amount
    if f.actual is not None:
        return f.actual
    return f.budget if doc_type != DocType.final_account else None


def bound(a: Amount) -> Decimal:
    """A narrative amount is rounded even when it prints 0 ('减少0.00万元' of a tiny change):
    half a unit of its last printed digit, in 万元."""
    if a.unit == "亿元":
        return _half_digit(a.raw) * SCALE["亿元"]
    return bound_of(a.raw, Unit(a.unit))


def _half_digit(raw: str) -> Decimal:
    digits = raw.replace(",", "").lstrip("-")
    decimals = len(digits) - digits.index(".") - 1 if "." in digits else 0
    return Decimal(5).scaleb(-decimals - 1)


def pct_bound(p: Decimal) -> Decimal:
    exp = p.as_tuple().exponent
    half = Decimal(5).scaleb(exp - 1) if isinstance(exp, int) else POINT
    return max(POINT, half)


def nloc(f: NarrativeFact, field: str) -> Location:
    return Location(
        table_key="narrative", row_code=f.subject, column_key=field, page=f.page, bbox=f.bbox
    )


def quote(f: NarrativeFact) -> str:
    s = f.sentence.strip()
    return f"“{s[:60]}{'…' if len(s) > 60 else ''}”"


def refs(kind: str, f: NarrativeFact) -> list[str]:
    entry = figure_map()[kind].get(f.subject) or {}
    return entry.get(f.scope or "_") or entry.get("_") or []


def figs_of(ix: Index, specs: list[str]) -> list[Fig]:
    out = []
    for spec in specs:
        r = ix.ref(spec)
        if r is not None:
            out.extend(r[1])
    return out


def norm_name(name: str) -> str:
    name = re.sub(r"^[一二三四五六七八九十]+、|[（(][^）)]*[）)]$|\d{4}年?|项目$|\s", "", name)
    return name.removesuffix("支出")


def same_name(a: str, b: str) -> bool:
    a, b = norm_name(a), norm_name(b)
    return a == b or (min(len(a), len(b)) >= 4 and (a in b or b in a))


def function_figs(ix: Index, f: NarrativeFact) -> list[Fig]:
    """A 类/款/项 the sentence names, found by name in the general-budget table."""
    ti = ix.tables.get("general_budget_expenditure")
    if ti is None or not f.name:
        return []
    parts = f.name.split("/")
    width = {1: 3, 2: 5, 3: 7}.get(len(parts), 0)
    hits = []
    for code, row in ti.by_code.items():
        if len(code) != width or norm_name(row.name) != norm_name(parts[-1]):
            continue
        ancestors = [ti.by_code.get(code[:n]) for n in (3, 5)[: len(parts) - 1]]
        if all(
            a is None or norm_name(a.name) == norm_name(p)
            for a, p in zip(ancestors, parts, strict=False)
        ):
            hits.append(row)
    return [fig for row in hits[:1] if (fig := ti.fig(row, "total")) is not None]


def project_figs(ix: Index, f: NarrativeFact) -> list[Fig]:
    ti = ix.tables.get("project_expenditure")
    if ti is None or not f.name:
        return []
    rows = [r for r in ti.table.rows if r is not ti.total and r.name and same_name(r.name, f.name)]
    return [fig for r in rows[:1] if (fig := ti.fig(r, "total")) is not None]


def _compare(
    rule: Rule, f: NarrativeFact, field: str, a: Amount, figs: list[Fig]
) -> Iterator[Finding]:
    if not figs:
        return
    if any(abs(a.wan - g.wan) <= bound(a) + g.bound for g in figs):
        return
    shown = "、".join(f"{g.loc.table_key} {fmt(g.wan)}" for g in figs)
    detail = f"{quote(f)} 称 {f.subject_text or f.subject} {a.raw}{a.unit}，表中为 {shown}"
    yield finding(
        rule,
        detail,
        figs[0].wan,
        a.wan,
        bound(a) + figs[0].bound,
        [nloc(f, field)] + [g.loc for g in figs],
    )


@template("narrative_figures")
def narrative_figures(ix: Index, rule: Rule) -> Iterator[Finding]:
    """Every amount the narrative states equals the table figure it restates."""
    doc_type = ix.doc.doc_type
    for f in ix.doc.narrative:
        v = value(f, doc_type)
        if v is not None:
            figs = figs_of(ix, refs("figures", f))
            if f.subject == "function":
                figs = function_figs(ix, f)
            elif f.subject == "named_project" and doc_type != DocType.final_account:
                figs = project_figs(ix, f)
            yield from _compare(rule, f, "amount", v, figs)
        if f.budget is not None and doc_type == DocType.final_account:
            yield from _compare(rule, f, "budget", f.budget, figs_of(ix, refs("budget_figures", f)))


def _whole(ix: Index, i: int) -> tuple[Amount | Fig, Location] | None:
    facts, doc_type = ix.doc.narrative, ix.doc.doc_type
    f = facts[i]
    if f.parent is not None and (v := value(facts[f.parent], doc_type)) is not None:
        return v, nloc(facts[f.parent], "amount")
    if not f.share_of:
        return None
    # '一般公共预算支出…占本年支出合计的x%': a whole of the part's own subject is unqualified.
    scopes = [None] if f.share_of == f.subject else list(dict.fromkeys([f.scope, None]))
    for scope in scopes:
        for j in range(i - 1, -1, -1):
            g = facts[j]
            if g.subject == f.share_of and g.scope == scope and (v := value(g, doc_type)):
                return v, nloc(g, "amount")
    probe = NarrativeFact(subject=f.share_of, scope=scopes[0])
    figs = figs_of(ix, refs("figures", probe))
    return (figs[0], figs[0].loc) if figs else None


def _wan_bound(x: Amount | Fig) -> tuple[Decimal, Decimal]:
    return (x.wan, bound(x)) if isinstance(x, Amount) else (x.wan, x.bound)


def _ratio_check(
    rule: Rule,
    f: NarrativeFact,
    field: str,
    printed: Decimal,
    part: Amount,
    whole: Amount | Fig,
    wloc: Location,
    what: str,
) -> Iterator[Finding]:
    p, bp = part.wan, bound(part)
    w, bw = _wan_bound(whole)
    if w == 0:
        return
    expected = HUNDRED * p / w
    tol = pct_bound(printed) + HUNDRED * (bp / abs(w) + abs(p) * bw / (w * w))
    if abs(printed - expected) > tol:
        detail = f"{quote(f)} {what} {printed}%，按 {fmt(p)}/{fmt(w)} 应为 {expected:.2f}%"
        yield finding(
            rule,
            detail,
            expected.quantize(POINT),
            printed,
            tol.quantize(POINT),
            [nloc(f, field), wloc],
        )


@template("narrative_share")
def narrative_share(ix: Index, rule: Rule) -> Iterator[Finding]:
    """'占72.46%' = part / whole."""
    for i, f in enumerate(ix.doc.narrative):
        part = value(f, ix.doc.doc_type)
        if f.share_pct is None or part is None:
            continue
        found = _whole(ix, i)
        if found is not None:
            yield from _ratio_check(
                rule, f, "share_pct", f.share_pct, part, found[0], found[1], "占比"
            )


@template("narrative_rate")
def narrative_rate(ix: Index, rule: Rule) -> Iterator[Finding]:
    """完成率 / 执行率 = 决算(执行)数 / 全年预算数 (else 年初预算数)."""
    for f in ix.doc.narrative:
        actual = f.actual or f.amount
        base = f.full_year_budget or f.budget
        if f.rate_pct is None or actual is None or base is None:
            continue
        yield from _ratio_check(
            rule, f, "rate_pct", f.rate_pct, actual, base, nloc(f, "budget"), "完成(执行)率"
        )


@template("narrative_growth")
def narrative_growth(ix: Index, rule: Rule) -> Iterator[Finding]:
    """增长% = 增加额 / (本年数 − 增加额)."""
    facts = ix.doc.narrative
    for f in facts:
        if f.growth_pct is None or f.change is None:
            continue
        now: Amount | Fig | None = value(f, ix.doc.doc_type) or next(
            (
                v
                for g in facts
                if g is not f
                and g.subject == f.subject
                and g.scope == f.scope
                and g.name == f.name
                and (v := value(g, ix.doc.doc_type))
            ),
            None,
        )
        if now is None:  # '收、支总计各增加…': this year's figure is in the tables
            figs = figs_of(ix, refs("figures", f))
            now = figs[0] if figs else None
        if now is None:
            continue
        c, bc = f.change.wan, bound(f.change)
        v, bv = _wan_bound(now)
        prior = v - c
        if prior <= 0:
            continue
        expected = HUNDRED * c / prior
        tol = pct_bound(f.growth_pct) + HUNDRED * (bc * abs(v) + bv * abs(c)) / (prior * prior)
        if abs(f.growth_pct - expected) > tol:
            detail = (
                f"{quote(f)} 增长 {f.growth_pct}%，按增加 {fmt(c)}、本年 {fmt(v)} 应为 "
                f"{expected:.2f}%"
            )
            yield finding(
                rule,
                detail,
                expected.quantize(POINT),
                f.growth_pct,
                tol.quantize(POINT),
                [nloc(f, "growth_pct"), nloc(f, "change")],
            )
