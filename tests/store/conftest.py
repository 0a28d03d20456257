"""Every store test runs on both databases: SQLite (the default) and a real PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from worker.settings import Settings


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(settings: Settings, backend: str, request: pytest.FixtureRequest) -> Settings:
    """conftest's settings (real Redis, fresh data dir), on the database `backend` names."""
    if backend == "postgres":
        return settings.model_copy(update={"database_url": request.getfixturevalue("pg_url")})
    return settings


@pytest.fixture
def unusable_urls(settings: Settings, tmp_path: Path) -> list[str]:
    """URLs of stores that cannot be used, in the forms users write: on SQLite a file that is not
    a database (a PDF); on PostgreSQL a database that does not exist and a server nobody
    listens on, both with a password no message may show."""
    if settings.db_url.startswith("sqlite"):
        garbage = tmp_path / "not-a-database.pdf"
        garbage.write_bytes(b"%PDF-1.7 this is no database" * 100)
        return [f"sqlite:///{garbage}", f"sqlite+pysqlite:///{garbage}"]
    real = make_url(settings.db_url).set(password="s3cret")
    urls = [real.set(database="no_such_database"), real.set(host="127.0.0.1", port=1)]
    rest = [u.render_as_string(hide_password=False).split("://", 1)[1] for u in urls]
    return [f"{scheme}://{r}" for r in rest
            for scheme in ("postgresql", "postgres", "postgresql+psycopg")]
