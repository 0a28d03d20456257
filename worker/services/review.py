"""The review service: what a reviewer does to an extracted document, as versioned store writes.

A `Review` is the document as the reviewer saw it (record version, result, findings). Every
action changes a copy, re-runs the checks where values changed, and saves with the version the
reviewer saw, so two reviewers never silently overwrite each other: the second write raises
`VersionConflict` naming who changed the document meanwhile. Each change is one audit entry.

    correct(store, review, edits, user)      values old → new, Value.status = corrected
    confirm_value(store, review, cell, user)  one value checked against the page → confirmed
    confirm_table(store, review, table, user) every extracted value of a table → confirmed
    confirm_document(store, review, user, note)  status confirmed; open errors need a note
    reopen(store, review, user)              a confirmed document back to needs_review
    dismiss(store, review, finding, reason, user, note)  a finding set aside, with why
    reopen_finding(store, review, finding, user)         … and open again

A dismissal is kept by the finding's identity (rule + the cells it names, schemas.findings.
finding_key) in its own table: re-checks and re-runs rewrite the findings, and a finding raised
again with the same evidence is still dismissed; one whose difference changed is open again.

Confirming re-runs the checks too: a confirmed OCR'd number is no longer a low-confidence one
(`unsure`), nor a suspected misread — the reviewer compared it with the scan.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from rq import Queue

from schemas import DocStatus, Document, Finding, Row, Severity, Table, Unit, Value, ValueStatus
from schemas.findings import evidence, finding_key
from schemas.records import Dismissal, DismissReason, DocumentRecord, dismissal_of, open_findings
from worker.errors import InvalidEdit, NotAllowed, VersionConflict
from worker.pipeline.checks import run_checks
from worker.rules import catalogue
from worker.rules.ocr import is_low, threshold
from worker.runtime.queue import enqueue_document
from worker.services.provenance import cell_target
from worker.settings import Settings
from worker.store import Store
from worker.tables.headers import money_column
from worker.tables.numbers import Kind, parse, wan_of

Checks = Callable[[Document], list[Finding]]
ANONYMOUS = "anonymous"
REVIEWABLE = {DocStatus.extracted, DocStatus.needs_review, DocStatus.confirmed}


@dataclass(frozen=True)
class Review:
    record: DocumentRecord
    document: Document
    findings: list[Finding]
    dismissals: dict[str, Dismissal] = field(default_factory=dict)  # by finding key

    def dismissal(self, finding: Finding) -> Dismissal | None:
        return dismissal_of(finding, self.dismissals)

    @property
    def open_findings(self) -> list[Finding]:
        return open_findings(self.findings, self.dismissals)

    @property
    def open_errors(self) -> list[Finding]:
        return [f for f in self.open_findings if f.severity == Severity.error]

    @property
    def doc_id(self) -> str:
        return self.record.doc_id

    @property
    def version(self) -> int:
        return self.record.version


@dataclass(frozen=True)
class Edit:
    """Set one cell to what the page prints. Tables and rows by position: stable per version."""

    table: int
    row: int
    column: str
    new: str


def open_review(store: Store, doc_id: str) -> Review | None:
    """The document as it is now; None when it has no extraction result (yet)."""
    record = store.get(doc_id)
    if record is None or record.status not in REVIEWABLE:
        return None
    document, findings = store.load_result(doc_id)
    if document is None:
        return None
    return Review(record, document, findings, store.dismissals(doc_id))


def recheck(doc: Document) -> list[Finding]:
    """The checks as the worker ran them, with the LLM stage's sections the document carries."""
    return run_checks(doc, sections=doc.sections)


def unsure(value: Value) -> bool:
    """An OCR'd number under the review threshold that no reviewer has corrected or confirmed."""
    return is_low(value, ocr_threshold())


@cache
def ocr_threshold() -> float:
    """The catalogue's low-confidence threshold (worker/rules/ocr.py)."""
    return threshold()


def correct(
    store: Store, review: Review, edits: list[Edit], user: str, checks: Checks = recheck
) -> Review:
    """Apply the reviewer's values, re-run the checks, save. Edits equal to the cell are skipped."""
    _require(user)
    doc = review.document.model_copy(deep=True)
    audit = [entry for edit in edits if (entry := _apply(doc, edit)) is not None]
    if not audit:
        return review
    status = DocStatus.needs_review if review.record.status == DocStatus.confirmed else None
    if status is not None:
        audit.append({"action": "reopen", "detail": {"reason": "corrected after confirmation"}})
    return _save(store, review, doc, checks(doc), user, audit, status)


def confirm_value(
    store: Store, review: Review, cell: Edit, user: str, checks: Checks = recheck
) -> Review:
    """The reviewer compared one cell with the page and it reads right (a low-confidence OCR
    number, say): it stays as read, status confirmed. `cell.new` is ignored."""
    _require(user)
    doc = review.document.model_copy(deep=True)
    table, row = _cell(doc, cell)
    value = row.values.get(cell.column)
    if value is None or value.status != ValueStatus.extracted:
        return review  # blank, or a reviewer already vouched for it
    value.status = ValueStatus.confirmed
    entry = {
        "action": "confirm_value",
        "target": cell_target(table.key, row, cell.column),
        "new": value.raw,
        "detail": {
            "table": cell.table,
            "row": cell.row,
            "column": cell.column,
            "page": value.page,
            "confidence": value.confidence,
        },
    }
    return _save(store, review, doc, checks(doc), user, [entry])


def confirm_table(
    store: Store, review: Review, table: int, user: str, checks: Checks = recheck
) -> Review:
    _require(user)
    doc = review.document.model_copy(deep=True)
    target = _table(doc, table)
    n = _confirm_values(target)
    entry = {
        "action": "confirm_table",
        "target": target.key,
        "detail": {"table": table, "values": n},
    }
    return _save(store, review, doc, checks(doc) if n else review.findings, user, [entry])


def confirm_document(
    store: Store, review: Review, user: str, note: str = "", checks: Checks = recheck
) -> Review:
    """The reviewer vouches that the data match the document as printed. Findings about the
    document itself may stay open (real documents contradict themselves), but with an error
    still open (not dismissed) the reviewer must say why in `note`; both are recorded."""
    _require(user)
    if review.record.status == DocStatus.confirmed:
        raise InvalidEdit("the document is already confirmed", "already_confirmed")
    doc = review.document.model_copy(deep=True)
    n = sum(_confirm_values(t) for t in doc.tables)
    findings = checks(doc) if n else review.findings
    still_open = open_findings(findings, review.dismissals)
    errors = sum(f.severity == Severity.error for f in still_open)
    if errors and not note.strip():
        raise InvalidEdit(
            f"{errors} error finding(s) are still open: dismiss them with a reason, or say in "
            "a note why the document is confirmed anyway", "errors_open", n=errors
        )
    open_by = Counter(f.severity.value for f in still_open)
    detail = {"values": n, "open_findings": dict(open_by), "note": note.strip(),
              "dismissed": len(findings) - len(still_open)}
    entry = {"action": "confirm", "new": note.strip() or None, "detail": detail}
    return _save(store, review, doc, findings, user, [entry], DocStatus.confirmed)


def dismiss(
    store: Store, review: Review, findings: Finding | Sequence[Finding], reason: DismissReason,
    user: str, note: str = "",
) -> Review:
    """Set findings aside (one, or a whole cause at once): the reason, the reviewer's note, who
    and when, one audit entry each."""
    _require(user)
    chosen = [findings] if isinstance(findings, Finding) else list(findings)
    if not chosen:
        return review
    if any(f not in review.findings for f in chosen):
        raise InvalidEdit("that finding is no longer raised; reload the document", "gone")
    if reason == DismissReason.other and not note.strip():
        raise InvalidEdit("say in the note why the finding is dismissed", "note_needed")
    at = datetime.now(UTC)
    ds = [Dismissal(doc_id=review.doc_id, key=finding_key(f), rule_id=f.rule_id, reason=reason,
                    note=note.strip(), evidence=evidence(f), message=f.message, user=user, at=at)
          for f in chosen]
    return _after(store, review, lambda: store.dismiss(ds, review.version))


def reopen_finding(store: Store, review: Review, finding: Finding, user: str,
                   note: str = "") -> Review:
    """A dismissed finding is open again (the dismissal stays in the audit log)."""
    _require(user)
    key = finding_key(finding)
    if key not in review.dismissals:
        raise InvalidEdit("that finding is not dismissed", "not_dismissed")
    return _after(store, review, lambda: store.undismiss(review.doc_id, key, user,
                                                          review.version, note.strip()))


def reopen(store: Store, review: Review, user: str) -> Review:
    _require(user)
    if review.record.status != DocStatus.confirmed:
        raise InvalidEdit("only a confirmed document can be reopened", "not_confirmed")
    return _save(
        store,
        review,
        review.document,
        review.findings,
        user,
        [{"action": "reopen"}],
        DocStatus.needs_review,
    )


def rule_title(rule_id: str, message: str = "") -> str:
    """The rule's Chinese one-liner (the catalogue's `zh`): how a cause is named to a reviewer.
    A rule outside the catalogue is named by its message's lead (the text before '：')."""
    title = _rule_titles().get(rule_id)
    return title or message.split("：", 1)[0] or rule_id


@cache
def _rule_titles() -> dict[str, str]:
    return {r.id: r.zh for r in catalogue()}


def table_confirmed(table: Table) -> bool:
    """Every value of the table was confirmed or corrected by a reviewer."""
    values = [v for row in table.rows for v in row.values.values()]
    return bool(values) and all(v.status != ValueStatus.extracted for v in values)


def needing_review(store: Store) -> list[DocumentRecord]:
    """Documents waiting for a reviewer, most open (not dismissed) findings first, in upload
    order among equals; none that is confirmed or has no open finding."""
    records = store.list(DocStatus.needs_review)
    ids = [r.doc_id for r in records]
    findings, dismissals = store.findings_of(ids), store.dismissals_of(ids)
    n_open = {i: len(open_findings(findings.get(i, []), dismissals.get(i, {}))) for i in ids}
    return sorted((r for r in records if n_open[r.doc_id]), key=lambda r: -n_open[r.doc_id])


def next_needing_review(store: Store, after: str | None = None) -> str | None:
    """The document after `after` in the review order (wrapping around), else the first."""
    ids = [r.doc_id for r in needing_review(store)]
    if after in ids:
        i = ids.index(after)
        ids = ids[i + 1 :] + ids[:i]
    return ids[0] if ids else None


def requeue(store: Store, queue: Queue, settings: Settings, doc_id: str, user: str) -> None:
    """Extract a document again (after a failure, or a fix in the pipeline)."""
    _require(user)
    store.mark_queued(doc_id, user=user, reason=f"requeued by {user}")
    enqueue_document(queue, settings, doc_id)


# -- internals -----------------------------------------------------------------------------


def _require(user: str | None) -> None:
    if not user or user == ANONYMOUS:
        raise NotAllowed("sign in to correct or confirm")


def _table(doc: Document, index: int) -> Table:
    if not 0 <= index < len(doc.tables):
        raise InvalidEdit(f"no table #{index} in this document", "gone")
    return doc.tables[index]


def _confirm_values(table: Table) -> int:
    n = 0
    for row in table.rows:
        for value in row.values.values():
            if value.status == ValueStatus.extracted:
                value.status = ValueStatus.confirmed
                n += 1
    return n


def _cell(doc: Document, edit: Edit) -> tuple[Table, Row]:
    table = _table(doc, edit.table)
    if not 0 <= edit.row < len(table.rows):
        raise InvalidEdit(f"no row #{edit.row} in table {table.key}", "gone")
    row = table.rows[edit.row]
    if edit.column not in row.values and edit.column not in {c.key for c in table.columns}:
        raise InvalidEdit(f"no column {edit.column!r} in table {table.key}", "gone")
    return table, row


def _apply(doc: Document, edit: Edit) -> dict[str, Any] | None:
    """Set the cell; returns its audit entry, or None when the cell already says that."""
    table, row = _cell(doc, edit)
    old = row.values.get(edit.column) or Value(raw="", page=row.page)
    new_raw = edit.new.strip()
    if new_raw == old.raw.strip():
        return None
    row.values[edit.column] = _corrected(old, new_raw, table.unit, edit.column)
    return {
        "action": "correct",
        "target": cell_target(table.key, row, edit.column),
        "old": old.raw,
        "new": new_raw,
        "detail": {
            "table": edit.table,
            "row": edit.row,
            "column": edit.column,
            "page": old.page,
            "old_value": _str(old.value),
            "new_value": _str(row.values[edit.column].value),
        },
    }


def _corrected(old: Value, raw: str, unit: Unit, column: str) -> Value:
    parsed = parse(raw)
    if parsed.kind == Kind.text:
        raise InvalidEdit(f"{raw!r} is not a number (blank, '-' or a number like 1,234.56)",
                          "not_a_number", raw=raw)
    return old.model_copy(
        update={
            "raw": raw,
            "value": parsed.value,
            "wan": wan_of(parsed, unit, money_column(column)),
            "confidence": None,
            "status": ValueStatus.corrected,
        }
    )


def _str(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _save(
    store: Store,
    review: Review,
    doc: Document,
    findings: list[Finding],
    user: str,
    audit: list[dict[str, Any]],
    status: DocStatus | None = None,
) -> Review:
    try:
        store.update_result(doc, findings, review.version, user, audit, status)
    except VersionConflict as exc:
        raise _conflict(store, review) from exc
    record = store.get(review.doc_id)
    assert record is not None  # it was just written
    return Review(record, doc, findings, review.dismissals)


def _after(store: Store, review: Review, write: Callable[[], int]) -> Review:
    """A write beside the result (dismissals): versioned like `_save`, the result unchanged."""
    try:
        write()
    except VersionConflict as exc:
        raise _conflict(store, review) from exc
    record = store.get(review.doc_id)
    assert record is not None
    return Review(record, review.document, review.findings, store.dismissals(review.doc_id))


def _conflict(store: Store, review: Review) -> VersionConflict:
    now = store.get(review.doc_id)
    theirs = [e for e in store.audit(review.doc_id) if e.at > review.record.updated_at]
    who = ", ".join(sorted({e.user for e in theirs}))
    version = now.version if now else "?"
    return VersionConflict(
        f"This document was changed by {who or 'the extraction worker'} after you opened it "
        f"(you had version {review.version}, it is now {version}). Your change was NOT saved: "
        "reload the document, check their change, and apply yours again if it is still needed.",
        "changed_by" if who else "changed_by_worker", who=who, yours=review.version, now=version)
