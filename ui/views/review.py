"""Review: the page image beside its extracted table; findings that jump to what they involve;
corrections and confirmations saved with the version the reviewer saw."""

from __future__ import annotations

import streamlit as st

from ui.common import (
    Services,
    choose,
    doc_label,
    forget_records,
    md,
    reviewable_records,
    services,
    short_name,
    show_flashes,
    status_badge,
)
from ui.i18n import t
from ui.review import edits, panels, position
from ui.review import table as review_table
from ui.review.page import page_panel
from ui.review.state import ensure_view, forget_review, reset_view
from worker.services.review import Review, next_needing_review, open_review


def main() -> None:
    sv = services()
    show_flashes()
    doc_id = _choose_document(sv)
    if doc_id is None:
        return
    review = _pinned_review(sv, doc_id)
    if review is None:
        return
    panels.header(sv, review)
    edits.metadata_panel(sv, review)
    if st.session_state.get("layout_pref") == "stacked":  # full width for wide tables
        image, data = st.container(), st.container()
    else:
        image, data = st.columns([1.1, 1], gap="medium")
    with data:  # filled first: the selections there decide what the image highlights
        boxes = review_table.table_panel(sv, review)
        boxes += edits.rows_panel(sv, review)
        boxes += panels.findings_panel(sv, review)
        boxes += edits.performance_panel(sv, review)
        boxes += panels.extras_panel(sv, review)
    with image:
        page_panel(sv, review, boxes)
    position.publish(review)


# -- which document -------------------------------------------------------------------------


def _choose_document(sv: Services) -> str | None:
    records = reviewable_records(sv.store)
    if not records:
        st.info(t("review.no_documents"))
        return None
    wanted = st.query_params.get("doc") or st.session_state.get("doc_id")
    if wanted and not any(r.doc_id.startswith(wanted) for r in records):
        forget_records()  # extracted since the list was cached
        records = reviewable_records(sv.store)
    ids = [r.doc_id for r in records]
    labels = {r.doc_id: doc_label(r) for r in records}
    wanted = next((i for i in ids if wanted and i.startswith(wanted)), None)
    if st.session_state.get("doc_id") not in ids or (
        wanted and wanted != st.session_state.get("doc_id")
    ):
        _select(wanted or ids[0])
    pick, nxt = st.columns([5, 1], vertical_alignment="bottom")
    with pick:
        choose(
            st.selectbox,
            t("review.document"),
            ids,
            key="doc_id",
            format_func=labels.__getitem__,
            on_change=lambda: _select(st.session_state["doc_id"]),
        )
    nxt.button(
        t("review.next_doc"),
        key="next_doc",
        icon=":material/skip_next:",
        shortcut="N",
        on_click=_next_doc,
        args=(sv,),
        help=t("review.next_doc_help"),
        width="stretch",
    )
    return st.session_state["doc_id"]


def _select(doc_id: str) -> None:
    position.leave(doc_id)
    st.session_state["doc_id"] = doc_id
    st.query_params["doc"] = doc_id[:16]


def _next_doc(sv: Services) -> None:
    nxt = next_needing_review(sv.store, after=st.session_state.get("doc_id"))
    if nxt is None:
        st.session_state.setdefault("_flash", []).append(
            ("success", t("review.nothing_else"))
        )
        return
    _select(nxt)


# -- the document as the reviewer saw it ----------------------------------------------------


def _pinned_review(sv: Services, doc_id: str) -> Review | None:
    """Keep the version the reviewer is looking at: a later write by someone else must show up
    as a conflict on save, not be silently built upon."""
    review: Review | None = st.session_state.get("review")
    if review is None or review.doc_id != doc_id:
        review = open_review(sv.store, doc_id)
        if review is None:
            _not_reviewable(sv, doc_id)
            return None
        st.session_state["review"] = review
        reset_view(review)
        position.restore(review)  # the address's table and page (a reload, a shared link)
    ensure_view(review)
    _stale_banner(sv, review)
    return review


def _not_reviewable(sv: Services, doc_id: str) -> None:
    rec = sv.store.get(doc_id)
    if rec is None:
        st.error(t("review.no_such_document"))
        return
    st.info(
        t("review.not_reviewable", file=md(short_name(rec.source_file)),
          status=status_badge(rec.status))
    )
    if rec.error:
        st.text(rec.error)


def _stale_banner(sv: Services, review: Review) -> None:
    now = sv.store.get(review.doc_id)
    if now is None or now.version == review.version:
        return
    who = sorted({e.user for e in sv.store.audit(review.doc_id) if e.at > review.record.updated_at})
    by = t("review.changed_by", who=md(", ".join(who))) if who else ""
    col, btn = st.columns([5, 1], vertical_alignment="center")
    col.warning(
        t("review.stale", by=by, old=review.version, new=now.version)
    )
    btn.button(t("review.reload"), key="reload_stale", icon=":material/refresh:",
               on_click=forget_review)


main()
