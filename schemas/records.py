"""What the store returns: document records and audit entries (read models for CLI and UI)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from schemas.common import DocStatus
from schemas.findings import Finding, evidence, finding_key


class FileKind(StrEnum):
    """The file types budgetlens reads, by the name stored with each document."""

    pdf = "pdf"
    docx = "docx"
    xlsx = "xlsx"
    xls = "xls"
    txt = "txt"


class DocumentRecord(BaseModel):
    doc_id: str
    source_file: str
    kind: FileKind = Field(description="pdf | docx | xlsx | xls | txt")
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


class DismissReason(StrEnum):
    """Why a reviewer set a finding aside (labels: the UI's locale files)."""

    document_says_so = "document_says_so"  # 文件确实如此: the document really prints it
    extraction_fixed = "extraction_fixed"  # 提取错误，已改正: the values were corrected
    rounding = "rounding"  # 可容忍的舍入差: a rounding difference the reviewer tolerates
    other = "other"  # the note says why


class Dismissal(BaseModel):
    """A reviewer's decision that a finding needs no further action, kept by the finding's
    identity (`schemas.findings.finding_key`), so it outlives re-checks and re-runs."""

    doc_id: str
    key: str = Field(description="finding_key: rule id + the cells the finding names")
    rule_id: str
    reason: DismissReason
    note: str = Field("", description="The reviewer's free note (required for `other`)")
    evidence: str = Field(description="The finding's difference (or message) when dismissed")
    message: str = Field("", description="The finding's message when dismissed")
    user: str
    at: datetime

    def covers(self, finding: Finding) -> bool:
        """Still the finding that was dismissed: same identity, same evidence."""
        return self.key == finding_key(finding) and self.evidence == evidence(finding)


def dismissal_of(finding: Finding, dismissals: dict[str, Dismissal]) -> Dismissal | None:
    """The dismissal that covers this finding, if any (`dismissals` by key)."""
    d = dismissals.get(finding_key(finding))
    return d if d is not None and d.covers(finding) else None


def open_findings(findings: list[Finding], dismissals: dict[str, Dismissal]) -> list[Finding]:
    return [f for f in findings if dismissal_of(f, dismissals) is None]
