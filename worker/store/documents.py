"""The store's documents, results, review and audit log: the `Store` (SQLAlchemy ORM) over the
tables it creates (worker/store/__init__.py says what the store is)."""

from __future__ import annotations

import builtins
import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, defer, mapped_column, sessionmaker

from schemas import DocStatus, Document, Finding
from schemas.performance import Section, SectionResult, SectionStatus
from schemas.records import AuditEntry, Dismissal, DocumentRecord
from worker.errors import StoreError, VersionConflict
from worker.settings import Settings
from worker.store import summary
from worker.store.database import NulFreeText, create_tables, insert_or_skip, open_engine
from worker.store.direct import unusable
from worker.store.llm_cache import metadata as llm_tables

_IN_CHUNK = 10_000  # ids per IN (…): both databases cap the bound parameters of one statement


def _now() -> datetime:
    return datetime.now(UTC)


class _Base(DeclarativeBase):
    pass


class _Doc(_Base):
    __tablename__ = "documents"

    doc_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    source_file: Mapped[str] = mapped_column(NulFreeText)
    kind: Mapped[str] = mapped_column(String(8))
    size: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), index=True)
    error: Mapped[str | None] = mapped_column(NulFreeText, nullable=True)
    department: Mapped[str | None] = mapped_column(NulFreeText, nullable=True, index=True)
    region: Mapped[str | None] = mapped_column(NulFreeText, nullable=True)
    fiscal_year: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    doc_type: Mapped[str | None] = mapped_column(String(16), nullable=True)
    unit: Mapped[str | None] = mapped_column(String(8), nullable=True)
    pages: Mapped[int | None] = mapped_column(Integer, nullable=True)
    result: Mapped[str | None] = mapped_column(NulFreeText, nullable=True)  # schemas.Document JSON
    findings: Mapped[str | None] = mapped_column(NulFreeText, nullable=True)  # list[Finding] JSON
    n_findings: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class _Audit(_Base):
    __tablename__ = "audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    doc_id: Mapped[str] = mapped_column(ForeignKey("documents.doc_id"), index=True)
    user: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[str | None] = mapped_column(NulFreeText, nullable=True)
    old: Mapped[str | None] = mapped_column(NulFreeText, nullable=True)
    new: Mapped[str | None] = mapped_column(NulFreeText, nullable=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class _Section(_Base):
    """An irregular section waiting for, or read by, the LLM stage."""

    __tablename__ = "sections"

    doc_id: Mapped[str] = mapped_column(ForeignKey("documents.doc_id"), primary_key=True)
    section_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    section: Mapped[str] = mapped_column(NulFreeText)  # schemas.performance.Section JSON
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # e.g. project names
    result: Mapped[str | None] = mapped_column(NulFreeText, nullable=True)  # SectionResult JSON
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class _Dismissal(_Base):
    """A finding a reviewer set aside, by the finding's identity (survives re-runs: the worker
    rewrites `documents.findings`, never this table)."""

    __tablename__ = "dismissals"

    doc_id: Mapped[str] = mapped_column(ForeignKey("documents.doc_id"), primary_key=True)
    key: Mapped[str] = mapped_column(NulFreeText, primary_key=True)  # long: one part per cell
    rule_id: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(NulFreeText, default="")
    evidence: Mapped[str] = mapped_column(NulFreeText)
    message: Mapped[str] = mapped_column(NulFreeText, default="")
    user: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class Store:
    def __init__(self, url: str, blob_dir: Path) -> None:
        self.url = url
        self.blob_dir = blob_dir
        self.engine = open_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # a file that is not a database, a wrong password, no server: named as `status` does
        with unusable(url, SQLAlchemyError), self.engine.begin() as conn:
            # the LLM cache and call ledger live in the same database
            create_tables(conn, _Base.metadata, llm_tables)

    @classmethod
    def from_settings(cls, settings: Settings) -> Store:
        return cls(settings.db_url, settings.blob_dir)

    @contextmanager
    def _session(self) -> Iterator[Session]:
        try:
            with self._sessions.begin() as session:
                yield session
        except SQLAlchemyError as exc:
            raise StoreError(str(exc)) from exc

    # -- documents ------------------------------------------------------------------------

    def set_status(
        self, doc_id: str, status: DocStatus, audit: dict[str, Any] | None = None
    ) -> None:
        with self._session() as s:
            s.execute(
                update(_Doc).where(_Doc.doc_id == doc_id).values(status=status, updated_at=_now())
            )
            if audit is not None:
                s.add(_Audit(doc_id=doc_id, user="system", **audit))

    def add_document(self, data: bytes, source_file: str, kind: str) -> tuple[str, bool]:
        """Keep the bytes (content-addressed) and a `queued` record. Returns (doc_id, created):
        the same bytes submitted again, even at the same moment, are a no-op with created=False."""
        doc_id = hashlib.sha256(data).hexdigest()
        self._keep_bytes(doc_id, data)  # first: a record never exists without its bytes
        values = dict(
            doc_id=doc_id,
            source_file=source_file,
            kind=kind,
            size=len(data),
            status=DocStatus.queued,
        )
        with self._session() as s:
            insert = insert_or_skip(s.get_bind().dialect.name)
            if insert is None:  # another database: check, then insert
                if s.get(_Doc, doc_id) is not None:
                    return doc_id, False
                s.add(_Doc(**values))
            else:
                stmt = insert(_Doc).values(**values).on_conflict_do_nothing()
                if s.scalar(stmt.returning(_Doc.doc_id)) is None:  # the row was there already
                    return doc_id, False
            s.add(_Audit(doc_id=doc_id, user="system", action="submit", new=source_file))
        return doc_id, True

    def _keep_bytes(self, doc_id: str, data: bytes) -> None:
        path = self.blob_path(doc_id)
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{doc_id}.{uuid.uuid4().hex}.tmp")  # two submitters never share it
        tmp.write_bytes(data)
        tmp.replace(path)  # atomic: a reader sees all the bytes or none

    def blob_path(self, doc_id: str) -> Path:
        return self.blob_dir / doc_id[:2] / doc_id

    def read_bytes(self, doc_id: str) -> bytes:
        return self.blob_path(doc_id).read_bytes()

    def get(self, doc_id: str) -> DocumentRecord | None:
        with self._session() as s:
            row = s.get(_Doc, doc_id)
            return _record(row) if row else None

    def list(
        self,
        status: DocStatus | None = None,
        limit: int | None = None,
        doc_ids: Iterable[str] | None = None,
    ) -> builtins.list[DocumentRecord]:
        # results can be large: a listing never loads them
        q = (
            select(_Doc)
            .options(defer(_Doc.result), defer(_Doc.findings))
            .order_by(_Doc.created_at, _Doc.doc_id)
        )
        if status is not None:
            q = q.where(_Doc.status == status)
        if limit:
            q = q.limit(limit)
        if doc_ids is None:
            with self._session() as s:
                return [_record(r) for r in s.scalars(q)]
        found: builtins.list[DocumentRecord] = []
        with self._session() as s:
            for chunk in _chunks(doc_ids):
                found.extend(_record(r) for r in s.scalars(q.where(_Doc.doc_id.in_(chunk))))
        found.sort(key=lambda r: (r.created_at, r.doc_id))
        return found[:limit] if limit else found

    def ids(self, status: DocStatus | None = None) -> builtins.list[str]:
        """Document ids in listing order (created, then id): what a scan over many documents
        holds at once, rather than their records."""
        q = select(_Doc.doc_id).order_by(_Doc.created_at, _Doc.doc_id)
        if status is not None:
            q = q.where(_Doc.status == status)
        with self._session() as s:
            return builtins.list(s.scalars(q))

    def results_of(
        self, doc_ids: Iterable[str]
    ) -> dict[str, tuple[Document, builtins.list[Finding]]]:
        """The stored results of `doc_ids` (those that have one), one query per IN slice: for
        batches of a scan, not for the whole store at once."""
        q = select(_Doc.doc_id, _Doc.result, _Doc.findings).where(_Doc.result.is_not(None))
        found: dict[str, tuple[Document, builtins.list[Finding]]] = {}
        with self._session() as s:
            for chunk in _chunks(doc_ids):
                for doc_id, result, findings in s.execute(q.where(_Doc.doc_id.in_(chunk))):
                    found[doc_id] = (Document.model_validate_json(result),
                                     [Finding.model_validate(f)
                                      for f in json.loads(findings or "[]")])
        return found

    def counts(self, doc_ids: Iterable[str] | None = None) -> dict[DocStatus, int]:
        with self._session() as s:
            if doc_ids is None:
                return summary.counts(_cursor(s))
            q = select(_Doc.status, func.count()).group_by(_Doc.status)
            found = dict.fromkeys(DocStatus, 0)
            for chunk in _chunks(doc_ids):
                for status, n in s.execute(q.where(_Doc.doc_id.in_(chunk))):
                    found[DocStatus(status)] += n
            return found

    def failures(self, limit: int) -> tuple[builtins.list[tuple[str, int]],
                                            builtins.list[tuple[str, str, str]]]:
        """(reason, documents) most frequent first and the latest failures, `limit` of each."""
        with self._session() as s:
            return summary.failures(_cursor(s), limit)

    def total_pages(self, doc_ids: Iterable[str]) -> int:
        q = select(func.coalesce(func.sum(_Doc.pages), 0)).where(_Doc.status != DocStatus.failed)
        with self._session() as s:
            return sum(
                int(s.scalar(q.where(_Doc.doc_id.in_(chunk))) or 0) for chunk in _chunks(doc_ids)
            )

    def mark_running(self, doc_id: str) -> None:
        with self._session() as s:
            s.execute(
                update(_Doc)
                .where(_Doc.doc_id == doc_id)
                .values(
                    status=DocStatus.running,
                    error=None,
                    attempts=_Doc.attempts + 1,
                    updated_at=_now(),
                )
            )

    def mark_queued(self, doc_id: str, user: str = "system", reason: str | None = None) -> None:
        with self._session() as s:
            s.execute(
                update(_Doc)
                .where(_Doc.doc_id == doc_id)
                .values(status=DocStatus.queued, error=reason, updated_at=_now())
            )
            s.add(_Audit(doc_id=doc_id, user=user, action="requeue", detail={"reason": reason}))

    def mark_failed(self, doc_id: str, reason: str, seconds: float | None = None) -> None:
        with self._session() as s:
            s.execute(
                update(_Doc)
                .where(_Doc.doc_id == doc_id)
                .values(
                    status=DocStatus.failed,
                    error=reason,
                    seconds=seconds,
                    updated_at=_now(),
                    version=_Doc.version + 1,
                )
            )

    def save_result(
        self,
        doc: Document,
        findings: builtins.list[Finding],
        status: DocStatus,
        seconds: float | None = None,
        audit: dict[str, Any] | None = None,
    ) -> None:
        """The worker's write (`audit`: one system entry in the same transaction)."""
        with self._session() as s:
            s.execute(
                update(_Doc)
                .where(_Doc.doc_id == doc.doc_id)
                .values(
                    status=status,
                    error=None,
                    **_metadata(doc),
                    result=doc.model_dump_json(),
                    n_findings=len(findings),
                    findings=_dump_findings(findings),
                    seconds=seconds,
                    updated_at=_now(),
                    version=_Doc.version + 1,
                )
            )
            if audit is not None:
                s.add(_Audit(doc_id=doc.doc_id, user="system", **audit))

    def load_result(self, doc_id: str) -> tuple[Document | None, builtins.list[Finding]]:
        with self._session() as s:
            row = s.get(_Doc, doc_id)
            if row is None or row.result is None:
                return None, []
            findings = [Finding.model_validate(f) for f in json.loads(row.findings or "[]")]
            return Document.model_validate_json(row.result), findings

    def findings_of(self, doc_ids: Iterable[str]) -> dict[str, builtins.list[Finding]]:
        """The findings of many documents, without loading their results."""
        found: dict[str, builtins.list[Finding]] = {}
        with self._session() as s:
            for chunk in _chunks(doc_ids):
                q = select(_Doc.doc_id, _Doc.findings).where(_Doc.doc_id.in_(chunk))
                for doc_id, raw in s.execute(q):
                    found[doc_id] = [Finding.model_validate(f) for f in json.loads(raw or "[]")]
        return found

    def update_result(
        self,
        doc: Document,
        findings: builtins.list[Finding],
        expected_version: int,
        user: str,
        audit: builtins.list[dict[str, Any]],
        status: DocStatus | None = None,
    ) -> int:
        """A reviewer's write: only if nobody wrote since `expected_version`. Returns the new
        version; raises VersionConflict otherwise. Every change goes to the audit log."""
        values: dict[str, Any] = dict(
            **_metadata(doc),  # a reviewer may have corrected them
            result=doc.model_dump_json(),
            findings=_dump_findings(findings),
            n_findings=len(findings),
            updated_at=_now(),
            version=expected_version + 1,
        )
        if status is not None:
            values["status"] = status
        with self._session() as s:
            done = s.execute(
                update(_Doc)
                .where(_Doc.doc_id == doc.doc_id, _Doc.version == expected_version)
                .values(**values)
            )
            if done.rowcount != 1:  # type: ignore[attr-defined]
                raise VersionConflict(f"{doc.doc_id[:12]} was changed by someone else; reload it")
            for entry in audit:
                s.add(_Audit(doc_id=doc.doc_id, user=user, **entry))
        return expected_version + 1

    # -- dismissed findings -------------------------------------------------------------------

    def dismiss(self, dismissals: builtins.list[Dismissal], expected_version: int) -> int:
        """Set findings of one document aside (replacing earlier dismissals of them), each
        audited, in one versioned write like `update_result`. Returns the new version."""
        with self._session() as s:
            for d in dismissals:
                if d is dismissals[0]:
                    self._bump(s, d.doc_id, expected_version)
                s.execute(delete(_Dismissal).where(_Dismissal.doc_id == d.doc_id,
                                                   _Dismissal.key == d.key))
                s.add(_Dismissal(**d.model_dump()))
                s.add(_Audit(doc_id=d.doc_id, user=d.user, at=d.at, action="dismiss",
                             target=d.key, new=d.reason.value,
                             detail={"rule_id": d.rule_id, "note": d.note,
                                     "evidence": d.evidence, "message": d.message}))
        return expected_version + 1

    def undismiss(self, doc_id: str, key: str, user: str, expected_version: int,
                  note: str = "") -> int:
        """The finding is open again; the dismissal it had stays in the audit log."""
        with self._session() as s:
            self._bump(s, doc_id, expected_version)
            gone = s.get(_Dismissal, (doc_id, key))
            if gone is None:
                raise StoreError(f"no dismissed finding {key!r} in {doc_id[:12]}")
            s.delete(gone)
            s.add(_Audit(doc_id=doc_id, user=user, action="reopen_finding", target=key,
                         old=gone.reason, detail={"note": note, "rule_id": gone.rule_id}))
        return expected_version + 1

    def dismissals(self, doc_id: str) -> dict[str, Dismissal]:
        """The document's dismissals by finding key."""
        return self.dismissals_of([doc_id]).get(doc_id, {})

    def dismissals_of(self, doc_ids: Iterable[str]) -> dict[str, dict[str, Dismissal]]:
        found: dict[str, dict[str, Dismissal]] = {}
        with self._session() as s:
            for chunk in _chunks(doc_ids):
                q = select(_Dismissal).where(_Dismissal.doc_id.in_(chunk))
                for row in s.scalars(q):
                    d = Dismissal.model_validate(row, from_attributes=True)
                    found.setdefault(d.doc_id, {})[d.key] = d
        return found

    @staticmethod
    def _bump(s: Session, doc_id: str, expected_version: int) -> None:
        done = s.execute(
            update(_Doc)
            .where(_Doc.doc_id == doc_id, _Doc.version == expected_version)
            .values(version=expected_version + 1, updated_at=_now())
        )
        if done.rowcount != 1:  # type: ignore[attr-defined]
            raise VersionConflict(f"{doc_id[:12]} was changed by someone else; reload it")

    # -- LLM sections -----------------------------------------------------------------------

    def save_sections(
        self,
        doc_id: str,
        sections: builtins.list[Section],
        context: dict[str, Any],
        results: builtins.list[SectionResult] | None = None,
    ) -> None:
        """Replace the document's sections (a re-extraction finds them anew), pending; or with
        their `results` (one per section, in order) in the same two statements."""
        done = results or [None] * len(sections)
        with self._session() as s:
            s.execute(delete(_Section).where(_Section.doc_id == doc_id))
            s.add_all(
                _Section(
                    doc_id=doc_id,
                    section_id=sec.section_id,
                    section=sec.model_dump_json(),
                    status=res.status if res else SectionStatus.pending,
                    result=res.model_dump_json() if res else None,
                    context=context,
                )
                for sec, res in zip(sections, done, strict=True)
            )

    def section(self, doc_id: str, section_id: str) -> tuple[Section, dict[str, Any]]:
        with self._session() as s:
            row = s.get(_Section, (doc_id, section_id))
            if row is None:
                raise StoreError(f"no section {section_id} in {doc_id[:12]}")
            return Section.model_validate_json(row.section), row.context

    def save_section_result(self, doc_id: str, result: SectionResult) -> None:
        with self._session() as s:
            s.execute(
                update(_Section)
                .where(_Section.doc_id == doc_id, _Section.section_id == result.section_id)
                .values(status=result.status, result=result.model_dump_json(), updated_at=_now())
            )

    def section_results(self, doc_id: str) -> builtins.list[SectionResult]:
        q = select(_Section.result).where(_Section.doc_id == doc_id, _Section.result.is_not(None))
        with self._session() as s:
            return [SectionResult.model_validate_json(r) for r in s.scalars(q) if r is not None]

    def pending_sections(self) -> dict[str, builtins.list[str]]:
        """doc_id → section ids still pending (no endpoint, endpoint down, budget spent)."""
        q = (
            select(_Section.doc_id, _Section.section_id)
            .where(_Section.status == SectionStatus.pending)
            .order_by(_Section.doc_id)
        )
        found: dict[str, builtins.list[str]] = {}
        with self._session() as s:
            for doc_id, section_id in s.execute(q):
                found.setdefault(doc_id, []).append(section_id)
        return found

    def pending_totals(self) -> tuple[int, int]:
        """(sections, documents) still pending, counted by the database."""
        with self._session() as s:
            return summary.pending_totals(_cursor(s))

    # -- audit --------------------------------------------------------------------------

    def audit(self, doc_id: str | None = None) -> builtins.list[AuditEntry]:
        q = select(_Audit).order_by(_Audit.id)
        if doc_id is not None:
            q = q.where(_Audit.doc_id == doc_id)
        with self._session() as s:
            return [AuditEntry.model_validate(r, from_attributes=True) for r in s.scalars(q)]

    def audits_of(self, doc_ids: Iterable[str]) -> dict[str, builtins.list[AuditEntry]]:
        """The audit logs of `doc_ids` (oldest entry first), one query per IN slice."""
        found: dict[str, builtins.list[AuditEntry]] = {}
        with self._session() as s:
            for chunk in _chunks(doc_ids):
                q = select(_Audit).where(_Audit.doc_id.in_(chunk)).order_by(_Audit.id)
                for r in s.scalars(q):
                    found.setdefault(r.doc_id, []).append(
                        AuditEntry.model_validate(r, from_attributes=True))
        return found


def _cursor(s: Session) -> Any:
    """The session's own DBAPI cursor, in its transaction: worker/store/summary.py speaks SQL
    straight to the driver (a fresh `budgetlens status` has no SQLAlchemy to go through)."""
    return s.connection().connection.cursor()


def _chunks(ids: Iterable[str]) -> Iterator[list[str]]:
    """Ids in slices that one IN (…) can bind."""
    unique = list(dict.fromkeys(ids))  # a duplicate in two slices would be counted twice
    for start in range(0, len(unique), _IN_CHUNK):
        yield unique[start : start + _IN_CHUNK]


def _metadata(doc: Document) -> dict[str, Any]:
    """The document's columns that listings show and filter by."""
    region = " ".join(p for p in (doc.region.province, doc.region.city, doc.region.county) if p)
    return dict(department=doc.department, region=region or None, fiscal_year=doc.fiscal_year,
                doc_type=doc.doc_type, unit=doc.unit, pages=doc.pages)


def _dump_findings(findings: list[Finding]) -> str:
    return "[" + ",".join(f.model_dump_json() for f in findings) + "]"


def _record(row: _Doc) -> DocumentRecord:
    return DocumentRecord.model_validate(row, from_attributes=True)
