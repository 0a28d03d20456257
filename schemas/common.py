"""Primitives shared by the document and the performance models (imports nothing of ours)."""

from __future__ import annotations

from enum import StrEnum

# PDF points on the value's page (x0, y0, x1, y1), origin top-left as PyMuPDF reports them.
BBox = tuple[float, float, float, float]


class ValueStatus(StrEnum):
    extracted = "extracted"
    corrected = "corrected"
    confirmed = "confirmed"
