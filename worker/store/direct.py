"""A read-only look at the store straight through its driver, for a fresh `budgetlens status`:
sqlite3 or psycopg from the URL, without SQLAlchemy (whose import alone costs a fresh process
~0.15 s, a third of the command; bench/status.py). Any other URL — a driver SQLAlchemy names,
`sqlite+pysqlite://`, a SQLite URL with options — goes through `open_engine` as the store does.

    with reading(url) as (cur, dialect):   # a DBAPI cursor, or None: no store there yet
        ...

`unusable(url, *errors)` is the one mapping of a database's errors to StoreError (the store named,
its password masked): here and where `Store` opens its engine.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from worker.errors import ConfigError, StoreError, shown_url

_SQLITE = re.compile(r"sqlite:///(?P<path>[^?]+)")
_POSTGRES = re.compile(r"postgres(?:ql)?(?:\+psycopg)?://(?P<rest>.*)")


@contextlib.contextmanager
def reading(url: str) -> Iterator[tuple[Any, str] | None]:
    """A cursor on the store at `url` and its dialect, or None when no `Store` ever opened it
    (a SQLite file that does not exist is not created). The driver's errors, connecting or
    querying, come out as StoreError."""
    from worker.store import summary

    with _connect(url) as found:
        if found is None:
            yield None
            return
        conn, dialect, error = found
        with unusable(url, error):
            cur = conn.cursor()
            yield ((cur, dialect) if summary.opened(cur, dialect) else None)


@contextlib.contextmanager
def unusable(url: str, *errors: type[Exception]) -> Iterator[None]:
    """`errors` raised inside come out as StoreError naming the store at `url` (password
    masked) — e.g. a file that is not a SQLite database, a wrong password, no such database."""
    try:
        yield
    except errors as exc:
        raise StoreError(f"cannot read the store {shown_url(url)}: {exc}") from exc


@contextlib.contextmanager
def _connect(url: str) -> Iterator[tuple[Any, str, type[Exception]] | None]:
    """(DBAPI connection, dialect, the driver's base error), closed on the way out."""
    if m := _SQLITE.fullmatch(url):
        import sqlite3

        path = Path(unquote(m["path"]))
        if m["path"] == ":memory:" or not path.is_file():
            yield None
            return
        conn = sqlite3.connect(path, timeout=30)  # a writer holding the lock: wait, as Store does
        try:
            yield conn, "sqlite", sqlite3.Error
        finally:
            conn.close()
    elif m := _POSTGRES.fullmatch(url):
        try:
            import psycopg
        except ImportError as exc:
            raise ConfigError(f"no driver for PostgreSQL ({exc}): "
                              "pip install 'budgetlens[postgres]'") from exc
        with unusable(url, psycopg.Error):
            conn = psycopg.connect(f"postgresql://{m['rest']}", autocommit=True)
        with conn:
            yield conn, "postgresql", psycopg.Error
    else:
        from sqlalchemy.exc import SQLAlchemyError

        from worker.store.database import open_engine

        engine = open_engine(url)
        error = engine.dialect.loaded_dbapi.Error  # what its connect hooks raise, unwrapped
        with unusable(url, SQLAlchemyError, error):
            conn = engine.raw_connection()
        try:
            yield conn, engine.dialect.name, error
        finally:
            conn.close()
            engine.dispose()

