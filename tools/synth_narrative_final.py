"""Narrative sections of a synthetic final account (部门决算情况说明), 公开-template style."""

from __future__ import annotations

from decimal import Decimal

from tools.synth_narrative import GB, Writer, admin_cost_section, function_classes, money_of
from tools.synth_plan import Plan, pct, spend
from tools.synth_tables import func_name, sangong_budget, sangong_parts


def overall_final(w: Writer, plan: Plan) -> None:
    w.heading("收入支出决算总体情况说明")
    g = money_of(plan) + sum(a.fen for a in plan.allocs if a.kind == "year_end")
    y = plan.year
    w.amount_clause("grand_total", "收、支总计", g, lead=f"{y}年度", verb="均为")
    w.end()
    i = w.fact("grand_total", "收、支总计")
    w.change_clause(i, g, lead="与上年度相比，收、支总计各")
    w.say("，主要原因是：人员及项目变动")
    w.end()


def income_final(w: Writer, plan: Plan) -> None:
    w.heading("收入决算情况说明")
    inc = [a for a in plan.allocs if a.source != "carryover"]
    total = sum(a.fen for a in inc)
    p = w.amount_clause("income.total", "收入合计", total, lead=f"{plan.year}年度")
    w.say("，其中：")
    fiscal = sum(a.fen for a in inc if a.source in ("general_budget", "gov_fund"))
    w.amount_clause("income.fiscal", "财政拨款收入", fiscal, parent=p, whole=total or None)
    business = sum(a.fen for a in inc if a.source == "business")
    if business:
        w.amount_clause("income.business", "事业收入", business, parent=p, whole=total, lead="；")
    w.end()


def expenditure_final(w: Writer, plan: Plan) -> None:
    w.heading("支出决算情况说明")
    e = money_of(plan)
    basic = money_of(plan, kind=("personnel", "public"))
    p = w.amount_clause("expenditure.total", "支出合计", e, lead=f"{plan.year}年度")
    w.say("，其中：")
    w.amount_clause("basic", "基本支出", basic, parent=p, whole=e)
    w.amount_clause("project", "项目支出", e - basic, parent=p, whole=e, lead="；")
    w.end()


def fiscal_final(w: Writer, plan: Plan) -> None:
    w.heading("财政拨款收入支出决算总体情况说明")
    f = money_of(plan, source=("general_budget", "carryover", "gov_fund"))
    f += sum(a.fen for a in plan.allocs if a.kind == "year_end")
    w.amount_clause(
        "grand_total", "财政拨款收、支总计", f, scope="fiscal", lead=f"{plan.year}年度", verb="均为"
    )
    w.end()
    i = w.fact("grand_total", "财政拨款收、支总计", scope="fiscal")
    w.change_clause(i, f, lead="与上年度相比，财政拨款收、支总计各")
    w.end()


def general_budget_final(w: Writer, plan: Plan) -> None:
    w.heading("一般公共预算财政拨款支出决算情况说明")
    gb, e = money_of(plan, source=GB), money_of(plan)
    i = w.amount_clause(
        "expenditure.total",
        "一般公共预算财政拨款支出",
        gb,
        scope="general_budget",
        lead=f"{plan.year}年度",
    )
    share = pct(gb, e)
    w.facts[i].share_pct, w.facts[i].share_of = share, "expenditure.total"
    w.say(f"，占本年支出合计的{share}%")
    w.end()
    function_classes(w, plan, gb)
    items(w, plan, gb)


def items(w: Writer, plan: Plan, gb: int) -> None:
    """'年初预算为X，支出决算为Y，完成年初预算的Z%' for the total and for each 项."""
    codes = sorted({a.func for a in spend(plan) if a.source in GB})
    actual = {c: sum(a.fen for a in spend(plan) if a.source in GB and a.func == c) for c in codes}
    budget = {
        c: 0 if w.rng.random() < 0.1 else int(v * w.rng.uniform(0.7, 1.3))
        for c, v in actual.items()
    }
    _budget_sentence(
        w,
        "expenditure.total",
        "一般公共预算财政拨款支出",
        sum(budget.values()),
        gb,
        lead=f"{plan.year}年度",
    )
    for n, code in enumerate(codes, 1):
        path = [func_name(code[:3]), func_name(code[:5]), func_name(code)]
        w.say(f"{n}. {path[0]}（类）{path[1]}（款）{path[2]}（项）")
        w.end()
        _budget_sentence(
            w,
            "function",
            "",
            budget[code],
            actual[code],
            name="/".join([path[0].removesuffix("支出"), *path[1:]]),
        )


def _budget_sentence(
    w: Writer,
    subject: str,
    text: str,
    budget: int,
    actual: int,
    name: str | None = None,
    lead: str = "",
) -> None:
    b_shown, b = w.money(budget)
    a_shown, a = w.money(actual)
    kw: dict = {"budget": b, "actual": a, "name": name}
    clause = f"{lead}{text}年初预算为{b_shown}，支出决算为{a_shown}"
    if budget:
        kw["rate_pct"] = pct(actual, budget)
        clause += f"，完成年初预算的{kw['rate_pct']}%"
    w.fact(subject, text, "general_budget", **kw)
    w.say(clause)
    w.end()


def basic_final(w: Writer, plan: Plan) -> None:
    w.heading("一般公共预算财政拨款基本支出决算情况说明")
    basic = money_of(plan, source=GB, kind=("personnel", "public"))
    p = w.amount_clause(
        "basic",
        "一般公共预算财政拨款基本支出",
        basic,
        scope="general_budget",
        lead=f"{plan.year}年度",
    )
    w.say("，其中：")
    w.amount_clause(
        "personnel",
        "人员经费",
        money_of(plan, source=GB, kind="personnel"),
        scope="general_budget",
        parent=p,
    )
    w.say("，主要包括：基本工资、津贴补贴、机关事业单位基本养老保险缴费")
    w.amount_clause(
        "public",
        "公用经费",
        money_of(plan, source=GB, kind="public"),
        scope="general_budget",
        parent=p,
        lead="；",
    )
    w.say("，主要包括：办公费、差旅费、工会经费")
    w.end()


SANGONG_ITEMS = [
    ("sangong.abroad", "因公出国（境）费", "abroad"),
    ("sangong.vehicle", "公务用车购置及运行维护费", "vehicle"),
    ("sangong.reception", "公务接待费", "reception"),
]


def sangong_final(w: Writer, plan: Plan) -> None:
    w.heading("财政拨款“三公”经费支出决算情况说明")
    actual, budget = sangong_parts(plan), sangong_budget(plan)
    p = _sangong_sentence(
        w,
        "sangong",
        "“三公”经费财政拨款支出",
        budget["total"],
        actual["total"],
        lead=f"{plan.year}年度",
    )
    del p  # the items are sentences of their own: no '其中' ties them to the total
    for subject, text, key in SANGONG_ITEMS:
        i = _sangong_sentence(w, subject, text, budget[key], actual[key])
        if actual["total"]:
            share = pct(actual[key], actual["total"])
            w.facts[i].share_pct, w.facts[i].share_of = share, "sangong"
            w.facts[i].sentence = w.facts[i].sentence[:-1] + f"，占{share}%。"


def _sangong_sentence(
    w: Writer,
    subject: str,
    text: str,
    budget: int,
    actual: int,
    parent: int | None = None,
    lead: str = "",
) -> int:
    b_shown, b = w.money(budget)
    a_shown, a = w.money(actual)
    kw: dict = {"budget": b, "actual": a, "parent": parent}
    clause = f"{lead}{text}预算为{b_shown}，支出决算为{a_shown}"
    if budget:
        kw["rate_pct"] = pct(actual, budget)
        clause += f"，完成预算的{kw['rate_pct']}%"
    i = w.fact(subject, text, "sangong", **kw)
    w.say(clause)
    w.end()
    return i


GRADES = [("优", 90), ("良", 80), ("中", 60), ("差", 0)]


def self_evaluation(w: Writer, plan: Plan) -> None:
    w.heading("预算绩效情况说明")
    projects = [a for a in spend(plan) if a.kind == "project"]
    names = list(dict.fromkeys(a.project for a in projects))
    scores = {
        n: round(w.rng.uniform(55, 100), 2)
        if w.rng.random() < 0.15
        else round(w.rng.uniform(90, 100), 2)
        for n in names
    }
    counts = {g: 0 for g, _ in GRADES}
    for s in scores.values():
        counts[next(g for g, lo in GRADES if s >= lo)] += 1
    text = "，其中：" + "，".join(f"评价等级为“{g}”的项目{c}个" for g, c in counts.items())
    w.fact("self_evaluation", "绩效自评", "performance", count=len(names), grade_counts=counts)
    w.say(f"{plan.year}年对本部门{len(names)}个项目开展绩效自评{text}")
    w.end()
    for name in names:
        actual = sum(a.fen for a in projects if a.project == name)
        full = int(actual * w.rng.uniform(1.0, 1.25))
        _project_sentence(w, name, full, actual, scores[name])


def _project_sentence(w: Writer, name: str, full: int, actual: int, score: float) -> None:
    f_shown, fb = w.money(full)
    a_shown, a = w.money(actual)
    rate = pct(actual, full)
    s = Decimal(str(score))
    w.fact(
        "named_project",
        f"{name}项目",
        "performance",
        budget=fb,
        full_year_budget=fb,
        actual=a,
        rate_pct=rate,
        score=s,
        name=name,
    )
    w.say(
        f"{name}项目年初预算数{f_shown}，全年预算数{f_shown}，全年执行数{a_shown}，"
        f"预算执行率{rate}%，自评得分{s}分"
    )
    w.end()


final_sections = [
    overall_final,
    income_final,
    expenditure_final,
    fiscal_final,
    general_budget_final,
    basic_final,
    sangong_final,
    admin_cost_section,
    self_evaluation,
]
