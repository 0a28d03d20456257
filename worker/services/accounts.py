"""Reviewer accounts: scrypt password hashes kept in `Settings.ui_users` (`budgetlens user add`
in worker/cli.py prints the line that sets them).

A hash is `scrypt:<n>:<r>:<p>:<salt>:<key>` (base64url, no `$`, so it survives .env files and
shell quoting).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os

from worker.settings import Settings

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
