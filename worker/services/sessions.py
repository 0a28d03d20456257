"""Signed, expiring session tokens: a sign-in that survives a reload of the review app.

A token is `<payload>.<mac>` (base64url): the payload names the reviewer and the expiry, the mac
is HMAC-SHA256 over it with the app's secret *and the reviewer's password hash*, so a token is
refused once it expired, was altered or signed with another key, or its reviewer's account was
removed or given a new password. The secret is `Settings.ui_secret`, else a random one made once
and kept in `data_dir/ui_secret` (every app process on that data dir shares it).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
import time
from pathlib import Path

from worker.services.accounts import _b64, _unb64
from worker.settings import Settings

SECRET_FILE = "ui_secret"


def issue(settings: Settings, user: str, now: float | None = None) -> str:
    """A token for `user` (a configured reviewer), valid for `ui_session_h` hours from `now`."""
    expires = int((time.time() if now is None else now) + settings.ui_session_h * 3600)
    payload = _b64(json.dumps({"u": user, "exp": expires}, separators=(",", ":")).encode())
    return f"{payload}.{_mac(settings, user, payload)}"


def verify(settings: Settings, token: str | None, now: float | None = None) -> str | None:
    """The reviewer a valid token names; None for anything else (no exception: a bad token is a
    visitor who has to sign in)."""
    if not token or token.count(".") != 1:
        return None
    payload, mac = token.split(".")
    try:
        claims = json.loads(_unb64(payload))
        user, expires = str(claims["u"]), float(claims["exp"])
    except (ValueError, KeyError, TypeError):
        return None
    if user not in settings.ui_users:
        return None
    if not hmac.compare_digest(mac, _mac(settings, user, payload)):
        return None
    return user if (time.time() if now is None else now) < expires else None


def _mac(settings: Settings, user: str, payload: str) -> str:
    key = _secret(settings).encode() + b"\0" + settings.ui_users[user].encode()
    return _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())


def _secret(settings: Settings) -> str:
    if settings.ui_secret:
        return settings.ui_secret
    path = settings.data_dir / SECRET_FILE
    with contextlib.suppress(FileNotFoundError):
        return path.read_text().strip()
    return _create(path)


def _create(path: Path) -> str:
    """Made once: written aside, then linked into place, which fails if another process was
    first (its secret is then the one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    aside = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(value + "\n")
    try:
        os.link(aside, path)
    except FileExistsError:
        value = path.read_text().strip()
    finally:
        aside.unlink()
    return value
