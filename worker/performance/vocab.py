"""The form vocabulary (schemas/reference/performance.yaml), typed and looked up by label key."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

from worker.tables.numbers import norm

VOCAB_FILE = Path(__file__).resolve().parents[2] / "schemas" / "reference" / "performance.yaml"
_UNIT_SUFFIX = re.compile(r"(万元|元|%)$")
_BRACKETED = re.compile(r"[（(](?:万元|元|%|\d+分?)[)）]")
_NUMBERING = re.compile(r"^(?:\d+[、.．]|[一二三四五六七八九十]+[、.．]|其中|指标\d*)")


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    indicator_columns: dict[str, list[str]]
    project_fields: dict[str, list[str]]
    group_labels: list[str]
    evaluation_columns: dict[str, list[str]]
    evaluation_total_rows: list[str]
    total_rows: list[str]
    task_columns: dict[str, list[str]]
    task_total_rows: list[str]
    levels: dict[str, list[str]]
    comparators: list[str]
    placeholders: list[str]
    packed_items: str
    code_name: str
    title_project: str
    generic_titles: list[str]
    unit_line: str
    item_separator: str
    name_numbering: str


@dataclass(frozen=True)
class Vocabulary:
    """Label key → field, for each family of labels."""

    indicator: dict[str, str]
    project: dict[str, str]
    group: frozenset[str]  # label keys that only group other labels
    evaluation: dict[str, str]
    evaluation_total_rows: frozenset[str]
    total_rows: frozenset[str]
    task: dict[str, str]  # 年度主要任务 column label key → Task field
    task_total_rows: frozenset[str]
    level1: dict[str, str]  # key → printed 一级指标 name
    level2: dict[str, str]  # key → printed 二级指标 name
    comparators: tuple[str, ...]  # longest first
    placeholders: frozenset[str]  # printed instead of nothing
    packed_items: re.Pattern[str]
    code_name: re.Pattern[str]
    title_project: re.Pattern[str]
    generic_titles: tuple[str, ...]
    unit_line: re.Pattern[str]
    item_separator: re.Pattern[str]
    name_numbering: re.Pattern[str]

    def label(self, text: str) -> bool:
        """Is this cell a form label (of any family)?"""
        k = key(text)
        return bool(k) and (
            k in self.indicator or k in self.project or k in self.evaluation or k in self.level1
        )

    def project_in_title(self, title: str) -> str | None:
        """The project a one-project form's title names ("…保安服务项目绩效目标表"), if any."""
        t = "".join(unicodedata.normalize("NFKC", title).split())
        m = self.title_project.match(t)
        if m is None or any(g in m["name"] for g in self.generic_titles):
            return None
        return m["name"]

    def blank(self, text: str) -> bool:
        """Nothing printed, or a placeholder for nothing ("/", "—")."""
        return not text.strip() or "".join(text.split()) in self.placeholders


def _index(table: dict[str, list[str]]) -> dict[str, str]:
    return {key(alias): field for field, aliases in table.items() for alias in aliases}


@cache
def vocabulary(path: Path = VOCAB_FILE) -> Vocabulary:
    raw = _File.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    level2 = {n for names in raw.levels.values() for n in names}
    return Vocabulary(
        indicator=_index(raw.indicator_columns),
        project=_index(raw.project_fields),
        group=frozenset(map(key, raw.group_labels)),
        evaluation=_index(raw.evaluation_columns),
        evaluation_total_rows=frozenset(map(key, raw.evaluation_total_rows)),
        total_rows=frozenset(map(key, raw.total_rows)),
        task=_index(raw.task_columns),
        task_total_rows=frozenset(map(key, raw.task_total_rows)),
        level1={key(n): n for n in raw.levels},
        level2={key(n): n for n in level2},
        comparators=tuple(sorted(raw.comparators, key=len, reverse=True)),
        placeholders=frozenset(raw.placeholders),
        packed_items=re.compile(raw.packed_items),
        code_name=re.compile(raw.code_name, re.S),
        title_project=re.compile(raw.title_project),
        generic_titles=tuple(raw.generic_titles),
        unit_line=re.compile(raw.unit_line),
        item_separator=re.compile(raw.item_separator),
        name_numbering=re.compile(raw.name_numbering),
    )


@cache
def key(text: str) -> str:
    """A label's lookup key: `norm` (NFKC, no spaces, brackets or colons), without a leading
    numbering or 其中 and without a trailing unit ("项目资金（万元）" → "项目资金")."""
    s = _BRACKETED.sub("", unicodedata.normalize("NFKC", text)).strip()
    s = norm(_NUMBERING.sub("", s))  # numbering before norm drops its 、
    s = _NUMBERING.sub("", s)
    return _UNIT_SUFFIX.sub("", s) if len(s) > 3 else s
