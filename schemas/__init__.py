"""Canonical Pydantic models: the single source of truth. Imports nothing else of ours."""

from schemas.document import (
    UNCLASSIFIED,
    BBox,
    Column,
    DocStatus,
    DocType,
    Document,
    Doubt,
    Problem,
    Region,
    Row,
    Table,
    TableDoubt,
    Unit,
    Value,
    ValueStatus,
)
from schemas.findings import Finding, FindingKind, Location, Severity

__all__ = [
    "UNCLASSIFIED",
    "BBox",
    "Column",
    "DocStatus",
    "DocType",
    "Document",
    "Doubt",
    "Finding",
    "FindingKind",
    "Location",
    "Problem",
    "Region",
    "Row",
    "Severity",
    "Table",
    "TableDoubt",
    "Unit",
    "Value",
    "ValueStatus",
]
