"""Who may do what in the review app, checked on the server (issue 15 item 7, issue 13): upload
and export need a signed-in reviewer whatever the browser sends, and sign-in is rate limited.
AppTest drives the real pages against a real SQLite store and Redis."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from tests.support.apptest import said
from tests.support.documents import CLEAN_SAMPLE, store_sample
from tests.support.samples import REPO
from worker.services.accounts import hash_password
from worker.settings import Settings
from worker.store import Store

APP = str(REPO / "ui" / "app.py")
PASSWORD = "alice-password"


@pytest.fixture
def env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("BUDGETLENS_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("BUDGETLENS_REDIS_URL", settings.redis_url or "")
    monkeypatch.setenv("BUDGETLENS_UI_USERS", json.dumps({"alice": hash_password(PASSWORD)}))
    return settings


def _app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, at.exception
    return at


def _sign_in(at: AppTest, password: str) -> AppTest:
    at.sidebar.text_input(key="login_name").input("alice")
    at.sidebar.text_input(key="login_password").input(password)
    return at.sidebar.button[0].click().run()


def _texts(at: AppTest, kind: str) -> str:
    return " | ".join(str(e.value) for e in getattr(at, kind)).replace("\\", "")


def test_an_anonymous_upload_is_refused_on_the_server(env: Settings, store: Store) -> None:
    """The browser can send an upload whatever the page drew (a forged message, a stale tab):
    the server must refuse it."""
    at = _app()
    uploader = at.file_uploader(key="uploads")
    submit = next(b for b in at.form_submit_button if b.form_id == "upload")
    assert uploader.disabled and submit.disabled
    for widget in (uploader, submit):  # a tampered page enables them in the browser
        widget.proto.disabled = False
    uploader.set_value([(CLEAN_SAMPLE.name, CLEAN_SAMPLE.read_bytes(), "application/pdf")])
    submit.click().run()
    assert not at.exception, at.exception
    assert store.list() == []
    assert said("queue.queued") not in _texts(at, "success")


def test_an_export_needs_a_signed_in_reviewer_when_accounts_exist(env: Settings,
                                                                  store: Store) -> None:
    store_sample(store)
    at = _app()
    at.switch_page("views/export.py").run()
    assert said("export.sign_in") in _texts(at, "warning")
    assert not [b for b in at.button if b.key == "export_go"] and not at.download_button
    _sign_in(at, PASSWORD)
    at.radio(key="export_scope").set_value("all").run()
    at.button(key="export_go").click().run()
    assert at.download_button, "a signed-in reviewer gets the files"
    at.sidebar.button(key="sign_out").click().run()
    assert not at.download_button  # prepared files are gone with the reviewer


def test_without_accounts_the_export_is_open(env: Settings, store: Store,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUDGETLENS_UI_USERS", "{}")
    store_sample(store)
    at = _app()
    at.switch_page("views/export.py").run()
    at.radio(key="export_scope").set_value("all").run()
    at.button(key="export_go").click().run()
    assert at.download_button


def test_sign_in_is_locked_after_repeated_failures(env: Settings) -> None:
    at = _app()
    for i in range(env.login_free_failures):
        _sign_in(at, f"guess-{i}")
    assert said("login.locked") in _texts(at, "error")
    _sign_in(at, PASSWORD)
    assert said("login.locked") in _texts(at, "error")
    assert "user" not in at.session_state
    # a fresh session (another tab, the app restarted) is locked out as well
    assert "user" not in _sign_in(_app(), PASSWORD).session_state
