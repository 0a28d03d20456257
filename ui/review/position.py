"""Where the reviewer is — document, table, page — kept in the address
(`/review?doc=…&table=…&page=…`): a reload, or a link sent to a colleague, opens the same place."""

from __future__ import annotations

import streamlit as st

from worker.services.review import Review


def restore(review: Review) -> None:
    """Just after `review` was opened: the table and page the address names, when they are of
    this document and exist in it (else the opening position stays)."""
    q = st.query_params
    if not review.doc_id.startswith(q.get("doc") or "-"):
        return
    doc = review.document
    table, page = _number(q.get("table")), _number(q.get("page"))
    if table is not None and 0 <= table < len(doc.tables):
        st.session_state["table_sel"] = table
        st.session_state["finding_sel"] = None  # the address names a place, not a finding
        pages = doc.tables[table].pages
        if page is None and pages:
            page = pages[0]
    if page is not None and 1 <= page <= max(doc.pages, 1):
        st.session_state["page"] = page
        st.session_state["finding_sel"] = None


def publish(review: Review) -> None:
    """The address follows the position at the end of every run."""
    st.query_params.update({
        "doc": review.doc_id[:16],
        "table": str(st.session_state.get("table_sel", 0)),
        "page": str(st.session_state.get("page", 1)),
    })


def leave(doc_id: str) -> None:
    """Another document is chosen: the old table and page no longer mean anything."""
    if st.query_params.get("doc") != doc_id[:16]:
        for name in ("table", "page"):
            st.query_params.pop(name, None)


def _number(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None
