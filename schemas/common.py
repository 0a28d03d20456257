"""Primitives shared by the document and the performance models (imports nothing of ours, and
no Pydantic: `budgetlens status` counts documents and sections by these states without loading
a model)."""

from __future__ import annotations

from enum import StrEnum


class ValueStatus(StrEnum):
    extracted = "extracted"
    corrected = "corrected"
    confirmed = "confirmed"


class DocStatus(StrEnum):
    queued = "queued"
    running = "running"
    extracted = "extracted"
    needs_review = "needs_review"
    confirmed = "confirmed"
    failed = "failed"


class SectionStatus(StrEnum):
    ok = "ok"
    needs_review = "needs_review"
    pending = "pending"  # no endpoint, endpoint down, or token budget spent: requeue later
