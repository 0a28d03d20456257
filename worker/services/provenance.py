"""Who reviewed each value and what it read before the reviewer changed it, from the audit log:
the export's review columns (`original, reviewer, reviewed_at`).

    corrected   original = what the first correction replaced (the value as extracted, "" for a
                cell that was blank); reviewer and time of the last correction
    confirmed   reviewer and time of the confirmation that covered it: the value's own
                (confirm_value), else its table's (confirm_table), else the document's (confirm);
                the earliest of that kind (a value confirmed stays confirmed through a reopen)
    extracted   blank

Values are found by the audit entry's target, as the review service writes it:
`table_key/row label/column` for a cell, `section_id/path` for a target or self-evaluation
value (worker/services/review.py, worker/services/edits.py).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from schemas import DocStatus, Row, ValueStatus
from schemas.records import AuditEntry

_NONE: dict[str, Any] = {"original": None, "reviewer": None, "reviewed_at": None}


class Ledger:
    """A document's audit log indexed by the value each entry reviewed."""

    def __init__(self, audit: list[AuditEntry]) -> None:
        self._corrections: dict[str, list[AuditEntry]] = defaultdict(list)
        self._confirmations: dict[str, list[AuditEntry]] = defaultdict(list)
        self._document: list[AuditEntry] = []
        for e in audit:
            status = (e.detail.get("edit") or {}).get("status") if e.action == "section_value" \
                else None
            if e.action == "correct" or status == ValueStatus.corrected.value:
                self._corrections[e.target or ""].append(e)
            elif e.action in ("confirm_value", "confirm_table") or status == "confirmed":
                self._confirmations[e.target or ""].append(e)
            elif e.action == "confirm":
                self._document.append(e)

    def cell(self, table_key: str, row: Row, column: str, status: str) -> dict[str, Any]:
        """The review columns of one table value (`status` as exported)."""
        target = cell_target(table_key, row, column)
        return self._review(status, target, table_key)

    def section(self, section_id: str, path: str | None, status: str) -> dict[str, Any]:
        """The review columns of a target / self-evaluation value at `path` of its section."""
        return self._review(status, f"{section_id}/{path}" if path else None, None)

    def _review(self, status: str, target: str | None, table_key: str | None) -> dict[str, Any]:
        if status == ValueStatus.corrected.value:
            fixes = self._corrections.get(target or "")
            if not fixes:
                return _NONE
            return {"original": fixes[0].old or "", **_who(fixes[-1])}
        if status == ValueStatus.confirmed.value:
            for entries in (self._confirmations.get(target or ""),
                            self._confirmations.get(table_key or ""), self._document):
                if entries:
                    return {"original": None, **_who(entries[0])}
        return _NONE


def reviewed_status(status: ValueStatus, doc_status: DocStatus) -> str:
    """A value's status as exported: what the reviewer made of it; a value nobody touched in a
    confirmed document was vouched for by the document's confirmation."""
    if status == ValueStatus.extracted and doc_status == DocStatus.confirmed:
        return ValueStatus.confirmed.value
    return status.value


def cell_target(table_key: str, row: Row, column: str) -> str:
    """The audit target of a cell: what `review.correct` and `review.confirm_value` write."""
    return f"{table_key}/{row.code or row.row_code or row.name}/{column}"


def _who(e: AuditEntry) -> dict[str, Any]:
    return {"reviewer": e.user, "reviewed_at": e.at.isoformat()}


__all__ = ["Ledger", "cell_target", "reviewed_status"]
