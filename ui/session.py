"""A sign-in that survives a reload: a signed, expiring token (worker/services/sessions.py) in a
cookie of the app's own address. The server checks the token on every run, so an expired one, an
altered one or one whose account is gone signs the reviewer out; the cookie only carries it
across reloads (the browser sends it when the page connects, `st.context.cookies`).

Kept out of the URL on purpose: a link to a document and table is something to share, a sign-in
is not. And out of the page's reach: the cookie is HttpOnly (no script reads it — a script that
got into the page cannot carry the sign-in away), SameSite=Strict, and Secure when the app is
served over HTTPS. Only a server response can set such a cookie, and Streamlit sets none: the
page posts a one-time code to the app's own route (`ROUTE`, served by ui/serve.py), whose answer
sets the cookie to the token the code stands for — the token itself never reaches the page.
"""

from __future__ import annotations

import secrets
import threading
import time

import streamlit as st
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from worker.services.sessions import issue, verify
from worker.settings import Settings

COOKIE = "budgetlens_session"
ROUTE = "/_budgetlens/session"  # POST a one-time code: the cookie is set; nothing: it is cleared
_TOKEN, _COOKIE_OP, _SPENT = "_session_token", "_session_cookie", "_session_spent"
REFUSED = "_session_refused"
_CODE_TTL_S = 300.0  # a code the page never posted (closed at once) is dropped after this
# one-time code → (token, cookie max-age, when made); the app's runs and its route share the
# process (ui/serve.py)
_codes: dict[str, tuple[str, int, float]] = {}
_codes_lock = threading.Lock()


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
    if token != cookie and not st.session_state.get(_COOKIE_OP):
        st.session_state[_COOKIE_OP] = _code_for(settings, token)


def signed_in(settings: Settings, user: str) -> None:
    token = issue(settings, user)
    st.session_state.update({"user": user, _TOKEN: token, _COOKIE_OP: _code_for(settings, token),
                             REFUSED: False})


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


def write_cookie() -> None:
    """The cookie as this session wants it (set to its token, or cleared after a sign-out): a
    script element drawn on every run until the page reloads (redrawing the same element runs
    nothing again) posts the one-time code (or nothing) to `ROUTE`."""
    op = st.session_state.get(_COOKIE_OP)
    if op is None:
        return
    # the code is base64url, nothing a script would read differently
    st.html(
        f"<script>fetch('{ROUTE}', {{method: 'POST', body: '{op}', credentials: 'same-origin', "
        "cache: 'no-store'});</script>",
        unsafe_allow_javascript=True,
    )


def _code_for(settings: Settings, token: str) -> str:
    code, now = secrets.token_urlsafe(24), time.monotonic()
    with _codes_lock:
        for old in [c for c, (_, _, made) in _codes.items() if now - made > _CODE_TTL_S]:
            del _codes[old]
        _codes[code] = (token, int(settings.ui_session_h * 3600), now)
    return code


async def _cookie_route(request: Request) -> Response:
    """Set the cookie to the token a one-time code stands for (the code is spent), or clear it
    when the body is empty; 204 either way, 403 for a code that is unknown or spent."""
    code = (await request.body()).decode("ascii", "replace").strip()
    with _codes_lock:
        claimed = _codes.pop(code, None) if code else None
    if code and claimed is None:
        return Response(status_code=403)
    token, age = (claimed[0], claimed[1]) if claimed else ("", 0)
    answer = Response(status_code=204, headers={"Cache-Control": "no-store"})
    https = "https" in (request.url.scheme, request.headers.get("x-forwarded-proto", ""))
    answer.set_cookie(COOKIE, token, max_age=age, path="/", httponly=True, samesite="strict",
                      secure=https)
    return answer


ROUTES = [Route(ROUTE, _cookie_route, methods=["POST"])]
