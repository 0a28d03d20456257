"""worker/narrative/: regular sentences → facts, on generated narratives and on the seeds."""

from __future__ import annotations

from decimal import Decimal

import pytest

from schemas.narrative import NarrativeFact
from tests.support.samples import SAMPLES
from tools.synth import generate, to_blocks
from worker.layout import Layout, TextBlock
from worker.narrative import parse_narrative

FIELDS = (
    "subject",
    "scope",
    "name",
    "share_pct",
    "share_of",
    "growth_pct",
    "rate_pct",
    "score",
    "count",
    "grade_counts",
    "parent",
)
AMOUNTS = ("amount", "change", "budget", "full_year_budget", "actual")


def key(f: NarrativeFact) -> tuple:
    return tuple(getattr(f, k) for k in FIELDS) + tuple(
        a.wan if (a := getattr(f, k)) is not None else None for k in AMOUNTS
    )


def parse(*paragraphs: str) -> list[NarrativeFact]:
    return parse_narrative(Layout(blocks=[TextBlock(p) for p in paragraphs]))


@pytest.mark.parametrize("start", [0, 100, 200])
def test_generated_narratives_read_back_exactly(start: int) -> None:
    for seed in range(start, start + 100):
        doc = generate(seed)
        got = parse_narrative(Layout(blocks=to_blocks(doc, seed)))
        assert [key(f) for f in got] == [key(f) for f in doc.narrative], doc.doc_id


def test_amount_share_change_growth() -> None:
    [total, basic, project] = parse(
        "三、支出预算总体情况",
        "某部门2024年支出合计691.05万元，其中：基本支出500.75万元，占72.46%；"
        "项目支出190.3万元，占27.54%。",
    )
    assert (total.subject, total.amount.wan) == ("expenditure.total", Decimal("691.05"))
    assert (basic.subject, basic.share_pct, basic.share_of, basic.parent) == (
        "basic",
        Decimal("72.46"),
        "expenditure.total",
        0,
    )
    assert project.amount.raw == "190.3" and project.parent == 0
    [g] = parse("与上年度相比，收、支总计各减少74.14万元，下降10.17%，主要原因是：人员减少。")
    assert (g.subject, g.change.wan, g.growth_pct) == (
        "grand_total",
        Decimal("-74.14"),
        Decimal("-10.17"),
    )


def test_units_scopes_and_thresholds() -> None:
    facts = parse(
        "六、一般公共预算基本支出情况说明",
        "2020年部门支出预算为477884.00元，其中基本支出327884.00元，包括人员经费296884.00元"
        "和日常公用经费31000.00元；项目支出150000元。其中：预算支出100万元及100万元以上重点项目共0个。",
    )
    # '预算为' states a budget figure; the parts are plain amounts
    subjects = [(f.subject, f.scope, (f.amount or f.budget).wan) for f in facts]
    assert subjects[:5] == [
        ("expenditure.total", "general_budget", Decimal("47.7884")),
        ("basic", "general_budget", Decimal("32.7884")),
        ("personnel", "general_budget", Decimal("29.6884")),
        ("public", "general_budget", Decimal("3.1")),
        ("project", "general_budget", Decimal("15")),
    ]
    assert facts[2].parent == 1 and facts[4].parent == 0  # 包括 ends at '；'
    assert len(facts) == 5  # '100万元及100万元以上' is a threshold, not a figure


def test_nested_parentheses_and_the_three_public_expenses() -> None:
    facts = parse(
        "七、“三公”经费支出预算情况说明",
        "2022年“三公”经费预算为30.33万元。其中：因公出国（境）费0万元，占0.00%；公务用车购置及"
        "运行费26.12万元（其中：公务用车购置费22.29万元，公务用车运行维护费3.83万元），占86.13%；"
        "公务接待费4.21万元，占13.87%。",
    )
    by = {f.subject: f for f in facts}
    assert by["sangong"].budget.wan == Decimal("30.33")
    assert by["sangong.vehicle"].share_pct == Decimal("86.13")
    assert by["sangong.vehicle_purchase"].parent == facts.index(by["sangong.vehicle"])
    assert by["sangong.reception"].parent == 0


@pytest.fixture(scope="module")
def seed003() -> list[NarrativeFact]:
    from worker.formats.text import read_text

    return parse_narrative(read_text((SAMPLES / "003_10d8e44b991496ab.txt").read_text("utf-8")))


def test_seed_003_final_account_phrasing(seed003: list[NarrativeFact]) -> None:
    items = [f for f in seed003 if f.subject == "function" and f.budget is not None]
    assert len(items) == 13  # the thirteen 项 of 五（三）
    first = items[0]
    assert first.name == "一般公共服务/宣传事务/机关服务"
    assert (first.budget.wan, first.actual.wan, first.rate_pct) == (
        Decimal("11.40"),
        Decimal("9.00"),
        Decimal("78.95"),
    )
    theme = [f for f in seed003 if f.subject == "named_project" and f.name == "网络主题宣传"]
    assert theme and theme[0].actual.wan == Decimal("6") and theme[0].rate_pct == Decimal("100.00")
    [graded] = [f for f in seed003 if f.count == 14]
    assert graded.grade_counts == {"优": 9, "良": 2, "中": 0, "差": 1}
    classes = [f for f in seed003 if f.subject == "function" and f.share_pct is not None]
    assert [f.share_pct for f in classes] == [
        Decimal(x) for x in ("41.82", "33.34", "18.20", "3.70", "2.94")
    ]


def test_seed_001_budget_phrasing() -> None:
    from worker.formats.text import read_text

    facts = parse_narrative(read_text((SAMPLES / "001_f525e4192ca00c01.txt").read_text("utf-8")))
    by = {(f.subject, f.amount.wan if f.amount else None) for f in facts}
    assert ("income.total", Decimal("423.06")) in by
    assert ("income.general_budget", Decimal("423.06")) in by
    assert ("personnel", Decimal("233.32")) in by and ("public", Decimal("38.30")) in by
    assert ("admin_cost", Decimal("38.30")) in by
    grand = [f for f in facts if f.subject == "grand_total" and f.change is not None]
    assert grand and grand[0].change.wan == Decimal("37.50")
