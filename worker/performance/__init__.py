"""The deterministic reader of performance tables: 绩效目标表 (department-wide and per project)
and 绩效自评表, read into the same models the LLM fills (schemas/performance.py), marked
`source=parser`, with page and box for every value.

    read_section(kind, title, blocks, section_id=...) -> SectionResult | str

A string is why the reader cannot map the section (no indicator header, no indicator rows): the
section then goes to the LLM with that reason. A form printed empty (the header and its 一级/二级
rows, no 三级指标 or 指标值: worker/performance/blank.py) is a result without data, its reason
`EMPTY_FORM`: recorded, and nothing for the LLM. A reading that breaks its own identities (worker/
performance/checks.py) comes back `needs_review` with the reasons; the runtime may have the LLM
re-read it (worker/llm/reread.py). The vocabulary is data: schemas/reference/performance.yaml.
"""

from __future__ import annotations

import re

from schemas.performance import (
    Scope,
    SectionKind,
    SectionResult,
    SectionStatus,
    Source,
)
from worker.layout import Block, TextBlock
from worker.performance.blank import blank_form
from worker.performance.build import build
from worker.performance.checks import problems
from worker.performance.grid import GCell, rows_of
from worker.performance.packed import unpack
from worker.performance.reader import Item, Record, read_records
from worker.performance.split import split_items
from worker.performance.vocab import Vocabulary, vocabulary

__all__ = ["EMPTY_FORM", "read_section", "scope_of"]

EMPTY_FORM = "空表：印有指标表头及一级/二级指标，未填写三级指标和指标值"

_YUAN = re.compile(r"单位[:：]\s*元|[(（]元[)）]")
_DEPARTMENT = re.compile(r"整体")


def scope_of(kind: SectionKind, title: str) -> Scope:
    if kind == SectionKind.department_targets or _DEPARTMENT.search(title):
        return Scope.department
    return Scope.project


def amount_unit(title: str, blocks: list[Block]) -> str:
    """元 when the section says so (单位：元, 金额（元）), else 万元."""
    texts = [title] + [b.text for b in blocks if isinstance(b, TextBlock)]
    return "元" if any(_YUAN.search(t) for t in texts) else "万元"


def _name_outside(
    kind: SectionKind, title: str, blocks: list[Block], records: list[Record],
    pages: list[int] | None, vocab: Vocabulary,
) -> None:
    """A form printing no name cell: a one-project form takes the project its title names
    (泉州 "…保安服务项目绩效目标表"), a department-wide one the unit its 单位名称: line names."""
    if not records or "name" in records[0].fields:
        return
    if kind == SectionKind.department_targets:
        for b in blocks:
            if isinstance(b, TextBlock) and (m := vocab.unit_line.match(b.text.strip())):
                records[0].put("name", Item(m["name"], GCell(m["name"], b.page, b.bbox)))
                return
    elif kind == SectionKind.project_targets and len(records) == 1 and (
        name := vocab.project_in_title(title)
    ):
        page = pages[0] - 1 if pages else None  # the title has no cell: its page, no box
        records[0].put("name", Item(name, GCell(title, page, None)))


def read_section(
    kind: SectionKind,
    title: str,
    blocks: list[Block],
    *,
    section_id: str,
    pages: list[int] | None = None,
    expected: int | None = None,
) -> SectionResult | str:
    vocab = vocabulary()
    rows = unpack(rows_of(blocks), vocab)
    records = read_records(rows, vocab)
    for record in records:
        record.indicators = split_items(record.indicators, vocab)
    if not any(r.indicators for r in records):
        if not blank_form(rows, vocab):
            return "the reader found no indicator rows under a 三级指标 / 指标值 header"
        return SectionResult(
            section_id=section_id, kind=kind, title=title, scope=scope_of(kind, title),
            source=Source.parser, pages=pages or [], status=SectionStatus.ok,
            reasons=[EMPTY_FORM], amount_unit=amount_unit(title, blocks),
        )
    # a record without indicator rows is a summary line (合计, the unit's own row) or a form
    # with no table under it: nothing to keep
    records = [r for r in records if r.indicators]
    _name_outside(kind, title, blocks, records, pages, vocab)
    model, where = build(kind, records)
    reasons = problems(kind, model, expected)
    return SectionResult(
        section_id=section_id,
        kind=kind,
        title=title,
        scope=scope_of(kind, title),
        source=Source.parser,
        pages=pages or [],
        status=SectionStatus.needs_review if reasons else SectionStatus.ok,
        reasons=reasons,
        data=model.model_dump(mode="json"),
        where=where,
        amount_unit=amount_unit(title, blocks),
    )
