"""Primitives shared by the document and the performance models (imports nothing of ours)."""

from __future__ import annotations

from enum import StrEnum


class ValueStatus(StrEnum):
    extracted = "extracted"
    corrected = "corrected"
    confirmed = "confirmed"
