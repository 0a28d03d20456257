"""The database underneath the store: one engine that behaves the same on SQLite and PostgreSQL.

    open_engine(url)          SQLite (WAL, foreign keys on) or PostgreSQL via psycopg 3
    create_tables(conn, ...)  CREATE TABLE IF NOT EXISTS, safe when several workers start at once
    insert_or_skip(dialect)   INSERT … ON CONFLICT DO NOTHING, where the database has it
    NulFreeText               a text column PostgreSQL accepts whatever a PDF's text layer holds

Safe across fork: RQ forks a work horse per job, and a child that used the parent's pooled
connections would share their sockets (and server sessions) with the parent, so a connection
is only ever handed out in the process that opened it.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, MetaData, Text, TypeDecorator, create_engine, event, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, DisconnectionError

from worker.errors import ConfigError

_INSERT_OR_SKIP = {"sqlite": "sqlalchemy.dialects.sqlite", "postgresql": "sqlalchemy.dialects.postgresql"}
_SCHEMA_LOCK = 0x62756467  # any constant key, the same in every process


class NulFreeText(TypeDecorator[str]):
    """Text with NUL stored as U+FFFD: PostgreSQL refuses NUL in text (SQLite keeps it), and
    one in a PDF's text layer must not fail the job on one database only."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        return value.replace("\x00", "\ufffd") if value else value


def database_url(url: str) -> URL:
    """The URL with its driver: `postgresql://` and `postgres://` mean psycopg 3 (SQLAlchemy
    2.0 would pick psycopg2, which the `postgres` extra does not install)."""
    try:
        parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    except ArgumentError as exc:
        raise ConfigError(f"not a database URL: {url!r}") from exc
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def open_engine(url: str) -> Engine:
    parsed = database_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = create_engine(parsed, pool_pre_ping=True)
    except ImportError as exc:
        raise ConfigError(
            f"no driver for {parsed.drivername} ({exc}); for PostgreSQL: "
            "pip install 'budgetlens[postgres]'"
        ) from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "connect", _remember_pid)
    event.listen(engine, "checkout", _refuse_other_pid)
    return engine


def create_tables(conn: Connection, *metadata: MetaData) -> None:
    if conn.dialect.name == "postgresql":
        # two workers creating the same table at once collide in pg_type; the lock is held to
        # the end of the caller's transaction
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK})
    for meta in metadata:
        meta.create_all(conn)


def insert_or_skip(dialect: str) -> Any | None:
    """`insert()` that takes `.on_conflict_do_nothing()`, or None on other databases (each
    dialect's module imported when asked: `budgetlens status` writes nothing)."""
    module = _INSERT_OR_SKIP.get(dialect)
    return None if module is None else importlib.import_module(module).insert


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")  # as PostgreSQL does: a bug shows on both or neither
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _remember_pid(_dbapi_conn: Any, record: Any) -> None:
    record.info["pid"] = os.getpid()


def _refuse_other_pid(_dbapi_conn: Any, record: Any, proxy: Any) -> None:
    # SQLAlchemy's recipe for pools across fork: a connection the parent opened is dropped
    # unclosed (closing it would end the parent's session) and the pool opens a fresh one
    if record.info.get("pid") != os.getpid():
        record.dbapi_connection = proxy.dbapi_connection = None
        raise DisconnectionError("connection opened in another process")
