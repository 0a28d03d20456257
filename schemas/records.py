"""What the store returns: document records and audit entries (read models for CLI and UI)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from schemas.document import DocStatus


class FileKind(StrEnum):
    """The file types budgetlens reads, by the name stored with each document."""

    pdf = "pdf"
    docx = "docx"
    txt = "txt"


class DocumentRecord(BaseModel):
    doc_id: str
    source_file: str
    kind: FileKind = Field(description="pdf | docx | txt")
    size: int
    status: DocStatus
    error: str | None = None
    department: str | None = None
    region: str | None = None
    fiscal_year: int | None = None
    doc_type: str | None = None
    unit: str | None = None
    pages: int | None = None
    n_findings: int = 0
    version: int = Field(1, description="Bumped on every write; reviewers' edits check it")
    attempts: int = 0
    seconds: float | None = Field(None, description="Wall time of the last extraction")
    created_at: datetime
    updated_at: datetime


class AuditEntry(BaseModel):
    id: int
    doc_id: str
    user: str
    at: datetime
    action: str = Field(description="submit | correct | confirm_table | confirm | requeue | ...")
    target: str | None = Field(None, description="table_key/row/column for a correction")
    old: str | None = None
    new: str | None = None
    detail: dict[str, Any] = Field(default_factory=dict)
