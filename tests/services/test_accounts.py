"""Reviewer accounts (scrypt hashes in settings, `budgetlens user add`) and inert document text."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ui.common import WORD_JOINER, md
from worker.cli import app
from worker.services.accounts import authenticate, env_line, hash_password, verify_password
from worker.settings import Settings


def test_a_hash_verifies_its_password_only() -> None:
    stored = hash_password("correct horse")
    assert stored.startswith("scrypt:") and "correct horse" not in stored
    assert verify_password("correct horse", stored)
    assert not verify_password("correct hors", stored)
    assert hash_password("correct horse") != stored  # salted


@pytest.mark.parametrize(
    "bad", ["", "plain", "scrypt:1:2:3", "md5:x:y:z:a:b", "scrypt:16384:8:1:!!:!!"]
)
def test_malformed_hashes_never_match(bad: str) -> None:
    assert not verify_password("", bad) and not verify_password("plain", bad)


def test_authenticate_against_settings() -> None:
    settings = Settings(ui_users={"alice": hash_password("alice-pw")})
    assert authenticate(settings, "alice", "alice-pw")
    assert authenticate(settings, " alice ", "alice-pw")
    assert not authenticate(settings, "alice", "bob-pw")
    assert not authenticate(settings, "mallory", "alice-pw")


def test_user_add_prints_a_line_settings_read(monkeypatch: pytest.MonkeyPatch) -> None:
    existing = hash_password("old-password")
    monkeypatch.setenv("BUDGETLENS_UI_USERS", json.dumps({"bob": existing}))
    result = CliRunner().invoke(
        app, ["user", "add", "alice", "--password-stdin"], input="s3cret-password\n"
    )
    assert result.exit_code == 0, result.output
    line = next(x for x in result.stdout.splitlines() if x.startswith("BUDGETLENS_UI_USERS="))
    monkeypatch.setenv("BUDGETLENS_UI_USERS", line.split("=", 1)[1].strip("'"))
    users = Settings().ui_users
    assert users["bob"] == existing  # kept
    assert verify_password("s3cret-password", users["alice"])
    assert env_line(users) == line


def test_user_add_refuses_short_passwords() -> None:
    result = CliRunner().invoke(app, ["user", "add", "x", "--password-stdin"], input="short\n")
    assert result.exit_code != 0 and "8 characters" in result.output


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "**bold** _it_ `code`",
        "[a](http://e.test) ![i](x.png)",
        "# heading",
        "1. item",
        "- item",
        "> quote",
        ":red[x] :material/home: $x^2$",
        "a@b.test www.b.test https://b.test",
        "a | b",
        "&amp; &lt;",
        "line\nbreak",
    ],
)
def test_md_escapes_every_markup_character(text: str) -> None:
    out = md(text)
    plain = out.replace(WORD_JOINER, "")
    assert "".join(plain.split("\\")) == " ".join(text.split())  # only escapes were added
    for i, ch in enumerate(plain):
        if ch in "\\`*_{}[]()<>#+-.!|~$:=^&\"'@" and not (i and plain[i - 1] == "\\"):
            assert ch == "\\" and plain[i + 1] in "\\`*_{}[]()<>#+-.!|~$:=^&\"'@", out
