"""Canonical Pydantic models: the single source of truth. Imports nothing else of ours."""

from schemas.document import (
    BBox,
    Column,
    DocStatus,
    DocType,
    Document,
    Problem,
    Region,
    Row,
    Table,
    Unit,
    Value,
    ValueStatus,
)
from schemas.findings import Finding, FindingKind, Location, Severity

__all__ = [
    "BBox",
    "Column",
    "DocStatus",
    "DocType",
    "Document",
    "Finding",
    "FindingKind",
    "Location",
    "Problem",
    "Region",
    "Row",
    "Severity",
    "Table",
    "Unit",
    "Value",
    "ValueStatus",
]
