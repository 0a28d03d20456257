"""Templates over the narrative's facts: amounts vs tables, their unit, shares, growth, rates.

Only facts whose subject was resolved are compared (an `unknown` one is listed for review by
the parser, never checked against a guess); where a fact sits in the tables is
worker/rules/lookup.py. A narrative amount that disagrees with its table figure but agrees once
read in the other unit ('1682.76元' where the tables print 1682.76 万元) is a misprinted unit:
all of them make ONE `narrative.unit` finding, and no amount, share or growth finding.

Percent tolerance: one unit of the printed precision (a share printed '1.4%' for 1.4537% was
cut, not rounded), at least ±0.01 points, plus how far the rounding of the printed amounts can
move the ratio (a share of a 4.21 万元 whole moves by up to 0.12 points when its part is rounded
by 0.005).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from schemas import DocType, Finding, Location, Unit
from schemas.names import subject_title, table_title
from schemas.narrative import Amount, NarrativeFact
from worker.narrative.amounts import SCALE
from worker.rules import Rule, template
from worker.rules.index import Fig, Index, bound_of, finding, fmt, printed
from worker.rules.lookup import figs_of, figure_map, figures, refs
from worker.rules.lookup import project_figs as project_figs
from worker.rules.lookup import same_name as same_name

HUNDRED = Decimal(100)
POINT = Decimal("0.01")
_UNKNOWN = "unknown"


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
    return _bound_in(a.raw, a.unit)


def _bound_in(raw: str, unit: str) -> Decimal:
    if unit in ("万元", "元"):
        return bound_of(raw, Unit(unit))
    return _half_digit(raw) * SCALE[unit]


def _half_digit(raw: str) -> Decimal:
    """Half a unit of the last digit printed, in the printed unit."""
    digits = raw.replace(",", "").lstrip("-")
    decimals = len(digits) - digits.index(".") - 1 if "." in digits else 0
    return Decimal(5).scaleb(-decimals - 1)


def pct_bound(p: Decimal) -> Decimal:
    """Half a unit of a percentage's printed precision, at least 0.01 point."""
    exp = p.as_tuple().exponent
    half = Decimal(5).scaleb(exp - 1) if isinstance(exp, int) else POINT
    return max(POINT, half)


def pct_step(p: Decimal) -> Decimal:
    """One unit of a stated percentage's last digit, at least 0.01 point."""
    exp = p.as_tuple().exponent
    return max(POINT, Decimal(1).scaleb(exp)) if isinstance(exp, int) else POINT


def nloc(f: NarrativeFact, field: str) -> Location:
    return Location(
        table_key="narrative", row_code=f.subject, column_key=field, page=f.page, bbox=f.bbox
    )


def _table_of(ix: Index, g: Fig) -> str:
    ti = ix.tables.get(g.loc.table_key or "")
    return ti.name if ti is not None else table_title(g.loc.table_key) or "表"


def quote(f: NarrativeFact) -> str:
    """The sentence as printed, with its page."""
    s = f.sentence.strip()
    page = f"第{f.page}页" if f.page else ""
    return f"{page}“{s[:60]}{'…' if len(s) > 60 else ''}”"


# -- amounts against the tables ---------------------------------------------------------------


@dataclass(slots=True)
class Stated:
    """One narrative amount and the table figures it restates."""

    fact: NarrativeFact
    field: str
    amount: Amount
    figs: list[Fig]

    def agrees(self, unit: str | None = None) -> bool:
        """The printed number, read in its unit (or `unit`), is one of the table figures —
        rounded as printed: '3,855万元' restates a table's 38,549,381 元."""
        a = self.amount
        wan = a.wan if unit is None else a.value * SCALE[unit]
        tol = max(_bound_in(a.raw, unit or a.unit), _half_digit(a.raw) * SCALE[unit or a.unit])
        return any(abs(wan - g.wan) <= tol + g.bound for g in self.figs)

    def other_unit(self) -> str | None:
        """The unit the printed number agrees with the tables in, when it is not its own."""
        if self.amount.value == 0 or self.agrees():
            return None
        return next((u for u in SCALE if u != self.amount.unit and self.agrees(u)), None)


def statements(ix: Index) -> list[Stated]:
    """Every amount the narrative states that a table restates (computed once per run)."""
    if "statements" not in ix.memo:
        doc_type, out = ix.doc.doc_type, []
        for f in ix.doc.narrative:
            if f.subject == _UNKNOWN:
                continue
            if (v := value(f, doc_type)) is not None and (figs := figures(ix, f)):
                out.append(Stated(f, "amount", v, figs))
            final = f.budget is not None and doc_type == DocType.final_account
            if final and (figs := figs_of(ix, refs("budget_figures", f))):
                out.append(Stated(f, "budget", f.budget, figs))  # type: ignore[arg-type]
        ix.memo["statements"] = out
    return ix.memo["statements"]  # type: ignore[return-value]


def misprinted(ix: Index) -> set[int]:
    """ids of the narrative amounts printed with the wrong unit."""
    return {id(s.amount) for s in statements(ix) if s.other_unit() is not None}


@template("narrative_figures")
def narrative_figures(ix: Index, rule: Rule) -> Iterator[Finding]:
    """Every amount the narrative states equals the table figure it restates."""
    for s in statements(ix):
        if s.agrees() or s.other_unit() is not None:
            continue
        f, a, figs = s.fact, s.amount, s.figs
        shown = "、".join(f"{_table_of(ix, g)} {fmt(g.wan)}" for g in figs)
        detail = (
            f"{quote(f)} 称 {f.subject_text or subject_title(f.subject) or '该数'} "
            f"{a.raw}{a.unit}，表中为 {shown}"
            f"{printed(figs)}"
        )
        yield finding(
            rule,
            detail,
            figs[0].wan,
            a.wan,
            bound(a) + figs[0].bound,
            [nloc(f, s.field)] + [g.loc for g in figs],
        )


@template("narrative_unit")
def narrative_unit(ix: Index, rule: Rule) -> Iterator[Finding]:
    """Amounts that agree with the tables only in another unit: one finding for all of them."""
    wrong = [(s, u) for s in statements(ix) if (u := s.other_unit()) is not None]
    if not wrong:
        return
    listed = "；".join(
        f"{quote(s.fact)} {s.amount.raw}{s.amount.unit}（按{u}与表中 {fmt(s.figs[0].wan)} 万元一致）"
        for s, u in wrong[:5]
    )
    more = f"等 {len(wrong)} 处" if len(wrong) > 5 else ""
    yield finding(
        rule,
        f"{listed}{more}",
        None,
        None,
        None,
        [nloc(s.fact, s.field) for s, _ in wrong] + [s.figs[0].loc for s, _ in wrong],
    )


# -- shares, rates, growth --------------------------------------------------------------------


def _whole(ix: Index, i: int) -> tuple[Amount | Fig, Location] | None:
    facts, doc_type = ix.doc.narrative, ix.doc.doc_type
    f = facts[i]
    if f.parent is not None and (v := value(facts[f.parent], doc_type)) is not None:
        return v, nloc(facts[f.parent], "amount")
    if not f.share_of or f.share_of == _UNKNOWN:
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
    return (figs[0], figs[0].loc) if figs else _listed_whole(facts, f, doc_type)


def _listed_whole(
    facts: list[NarrativeFact], f: NarrativeFact, doc_type: DocType | None
) -> tuple[Amount, Location] | None:
    """'因公出国（境）费…占“三公”经费的x%；公务用车…占y%；公务接待费…占z%': the sentence lists
    every part of the whole (figures.yaml decompositions), so the whole is their sum."""
    listed = [g for g in facts if g.sentence == f.sentence and g.share_of == f.share_of]
    parts = figure_map()["decompositions"].get(f.share_of or "")
    amounts = [value(g, doc_type) for g in listed]
    if not parts or sorted(g.subject for g in listed) != sorted(parts) or None in amounts:
        return None
    total = sum((a.wan for a in amounts if a is not None), Decimal(0))
    return Amount(raw=fmt(total), value=total, unit="万元", wan=total), nloc(listed[0], "amount")


def _wan_bound(x: Amount | Fig) -> tuple[Decimal, Decimal]:
    return (x.wan, bound(x)) if isinstance(x, Amount) else (x.wan, x.bound)


def _ratio_check(
    rule: Rule,
    f: NarrativeFact,
    field: str,
    stated: Decimal,
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
    tol = pct_step(stated) + HUNDRED * (bp / abs(w) + abs(p) * bw / (w * w))
    if abs(stated - expected) > tol:
        detail = f"{quote(f)} {what} {stated}%，按 {fmt(p)}/{fmt(w)} 应为 {expected:.2f}%"
        if isinstance(whole, Fig):
            detail += printed([whole])
        yield finding(
            rule,
            detail,
            expected.quantize(POINT),
            stated,
            tol.quantize(POINT),
            [nloc(f, field), wloc],
        )


@template("narrative_share")
def narrative_share(ix: Index, rule: Rule) -> Iterator[Finding]:
    """'占72.46%' = part / whole."""
    wrong_unit = misprinted(ix)
    for i, f in enumerate(ix.doc.narrative):
        part = value(f, ix.doc.doc_type)
        if f.share_pct is None or part is None or id(part) in wrong_unit:
            continue
        found = _whole(ix, i)
        if found is not None and not (isinstance(found[0], Amount) and id(found[0]) in wrong_unit):
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


def _this_year(ix: Index, f: NarrativeFact) -> Amount | Fig | None:
    """The amount a change is a change of: the fact's own, the same subject stated elsewhere
    in the narrative, else its table figure ('收、支总计各增加…')."""
    doc_type = ix.doc.doc_type
    if (v := value(f, doc_type)) is not None:
        return v
    if f.subject == _UNKNOWN:
        return None
    for g in ix.doc.narrative:
        same = (g.subject, g.scope, g.name) == (f.subject, f.scope, f.name)
        if g is not f and same and (v := value(g, doc_type)) is not None:
            return v
    figs = figures(ix, f)
    return figs[0] if figs else None


@template("narrative_growth")
def narrative_growth(ix: Index, rule: Rule) -> Iterator[Finding]:
    """增长% = 增加额 / (本年数 − 增加额)."""
    wrong_unit = misprinted(ix)
    for f in ix.doc.narrative:
        if f.growth_pct is None or f.change is None:
            continue
        now = _this_year(ix, f)
        if now is None or (isinstance(now, Amount) and id(now) in wrong_unit):
            continue
        c, bc = f.change.wan, bound(f.change)
        v, bv = _wan_bound(now)
        prior = v - c
        if prior <= 0:
            continue
        expected = HUNDRED * c / prior
        tol = pct_step(f.growth_pct) + HUNDRED * (bc * abs(v) + bv * abs(c)) / (prior * prior)
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
