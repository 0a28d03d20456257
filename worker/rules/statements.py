"""Templates comparing narrative statements with each other: parts of a whole, counts of
evaluated projects, the same project or 科目 stated twice."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from schemas import Finding
from schemas.narrative import Amount, NarrativeFact
from worker.rules import Rule, template
from worker.rules.index import Index, finding, fmt
from worker.rules.lookup import figure_map, same_name
from worker.rules.narrative import bound, nloc, pct_bound, quote, value


@template("narrative_parts")
def narrative_parts(ix: Index, rule: Rule) -> Iterator[Finding]:
    """Parts listed after '其中' never exceed the whole; a complete list adds up to it."""
    facts, doc_type = ix.doc.narrative, ix.doc.doc_type
    # one list per sentence: '1.按支出功能分类，包括…' and '2.按支出用途分类，包括…' each break
    # the same whole down, and a 收支总计's income lines and expenditure lines are two breakdowns of it
    kids: dict[tuple[int, str, str], list[int]] = {}
    for i, f in enumerate(facts):
        if f.parent is not None:
            kids.setdefault((f.parent, f.sentence, _side(f.subject)), []).append(i)
    complete = figure_map()["decompositions"]
    for (p, _, _), children in kids.items():
        whole = value(facts[p], doc_type)
        parts = [(facts[c], v) for c in children if (v := value(facts[c], doc_type)) is not None]
        if whole is None or not parts:
            continue
        total = sum((v.wan for _, v in parts), Decimal(0))
        tol = bound(whole) + sum((bound(v) for _, v in parts), Decimal(0))
        subjects = sorted(f.subject for f, _ in parts)
        exact = sorted(complete.get(facts[p].subject, [])) == subjects
        if _complete_before(parts, whole):
            continue  # '货物5,242.52、工程0、服务901；一般公共预算拨款政府采购2,521.44': a 2nd list
        if total - whole.wan > tol or (exact and abs(total - whole.wan) > tol):
            names = "、".join(f"{f.subject_text or f.name} {v.raw}" for f, v in parts)
            detail = (
                f"{quote(facts[p])} 总额 {whole.raw}{whole.unit}，"
                f"其中各项合计 {fmt(total)}（{names}）"
            )
            locs = [nloc(facts[p], "amount")] + [nloc(f, "amount") for f, _ in parts]
            yield finding(rule, detail, whole.wan, total, tol, locs)


def _complete_before(parts: list[tuple[NarrativeFact, Amount]], whole: Amount) -> bool:
    """The first parts (two or more, not all) add up to the whole exactly: the rest break it
    down again another way (by fund, by purpose), they are not more of the same parts."""
    total, tol = Decimal(0), bound(whole)
    for n, (_, v) in enumerate(parts[:-1], start=1):
        total, tol = total + v.wan, tol + bound(v)
        if n >= 2 and abs(total - whole.wan) <= tol:
            return True
    return False


def _side(subject: str) -> str:
    if subject.startswith("income"):
        return "income"
    return "expenditure" if subject.startswith(("expenditure", "function", "economic")) else ""


@template("narrative_grades")
def narrative_grades(ix: Index, rule: Rule) -> Iterator[Finding]:
    """'对N个项目开展绩效自评，其中：优a个，良b个…' — a + b + … = N."""
    for f in ix.doc.narrative:
        if f.count is None or not f.grade_counts:
            continue
        graded = sum(f.grade_counts.values())
        if graded != f.count:
            parts = "、".join(f"{g}{n}个" for g, n in f.grade_counts.items())
            detail = f"{quote(f)} 称自评 {f.count} 个项目，各等级合计 {graded} 个（{parts}）"
            yield finding(
                rule,
                detail,
                Decimal(f.count),
                Decimal(graded),
                Decimal(0),
                [nloc(f, "count"), nloc(f, "grade_counts")],
            )


@template("narrative_counts")
def narrative_counts(ix: Index, rule: Rule) -> Iterator[Finding]:
    """Every statement of how many projects were self-evaluated gives the same number."""
    facts = ix.doc.narrative
    stated = [f for f in facts if f.subject == "self_evaluation" and f.count is not None]
    listed = {
        f.name
        for f in facts
        if f.subject == "named_project"
        and f.name
        and (f.score is not None or f.rate_pct is not None)
    }
    counts = {f.count for f in stated}
    if not stated or (len(counts) == 1 and len(listed) <= max(counts)):  # type: ignore[type-var]
        return
    said = "、".join(f"{f.count}" for f in stated)
    detail = f"自评项目数前后不一：{said} 个；文中逐项列出 {len(listed)} 个项目"
    yield finding(
        rule,
        detail,
        Decimal(len(listed)) if listed else None,
        Decimal(stated[0].count or 0),
        Decimal(0),
        [nloc(f, "count") for f in stated],
    )


def _projects(facts: list[NarrativeFact]) -> list[tuple[str, NarrativeFact]]:
    """Facts about named projects, including '…经费执行率80%' lines that only name them."""
    names = [f.name for f in facts if f.subject == "named_project" and f.name]
    out = []
    for f in facts:
        if f.subject == "named_project" and f.name:
            out.append((f.name, f))
        elif (
            f.subject == "unknown"
            and f.name
            and (
                f.rate_pct is not None
                or (f.parent is not None and facts[f.parent].subject == "project")
            )
        ):
            out += [(n, f) for n in dict.fromkeys(names) if same_name(n, f.name)]
    return out


def _evaluated(f: NarrativeFact) -> bool:
    """A self-evaluation statement of a project (its execution rate or score)."""
    return f.rate_pct is not None or f.score is not None


@template("narrative_repeat")
def narrative_repeat(ix: Index, rule: Rule) -> Iterator[Finding]:
    """A project (or 科目) stated twice is stated with the same execution rate and amount."""
    pairs = _projects(ix.doc.narrative)
    seen: set[tuple[int, int]] = set()
    for a_name, a in pairs:
        for b_name, b in pairs:
            pair = (id(a), id(b))
            if a is b or not same_name(a_name, b_name) or pair in seen or pair[::-1] in seen:
                continue  # (a fact may be listed under two names)
            if not (_evaluated(a) or _evaluated(b)):
                continue  # a budget restates a project per unit: 社保业务经费 of each 分局
            seen.add((id(a), id(b)))
            if a.rate_pct is not None and b.rate_pct is not None:
                tol = max(pct_bound(a.rate_pct), pct_bound(b.rate_pct))
                if abs(a.rate_pct - b.rate_pct) > tol:
                    detail = (
                        f"{a_name}：{quote(a)} 执行率 {a.rate_pct}%，{quote(b)} 为 {b.rate_pct}%"
                    )
                    yield finding(
                        rule,
                        detail,
                        b.rate_pct,
                        a.rate_pct,
                        tol,
                        [nloc(a, "rate_pct"), nloc(b, "rate_pct")],
                    )
            va, vb = value(a, ix.doc.doc_type), value(b, ix.doc.doc_type)
            if va is not None and vb is not None and abs(va.wan - vb.wan) > bound(va) + bound(vb):
                detail = (
                    f"{a_name}：{quote(a)} 为 {va.raw}{va.unit}，{quote(b)} 为 {vb.raw}{vb.unit}"
                )
                yield finding(
                    rule,
                    detail,
                    vb.wan,
                    va.wan,
                    bound(va) + bound(vb),
                    [nloc(a, "amount"), nloc(b, "amount")],
                )
