"""What every page shares: the services (settings, store, queue), the signed-in reviewer, flash
messages, and safe display of document text.

Document text is data, never markup: it goes into dataframes, `st.text` / `st.code`, or through
`md()` wherever Streamlit would read Markdown (labels, captions, headings).
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import math
import re
import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

import streamlit as st
from rq import Queue

from schemas import DocStatus
from schemas.records import DocumentRecord
from ui import session
from ui.i18n import ENUMS, label, t
from worker.errors import BudgetlensError, EditRefused, QueueUnavailable, Reason, StoreError
from worker.services import Services
from worker.services.accounts import LoginGuard
from worker.services.review import ANONYMOUS, REVIEWABLE
from worker.settings import Settings
from worker.store import Store

log = logging.getLogger(__name__)


class _Labels(Mapping[str, str]):
    """Enum value → its text in the current language (ui/locales), looked up when read."""

    def __init__(self, family: str) -> None:
        self.family = family

    def __getitem__(self, key: object) -> str:
        if key is None or str(key) not in self._values():
            raise KeyError(key)
        return label(self.family, str(key))

    def __iter__(self) -> Iterator[str]:
        return iter(self._values())

    def __len__(self) -> int:
        return len(self._values())

    def _values(self) -> list[str]:
        return [m.value for m in ENUMS[self.family]]  # type: ignore[attr-defined]


STATUS_LABEL = _Labels("status")
DOC_TYPE_LABEL = _Labels("doc_type")
# status as coloured text (a badge), never only a symbol: emoji are blank boxes without a font
STATUS_COLOR = {
    DocStatus.queued: "gray",
    DocStatus.running: "blue",
    DocStatus.extracted: "green",
    DocStatus.needs_review: "orange",
    DocStatus.confirmed: "green",
    DocStatus.failed: "red",
}
STATUS_CSS = {"gray": "#6b7280", "blue": "#1d4ed8", "green": "#15803d", "orange": "#c2410c",
              "red": "#b91c1c"}


def status_badge(status: DocStatus) -> str:
    """Markdown: the status as coloured text."""
    return f":{STATUS_COLOR[status]}-badge[{STATUS_LABEL[status]}]"


def status_css(text: object) -> str:
    """CSS colouring a grid cell that holds a status label (for `Styler.map`)."""
    for status, color in STATUS_COLOR.items():
        if text == STATUS_LABEL[status]:
            return f"color: {STATUS_CSS[color]}; font-weight: 600"
    return ""


# Everything CommonMark, Streamlit's directives (:red[..], :material/x:, $latex$) and HTML read.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:=^&\"'@])")
# Streamlit still turns bare URLs, www. names and e-mail addresses into links when their
# punctuation is escaped (or written as &#58;): an invisible WORD JOINER breaks the pattern.
_LINK_MAKERS = re.compile(r"(\\[:.@])")
WORD_JOINER = "\u2060"


def md(text: object) -> str:
    """Document text made inert for any Streamlit element that renders Markdown."""
    flat = " ".join(str(text).split())  # newlines would start Markdown blocks (lists, headings)
    return _LINK_MAKERS.sub(WORD_JOINER + r"\1", _MD_SPECIAL.sub(r"\\\1", flat))


@st.cache_resource(show_spinner=False)
def _services(key: str, _settings: Settings) -> Services:
    sv = Services(_settings)  # the queue (and Redis) start on first use, not at start-up
    atexit.register(sv.close)  # stop the embedded Redis we started, when the app exits
    return sv


def services() -> Services:
    """One store/queue per distinct configuration (tests run several in one process)."""
    settings = Settings()
    return _services(settings.model_dump_json(), settings)


def queue_or_error(sv: Services) -> Queue | None:
    try:
        return sv.queue
    except BudgetlensError:
        log.exception("the queue is unavailable")  # its words (a URL, a path) stay in the log
        st.error(t("common.queue_unavailable"))
        return None


def page_failed(exc: Exception) -> bool:
    """What the reviewer sees of an exception no page caught (st.App's on_script_error, ui/serve.py):
    what it means, in the app's language, and a reference to find it in the app's log, where
    Streamlit has just written the traceback (paths, addresses, SQL: never on the page). True:
    Streamlit's own box is not shown."""
    ref = secrets.token_hex(4)
    log.error("page failed [%s] (the traceback above): %s: %s", ref, type(exc).__name__, exc)
    kind = ("store" if isinstance(exc, StoreError)
            else "queue" if isinstance(exc, QueueUnavailable) else "internal")
    st.error(t(f"common.failed_{kind}", ref=ref))
    return True


def why(refused: Reason | EditRefused) -> str:
    """Why a request was refused, in the app's language (`refused.<code>`); the service's own
    words, in English with their details, go to the log."""
    reason = refused.reason if isinstance(refused, EditRefused) else refused
    log.warning("refused (%s): %s", reason.code, reason)
    return t(f"refused.{reason.code}", **{k: md(v) for k, v in reason.fields.items()})


@st.cache_data(ttl=60, show_spinner=False)
def _reviewable(url: str, counts: tuple[int, ...], _store: Store) -> list[DocumentRecord]:
    return [r for r in _store.list() if r.status in REVIEWABLE]


def reviewable_records(store: Store) -> list[DocumentRecord]:
    """Documents with a result, for pickers. Listing reads every row and the Review page reruns
    on each click, so it is cached until the counts per status change (a cheap query)."""
    return _reviewable(store.url, tuple(store.counts().values()), store)


def forget_records() -> None:
    _reviewable.clear()


# -- widgets whose value is an id ------------------------------------------------------------


def digest(*parts: object) -> str:
    """A short digest of what a widget shows, for its key: the widget is replaced (its
    selection dropped) exactly when what it shows changed — not on every write to the store."""
    return hashlib.blake2b(repr(parts).encode(), digest_size=6).hexdigest()

T = TypeVar("T")


def choose(
    widget: Callable[..., Any],
    label: str,
    options: Sequence[T],
    *,
    key: str,
    format_func: Callable[[T], str],
    on_change: Callable[[], None] | None = None,
    **kwargs: Any,
) -> T:
    """A select widget (`st.selectbox`, `st.radio`, `col.segmented_control` …) whose value is an
    id — an option of `options` — kept in `st.session_state[key]`; labels only format it.

    Streamlit maps the browser's answer back through the option's *label*: a label that changed
    since the browser drew it (a table just confirmed, a document's new status) comes back as
    the old label string instead of an id. So the widget's own key carries a digest of the
    labels and of the current value: a changed label, or a value set by the program (a finding
    that jumps to its table), draws a new widget, and the browser never answers in old labels."""
    options = list(options)
    if st.session_state.get(key) not in options and options:
        st.session_state[key] = options[0]
    current = st.session_state.get(key)
    labels = [format_func(o) for o in options]
    wkey = f"{key}~{digest(labels, current)}"

    def changed() -> None:
        value = st.session_state.get(wkey)
        if value in options:  # never a label string: the labels are this run's
            st.session_state[key] = value
            if on_change is not None:
                on_change()

    index = options.index(current) if current in options else None
    if getattr(widget, "__name__", "") in ("segmented_control", "pills"):
        kwargs["default"] = current
    else:
        kwargs["index"] = index
    widget(label, options, key=wkey, format_func=format_func, on_change=changed, **kwargs)
    return st.session_state.get(key)  # type: ignore[return-value]


# -- the reviewer --------------------------------------------------------------------------


def current_user() -> str | None:
    user = st.session_state.get("user")
    return user if user and user != ANONYMOUS else None


def sidebar_login(settings: Settings) -> None:
    with st.sidebar:
        user = current_user()
        if user:
            st.caption(t("login.signed_in_as", user=md(user)))
            if st.button(t("login.sign_out"), key="sign_out", icon=":material/logout:"):
                session.signed_out()
                st.rerun()
            return
        if not settings.ui_users:
            st.info(t("login.read_only"))
            return
        _login_form(settings)


def _login_form(settings: Settings) -> None:
    with st.form("login", clear_on_submit=True, border=False):
        if st.session_state.get(session.REFUSED):
            st.warning(t("session.refused"), icon=":material/lock_clock:")
        st.caption(t("login.prompt"))
        name = st.text_input(t("login.reviewer"), key="login_name")
        password = st.text_input(t("login.password"), type="password", key="login_password")
        if st.form_submit_button(t("login.sign_in"), icon=":material/login:", key="login_submit"):
            # rate limited per name and address (worker/services/accounts.py)
            answer = LoginGuard(services().store.engine, settings).sign_in(
                name, password, st.context.ip_address)
            if answer.ok:
                session.signed_in(settings, answer.user)
                st.rerun()
            if answer.locked_s:
                st.error(t("login.locked", seconds=math.ceil(answer.locked_s)))
            else:
                st.error(t("login.wrong"))


def require_user(action: str) -> str | None:
    """The reviewer's name, or None with a visible notice that `action` needs signing in."""
    user = current_user()
    if user is None:
        st.warning(t("login.required", action=action))
    return user


# -- flash messages survive the rerun that follows an action ---------------------------------


def flash(kind: str, text: str) -> None:
    st.session_state.setdefault("_flash", []).append((kind, text))


def show_flashes() -> None:
    for kind, text in st.session_state.pop("_flash", []):
        {"success": st.success, "error": st.error, "warning": st.warning}.get(kind, st.info)(text)


# -- labels ---------------------------------------------------------------------------------


def doc_label(rec: DocumentRecord) -> str:
    """Plain text (for selectbox options, which Streamlit shows as text)."""
    kind = DOC_TYPE_LABEL.get(rec.doc_type or "", rec.doc_type or "")
    parts = [rec.department or t("common.department_unknown"), str(rec.fiscal_year or ""), kind]
    name = rec.source_file.replace("\\", "/").rsplit("/", 1)[-1]
    return f"【{STATUS_LABEL[rec.status]}】{' '.join(p for p in parts if p)} · {name}"


def short_name(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def grid(data: Any, **kwargs: Any) -> Any:
    """`st.dataframe` as every grid of the app draws one: a missing number is a blank cell, not
    the word None."""
    return st.dataframe(data, placeholder="", **kwargs)


def right(label: str, **kwargs: Any) -> Any:
    """A grid column of printed text that is a number (a cell as printed): right-aligned like
    amounts."""
    return st.column_config.TextColumn(label, alignment="right", **kwargs)


def number(label: str, decimals: int = 0, grouped: bool = True, **kwargs: Any) -> Any:
    """A grid column of numbers (the cells hold numbers, so it sorts by value, not as text):
    thousands separators unless not `grouped` (years), `decimals` digits after the point."""
    spec = f"%{',' if grouped else ''}{f'.{decimals}f' if decimals else 'd'}"
    return st.column_config.NumberColumn(label, format=spec, **kwargs)


def records_frame_rows(records: list[DocumentRecord]) -> list[dict[str, Any]]:
    return [
        {
            "status": STATUS_LABEL[r.status],
            "department": r.department or "",
            "year": r.fiscal_year,
            "type": DOC_TYPE_LABEL.get(r.doc_type or "", ""),
            "file": short_name(r.source_file),
            "pages": r.pages,
            "findings": r.n_findings,
            "updated": r.updated_at,
            "seconds": r.seconds,
            "doc_id": r.doc_id[:12],
        }
        for r in records
    ]


def records_column_config() -> dict[str, Any]:
    """Printed headers of the `records_frame_rows` grid in the current language."""
    return {
        key: st.column_config.Column(t(f"records.{key}"))
        for key in ("status", "department", "type", "file", "doc_id")
    } | {key: number(t(f"records.{key}")) for key in ("pages", "findings")} | {
        "year": number(t("records.year"), grouped=False),
        "seconds": number(t("records.seconds"), 1),
        "updated": st.column_config.DatetimeColumn(
            t("records.updated"), format="YYYY-MM-DD HH:mm:ss"),
    }
