"""The two-sided summary tables: 收支总表 and 财政拨款收支总表 (income | expenditure)."""

from __future__ import annotations

from schemas import DocType, Row, Table
from tools.synth_plan import Alloc, Plan, data, make_row, make_table, numeral, spend, title

BUDGET_LINES = {
    "short": [
        ("general_budget", "一般公共预算拨款收入"),
        ("gov_fund", "政府性基金预算拨款收入"),
        ("state_capital", "国有资本经营预算拨款收入"),
        ("special_account", "财政专户管理资金收入"),
        ("unit_funds", "单位资金"),
    ],
    "long": [
        ("general_budget", "一般公共预算"),
        ("gov_fund", "政府性基金预算拨款收入"),
        ("state_capital", "国有资本经营预算拨款收入"),
        ("special_account", "财政专户管理资金收入"),
        ("business", "事业收入"),
        ("operating", "事业单位经营收入"),
        ("upper_subsidy", "上级补助收入"),
        ("affiliated", "附属单位上缴收入"),
        ("other", "其他收入"),
    ],
}
FINAL_LINES = [
    ("general_budget", "一般公共预算财政拨款收入"),
    ("gov_fund", "政府性基金预算财政拨款收入"),
    ("state_capital", "国有资本经营预算财政拨款收入"),
    ("upper_subsidy", "上级补助收入"),
    ("business", "事业收入"),
    ("operating", "经营收入"),
    ("affiliated", "附属单位上缴收入"),
    ("other", "其他收入"),
]
SOURCES = {
    "general_budget": ("general_budget",),
    "gov_fund": ("gov_fund",),
    "business": ("business",),
    "other": ("other",),
    "unit_funds": ("business", "other"),
}


def _income_allocs(plan: Plan) -> list[Alloc]:
    """What this year's income paid for: spending not funded by carryover, plus what was left."""
    return [a for a in plan.allocs if a.source != "carryover"]


def _by_source(allocs: list[Alloc], line: str) -> int:
    return sum(a.fen for a in allocs if a.source in SOURCES.get(line, ()))


def _class_rows(plan: Plan, allocs: list[Alloc], cols: dict[str, tuple[str, ...]]) -> list[Row]:
    rows = []
    for i, (code, name) in enumerate(data()["summary_classes"].items(), 1):
        mine = [a for a in allocs if a.func.startswith(code)]
        values = {c: sum(a.fen for a in mine if a.source in src) for c, src in cols.items()}
        rows.append(make_row(values, plan.unit, code=code, name=f"{numeral(i)}、{name}", level=1))
    return rows


def summary(plan: Plan) -> Table:
    final = plan.doc_type == DocType.final_account
    key = "amount"  # the extraction calls a side's single value column `amount`
    header = "决算数" if final else plan.rng.choice(["金额", "预算数"])
    lines = FINAL_LINES if final else BUDGET_LINES[plan.rng.choice(["short", "long"])]
    inc = _income_allocs(plan)
    rows, u = [], plan.unit
    for i, (line, name) in enumerate(lines, 1):
        rows.append(
            make_row({key: _by_source(inc, line)}, u, row_code=line, name=f"{numeral(i)}、{name}")
        )
    income_total = sum(a.fen for a in inc)
    carry = sum(a.fen for a in plan.allocs if a.source == "carryover")
    rows.append(make_row({key: income_total}, u, row_code="income_total", name="本年收入合计"))
    if final:
        rows.append(
            make_row(
                {key: 0}, u, row_code="use_non_fiscal_balance", name="使用非财政拨款结余和专用结余"
            )
        )
    rows.append(
        make_row(
            {key: carry},
            u,
            row_code="carryover",
            name="年初结转和结余" if final else "上年结转结余",
        )
    )
    rows.append(
        make_row(
            {key: income_total + carry},
            u,
            row_code="grand_total_income",
            name="总计" if final else "收入总计",
        )
    )
    all_src = ("general_budget", "gov_fund", "business", "other", "carryover")
    rows += _class_rows(plan, spend(plan), {key: all_src})
    spent = sum(a.fen for a in spend(plan))
    year_end = sum(a.fen for a in plan.allocs if a.kind == "year_end")
    rows.append(make_row({key: spent}, u, row_code="expenditure_total", name="本年支出合计"))
    if final:
        rows.append(make_row({key: 0}, u, row_code="balance_distribution", name="结余分配"))
    rows.append(
        make_row(
            {key: year_end},
            u,
            row_code="year_end_carryover",
            name="年末结转和结余" if final else "年终结转结余",
        )
    )
    rows.append(
        make_row(
            {key: spent + year_end},
            u,
            row_code="grand_total_expenditure",
            name="总计" if final else "支出总计",
        )
    )
    return make_table(
        "income_expenditure_summary",
        title(plan, "income_expenditure_summary"),
        u,
        [(key, header)],
        rows,
    )


FISCAL_COLS = {
    "total": ("general_budget", "carryover", "gov_fund"),
    "general_budget": ("general_budget", "carryover"),
    "gov_fund": ("gov_fund",),
    "state_capital": (),
}


def fiscal_summary(plan: Plan) -> Table:
    final = plan.doc_type == DocType.final_account
    u, inc = plan.unit, _income_allocs(plan)
    gb, gf = _by_source(inc, "general_budget"), _by_source(inc, "gov_fund")
    carry = sum(a.fen for a in plan.allocs if a.source == "carryover")
    pre = "财政拨款" if final else "预算拨款"
    children = [
        make_row({"amount": v}, u, row_code=k, name=f"（{numeral(i)}）{n}{pre}")
        for i, (k, n, v) in enumerate(
            [
                ("general_budget", "一般公共", gb),
                ("gov_fund", "政府性基金", gf),
                ("state_capital", "国有资本经营", 0),
            ],
            1,
        )
    ]
    total_row = make_row(
        {"amount": gb + gf},
        u,
        row_code="income_total",
        name="本年收入合计" if final else "一、本年收入",
    )
    rows = [*children, total_row] if final else [total_row, *children]
    rows.append(
        make_row(
            {"amount": carry},
            u,
            row_code="carryover",
            name="年初财政拨款结转和结余" if final else "二、上年结转",
        )
    )
    for k, n, v in [("general_budget", "一般公共预算", carry), ("gov_fund", "政府性基金预算", 0)]:
        rows.append(make_row({"amount": v}, u, row_code=f"carryover.{k}", name=f"{n}财政拨款"))
    rows.append(
        make_row(
            {"amount": gb + gf + carry},
            u,
            row_code="grand_total_income",
            name="总计" if final else "收入总计",
        )
    )
    fiscal = [a for a in spend(plan) if a.source in FISCAL_COLS["total"]]
    rows += _class_rows(plan, fiscal, FISCAL_COLS)
    rows += _fiscal_totals(plan, fiscal, final)
    cols = [
        ("amount", "金额"),
        ("total", "合计"),
        ("general_budget", "一般公共预算财政拨款"),
        ("gov_fund", "政府性基金预算财政拨款"),
        ("state_capital", "国有资本经营预算财政拨款"),
    ]
    return make_table(
        "fiscal_appropriation_summary", title(plan, "fiscal_appropriation_summary"), u, cols, rows
    )


def _fiscal_totals(plan: Plan, fiscal: list[Alloc], final: bool) -> list[Row]:
    year_end = sum(a.fen for a in plan.allocs if a.kind == "year_end")

    def split(extra: int) -> dict[str, int]:
        v = {c: sum(a.fen for a in fiscal if a.source in src) for c, src in FISCAL_COLS.items()}
        v["total"] += extra
        v["general_budget"] += extra
        return v

    spent = split(0)
    zero = {c: 0 for c in FISCAL_COLS}
    end = {**zero, "total": year_end, "general_budget": year_end}
    u = plan.unit
    return [
        make_row(spent, u, row_code="expenditure_total", name="本年支出合计"),
        make_row(
            end,
            u,
            row_code="year_end_carryover",
            name="年末财政拨款结转和结余" if final else "年终结转结余",
        ),
        make_row(
            split(year_end),
            u,
            row_code="grand_total_expenditure",
            name="总计" if final else "支出总计",
        ),
    ]
