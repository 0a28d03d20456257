"""The store: documents keyed by the SHA-256 of their bytes, their results, and the audit log.

SQLite file under the data dir by default (WAL, so several worker processes can write), any
SQLAlchemy URL (PostgreSQL) by setting. Original bytes are kept content-addressed under
`blob_dir`, so results can always be re-derived and pages shown.
"""

from __future__ import annotations

import builtins
import hashlib
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    create_engine,
    delete,
    event,
    func,
    select,
    update,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, defer, mapped_column, sessionmaker

from schemas import DocStatus, Document, Finding
from schemas.performance import Section, SectionResult, SectionStatus
from schemas.records import AuditEntry, DocumentRecord
from worker.errors import StoreError
from worker.settings import Settings


def _now() -> datetime:
    return datetime.now(UTC)


class _Base(DeclarativeBase):
    pass


class _Doc(_Base):
    __tablename__ = "documents"

    doc_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    source_file: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(8))
    size: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), index=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    department: Mapped[str | None] = mapped_column(Text, nullable=True, index=True)
    region: Mapped[str | None] = mapped_column(Text, nullable=True)
    fiscal_year: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    doc_type: Mapped[str | None] = mapped_column(String(16), nullable=True)
    unit: Mapped[str | None] = mapped_column(String(8), nullable=True)
    pages: Mapped[int | None] = mapped_column(Integer, nullable=True)
    result: Mapped[str | None] = mapped_column(Text, nullable=True)  # schemas.Document JSON
    findings: Mapped[str | None] = mapped_column(Text, nullable=True)  # list[Finding] JSON
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
    target: Mapped[str | None] = mapped_column(Text, nullable=True)
    old: Mapped[str | None] = mapped_column(Text, nullable=True)
    new: Mapped[str | None] = mapped_column(Text, nullable=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class _Section(_Base):
    """An irregular section waiting for, or read by, the LLM stage."""

    __tablename__ = "sections"

    doc_id: Mapped[str] = mapped_column(ForeignKey("documents.doc_id"), primary_key=True)
    section_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    section: Mapped[str] = mapped_column(Text)  # schemas.performance.Section JSON
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # e.g. project names
    result: Mapped[str | None] = mapped_column(Text, nullable=True)  # SectionResult JSON
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class VersionConflict(Exception):
    """Someone else changed the document since the caller read it."""


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


class Store:
    def __init__(self, url: str, blob_dir: Path) -> None:
        self.url = url
        self.blob_dir = blob_dir
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.engine = create_engine(url, pool_pre_ping=True)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        try:
            _Base.metadata.create_all(self.engine)
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot open the database {self.engine.url!r}: {exc}") from exc

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

    def set_status(self, doc_id: str, status: DocStatus) -> None:
        with self._session() as s:
            s.execute(update(_Doc).where(_Doc.doc_id == doc_id).values(
                status=status, updated_at=_now()))

    def add_document(self, data: bytes, source_file: str, kind: str) -> tuple[str, bool]:
        """Keep the bytes (content-addressed) and a `queued` record. Returns (doc_id, created):
        the same bytes submitted again are a no-op with created=False."""
        doc_id = hashlib.sha256(data).hexdigest()
        with self._session() as s:
            if s.get(_Doc, doc_id) is not None:
                return doc_id, False
            path = self.blob_path(doc_id)
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                tmp = path.with_suffix(".tmp")
                tmp.write_bytes(data)
                tmp.replace(path)
            s.add(_Doc(doc_id=doc_id, source_file=source_file, kind=kind, size=len(data),
                       status=DocStatus.queued))
            s.add(_Audit(doc_id=doc_id, user="system", action="submit", new=source_file))
        return doc_id, True

    def blob_path(self, doc_id: str) -> Path:
        return self.blob_dir / doc_id[:2] / doc_id

    def read_bytes(self, doc_id: str) -> bytes:
        return self.blob_path(doc_id).read_bytes()

    def get(self, doc_id: str) -> DocumentRecord | None:
        with self._session() as s:
            row = s.get(_Doc, doc_id)
            return _record(row) if row else None

    def list(self, status: DocStatus | None = None, limit: int | None = None,
             doc_ids: Iterable[str] | None = None) -> builtins.list[DocumentRecord]:
        # results can be large: a listing never loads them
        q = select(_Doc).options(defer(_Doc.result), defer(_Doc.findings)).order_by(
            _Doc.created_at, _Doc.doc_id)
        if status is not None:
            q = q.where(_Doc.status == status)
        if doc_ids is not None:
            q = q.where(_Doc.doc_id.in_(list(doc_ids)))
        if limit:
            q = q.limit(limit)
        with self._session() as s:
            return [_record(r) for r in s.scalars(q)]

    def counts(self, doc_ids: Iterable[str] | None = None) -> dict[DocStatus, int]:
        q = select(_Doc.status, func.count()).group_by(_Doc.status)
        if doc_ids is not None:
            q = q.where(_Doc.doc_id.in_(list(doc_ids)))
        with self._session() as s:
            found = {DocStatus(k): n for k, n in s.execute(q)}
        return {st: found.get(st, 0) for st in DocStatus}

    def total_pages(self, doc_ids: Iterable[str]) -> int:
        q = select(func.coalesce(func.sum(_Doc.pages), 0)).where(
            _Doc.doc_id.in_(list(doc_ids)), _Doc.status != DocStatus.failed)
        with self._session() as s:
            return int(s.scalar(q) or 0)

    def mark_running(self, doc_id: str) -> None:
        with self._session() as s:
            s.execute(update(_Doc).where(_Doc.doc_id == doc_id).values(
                status=DocStatus.running, error=None, attempts=_Doc.attempts + 1,
                updated_at=_now()))

    def mark_queued(self, doc_id: str, user: str = "system", reason: str | None = None) -> None:
        with self._session() as s:
            s.execute(update(_Doc).where(_Doc.doc_id == doc_id).values(
                status=DocStatus.queued, error=reason, updated_at=_now()))
            s.add(_Audit(doc_id=doc_id, user=user, action="requeue", detail={"reason": reason}))

    def mark_failed(self, doc_id: str, reason: str, seconds: float | None = None) -> None:
        with self._session() as s:
            s.execute(update(_Doc).where(_Doc.doc_id == doc_id).values(
                status=DocStatus.failed, error=reason, seconds=seconds, updated_at=_now(),
                version=_Doc.version + 1))

    def save_result(self, doc: Document, findings: builtins.list[Finding], status: DocStatus,
                    seconds: float | None = None) -> None:
        region = " ".join(p for p in (doc.region.province, doc.region.city, doc.region.county) if p)
        with self._session() as s:
            s.execute(update(_Doc).where(_Doc.doc_id == doc.doc_id).values(
                status=status, error=None, department=doc.department, region=region or None,
                fiscal_year=doc.fiscal_year, doc_type=doc.doc_type, unit=doc.unit,
                pages=doc.pages, result=doc.model_dump_json(), n_findings=len(findings),
                findings=_dump_findings(findings), seconds=seconds, updated_at=_now(),
                version=_Doc.version + 1))

    def load_result(self, doc_id: str) -> tuple[Document | None, list[Finding]]:
        with self._session() as s:
            row = s.get(_Doc, doc_id)
            if row is None or row.result is None:
                return None, []
            findings = [Finding.model_validate(f) for f in json.loads(row.findings or "[]")]
            return Document.model_validate_json(row.result), findings

    def update_result(self, doc: Document, findings: builtins.list[Finding], expected_version: int,
                      user: str, audit: builtins.list[dict[str, Any]], status: DocStatus | None = None) -> int:
        """A reviewer's write: only if nobody wrote since `expected_version`. Returns the new
        version; raises VersionConflict otherwise. Every change goes to the audit log."""
        values: dict[str, Any] = dict(result=doc.model_dump_json(), findings=_dump_findings(findings),
                                      n_findings=len(findings), updated_at=_now(),
                                      version=expected_version + 1)
        if status is not None:
            values["status"] = status
        with self._session() as s:
            done = s.execute(update(_Doc).where(
                _Doc.doc_id == doc.doc_id, _Doc.version == expected_version).values(**values))
            if done.rowcount != 1:  # type: ignore[attr-defined]
                raise VersionConflict(f"{doc.doc_id[:12]} was changed by someone else; reload it")
            for entry in audit:
                s.add(_Audit(doc_id=doc.doc_id, user=user, **entry))
        return expected_version + 1

    # -- LLM sections -----------------------------------------------------------------------

    def save_sections(self, doc_id: str, sections: builtins.list[Section],
                      context: dict[str, Any]) -> None:
        """Replace the document's sections (a re-extraction finds them anew)."""
        with self._session() as s:
            s.execute(delete(_Section).where(_Section.doc_id == doc_id))
            s.add_all(_Section(doc_id=doc_id, section_id=sec.section_id, section=sec.model_dump_json(),
                               status=SectionStatus.pending, context=context) for sec in sections)

    def section(self, doc_id: str, section_id: str) -> tuple[Section, dict[str, Any]]:
        with self._session() as s:
            row = s.get(_Section, (doc_id, section_id))
            if row is None:
                raise StoreError(f"no section {section_id} in {doc_id[:12]}")
            return Section.model_validate_json(row.section), row.context

    def save_section_result(self, doc_id: str, result: SectionResult) -> None:
        with self._session() as s:
            s.execute(update(_Section).where(
                _Section.doc_id == doc_id, _Section.section_id == result.section_id).values(
                status=result.status, result=result.model_dump_json(), updated_at=_now()))

    def section_results(self, doc_id: str) -> builtins.list[SectionResult]:
        q = select(_Section.result).where(_Section.doc_id == doc_id, _Section.result.is_not(None))
        with self._session() as s:
            return [SectionResult.model_validate_json(r) for r in s.scalars(q)]

    def pending_sections(self) -> dict[str, builtins.list[str]]:
        """doc_id → section ids still pending (no endpoint, endpoint down, budget spent)."""
        q = select(_Section.doc_id, _Section.section_id).where(
            _Section.status == SectionStatus.pending).order_by(_Section.doc_id)
        found: dict[str, builtins.list[str]] = {}
        with self._session() as s:
            for doc_id, section_id in s.execute(q):
                found.setdefault(doc_id, []).append(section_id)
        return found

    # -- audit --------------------------------------------------------------------------

    def audit(self, doc_id: str | None = None) -> builtins.list[AuditEntry]:
        q = select(_Audit).order_by(_Audit.id)
        if doc_id is not None:
            q = q.where(_Audit.doc_id == doc_id)
        with self._session() as s:
            return [AuditEntry.model_validate(r, from_attributes=True) for r in s.scalars(q)]


def _dump_findings(findings: list[Finding]) -> str:
    return "[" + ",".join(f.model_dump_json() for f in findings) + "]"


def _record(row: _Doc) -> DocumentRecord:
    return DocumentRecord.model_validate(row, from_attributes=True)
