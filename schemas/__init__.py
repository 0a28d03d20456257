"""Canonical Pydantic models: the single source of truth. Imports nothing else of ours.

A name is imported from its module on first use, so `from schemas.common import DocStatus` builds
no Pydantic model: a fresh `budgetlens status` needs only the states (tests/test_import_graph.py).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from schemas.common import DocStatus
    from schemas.document import (
        UNCLASSIFIED,
        BBox,
        Column,
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

_MODULE = {
    "DocStatus": "schemas.common",
    **dict.fromkeys(["UNCLASSIFIED", "BBox", "Column", "DocType", "Document", "Doubt", "Problem",
                     "Region", "Row", "Table", "TableDoubt", "Unit", "Value", "ValueStatus"],
                    "schemas.document"),
    **dict.fromkeys(["Finding", "FindingKind", "Location", "Severity"], "schemas.findings"),
}

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


def __getattr__(name: str) -> Any:
    if name not in _MODULE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_MODULE[name]), name)
    globals()[name] = value  # once: later lookups do not come here
    return value
