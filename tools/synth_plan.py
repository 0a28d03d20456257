"""Random draws behind a synthetic document: the department, its money (allocations), choices."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

import yaml

from schemas import Column, DocType, Region, Row, Table, Unit, Value

CENT = Decimal("0.01")
FEN_PER_WAN = 1_000_000
SPEND = ("personnel", "public", "project")


@cache
def data() -> dict:
    return yaml.safe_load((Path(__file__).with_name("synth_data.yaml")).read_text("utf-8"))


@dataclass
class Alloc:
    """One leaf of money: a function item × economic code × kind × funding source."""

    func: str
    kind: str  # personnel | public | project | year_end (final accounts: left unspent)
    econ: str
    source: str  # general_budget | gov_fund | business | other | carryover
    fen: int
    project: str | None = None


@dataclass
class Plan:
    seed: int
    rng: random.Random
    doc_type: DocType
    year: int
    unit: Unit
    department: str
    region: Region
    kuan: str
    allocs: list[Alloc] = field(default_factory=list)
    choices: dict = field(default_factory=dict)


def fmt_wan(fen: int) -> Decimal:
    return (Decimal(fen) / FEN_PER_WAN).quantize(CENT, ROUND_HALF_UP)


def value(fen: int, unit: Unit) -> Value:
    """One printed figure: rounded on its own to two decimals in the table's unit."""
    if unit == Unit.yuan:
        v = (Decimal(fen) / 100).quantize(CENT)
        return Value(raw=f"{v}", value=v, wan=v / 10000)
    v = fmt_wan(fen)
    return Value(raw=f"{v}", value=v, wan=v)


def pct(part: int, whole: int) -> Decimal:
    if whole == 0:
        return Decimal("0.00")
    return (Decimal(part) * 100 / Decimal(whole)).quantize(CENT, ROUND_HALF_UP)


def make_plan(seed: int) -> Plan:
    rng = random.Random(seed)
    d = data()
    reg = rng.choice(d["regions"])
    county = rng.choice(reg["counties"]) if rng.random() < 0.6 else None
    place = reg["city"] + (county or "")
    dept = rng.choice(d["departments"])
    plan = Plan(
        seed=seed,
        rng=rng,
        doc_type=DocType.final_account if rng.random() < 0.4 else DocType.budget,
        year=rng.randint(2019, 2025),
        unit=Unit.yuan if rng.random() < 0.15 else Unit.wan,
        department=dept["name"].format(place=place),
        region=Region(province=reg["province"], city=reg["city"], county=county),
        kuan=dept["kuan"],
    )
    _personnel(plan)
    _public(plan)
    _projects(plan)
    if plan.doc_type == DocType.final_account and rng.random() < 0.4:
        _year_end(plan)
    return plan


def _wan(rng: random.Random, lo: float, hi: float) -> int:
    """A random amount in fen between lo and hi 万元."""
    return int(rng.uniform(lo, hi) * FEN_PER_WAN)


def _add(
    plan: Plan,
    func: str,
    kind: str,
    econ: str,
    fen: int,
    source: str = "general_budget",
    project: str | None = None,
) -> None:
    if fen > 0:
        plan.allocs.append(Alloc(func, kind, econ, source, fen, project))


def _personnel(plan: Plan) -> None:
    rng, admin = plan.rng, plan.kuan + "01"
    staff = rng.randint(4, 60)
    wages = {
        "30101": (2.5, 4.5),
        "30102": (1.0, 3.0),
        "30103": (0.3, 1.0),
        "30107": (1.0, 3.0),
        "30112": (0.05, 0.2),
        "30199": (0.1, 0.5),
    }
    base = 0
    # A 事业单位 pays part of its salaries from 事业收入: then 一般公共预算 ≠ the whole.
    business = rng.random() < 0.12
    for econ, (lo, hi) in wages.items():
        if econ in ("30103", "30107", "30199") and rng.random() < 0.35:
            continue
        fen = _wan(rng, lo * staff, hi * staff)
        base += fen
        source = "business" if business and econ == "30107" else "general_budget"
        _add(plan, admin, "personnel", econ, fen, source)
    social = [("30108", "2080505", 0.16), ("30110", "2101101", 0.07), ("30113", "2210201", 0.12)]
    if rng.random() < 0.6:
        social.append(("30109", "2080506", 0.08))
    if rng.random() < 0.5:
        social.append(("30111", "2101103", 0.04))
    for econ, func, ratio in social:
        _add(plan, func, "personnel", econ, int(base * ratio * rng.uniform(0.9, 1.1)))
    if rng.random() < 0.3:
        _add(plan, "2080501", "personnel", "30302", _wan(rng, 1, 30))
    if rng.random() < 0.2:
        _add(plan, admin, "personnel", "30305", _wan(rng, 0.5, 6))


def _public(plan: Plan) -> None:
    rng, admin = plan.rng, plan.kuan + "01"
    pool = [
        "30201",
        "30202",
        "30205",
        "30206",
        "30207",
        "30211",
        "30213",
        "30215",
        "30216",
        "30228",
        "30229",
        "30239",
        "30299",
    ]
    for econ in rng.sample(pool, rng.randint(3, len(pool))):
        _add(plan, admin, "public", econ, _wan(rng, 0.2, 25))
    # 三公 items: some departments have none, which makes an all-zero 三公 table.
    if rng.random() < 0.75:
        _add(plan, admin, "public", "30217", _wan(rng, 0.3, 8))
    if rng.random() < 0.5:
        _add(plan, admin, "public", "30231", _wan(rng, 0.5, 10))
    if rng.random() < 0.1:
        _add(plan, admin, "public", "30212", _wan(rng, 1, 12))
    if rng.random() < 0.25:
        _add(plan, admin, "public", "31002", _wan(rng, 0.5, 15))


def _projects(plan: Plan) -> None:
    rng = plan.rng
    names = rng.sample(data()["project_names"], rng.randint(1, 6))
    funcs = [plan.kuan + "02"] * 4 + ["2050803", "2089999"]
    econs = ["30227", "30226", "30299", "31007", "31002", "30211", "30215", "30216", "30202"]
    carry = rng.random() < 0.25
    fund = rng.random() < 0.15
    for i, name in enumerate(names):
        name = f"{plan.year}年{name}" if rng.random() < 0.3 else name
        func, source = rng.choice(funcs), "general_budget"
        if fund and i == 0:
            func, source = rng.choice(["2296002", "2120803"]), "gov_fund"
        elif carry and i == len(names) - 1:
            source = "carryover"
        total = _wan(rng, 2, 150)
        split = rng.random() < 0.4
        first = int(total * rng.uniform(0.3, 0.7)) if split else total
        _add(plan, func, "project", rng.choice(econs), first, source, name)
        if split:
            _add(plan, func, "project", rng.choice(econs), total - first, source, name)
    if rng.random() < 0.3:
        _add(
            plan,
            plan.kuan + "02",
            "project",
            "31013",
            _wan(rng, 10, 30),
            "general_budget",
            "公务用车购置",
        )


def _year_end(plan: Plan) -> None:
    rng = plan.rng
    for func in rng.sample([plan.kuan + "01", plan.kuan + "02"], rng.randint(1, 2)):
        _add(plan, func, "year_end", "", _wan(rng, 0.5, 30))


def spend(plan: Plan) -> list[Alloc]:
    return [a for a in plan.allocs if a.kind in SPEND]


def total(allocs: list[Alloc], **match: object) -> int:
    """Σ fen over allocs whose attributes match (a tuple value means any of)."""
    out = 0
    for a in allocs:
        if all(getattr(a, k) in (v if isinstance(v, tuple) else (v,)) for k, v in match.items()):
            out += a.fen
    return out


def title(plan: Plan, key: str) -> str:
    return plan.rng.choice(data()["titles"][plan.doc_type.value][key])


NUMERALS = "一二三四五六七八九十"


def numeral(n: int) -> str:
    """1 → 一, 12 → 十二, 24 → 二十四 (list numbering in Chinese documents)."""
    if n <= 10:
        return NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else NUMERALS[tens - 1]
    return head + "十" + (NUMERALS[ones - 1] if ones else "")


def make_table(
    key: str,
    title: str,
    unit: Unit,
    columns: list[tuple[str, str]],
    rows: list[Row],
    empty: bool = False,
) -> Table:
    return Table(
        key=key,
        title=title,
        unit=unit,
        empty=empty,
        rows=rows,
        columns=[Column(key=k, title=t) for k, t in columns],
    )


def make_row(
    values: dict[str, int],
    unit: Unit,
    *,
    code: str | None = None,
    row_code: str | None = None,
    name: str = "",
    level: int | None = None,
) -> Row:
    return Row(
        code=code,
        row_code=row_code,
        name=name,
        level=level,
        values={k: value(v, unit) for k, v in values.items()},
    )
