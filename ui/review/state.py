"""Where the reviewer is on the Review page (page, table, picked finding) and how actions run:
shared by the panels, kept in `st.session_state`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from schemas import Finding, Severity
from ui import tableview as tv
from ui.common import flash, forget_records, why
from ui.i18n import t
from worker.services.review import InvalidEdit, NotAllowed, Review, VersionConflict

_SEVERITY_ORDER = {Severity.error: 0, Severity.warning: 1, Severity.info: 2}


def sign_in_hint() -> str:
    return t("state.sign_in")


def reset_view(review: Review) -> None:
    """A newly opened document starts where its first finding is (else at its first table)."""
    doc = review.document
    findings = sorted_findings(review)
    st.session_state["finding_sel"] = None
    st.session_state["edit_mode"] = False
    if findings:
        jump(review, 0)  # picked at once: its boxes are already drawn on the page
        return
    st.session_state["page"] = next((t.pages[0] for t in doc.tables if t.pages), 1)
    on_page = tv.tables_on_page(doc, st.session_state["page"])
    st.session_state["table_sel"] = on_page[0] if on_page else 0


def sorted_findings(review: Review) -> list[Finding]:
    """Open before dismissed, errors first, grouped by cause (rule), then by page."""
    return sorted(review.findings, key=lambda f: (
        review.dismissal(f) is not None, _SEVERITY_ORDER.get(f.severity, 9), f.rule_id,
        tv.finding_page(review.document, f) or 0))


def on_action(done: str | Callable[[], str], action: Callable[[], Review]) -> dict[str, Any]:
    """A button's arguments that run `action` (a store write) as the click's callback: before
    the run that draws the page, so that one run shows its result. (Run inline, the write needs
    `st.rerun()` to redraw what was drawn above it: the browser then hears "not running" between
    the two runs and shows the page of the first — a click there lands on the old findings grid,
    the finding just dismissed in its first row.) `action` reads the widgets it needs from
    `st.session_state` when it runs: the values the click was sent with."""
    return {"on_click": run_action, "args": (done, action)}


def run_action(done: str | Callable[[], str], action: Callable[[], Review]) -> None:
    """Run a store write (as a callback, `on_action`); success, conflict or refusal is shown
    by the run that follows."""
    try:
        review = action()
    except VersionConflict as exc:
        flash("error", t("state.conflict", reason=why(exc)))
    except (InvalidEdit, NotAllowed) as exc:
        flash("error", t("state.not_saved", reason=why(exc)))
    else:
        old = st.session_state["review"]
        before = len(old.findings)
        _keep_finding(old, review)
        forget_records()
        st.session_state["review"] = review
        text = done() if callable(done) else done
        flash("success", t("state.saved", done=text, before=before, after=len(review.findings)))


def forget_review() -> None:
    """Reload the document from the store (a callback: the next run opens it afresh)."""
    st.session_state.pop("review", None)


def _keep_finding(old: Review, new: Review) -> None:
    """The picked finding stays picked if it is still there (a fix that worked clears it)."""
    sel = st.session_state.get("finding_sel")
    findings = sorted_findings(old)
    if sel is None or sel >= len(findings):
        return
    same = [i for i, f in enumerate(sorted_findings(new)) if f == findings[sel]]
    st.session_state["finding_sel"] = same[0] if same else None


def ensure_view(review: Review) -> None:
    """Widget state is dropped while another page is shown: restore a sane position."""
    if any(k not in st.session_state for k in ("page", "table_sel", "finding_sel", "edit_mode")):
        reset_view(review)


def jump(review: Review, i: int) -> None:
    """Show the finding's first cell (the suspected misread, when it names one): its table, on
    the page that cell is printed on."""
    doc, finding = review.document, sorted_findings(review)[i]
    st.session_state["finding_sel"] = i
    suspects = [c for loc in finding.locations if loc.suspect for c in tv.locate(doc, loc)]
    cells = suspects or sorted(
        tv.finding_cells(doc, finding), key=lambda c: (c[0], c[1], c[2] or "")
    )
    page = (tv.cell_box(doc, cells[0])[0] if cells else None) or tv.finding_page(doc, finding)
    st.session_state["page"] = page or st.session_state.get("page") or 1
    if cells:
        st.session_state["table_sel"] = cells[0][0]
    else:
        st.session_state.setdefault("table_sel", 0)
        follow_page(review)


def follow_page(review: Review) -> None:
    """Show a table of the new page (unless the current one continues there)."""
    on_page = tv.tables_on_page(review.document, st.session_state["page"])
    if on_page and st.session_state.get("table_sel") not in on_page:
        st.session_state["table_sel"] = on_page[0]


STEPPED = "_finding_steps"  # counts steps by key: part of the findings grid's widget key


def finding_keys(review: Review, shown: list[int]) -> None:
    """Previous / next finding (of those the filters show) by button or key: Shift+F / F."""
    prev, nxt = st.columns(2)
    for col, step, name, keys in ((prev, -1, "prev_finding", "Shift+F"),
                                  (nxt, 1, "next_finding", "F")):
        col.button(t(f"state.{name}"), key=name, shortcut=keys, on_click=_step,
                   args=(review, shown, step), disabled=not shown, width="stretch")


def _step(review: Review, shown: list[int], step: int) -> None:
    sel = st.session_state.get("finding_sel")
    if sel in shown:
        target = shown[(shown.index(sel) + step) % len(shown)]
    else:  # none picked yet: the first (or, going back, the last) one shown
        target = shown[0 if step > 0 else -1]
    jump(review, target)
    st.session_state[STEPPED] = st.session_state.get(STEPPED, 0) + 1
