"""Every store test runs on both databases: SQLite (the default) and a real PostgreSQL."""

from __future__ import annotations

import pytest

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
