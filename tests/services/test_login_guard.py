"""Sign-in rate limiting (issue 15 item 7): per reviewer name and per client address, counted in
the store's database (SQLite and PostgreSQL), so it holds across app processes."""

from __future__ import annotations

import pytest

from worker.errors import NotAllowed
from worker.services.accounts import (
    LoginGuard,
    hash_password,
    may_export,
    require_reviewer,
)
from worker.settings import Settings
from worker.store import Store

PASSWORD = "alice-password"


class Clock:
    """Time the test moves by hand: lock-outs are checked without sleeping through them."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["sqlite", "postgresql"])
def engine_store(request: pytest.FixtureRequest, settings: Settings) -> Store:
    if request.param == "sqlite":
        return Store.from_settings(settings)
    return Store(request.getfixturevalue("pg_url"), settings.blob_dir)


def _settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"ui_users": {"alice": hash_password(PASSWORD),
                                                    "bob": hash_password("bob-password")}})


def test_thirty_wrong_passwords_then_the_right_one_is_refused_while_locked(
        engine_store: Store, settings: Settings) -> None:
    clock, cfg = Clock(), _settings(settings)
    guard = LoginGuard(engine_store.engine, cfg, clock)
    answers = [guard.sign_in("alice", f"guess-{i}", "203.0.113.7") for i in range(30)]
    assert not any(a.ok for a in answers)
    free = cfg.login_free_failures
    assert [a.locked_s > 0 for a in answers[: free - 1]] == [False] * (free - 1)
    assert all(a.locked_s > 0 for a in answers[free - 1 :])
    right = guard.sign_in("alice", PASSWORD, "203.0.113.7")
    assert not right.ok and right.locked_s > 0
    # from another address the name is locked too; another name from this address as well
    assert not guard.sign_in("alice", PASSWORD, "198.51.100.1").ok
    assert not guard.sign_in("bob", "bob-password", "203.0.113.7").ok
    # a second app process (its own engine on the same database) sees the same lock-out
    other = LoginGuard(Store(engine_store.url, settings.blob_dir).engine, cfg, clock)
    assert not other.sign_in("alice", PASSWORD, "203.0.113.7").ok
    # once the lock-out is over the right password works, and the count starts again
    clock.now += right.locked_s + 1
    assert guard.sign_in("alice", PASSWORD, "203.0.113.7").user == "alice"
    assert guard.sign_in("alice", "wrong", "203.0.113.7").locked_s == 0


def test_the_lock_out_doubles_with_each_failure_up_to_its_cap(store: Store,
                                                             settings: Settings) -> None:
    clock = Clock()
    cfg = _settings(settings).model_copy(update={"login_free_failures": 3,
                                                 "login_lockout_s": 10,
                                                 "login_lockout_max_s": 70})
    guard = LoginGuard(store.engine, cfg, clock)
    locks = []
    for _ in range(7):
        answer = guard.sign_in("alice", "wrong", None)
        locks.append(answer.locked_s)
        clock.now += answer.locked_s  # wait each lock-out out, then fail again
    assert locks == [0, 0, 10, 20, 40, 70, 70]


def test_while_locked_the_password_is_not_counted_or_checked(store: Store,
                                                             settings: Settings) -> None:
    clock, cfg = Clock(), _settings(settings)
    guard = LoginGuard(store.engine, cfg, clock)
    for _ in range(cfg.login_free_failures):
        guard.sign_in("alice", "wrong", "203.0.113.7")
    first = guard.locked_s(["user:alice"])
    for _ in range(20):
        guard.sign_in("alice", "wrong", "203.0.113.7")
    assert guard.locked_s(["user:alice"]) == first  # hammering does not extend nor shorten it


def test_a_success_clears_the_count(store: Store, settings: Settings) -> None:
    clock, cfg = Clock(), _settings(settings)
    guard = LoginGuard(store.engine, cfg, clock)
    for _ in range(cfg.login_free_failures - 1):
        guard.sign_in("alice", "wrong", None)
    assert guard.sign_in("alice", PASSWORD, None).ok
    for _ in range(cfg.login_free_failures - 1):
        assert guard.sign_in("alice", "wrong", None).locked_s == 0


def test_who_may_upload_and_export(settings: Settings) -> None:
    open_install = settings.model_copy(update={"ui_users": {}})
    assert may_export(open_install, None)  # no accounts: a local single-user installation
    cfg = _settings(settings)
    assert not may_export(cfg, None) and not may_export(cfg, "mallory")
    assert may_export(cfg, "alice")
    assert require_reviewer(cfg, "alice", "upload") == "alice"
    for user in (None, "", "mallory"):  # nobody, or an account removed while signed in
        with pytest.raises(NotAllowed):
            require_reviewer(cfg, user, "upload")
    with pytest.raises(NotAllowed):
        require_reviewer(open_install, "alice", "upload")
