"""Driving the review app with Streamlit's AppTest (tests/ui): the app as `budgetlens ui` runs
it, its settings from the environment, reviewers signed in through the sidebar form."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from tests.support.samples import REPO
from ui.common import WORD_JOINER
from ui.i18n import t
from worker.services.accounts import hash_password
from worker.settings import Settings

APP = str(REPO / "ui" / "app.py")
PASSWORDS = {"alice": "alice-password", "bob": "bob-password"}


def user_hashes() -> str:
    return json.dumps({name: hash_password(pw) for name, pw in PASSWORDS.items()})


def app_env(settings: Settings, hashes: str, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The app reads its settings from the environment, like `budgetlens ui` does."""
    monkeypatch.setenv("BUDGETLENS_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("BUDGETLENS_REDIS_URL", settings.redis_url or "")
    monkeypatch.setenv("BUDGETLENS_UI_USERS", hashes)
    return settings


def open_app(user: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, at.exception
    if user:
        at.sidebar.text_input(key="login_name").input(user)
        at.sidebar.text_input(key="login_password").input(PASSWORDS[user])
        at.sidebar.button[0].click().run()
        assert at.session_state["user"] == user
    return at


def selectbox(at: AppTest, name: str):
    """The select box behind `st.session_state[name]` (drawn by ui.common.choose)."""
    [box] = [s for s in at.selectbox if (s.key or "").startswith(f"{name}~")]
    return box


def grid_key(at: AppTest, prefix: str) -> str:
    """The key of the one grid drawn whose key starts with `prefix` (the rest is a digest of
    what it shows): an element id is `$$ID-<hash>-<key>`."""
    [key] = [k for d in at.dataframe if (k := d.proto.id.split("-", 2)[-1]).startswith(prefix)]
    return key


def pick(at: AppTest, name: str, value: object) -> AppTest:
    """Choose `value` in that select box, as a click in the browser would."""
    return selectbox(at, name).set_value(value).run()


def said(key: str, **values: object) -> str:
    """What the app says for `key` in its language: filled in, or the lead before a `{field}`
    (the part a test can know)."""
    return t(key, **values) if values else t(key).split("{")[0].strip()


def texts(at: AppTest, kind: str) -> str:
    """Messages roughly as a reader sees them (escapes and character references resolved)."""
    text = "\n".join(e.value for e in getattr(at, kind))
    return text.replace("\\", "").replace(WORD_JOINER, "")
