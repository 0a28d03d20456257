"""Reviewer accounts: scrypt password hashes kept in `Settings.ui_users` (`budgetlens user add`
in worker/cli.py prints the line that sets them); sign-in rate limited per name and address
(`LoginGuard`, counted in the store's database); who may upload and export (`require_reviewer`,
`may_export`: the pages call them on the server, whatever their widgets showed).

A hash is `scrypt:<n>:<r>:<p>:<salt>:<key>` (base64url, no `$`, so it survives .env files and
shell quoting).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    func,
    select,
    update,
)
from sqlalchemy import insert as sa_insert
from sqlalchemy.exc import SQLAlchemyError

from worker.errors import NotAllowed, StoreError
from worker.settings import Settings
from worker.store.database import create_tables, insert_or_skip

_N, _R, _P, _DKLEN = (
    2**14,
    8,
    1,
    32,
)  # ~50 ms and 16 MiB per check: slow to brute-force, fine to log in


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str, *, n: int = _N, r: int = _R, p: int = _P) -> str:
    salt = os.urandom(16)
    key = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=_DKLEN)
    return f"scrypt:{n}:{r}:{p}:{_b64(salt)}:{_b64(key)}"


def verify_password(password: str, stored: str) -> bool:
    """True when `password` matches the stored hash. A malformed hash never matches."""
    try:
        scheme, n, r, p, salt, key = stored.split(":")
        if scheme != "scrypt":
            return False
        expected = _unb64(key)
        got = hashlib.scrypt(
            password.encode(),
            salt=_unb64(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
            maxmem=2**26,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


def authenticate(settings: Settings, name: str, password: str) -> bool:
    stored = settings.ui_users.get(name.strip())
    if stored is None:
        # spend the same time as a real check so a probe cannot tell which names exist
        verify_password(password, _DUMMY)
        return False
    return verify_password(password, stored)


_DUMMY = "scrypt:16384:8:1:AAAAAAAAAAAAAAAAAAAAAA:" + "A" * 43


def env_line(users: dict[str, str]) -> str:
    """The shell line that configures these reviewer accounts."""
    return f"BUDGETLENS_UI_USERS='{json.dumps(users, ensure_ascii=False, sort_keys=True)}'"


# -- sign-in: rate limited per reviewer name and per client address ---------------------------

_attempts = Table(
    "login_failures",
    MetaData(),
    Column("key", String(300), primary_key=True),  # "user:<name>" or "addr:<address>"
    Column("failures", Integer, nullable=False),
    Column("last_failure", Float, nullable=False),  # epoch seconds
    Column("locked_until", Float, nullable=False),
)


@dataclass(frozen=True)
class SignIn:
    """The answer to one sign-in attempt: the reviewer's name, or why not."""

    user: str | None
    locked_s: float = 0.0  # > 0: refused without checking the password, try again after this

    @property
    def ok(self) -> bool:
        return self.user is not None


class LoginGuard:
    """Failed sign-ins counted per reviewer name and per client address in the store's database,
    so a lock-out holds across app processes and restarts. After `login_free_failures` failures
    in a row, each further one locks that key for `login_lockout_s` × 2^(failures − free),
    at most `login_lockout_max_s`; while locked the password is not even checked. A success
    clears the name's and the address's count; a key quiet for a day starts again from zero."""

    FORGET_S = 24 * 3600

    def __init__(self, engine: Engine, settings: Settings,
                 clock: Callable[[], float] = time.time) -> None:
        self.engine, self.settings, self.clock = engine, settings, clock
        try:
            with engine.begin() as conn:
                create_tables(conn, _attempts.metadata)
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot create the sign-in table: {exc}") from exc

    def sign_in(self, name: str, password: str, address: str | None) -> SignIn:
        name = name.strip()
        keys = [f"user:{name}"[:300], f"addr:{address or 'local'}"[:300]]
        locked = self.locked_s(keys)
        if locked > 0:
            return SignIn(None, locked)
        if authenticate(self.settings, name, password):
            self._clear(keys)
            return SignIn(name)
        return SignIn(None, self._failed(keys))

    def locked_s(self, keys: list[str]) -> float:
        now = self.clock()
        with self._conn() as conn:
            until = conn.scalar(select(func.max(_attempts.c.locked_until))
                                .where(_attempts.c.key.in_(keys)))
        return max(0.0, (until or 0.0) - now)

    def _failed(self, keys: list[str]) -> float:
        """Count one failure on each key; the lock-out it starts (0 while still free)."""
        now, free = self.clock(), self.settings.login_free_failures
        locked = 0.0
        with self._conn() as conn:
            for key in keys:
                row = conn.execute(select(_attempts.c.failures, _attempts.c.last_failure)
                                   .where(_attempts.c.key == key).with_for_update()).first()
                failures = 1 if row is None or now - row.last_failure > self.FORGET_S \
                    else row.failures + 1
                lock = 0.0 if failures < free else min(
                    self.settings.login_lockout_s * 2 ** (failures - free),
                    self.settings.login_lockout_max_s)
                values = {"failures": failures, "last_failure": now, "locked_until": now + lock}
                if row is None:
                    if not _inserted(conn, key, values):  # another process inserted it meanwhile
                        conn.execute(update(_attempts).where(_attempts.c.key == key)
                                     .values(failures=_attempts.c.failures + 1,
                                             last_failure=now, locked_until=now + lock))
                else:
                    conn.execute(update(_attempts).where(_attempts.c.key == key).values(**values))
                locked = max(locked, lock)
        return locked

    def _clear(self, keys: list[str]) -> None:
        with self._conn() as conn:
            conn.execute(delete(_attempts).where(_attempts.c.key.in_(keys)))

    @contextmanager
    def _conn(self) -> Iterator[Connection]:
        try:
            with self.engine.begin() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise StoreError(f"sign-in bookkeeping failed: {exc}") from exc


def _inserted(conn: Connection, key: str, values: dict[str, float]) -> bool:
    insert = insert_or_skip(conn.dialect.name)
    if insert is None:  # another database: a plain insert (a race fails the transaction)
        conn.execute(sa_insert(_attempts).values(key=key, **values))
        return True
    stmt = insert(_attempts).values(key=key, **values).on_conflict_do_nothing()
    return conn.scalar(stmt.returning(_attempts.c.key)) is not None


# -- who may do what, checked on the server whatever the page's widgets showed ----------------


def may_export(settings: Settings, user: str | None) -> bool:
    """Exports need a signed-in reviewer once accounts exist (without accounts: a local,
    single-user installation, everything is readable)."""
    return not settings.ui_users or is_reviewer(settings, user)


def is_reviewer(settings: Settings, user: str | None) -> bool:
    """A signed-in reviewer whose account still exists (it may be removed while signed in)."""
    return bool(user) and user in settings.ui_users


def require_reviewer(settings: Settings, user: str | None, action: str) -> str:
    """The reviewer's name; NotAllowed when nobody (or a removed account) is signed in."""
    if not is_reviewer(settings, user):
        raise NotAllowed(f"sign in to {action}")
    assert user is not None
    return user
