"""Performance targets (绩效目标) and self-evaluation (绩效自评): what the LLM extracts from the
irregular sections, and the section / result records around it.

The field descriptions are the model's instructions (they go into the JSON schema it is given),
so they say in Chinese and English what to copy and how. Every number is copied as printed, in
the section's own unit: grounding compares it with the section text, never converts it.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from schemas.common import SectionStatus, ValueStatus
from schemas.geometry import BBox


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Ground(StrEnum):
    """How a string field is grounded (numbers always are: they must be printed in the section)."""

    text = "text"  # must occur in the section text (after normalization)
    project = "project"  # must name a project the document names


Verbatim = Annotated[str, Ground.text]
MaybeVerbatim = Annotated[str | None, Ground.text]
# Nullable though required: an ungrounded name is dropped like any value, keeping the project's
# grounded code and amounts for the reviewer.
ProjectName = Annotated[str | None, Ground.project]

# --- what the model returns ------------------------------------------------------------------

Num = Decimal | None


class Indicator(_Model):
    """One row of a 绩效指标 table."""

    level1: MaybeVerbatim = Field(
        None, description="一级指标，如 产出指标/效益指标/满意度指标 / first-level indicator"
    )
    level2: MaybeVerbatim = Field(
        None, description="二级指标，如 数量指标/质量指标/时效指标 / second-level indicator"
    )
    name: Verbatim = Field(
        description="三级指标名称，照抄原文 / third-level indicator name, verbatim"
    )
    description: str | None = Field(
        None, description="绩效指标描述（如有） / indicator description if printed"
    )
    value: MaybeVerbatim = Field(
        None,
        description="指标值，照抄原文含符号和单位，如 ≥98%、>30个、5-10月 / target value verbatim",
    )
    comparator: MaybeVerbatim = Field(
        None,
        description="指标性质/指标值类型（单列印出时），如 ≥、＝、定性 / comparator when printed "
        "in its own column",
    )
    unit: MaybeVerbatim = Field(
        None, description="度量单位/计量单位（单列印出时），如 %、次 / unit in its own column"
    )
    basis: str | None = Field(
        None, description="指标值确定依据，如 历史指标/工作计划 / basis of the target value"
    )
    actual: MaybeVerbatim = Field(
        None, description="实际完成值（仅自评表） / actual value achieved (self-evaluation only)"
    )
    weight: Num = Field(None, description="分值（仅自评表） / points available (self-evaluation)")
    score: Num = Field(None, description="得分（仅自评表） / points scored (self-evaluation)")
    deviation: str | None = Field(
        None, description="偏差原因分析及改进措施（仅自评表） / reason for a deviation"
    )


class Task(_Model):
    name: Verbatim = Field(description="任务名称 / task name, verbatim")
    content: str | None = Field(None, description="主要内容 / main content")


class DepartmentTargets(_Model):
    """部门整体绩效目标表: the department's overall targets for the year."""

    department: MaybeVerbatim = Field(None, description="部门(单位)名称 / department name")
    annual_goal: str | None = Field(None, description="年度履职目标 / annual mission goal text")
    tasks: list[Task] = Field(default_factory=list, description="年度主要任务 / main tasks")
    budget_total: Num = Field(None, description="部门预算总额 / total budget, as printed")
    budget_basic: Num = Field(None, description="基本支出 / basic expenditure, as printed")
    budget_project: Num = Field(None, description="项目支出 / project expenditure, as printed")
    indicators: list[Indicator] = Field(default_factory=list, description="绩效指标 / indicators")


class SchedulePoint(_Model):
    period: Verbatim = Field(
        description="资金支出计划的时点，如 3月底 / point in the spending plan"
    )
    percent: Num = Field(None, description="累计支出进度百分数，如 25 表示25% / cumulative percent")


class ProjectTarget(_Model):
    """One project's 项目绩效目标表 (or its narrative equivalent)."""

    # Required (code and amount may be null), in the order the forms print them: constrained
    # decoders emit required keys first, and a small model copies in reading order.
    code: MaybeVerbatim = Field(description="项目编码/项目编号，无则 null / project code or null")
    name: ProjectName = Field(description="项目名称，照抄原文 / project name, verbatim")
    amount: Num = Field(description="项目金额/预算数/资金总额，照印 / project amount as printed")
    fiscal_amount: Num = Field(
        None, description="其中财政资金/政府预算资金 / of which fiscal funds, as printed"
    )
    other_amount: Num = Field(None, description="其他资金/单位资金 / other funds, as printed")
    purpose: str | None = Field(None, description="预算资金用途 / what the money is for")
    schedule: list[SchedulePoint] = Field(
        default_factory=list, description="资金支出计划 / spending schedule"
    )
    goal: str | None = Field(None, description="绩效目标（文字） / performance goal text")
    indicators: list[Indicator] = Field(default_factory=list, description="绩效指标 / indicators")


class ProjectTargets(_Model):
    """A 项目绩效目标表 section: one or more projects."""

    # required and non-empty: the section exists because a project is printed in it
    projects: list[ProjectTarget] = Field(min_length=1, description="项目 / projects")


class TargetItem(_Model):
    """One item of a narrative 绩效目标 section (分项绩效目标)."""

    title: str | None = Field(None, description="分项标题或项目名称 / item heading or project")
    goal: str | None = Field(None, description="绩效目标：后的文字 / text after 绩效目标：")
    indicators: str | None = Field(None, description="绩效指标：后的文字 / text after 绩效指标：")
    values: list[Verbatim] = Field(
        default_factory=list,
        description="文中的量化指标值，照抄，如 不少于5次、90%以上 / quantified targets verbatim",
    )


class NarrativeTargets(_Model):
    overall_goal: str | None = Field(None, description="总体绩效目标 / overall goal text")
    items: list[TargetItem] = Field(default_factory=list, description="分项绩效目标 / items")


class GradeCounts(_Model):
    """自评结果的等级分布: 对N个项目开展绩效自评，其中 优 a 个、良 b 个、中 c 个、差 d 个."""

    evaluated: int | None = Field(None, description="开展自评的项目个数 / projects evaluated")
    excellent: int | None = Field(None, description="评价等级为“优”的项目个数 / graded 优")
    good: int | None = Field(None, description="评价等级为“良”的项目个数 / graded 良")
    fair: int | None = Field(None, description="评价等级为“中”的项目个数 / graded 中")
    poor: int | None = Field(None, description="评价等级为“差”的项目个数 / graded 差")


class ProjectEvaluation(_Model):
    """One project's (or the department's) self-evaluation."""

    name: ProjectName = Field(description="项目名称，照抄原文 / project name, verbatim")
    initial_budget: Num = Field(None, description="年初预算数 / budget at start of year")
    full_year_budget: Num = Field(None, description="全年预算数 / full-year budget")
    actual: Num = Field(None, description="全年执行数 / full-year spending")
    rate: Num = Field(None, description="执行率，百分数，如 90.43 / execution rate in percent")
    weight: Num = Field(None, description="预算执行的分值 / points for budget execution")
    execution_score: Num = Field(
        None, description="预算执行的得分 / points scored for budget execution"
    )
    score: Num = Field(None, description="自评得分或总分 / self-evaluation score")
    grade: str | None = Field(None, description="评价等级，如 优、良 / grade if printed")
    problems: str | None = Field(None, description="发现的主要问题及原因 / problems found")
    measures: str | None = Field(None, description="下一步改进措施 / improvement measures")
    indicators: list[Indicator] = Field(default_factory=list, description="绩效指标 / indicators")


class SelfEvaluation(_Model):
    """绩效自评: tables (部门整体/项目支出绩效自评表) or the narrative 自评结果."""

    grade_counts: list[GradeCounts] = Field(
        default_factory=list, description="等级分布（每句一条） / grade counts, one per sentence"
    )
    projects: list[ProjectEvaluation] = Field(default_factory=list, description="项目 / projects")


# --- sections and results --------------------------------------------------------------------


class SectionKind(StrEnum):
    department_targets = "department_targets"  # 部门整体绩效目标表
    project_targets = "project_targets"  # 项目绩效目标表
    narrative_targets = "narrative_targets"  # narrative 绩效目标 / 绩效指标
    self_evaluation = "self_evaluation"  # 绩效自评表 / narrative 自评结果


class PrintedProject(_Model):
    """One project (or the department) as a deterministic reader read it in a section."""

    name: str | None = Field(None, description="项目名称 as the reader read it")
    figures: dict[str, Decimal] = Field(
        default_factory=dict,
        description="Field of the LLM's schema (amount, actual, rate, budget_total …) → the "
        "number the reader read for it, as printed",
    )


class Section(_Model):
    """A part of a document sent to the LLM on its own."""

    section_id: str = Field(description="Stable within the document: kind + ordinal")
    kind: SectionKind
    title: str = Field(description="Heading or table title as printed")
    text: str = Field(description="The section's text: what the model sees and what grounds it")
    pages: list[int] = Field(default_factory=list, description="1-based pages; empty if unpaged")
    reason: str = Field(description="Why it goes to the LLM (irregular layout, narrative, ...)")
    expected_indicators: int | None = Field(
        None, description="Indicator rows the chunker counted; None where it cannot tell"
    )
    printed: list[PrintedProject] = Field(
        default_factory=list,
        description="What the deterministic readers (performance tables, narrative sentences) "
        "read in the same blocks: an LLM answer contradicting it goes to review",
    )


class Source(StrEnum):
    parser = "parser"  # the deterministic reader (worker/performance/)
    llm = "llm"


class Scope(StrEnum):
    department = "department"  # 部门整体
    project = "project"


class Where(_Model):
    """Where one value of `SectionResult.data` is printed, and its review state."""

    page: int | None = Field(None, description="1-based page; None where the format has none")
    bbox: BBox | None = Field(None, description="Cell box in PDF points on that page")
    status: ValueStatus = ValueStatus.extracted


class CallRecord(_Model):
    """One HTTP call to the endpoint (re-asks and retries are calls of their own)."""

    model: str
    tokens_in: int = 0
    tokens_out: int = 0
    latency_s: float = 0.0
    outcome: str = Field(description="ok | invalid (re-asked) | http_<status> | timeout | error")


class Usage(_Model):
    calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    latency_s: float = 0.0
    cached: bool = Field(False, description="Served from the cache: no call made")

    def add(self, call: CallRecord) -> None:
        self.calls += 1
        self.tokens_in += call.tokens_in
        self.tokens_out += call.tokens_out
        self.latency_s += call.latency_s


class SectionResult(_Model):
    section_id: str
    kind: SectionKind
    title: str = Field("", description="Heading or table title as printed")
    scope: Scope | None = Field(None, description="部门整体 or project (tables); None for prose")
    source: Source = Source.llm
    pages: list[int] = Field(default_factory=list)
    status: SectionStatus
    reasons: list[str] = Field(default_factory=list, description="Why review / pending")
    data: dict | None = Field(None, description="The validated model (DepartmentTargets, ...)")
    dropped: list[str] = Field(
        default_factory=list, description="Values kept out because the source does not hold them"
    )
    where: dict[str, Where] = Field(
        default_factory=dict,
        description="Page, box and review state of each value, by its dotted path in `data` "
        "(projects.0.indicators.2.value)",
    )
    amount_unit: str = Field("万元", description="Unit the section prints its amounts in (万元 | 元)")
    agreement: Agreement | None = Field(
        None, description="Parser and LLM both read this section: how far they agree"
    )
    model: str | None = None
    prompt_version: str | None = None
    usage: Usage = Field(default_factory=Usage)


class Agreement(_Model):
    """The deterministic reader and the LLM on one section, value by value."""

    compared: int = Field(0, description="Values both printed a reading of")
    agreed: int = 0
    differences: list[str] = Field(default_factory=list, description="path: parser ≠ llm")
    accepted: Source = Field(Source.parser, description="Whose reading the result keeps")
