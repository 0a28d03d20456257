"""The review app's settings from the environment, for every AppTest here."""

from __future__ import annotations

import pytest

from tests.support.apptest import app_env, user_hashes
from worker.settings import Settings


@pytest.fixture(scope="session")
def hashes() -> str:
    return user_hashes()


@pytest.fixture
def env(settings: Settings, hashes: str, monkeypatch: pytest.MonkeyPatch) -> Settings:
    return app_env(settings, hashes, monkeypatch)
