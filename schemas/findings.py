"""Findings: where a document's numbers do not add up, with evidence."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from schemas.document import BBox


class Severity(StrEnum):
    error = "error"
    warning = "warning"
    info = "info"


class FindingKind(StrEnum):
    document = "document"  # the document contradicts itself: a finding for the reviewer
    extraction = "extraction"  # the extraction is wrong: re-extract / re-ask / review


class Location(BaseModel):
    model_config = ConfigDict(extra="forbid")

    table_key: str | None = None
    row_code: str | None = None
    column_key: str | None = None
    page: int | None = Field(default=None, description="1-based page")
    bbox: BBox | None = None
    confidence: float | None = Field(
        default=None,
        description="OCR confidence 0..1 of the cell named; None for text-layer values",
    )
    suspect: bool = Field(
        default=False, description="This cell is the likely misread that explains the finding"
    )


class Finding(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rule_id: str
    severity: Severity = Severity.error
    kind: FindingKind = FindingKind.document
    message: str
    expected: Decimal | None = None
    actual: Decimal | None = None
    difference: Decimal | None = None
    tolerance: Decimal | None = None
    locations: list[Location] = Field(default_factory=list)


def finding_key(f: Finding) -> str:
    """A finding's identity across re-checks and re-runs: its rule and the cells it names
    (table, row label or code, column, page; a narrative figure also its sentence's place) —
    never a position in a list or a database row. A finding that names no cell is told apart
    by its message."""
    cells = sorted({_place(loc) for loc in f.locations})
    return f"{f.rule_id}|{';'.join(cells) if cells else f.message}"


def _place(loc: Location) -> str:
    """A location's part of the identity. A narrative figure is named by subject and field,
    of which a page can state several (two projects' amounts on p.19): its sentence's top
    edge tells them apart (the same for the same file, re-run or not)."""
    place = "/".join(str(p or "") for p in (loc.table_key, loc.row_code, loc.column_key, loc.page))
    if loc.table_key in _SENTENCES and loc.bbox is not None:
        place += f"@{round(loc.bbox[1])}"
    return place


_SENTENCES = {"narrative"}  # Location.table_key of figures read from the text, not a table


def evidence(f: Finding) -> str:
    """What a dismissal was given for: the difference (arithmetic rules) or the message. A
    finding whose evidence changed since (another value, a larger difference) is open again."""
    return str(f.difference) if f.difference is not None else f.message
