"""The canonical extraction result: a document, its tables, rows and values.

Every stored result, export column, LLM JSON schema and UI column derives from these models.
Pages are 1-based (as a PDF viewer numbers them); bboxes are PDF points in that page's
coordinates (x0, y0, x1, y1, origin top-left as PyMuPDF reports them).
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from schemas.common import ValueStatus
from schemas.geometry import BBox
from schemas.narrative import NarrativeFact
from schemas.performance import SectionResult


class DocType(StrEnum):
    budget = "budget"
    final_account = "final_account"


class Unit(StrEnum):
    wan = "万元"
    yuan = "元"

    def to_wan(self, value: Decimal) -> Decimal:
        """`value` printed in this unit, in 万元 (the unit of every `Value.wan`)."""
        return value / _YUAN_PER_WAN if self is Unit.yuan else value


_YUAN_PER_WAN = Decimal(10000)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Value(_Model):
    """One printed number, with where it was printed."""

    raw: str = Field(description="The cell text as printed / 单元格原文")
    value: Decimal | None = Field(
        default=None, description="Parsed number in the table's own unit; None for a blank cell"
    )
    wan: Decimal | None = Field(default=None, description="The number normalized to 万元")
    page: int | None = Field(default=None, description="1-based page; None where the format has no pages")
    bbox: BBox | None = Field(default=None, description="Cell box in PDF points on that page")
    confidence: float | None = Field(
        default=None, description="OCR confidence 0..1; None for text-layer values"
    )
    status: ValueStatus = ValueStatus.extracted


class Column(_Model):
    key: str = Field(description="Canonical column key (total, basic, project, ...; dotted when grouped)")
    title: str = Field(description="Printed header, multi-row headers joined with '/'")


class Row(_Model):
    code: str | None = Field(default=None, description="Function or economic code, 类/款/项 joined")
    row_code: str | None = Field(
        default=None, description="Canonical key of an uncoded line (e.g. income_total, carryover)"
    )
    name: str = Field(default="", description="Row label as printed")
    level: int | None = Field(default=None, description="0 total, 1 类, 2 款, 3 项")
    values: dict[str, Value] = Field(default_factory=dict, description="Values by column key")
    page: int | None = None
    bbox: BBox | None = None


class Doubt(StrEnum):
    """What the table reader could not resolve about a table's structure (see `Table.doubts`)."""

    kind = "kind"  # which standard table it is: kept as key `unclassified`
    columns = "columns"  # a header not mapped to a column key, two columns on one key, or a
    # header that does not line up with the data under it
    cells = "cells"  # value cells that hold text, not a number
    rows = "rows"  # rows with figures whose subject (code / row_code) is not resolved
    unit = "unit"  # no unit printed for the table (read as 万元)


class TableDoubt(_Model):
    kind: Doubt
    message: str = Field(description="What is unresolved, naming the columns / rows concerned")


UNCLASSIFIED = "unclassified"  # Table.key of a table whose kind could not be told


class Table(_Model):
    """One standard table as printed.

    `doubts` is the reader's verdict on its structure: empty means the column count and header
    mapping are resolved, no 栏次 or header row was read as data and every row with figures has
    its subject. The checks (worker/rules/) let only a table without doubts speak for the
    document: a failed identity on a doubtful table is an extraction finding.
    """

    key: str = Field(
        description="Catalogue key, e.g. income_expenditure_summary; `unclassified` when the "
        "table could not be classified (its rows are kept)"
    )
    title: str = Field(description="Title as printed")
    pages: list[int] = Field(default_factory=list, description="1-based pages the table spans")
    unit: Unit = Unit.wan
    columns: list[Column] = Field(default_factory=list)
    rows: list[Row] = Field(default_factory=list)
    empty: bool = Field(default=False, description="Published as an empty table (空表列示/本表无数据)")
    bbox: BBox | None = None
    doubts: list[TableDoubt] = Field(
        default_factory=list, description="What is unresolved in its structure; empty = sound"
    )

    @property
    def sound(self) -> bool:
        """Structure resolved: its arithmetic may speak for the document."""
        return not self.doubts


class Region(_Model):
    province: str | None = None
    city: str | None = None
    county: str | None = None


class Problem(_Model):
    """Something about the document the pipeline could not do or is unsure of (data, not an error)."""

    stage: str
    message: str
    page: int | None = None


class Document(_Model):
    doc_id: str = Field(description="SHA-256 of the source bytes")
    source_file: str = ""
    department: str | None = None
    region: Region = Field(default_factory=Region)
    fiscal_year: int | None = None
    doc_type: DocType | None = None
    unit: Unit | None = Field(default=None, description="Unit most tables are printed in")
    pages: int = 0
    tables: list[Table] = Field(default_factory=list)
    page_texts: list[str] = Field(default_factory=list, description="Plain text per page")
    page_names: list[str] = Field(
        default_factory=list,
        description="Per page, the name its format gives it: a workbook's sheet names (a sheet is "
                    "a page); empty for PDF, DOCX and text")
    problems: list[Problem] = Field(default_factory=list)
    narrative: list[NarrativeFact] = Field(
        default_factory=list, description="Figures the narrative states (worker/narrative/)"
    )

    sections: list[SectionResult] = Field(
        default_factory=list,
        description="Irregular sections (performance targets, self-evaluation) read by the LLM",
    )

    def table(self, key: str) -> Table | None:
        return next((t for t in self.tables if t.key == key), None)
