"""A sign-in that survives a reload: a signed, expiring token (worker/services/sessions.py) in a
cookie of the app's own address. The server checks the token on every run, so an expired one, an
altered one or one whose account is gone signs the reviewer out; the cookie only carries it
across reloads (the browser sends it when the page connects, `st.context.cookies`).

Kept out of the URL on purpose: a link to a document and table is something to share, a sign-in
is not. The cookie is written by a line of script (Streamlit sets no cookies itself)."""

from __future__ import annotations

import streamlit as st

from worker.services.sessions import issue, verify
from worker.settings import Settings

COOKIE = "budgetlens_session"
_TOKEN, _COOKIE_OP, _SPENT = "_session_token", "_session_cookie", "_session_spent"
REFUSED = "_session_refused"


def restore(settings: Settings) -> None:
    """First thing on every run: who is signed in, by the token of this session or else the
    browser's cookie (a reload). A token that no longer verifies signs out, with a notice."""
    token = st.session_state.get(_TOKEN)
    cookie = st.context.cookies.get(COOKIE)
    if token is None and cookie and cookie not in st.session_state.get(_SPENT, ()):
        token = cookie
    if token is None:
        return
    user = verify(settings, token)
    if user is None:
        _forget(token)
        st.session_state[REFUSED] = True  # said above the sign-in form until the next sign-in
        return
    st.session_state.update({"user": user, _TOKEN: token})
    if token != cookie:
        st.session_state[_COOKIE_OP] = token


def signed_in(settings: Settings, user: str) -> None:
    token = issue(settings, user)
    st.session_state.update({"user": user, _TOKEN: token, _COOKIE_OP: token, REFUSED: False})


def signed_out() -> None:
    _forget(st.session_state.get(_TOKEN))


def _forget(token: str | None) -> None:
    """Signed out for good in this session: its token and the cookie the page came with are
    spent (that cookie is still what `st.context` reports until the next reload)."""
    spent = set(st.session_state.get(_SPENT, ()))
    spent.update(x for x in (token, st.context.cookies.get(COOKIE)) if x)
    st.session_state.pop("user", None)
    st.session_state.pop(_TOKEN, None)
    st.session_state.update({_SPENT: spent, _COOKIE_OP: ""})


def write_cookie(settings: Settings) -> None:
    """The cookie as this session wants it (set to its token, or cleared after a sign-out),
    by a script element drawn on every run until the page reloads (redrawing the same element
    runs nothing again)."""
    op = st.session_state.get(_COOKIE_OP)
    if op is None:
        return
    age = int(settings.ui_session_h * 3600) if op else 0
    # the token is base64url and '.', nothing a script or cookie would read differently
    st.html(
        f"<script>document.cookie = '{COOKIE}={op}; path=/; max-age={age}; SameSite=Strict';"
        "</script>",
        unsafe_allow_javascript=True,
    )
