"""The standard tables of a synthetic document, aggregated from the plan's allocations."""

from __future__ import annotations

from collections.abc import Callable

from schemas import DocType, Row, Table, Unit
from tools.synth_plan import Alloc, Plan, data, make_row, make_table, spend, title, total
from tools.synth_summary import fiscal_summary, summary

Pred = Callable[[Alloc], bool]

# Column key → which allocations it sums. Columns that are always zero here return False.
PRED: dict[str, Pred] = {
    "total": lambda a: True,
    "amount": lambda a: True,
    "actual": lambda a: True,
    "basic": lambda a: a.kind in ("personnel", "public"),
    "project": lambda a: a.kind == "project",
    "personnel": lambda a: a.kind == "personnel",
    "public": lambda a: a.kind == "public",
    "wages": lambda a: a.kind == "personnel" and a.econ.startswith("301"),
    "household": lambda a: a.kind == "personnel" and a.econ.startswith("303"),
    "goods_services": lambda a: a.kind == "public" and a.econ.startswith("302"),
    "capital": lambda a: a.kind == "public" and a.econ.startswith("310"),
    "general_budget": lambda a: a.source == "general_budget",
    "fiscal": lambda a: a.source in ("general_budget", "gov_fund"),
    "gov_fund": lambda a: a.source == "gov_fund",
    "business": lambda a: a.source == "business",
    "other": lambda a: a.source == "other",
    "unit_funds": lambda a: a.source in ("business", "other"),
    "carryover": lambda a: a.source == "carryover",
    "gb_all": lambda a: a.source in ("general_budget", "carryover"),
}
ZERO = (
    "state_capital",
    "special_account",
    "upper_subsidy",
    "operating",
    "affiliated",
    "remit_upper",
    "subsidy_affiliated",
)

TITLES = {
    "total": "合计",
    "basic": "基本支出",
    "project": "项目支出",
    "personnel": "基本支出/人员经费",
    "public": "基本支出/公用经费",
    "wages": "基本支出/人员经费/工资福利支出",
    "household": "基本支出/人员经费/对个人和家庭的补助",
    "goods_services": "基本支出/公用经费/商品和服务支出",
    "capital": "基本支出/公用经费/资本性支出",
    "general_budget": "一般公共预算",
    "gov_fund": "政府性基金预算",
    "state_capital": "国有资本经营预算",
    "special_account": "财政专户管理资金",
    "unit_funds": "单位资金",
    "business": "事业收入",
    "other": "其他收入",
    "carryover": "上年结转",
    "fiscal": "财政拨款收入",
    "upper_subsidy": "上级补助收入",
    "operating": "经营收入",
    "affiliated": "附属单位上缴收入",
    "remit_upper": "上缴上级支出",
    "subsidy_affiliated": "对附属单位补助支出",
}


def colsum(allocs: list[Alloc], key: str) -> int:
    if key in ZERO:
        return 0
    return sum(a.fen for a in allocs if PRED[key](a))


def func_name(code: str) -> str:
    d = data()
    if len(code) == 3:
        return d["classes"][code]
    if len(code) == 5:
        return d["kuan"][code]
    return d["items"].get(code) or d["admin_items"][code[5:]]


def coded_rows(
    allocs: list[Alloc], cols: list[str], unit: Unit, econ: bool = False, parents: bool = True
) -> list[Row]:
    """A total row, then 类/款/项 (or economic 类/款) rows, each summing its allocations."""
    groups: dict[str, list[Alloc]] = {}
    for a in allocs:
        code = a.econ if econ else a.func
        cuts = (3, 5) if econ else (3, 5, 7)
        for cut in cuts if parents else (len(code),):
            groups.setdefault(code[:cut], []).append(a)
    rows = [
        make_row({c: colsum(allocs, c) for c in cols}, unit, row_code="total", name="合计", level=0)
    ]
    for code in sorted(groups):
        name = data()["economic"][code] if econ else func_name(code)
        level = {3: 1, 5: 2, 7: 3}[len(code)]
        rows.append(
            make_row(
                {c: colsum(groups[code], c) for c in cols}, unit, code=code, name=name, level=level
            )
        )
    return rows


def build_tables(plan: Plan) -> list[Table]:
    final = plan.doc_type == DocType.final_account
    builders = [
        summary,
        income,
        expenditure,
        fiscal_summary,
        general_budget,
        basic,
        gov_fund,
        state_capital,
        sangong,
    ]
    if not final:
        builders += [projects, economic_summary]
    tables = [t for b in builders if (t := b(plan)) is not None]
    return tables


def _cols(keys: list[str], **override: str) -> list[tuple[str, str]]:
    return [(k, override.get(k, TITLES[k])) for k in keys]


def expenditure_columns(plan: Plan, final: bool) -> list[str]:
    if final:
        return ["total", "basic", "project", "remit_upper", "operating", "subsidy_affiliated"]
    style = plan.choices.setdefault("exp_style", plan.rng.choice(["plain", "split", "econ"]))
    return {
        "plain": ["total", "basic", "project"],
        "split": ["total", "basic", "personnel", "public", "project"],
        "econ": ["total", "basic", "wages", "household", "goods_services", "capital", "project"],
    }[style]


def expenditure(plan: Plan) -> Table:
    final = plan.doc_type == DocType.final_account
    cols = expenditure_columns(plan, final)
    over = {"total": "本年支出合计"} if final else {}
    if "wages" in cols:
        over["basic"] = "基本支出/小计"
    return make_table(
        "expenditure",
        title(plan, "expenditure"),
        plan.unit,
        _cols(cols, **over),
        coded_rows(spend(plan), cols, plan.unit),
    )


def general_budget(plan: Plan) -> Table:
    final = plan.doc_type == DocType.final_account
    cols = ["total", "basic", "project"] if final else expenditure_columns(plan, False)
    allocs = [a for a in spend(plan) if a.source in ("general_budget", "carryover")]
    over = {"total": "小计"} if final else {}
    if "wages" in cols:
        over["basic"] = "基本支出/小计"
    return make_table(
        "general_budget_expenditure",
        title(plan, "general_budget_expenditure"),
        plan.unit,
        _cols(cols, **over),
        coded_rows(allocs, cols, plan.unit),
    )


def gov_fund(plan: Plan) -> Table:
    allocs = [a for a in spend(plan) if a.source == "gov_fund"]
    cols = ["total", "basic", "project"]
    rows = coded_rows(allocs, cols, plan.unit)
    empty = not allocs
    if empty and plan.rng.random() < 0.5:
        rows = []  # some publish an empty grid, others a 合计 row of zeros
    return make_table("gov_fund", title(plan, "gov_fund"), plan.unit, _cols(cols), rows, empty)


def state_capital(plan: Plan) -> Table | None:
    if plan.rng.random() < 0.2:
        return None
    cols = ["total", "basic", "project"]
    rows = coded_rows([], cols, plan.unit) if plan.rng.random() < 0.5 else []
    return make_table(
        "state_capital", title(plan, "state_capital"), plan.unit, _cols(cols), rows, empty=True
    )


def income(plan: Plan) -> Table:
    if plan.doc_type == DocType.final_account:
        cols = ["total", "fiscal", "upper_subsidy", "business", "operating", "affiliated", "other"]
        allocs = [a for a in plan.allocs if a.source != "carryover"]
        over = {"total": "本年收入合计"}
    else:
        used = {a.source for a in spend(plan)}
        cols = ["total", "general_budget"]
        cols += [
            c for c in ("gov_fund", "business", "other") if c in used or plan.rng.random() < 0.3
        ]
        if "carryover" in used or plan.rng.random() < 0.4:
            cols.append("carryover")
        allocs = spend(plan)
        over = {"total": "总计" if "carryover" in cols else "合计"}
    return make_table(
        "income",
        title(plan, "income"),
        plan.unit,
        _cols(cols, **over),
        coded_rows(allocs, cols, plan.unit),
    )


def basic(plan: Plan) -> Table:
    allocs = [
        a
        for a in spend(plan)
        if a.kind in ("personnel", "public") and a.source in ("general_budget", "carryover")
    ]
    if plan.doc_type == DocType.final_account:
        rows = coded_rows(allocs, ["amount"], plan.unit, econ=True)[1:]
        rows.append(
            make_row(
                {"amount": total(allocs, kind="personnel")},
                plan.unit,
                row_code="personnel_total",
                name="人员经费合计",
            )
        )
        rows.append(
            make_row(
                {"amount": total(allocs, kind="public")},
                plan.unit,
                row_code="public_total",
                name="公用经费合计",
            )
        )
        return make_table(
            "basic_expenditure",
            title(plan, "basic_expenditure"),
            plan.unit,
            [("amount", "决算数")],
            rows,
        )
    cols = ["total", "personnel", "public"]
    parents = plan.rng.random() < 0.6
    return make_table(
        "basic_expenditure",
        title(plan, "basic_expenditure"),
        plan.unit,
        _cols(cols, personnel="人员经费", public="公用经费"),
        coded_rows(allocs, cols, plan.unit, econ=True, parents=parents),
    )


def economic_summary(plan: Plan) -> Table | None:
    if plan.rng.random() < 0.5:
        return None
    used = {a.source for a in spend(plan)}
    cols = ["total", "gb_all"] + [c for c in ("gov_fund", "business") if c in used]
    rows = coded_rows(spend(plan), cols, plan.unit, econ=True)
    for r in rows:
        r.values["general_budget"] = r.values.pop("gb_all")
    cols[1] = "general_budget"
    return make_table(
        "economic_summary", title(plan, "economic_summary"), plan.unit, _cols(cols), rows
    )


def projects(plan: Plan) -> Table:
    allocs = [a for a in spend(plan) if a.kind == "project"]
    cols = ["total", "general_budget"] + [
        c for c in ("gov_fund", "carryover") if any(a.source == c for a in allocs)
    ]
    rows = [
        make_row(
            {c: colsum(allocs, c) for c in cols}, plan.unit, row_code="total", name="合计", level=0
        )
    ]
    for name in dict.fromkeys(a.project for a in allocs):
        mine = [a for a in allocs if a.project == name]
        rows.append(make_row({c: colsum(mine, c) for c in cols}, plan.unit, name=name or ""))
    return make_table(
        "project_expenditure",
        title(plan, "project_expenditure"),
        plan.unit,
        _cols(cols, carryover="财政拨款结转结余"),
        rows,
    )


SANGONG = {
    "abroad": ("30212",),
    "vehicle_purchase": ("31013",),
    "vehicle_operation": ("30231",),
    "reception": ("30217",),
}
SANGONG_TITLES = {
    "total": "“三公”经费合计",
    "abroad": "因公出国（境）费",
    "vehicle": "公务用车购置及运行费/小计",
    "vehicle_purchase": "公务用车购置及运行费/公务用车购置费",
    "vehicle_operation": "公务用车购置及运行费/公务用车运行费",
    "reception": "公务接待费",
}


def sangong_parts(plan: Plan) -> dict[str, int]:
    fiscal = [a for a in spend(plan) if a.source in ("general_budget", "carryover")]
    parts = {k: total(fiscal, econ=v) for k, v in SANGONG.items()}
    parts["vehicle"] = parts["vehicle_purchase"] + parts["vehicle_operation"]
    parts["total"] = parts["abroad"] + parts["vehicle"] + parts["reception"]
    return parts


def sangong_budget(plan: Plan) -> dict[str, int]:
    """Final accounts print the budget beside the actual: a budget ≥ the actual, drawn once."""
    if "sangong_budget" not in plan.choices:
        actual = sangong_parts(plan)
        b = {
            k: int(actual[k] * plan.rng.uniform(1.0, 1.6))
            if actual[k]
            else (int(plan.rng.uniform(0, 3) * 1_000_000) if plan.rng.random() < 0.2 else 0)
            for k in SANGONG
        }
        b["vehicle"] = b["vehicle_purchase"] + b["vehicle_operation"]
        b["total"] = b["abroad"] + b["vehicle"] + b["reception"]
        plan.choices["sangong_budget"] = b
    return plan.choices["sangong_budget"]


def sangong(plan: Plan) -> Table:
    keys = ["total", "abroad", "vehicle", "vehicle_purchase", "vehicle_operation", "reception"]
    if plan.doc_type == DocType.budget:
        parts = sangong_parts(plan)
        cols = [(k, SANGONG_TITLES[k]) for k in keys]
        values = {k: parts[k] for k in keys}
    else:
        groups = {
            "budget": ("预算数", sangong_budget(plan)),
            "actual": ("决算数", sangong_parts(plan)),
        }
        cols = [
            (f"{g}.{k}", f"{t}/{SANGONG_TITLES[k]}") for g, (t, _) in groups.items() for k in keys
        ]
        values = {f"{g}.{k}": v[k] for g, (_, v) in groups.items() for k in keys}
    row = make_row(values, plan.unit, row_code="total", name="")
    return make_table("sangong", title(plan, "sangong"), plan.unit, cols, [row])
