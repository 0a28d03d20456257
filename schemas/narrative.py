"""Figures the narrative sections state: amounts, shares, year-on-year changes, rates, counts.

One `NarrativeFact` per subject mention in a sentence ("基本支出500.75万元，占72.46%" is one fact
with an amount and a share). Subject keys come from `schemas/reference/narrative_subjects.yaml`.
Percentages keep the precision they were printed with (Decimal("75") vs Decimal("75.00")) because
the checks derive their rounding tolerance from it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.geometry import BBox

UnitText = Literal["万元", "元", "亿元"]  # schemas.document.Unit, and 亿元 (narratives only)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Amount(_Model):
    """A money amount as the sentence prints it, normalized to 万元."""

    raw: str = Field(description="The number as printed, without unit, e.g. '691.05'")
    value: Decimal = Field(description="The number in the printed unit (precision kept)")
    unit: UnitText = Field(description="Unit printed after the number")
    wan: Decimal = Field(description="The amount in 万元")


class NarrativeFact(_Model):
    subject: str = Field(
        description="Canonical subject key (e.g. income_grand_total, basic, sangong.reception, "
        "function, project); 'unknown' when the phrase matches nothing in the vocabulary"
    )
    subject_text: str = Field(default="", description="The subject phrase as printed")
    section: str | None = Field(default=None, description="The heading the sentence sits under")
    scope: str | None = Field(
        default=None,
        description="Section context from the nearest heading (general_budget, fiscal, …)",
    )
    name: str | None = Field(
        default=None,
        description="Function item path ('一般公共服务/宣传事务/机关服务') or project name",
    )
    code: str | None = Field(
        default=None,
        description="Function code of a 类/款/项 subject, when printed ('204-公共安全支出') or "
        "known from the class name",
    )
    amount: Amount | None = Field(default=None, description="The amount stated for the subject")
    share_pct: Decimal | None = Field(default=None, description="Share in percent ('占72.46%')")
    share_of: str | None = Field(
        default=None, description="Subject key of the whole the share refers to"
    )
    change: Amount | None = Field(
        default=None, description="Year-on-year change, negative for 减少/下降"
    )
    growth_pct: Decimal | None = Field(
        default=None, description="Year-on-year growth in percent, negative for 下降"
    )
    budget: Amount | None = Field(default=None, description="年初预算(数)")
    full_year_budget: Amount | None = Field(default=None, description="全年预算数 (adjusted)")
    actual: Amount | None = Field(default=None, description="决算数 / 全年执行数")
    rate_pct: Decimal | None = Field(
        default=None, description="完成(年初)预算的 / (预算)执行率, in percent"
    )
    score: Decimal | None = Field(default=None, description="自评得分")
    count: int | None = Field(default=None, description="Number of projects the sentence states")
    grade_counts: dict[str, int] = Field(
        default_factory=dict, description="Projects per 评价等级 (优/良/中/差)"
    )
    parent: int | None = Field(
        default=None,
        description="Index (in the same list) of the whole this fact is '其中' a part of",
    )
    sentence: str = Field(default="", description="The sentence the figures were read from")
    page: int | None = Field(
        default=None, description="1-based page; None where there are no pages"
    )
    bbox: BBox | None = None
