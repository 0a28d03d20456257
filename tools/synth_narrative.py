"""The narrative of a synthetic document: sentences restating the tables, with their facts.

Facts are the truth (NarrativeFact, what worker/narrative/ must read back); each carries the
sentence it was written in and the section heading, from which tools/synth_layout.py prints the
paragraphs. Shares and growth rates come from the underlying (unrounded) values.
"""

from __future__ import annotations

from decimal import Decimal

from schemas import Unit
from schemas.narrative import Amount, NarrativeFact
from tools.synth_plan import Plan, fmt_wan, numeral, pct, spend
from tools.synth_tables import func_name, sangong_parts


class Writer:
    """Builds sentences clause by clause and records the facts they state."""

    def __init__(self, plan: Plan) -> None:
        self.plan, self.rng = plan, plan.rng
        self.facts: list[NarrativeFact] = []
        self.strip = plan.rng.random() < 0.3  # "190.3万元" instead of "190.30万元"
        self.section: str | None = None
        self._clauses: list[str] = []
        self._open: list[int] = []
        self._carry = ""
        self._n = 0

    def heading(self, text: str) -> None:
        self._n += 1
        self.section = f"{numeral(self._n)}、{text}"

    def money(self, fen: int, signed: int = 1) -> tuple[str, Amount]:
        if self.plan.unit == Unit.yuan and fen:
            v = (Decimal(fen) / 100).quantize(Decimal("0.01"))
            wan = v / 10000
            unit = "元"
        else:
            v = fmt_wan(fen)
            if self.strip or fen == 0:
                v = v.normalize() if v else Decimal(0)
            wan, unit = v, "万元"
        raw = f"{v:f}"
        return raw + unit, Amount(raw=raw, value=v * signed, unit=unit, wan=wan * signed)

    def fact(self, subject: str, text: str, scope: str | None = None, **kw: object) -> int:
        self.facts.append(
            NarrativeFact(
                subject=subject, subject_text=text, scope=scope, section=self.section, **kw
            )
        )
        self._open.append(len(self.facts) - 1)
        return len(self.facts) - 1

    def say(self, *clauses: str) -> None:
        self._clauses.extend(clauses)

    def end(self) -> None:
        sentence = "".join(self._clauses) + "。"
        if not self._open:  # a sentence without figures is printed before the next one
            self._carry += sentence
        for i in self._open:
            self.facts[i].sentence = self._carry + sentence
        if self._open:
            self._carry = ""
        self._clauses, self._open = [], []

    def amount_clause(
        self,
        subject: str,
        text: str,
        fen: int,
        scope: str | None = None,
        parent: int | None = None,
        whole: int | None = None,
        lead: str = "",
        verb: str = "",
    ) -> int:
        """'基本支出500.75万元，占72.46%' — a fact with an amount and (optionally) a share."""
        shown, amt = self.money(fen)
        kw: dict = {"amount": amt, "parent": parent}
        clause = f"{lead}{text}{verb}{shown}"
        if whole:
            share = pct(fen, whole)
            kw.update(
                share_pct=share, share_of=self.facts[parent].subject if parent is not None else None
            )
            clause += f"，占{share}%"
        i = self.fact(subject, text, scope, **kw)
        self.say(clause)
        return i

    def change_clause(self, i: int, now: int, lead: str = "") -> None:
        """'比上年增加117.48万元，增长20.48%' attached to fact i."""
        prior = int(now * self.rng.uniform(0.7, 1.3)) or 1
        diff = now - prior
        sign = 1 if diff >= 0 else -1
        shown, amt = self.money(abs(diff), sign)
        growth = pct(abs(diff), prior)
        up = ("增加", "增长") if sign > 0 else ("减少", "下降")
        self.facts[i].change = amt
        self.facts[i].growth_pct = growth * sign
        self.say(f"{lead}{up[0]}{shown}，{up[1]}{growth}%")


def money_of(plan: Plan, **match: object) -> int:
    out = 0
    for a in spend(plan):
        if all(getattr(a, k) in (v if isinstance(v, tuple) else (v,)) for k, v in match.items()):
            out += a.fen
    return out


GB = ("general_budget", "carryover")


def overall_budget(w: Writer, plan: Plan) -> None:
    w.heading("收入支出预算总体情况说明")
    g = money_of(plan)
    y = plan.year
    if w.rng.random() < 0.5:
        for subject, text in (
            ("income.grand_total", "收入总计"),
            ("expenditure.grand_total", "支出总计"),
        ):
            w.amount_clause(
                subject, text, g, lead=f"{plan.department}{y}年" if "income" in subject else "，"
            )
        i = w.fact("grand_total", "收、支总计")
        w.change_clause(i, g, lead=f"，与{y - 1}年预算相比，收、支总计各")
        w.say("，主要原因：人员及项目调整")
    else:
        i = w.amount_clause("grand_total", "预算收支安排", g, lead=f"{y}年")
        w.change_clause(i, g, lead=f"，较{y - 1}年预算")
    w.end()


def income_budget(w: Writer, plan: Plan) -> None:
    w.heading("收入预算总体情况说明")
    carry = money_of(plan, source="carryover")
    total = money_of(plan) - carry
    p = w.amount_clause("income.total", "收入合计", total, lead=f"{plan.department}{plan.year}年")
    w.say("，其中：")
    lines = [
        ("income.general_budget", "一般公共预算", "general_budget"),
        ("income.gov_fund", "政府性基金预算", "gov_fund"),
        ("income.business", "事业收入", "business"),
    ]
    first = True
    for subject, text, source in lines:
        fen = money_of(plan, source=source)
        if fen or subject == "income.gov_fund":
            w.amount_clause(
                subject,
                text,
                fen,
                parent=p,
                whole=total if total else None,
                lead="" if first else "；",
            )
            first = False
    w.end()
    if carry:
        w.amount_clause("income.carryover", "上年结转", carry, lead=f"{plan.year}年")
        w.end()


def expenditure_budget(w: Writer, plan: Plan) -> None:
    w.heading("支出预算总体情况说明")
    e = money_of(plan)
    basic = money_of(plan, kind=("personnel", "public"))
    business = money_of(plan, source="business")
    if w.rng.random() < 0.5 or business:
        p = w.amount_clause(
            "expenditure.total", "支出合计", e, lead=f"{plan.department}{plan.year}年"
        )
        w.say("，其中：")
        w.amount_clause("basic", "基本支出", basic, parent=p, whole=e)
        w.amount_clause("project", "项目支出", e - basic, parent=p, whole=e, lead="；")
    else:
        p = w.amount_clause("expenditure.total", "支出预算", e, lead=f"{plan.year}年")
        b = w.amount_clause("basic", "基本支出", basic, parent=p, lead="，其中")
        w.amount_clause(
            "personnel", "人员经费", money_of(plan, kind="personnel"), parent=b, lead="，包括"
        )
        w.amount_clause(
            "public", "日常公用经费", money_of(plan, kind="public"), parent=b, lead="和"
        )
        w.amount_clause("project", "项目支出", e - basic, parent=p, lead="；")
    w.end()


def fiscal_budget(w: Writer, plan: Plan) -> None:
    w.heading("财政拨款收入支出预算总体情况说明")
    f = money_of(plan, source=("general_budget", "carryover", "gov_fund"))
    w.amount_clause(
        "grand_total", "财政拨款收支总计", f, scope="fiscal", lead=f"{plan.department}{plan.year}年"
    )
    w.end()
    j = w.fact("grand_total", "财政拨款收支总计", scope="fiscal")
    w.change_clause(j, f, lead=f"与{plan.year - 1}年相比，财政拨款收支总计")
    w.end()


def general_budget_section(w: Writer, plan: Plan) -> None:
    w.heading("一般公共预算支出预算情况说明")
    gb = money_of(plan, source=GB)
    basic = money_of(plan, source=GB, kind=("personnel", "public"))
    p = w.amount_clause(
        "expenditure.total", "一般公共预算支出", gb, scope="general_budget", lead=f"{plan.year}年"
    )
    w.say("，其中：")
    w.amount_clause("basic", "基本支出", basic, scope="general_budget", parent=p, whole=gb)
    w.amount_clause(
        "project", "项目支出", gb - basic, scope="general_budget", parent=p, whole=gb, lead="；"
    )
    w.end()
    function_classes(w, plan, gb)


def function_classes(w: Writer, plan: Plan, gb: int) -> None:
    if w.rng.random() < 0.3:
        return
    p = w.amount_clause(
        "expenditure.total", "一般公共预算支出", gb, scope="general_budget", lead=f"{plan.year}年"
    )
    w.say("，主要用于以下方面：")
    classes = sorted({a.func[:3] for a in spend(plan) if a.source in GB})
    for n, code in enumerate(classes):
        name = func_name(code).removesuffix("支出")
        fen = sum(a.fen for a in spend(plan) if a.source in GB and a.func.startswith(code))
        w.amount_clause(
            "function",
            f"{name}（类）支出",
            fen,
            scope="general_budget",
            parent=p,
            whole=gb,
            lead="；" if n else "",
        )
        w.facts[-1].name = name
    w.end()


def basic_section(w: Writer, plan: Plan) -> None:
    w.heading("一般公共预算基本支出预算情况说明")
    basic = money_of(plan, source=GB, kind=("personnel", "public"))
    p = w.amount_clause(
        "basic", "一般公共预算基本支出", basic, scope="general_budget", lead=f"{plan.year}年"
    )
    w.say("，其中：")
    w.amount_clause(
        "personnel",
        "人员经费",
        money_of(plan, source=GB, kind="personnel"),
        scope="general_budget",
        parent=p,
        whole=basic,
    )
    w.amount_clause(
        "public",
        "公用经费",
        money_of(plan, source=GB, kind="public"),
        scope="general_budget",
        parent=p,
        whole=basic,
        lead="；",
    )
    w.end()


def sangong_section(w: Writer, plan: Plan, actual: dict[str, int] | None = None) -> None:
    w.heading("“三公”经费支出预算情况说明")
    s = actual or sangong_parts(plan)
    p = w.amount_clause(
        "sangong", "“三公”经费", s["total"], scope="sangong", lead=f"{plan.year}年", verb="预算为"
    )
    w.facts[p].budget, w.facts[p].amount = w.facts[p].amount, None  # '预算为' states the budget
    w.change_clause(p, s["total"], lead="，比上年") if s["total"] else None
    w.end()
    whole = s["total"] or None
    w.say("其中：")
    w.amount_clause(
        "sangong.abroad", "因公出国（境）费", s["abroad"], scope="sangong", parent=p, whole=whole
    )
    v = w.amount_clause(
        "sangong.vehicle",
        "公务用车购置及运行费",
        s["vehicle"],
        scope="sangong",
        parent=p,
        lead="；",
    )
    w.say("（其中：")
    w.amount_clause(
        "sangong.vehicle_purchase",
        "公务用车购置费",
        s["vehicle_purchase"],
        scope="sangong",
        parent=v,
    )
    w.amount_clause(
        "sangong.vehicle_operation",
        "公务用车运行维护费",
        s["vehicle_operation"],
        scope="sangong",
        parent=v,
        lead="，",
    )
    w.say("）")
    if whole:
        share = pct(s["vehicle"], whole)
        w.facts[v].share_pct, w.facts[v].share_of = share, "sangong"
        w.say(f"，占{share}%")
    w.amount_clause(
        "sangong.reception",
        "公务接待费",
        s["reception"],
        scope="sangong",
        parent=p,
        whole=whole,
        lead="；",
    )
    w.end()


def admin_cost_section(w: Writer, plan: Plan) -> None:
    w.heading("机关运行经费支出情况说明")
    x = money_of(plan, source=GB, kind="public")
    i = w.amount_clause(
        "admin_cost", "机关运行经费", x, scope="admin_cost", lead=f"{plan.year}年", verb="为"
    )
    w.change_clause(i, x, lead="，比上年")
    w.end()


def projects_section(w: Writer, plan: Plan) -> None:
    w.heading("绩效目标设置情况")
    projects = [a for a in spend(plan) if a.kind == "project"]
    total = sum(a.fen for a in projects)
    p = w.amount_clause("project", "项目支出", total, scope="performance", lead=f"{plan.year}年")
    w.say("，其中：")
    for n, name in enumerate(dict.fromkeys(a.project for a in projects)):
        fen = sum(a.fen for a in projects if a.project == name)
        w.amount_clause(
            "named_project",
            f"{name}项目",
            fen,
            scope="performance",
            parent=p,
            lead="，" if n else "",
        )
        w.facts[-1].name = name
    w.end()


budget_sections = [
    overall_budget,
    income_budget,
    expenditure_budget,
    fiscal_budget,
    general_budget_section,
    basic_section,
    sangong_section,
    admin_cost_section,
    projects_section,
]
