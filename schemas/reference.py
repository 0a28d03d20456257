"""Reference data for reading the standard tables: table titles, column headers, row labels,
function and economic codes, units. The data lives in `schemas/reference/*.yaml`; this module
only types and loads it (once per process)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

REFERENCE_DIR = Path(__file__).parent / "reference"


class _Ref(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TableRule(_Ref):
    key: str
    standard: bool = True
    all: list[list[str]] = Field(default_factory=list, description="Every group needs one hit")
    none: list[str] = Field(default_factory=list)
    exact: list[str] = Field(default_factory=list, description="Whole normalized titles")
    examples: list[str] = Field(default_factory=list)
    row_codes: list[str] = Field(
        default=["2"],
        description="Leading digits of the code that names a row, most wanted first, where a "
        "row prints several code-name labels (function 2xx | economic 5xx | 3xx)",
    )


class TableCatalogue(_Ref):
    title_must_contain: list[str]
    title_max_chars: int
    not_a_title: list[str]
    not_a_title_unless_table: list[str] = Field(default_factory=list)
    rules: list[TableRule]
    empty_markers: list[str]
    caption_markers: list[str]


class RoleAliases(_Ref):
    aliases: list[str] = Field(default_factory=list)
    contains: list[str] = Field(default_factory=list)


class ValueKey(_Ref):
    aliases: list[str]
    total: bool = False
    neutral: bool = False
    prefix: bool = False
    beside_total: str = ""  # a total beside this group covers more: it is renamed so (columns.yaml)
    of_group: bool = False  # under a value group it is the group's own figure (see columns.yaml)
    dotted: str = ""  # a part printed under a group, spelled <group>.<dotted> (see columns.yaml)
    alone: bool = False
    money: bool = True


class ColumnVocabulary(_Ref):
    roles: dict[str, RoleAliases]
    values: dict[str, ValueKey]


class RowVocabulary(_Ref):
    income_side: dict[str, list[str]]
    expenditure_side: dict[str, list[str]]
    any: dict[str, list[str]]
    by_table: dict[str, dict[str, list[str]]] = Field(default_factory=dict)
    demote: dict[str, str]
    section_prefix: dict[str, str]
    resets_section: list[str]
    table_sides: dict[str, str] = Field(default_factory=dict)
    drop_suffixes: list[str] = Field(default_factory=list)
    section_endings: list[str] = Field(default_factory=list)
    unit_names: UnitNames


class UnitNames(_Ref):
    """How an uncoded line naming a unit is told from a project or subject: a place within its
    first characters and an organisation word at its end (a closing remark left aside)."""

    place_within: int
    places: list[str]
    endings: list[str]


class CodeNames(_Ref):
    classes: dict[str, list[str] | str]
    items: dict[str, str]

    def class_names(self) -> dict[str, list[str]]:
        return {c: [n] if isinstance(n, str) else n for c, n in self.classes.items()}


class UnitPattern(_Ref):
    regex: str
    unit: str


class UnitPatterns(_Ref):
    patterns: list[UnitPattern]


class CharFold(_Ref):
    fold: dict[str, str]


def _load(name: str) -> dict:
    with (REFERENCE_DIR / f"{name}.yaml").open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@cache
def table_catalogue() -> TableCatalogue:
    return TableCatalogue.model_validate(_load("tables"))


@cache
def table_rule(key: str) -> TableRule | None:
    return next((r for r in table_catalogue().rules if r.key == key), None)


@cache
def column_vocabulary() -> ColumnVocabulary:
    return ColumnVocabulary.model_validate(_load("columns"))


@cache
def row_vocabulary() -> RowVocabulary:
    return RowVocabulary.model_validate(_load("rows"))


@cache
def function_codes() -> CodeNames:
    return CodeNames.model_validate(_load("function_codes"))


@cache
def economic_codes() -> CodeNames:
    return CodeNames.model_validate(_load("economic_codes"))


@cache
def unit_patterns() -> UnitPatterns:
    return UnitPatterns.model_validate(_load("units"))


@cache
def char_fold() -> dict[str, str]:
    return CharFold.model_validate(_load("chars")).fold
