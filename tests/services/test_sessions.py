"""Session tokens: a reviewer's sign-in kept across reloads, refused when expired, altered,
signed with another key, or when the account is gone or has a new password."""

from __future__ import annotations

import base64
import json
import multiprocessing as mp
from pathlib import Path

from worker.services.accounts import hash_password
from worker.services.sessions import SECRET_FILE, _secret, issue, verify
from worker.settings import Settings

NOW = 1_800_000_000.0
USERS = {"alice": hash_password("alice-password", n=2**4), "bob": hash_password("b", n=2**4)}


def _settings(tmp_path: Path, **changes: object) -> Settings:
    return Settings(data_dir=tmp_path, ui_users=USERS, ui_session_h=1, **changes)  # type: ignore[arg-type]


def test_a_token_names_its_reviewer_until_it_expires(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    token = issue(settings, "alice", now=NOW)
    assert verify(settings, token, now=NOW + 3599) == "alice"
    assert verify(settings, token, now=NOW + 3600) is None


def test_altered_foreign_or_stale_tokens_are_refused(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    token = issue(settings, "alice", now=NOW)
    payload, mac = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    for user, exp in (("bob", claims["exp"]), ("alice", claims["exp"] + 10**6)):
        forged = base64.urlsafe_b64encode(json.dumps({"u": user, "exp": exp}).encode()).decode()
        assert verify(settings, f"{forged.rstrip('=')}.{mac}", now=NOW) is None
    assert verify(settings, token[:-2] + ("AA" if token[-2:] != "AA" else "BB"), now=NOW) is None
    for junk in (None, "", "x", "a.b.c", "!!.??", f"{payload}."):
        assert verify(settings, junk, now=NOW) is None
    other_key = _settings(tmp_path, ui_secret="another key")
    assert verify(other_key, token, now=NOW) is None
    gone = settings.model_copy(update={"ui_users": {"bob": settings.ui_users["bob"]}})
    assert verify(gone, token, now=NOW) is None
    new_password = settings.model_copy(
        update={"ui_users": settings.ui_users | {"alice": hash_password("new", n=2**4)}})
    assert verify(new_password, token, now=NOW) is None


def test_the_secret_is_made_once_and_shared(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    with mp.get_context("spawn").Pool(4) as pool:
        secrets = pool.map(_secret, [settings] * 8)
    assert len(set(secrets)) == 1 and len(secrets[0]) >= 40
    assert (tmp_path / SECRET_FILE).stat().st_mode & 0o077 == 0  # readable by its owner only
    assert [p.name for p in tmp_path.iterdir()] == [SECRET_FILE]
    token = issue(settings, "alice", now=NOW)
    assert verify(_settings(tmp_path), token, now=NOW) == "alice"  # another process, same key
    assert verify(_settings(tmp_path, ui_secret="set"), issue(
        _settings(tmp_path, ui_secret="set"), "bob", now=NOW), now=NOW) == "bob"
