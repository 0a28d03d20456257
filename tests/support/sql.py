"""The SQL statements a block of code runs, as the database sees them (whitespace collapsed)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine


@contextmanager
def statements(target: Engine | type[Engine]) -> Iterator[list[str]]:
    """Every statement `target` runs in the block: one engine, or the Engine class for every
    engine of this process."""
    seen: list[str] = []

    def record(conn: object, cursor: object, sql: str, *args: object) -> None:
        seen.append(" ".join(sql.split()))

    event.listen(target, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(target, "before_cursor_execute", record)
