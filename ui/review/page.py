"""The Review page's page viewer: the page of the original with the boxes under review drawn on
it, turned with buttons, a page number or the keyboard."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui.common import Services
from ui.pageimage import Box, legend, render_page
from ui.review.state import follow_page
from worker.services.review import Review


@st.cache_data(max_entries=128, show_spinner=False)
def _png(path: str, page: int, boxes: tuple[Box, ...]) -> bytes:
    return render_page(Path(path), page, boxes)


def page_panel(sv: Services, review: Review, boxes: list[Box]) -> None:
    doc = review.document
    if review.record.kind != "pdf":
        st.caption("This format has no pages: the text as read.")
        with st.container(height=760):
            st.text("\n\n".join(doc.page_texts))
        return
    last = max(doc.pages, 1)
    page = st.session_state["page"]
    prev, num, nxt = st.columns([1, 2, 1], vertical_alignment="bottom")
    prev.button(
        "◀ Page",
        key="prev_page",
        shortcut="K",
        on_click=_turn,
        args=(-1, review),
        disabled=page <= 1,
        width="stretch",
    )
    # the page lives in st.session_state["page"]; the input is redrawn when the program turns it
    wkey = f"page_in-{review.doc_id[:12]}-{page}"
    num.number_input(
        f"Page (of {last})",
        1,
        last,
        value=min(max(page, 1), last),
        key=wkey,
        on_change=_typed,
        args=(wkey, review),
    )
    nxt.button(
        "Page ▶",
        key="next_page",
        shortcut="J",
        on_click=_turn,
        args=(1, review),
        disabled=page >= last,
        width="stretch",
    )
    path = str(sv.store.blob_path(review.doc_id))
    st.image(
        _png(path, page, tuple(boxes)),
        width="stretch",
        caption=f"page {page} · {legend(boxes)}",
    )


def _typed(wkey: str, review: Review) -> None:
    st.session_state["page"] = int(st.session_state[wkey])
    follow_page(review)


def _turn(step: int, review: Review) -> None:
    st.session_state["page"] = min(max(st.session_state["page"] + step, 1), review.document.pages)
    follow_page(review)
