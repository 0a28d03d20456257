"""The Review page's page viewer: the page of the original with the boxes under review drawn on
it, turned with buttons, a page number or the keyboard; zoomed (整页 = the whole page box, else
a window of the page that follows the selected cell, the suspect or the finding) and panned by
half a window with the arrow buttons. A new selection re-centres the window on it, so the
selected cell is always in view. What is shown is kept in `st.session_state["page_view"]`."""

from __future__ import annotations

import base64
import math
from pathlib import Path

import streamlit as st

from schemas import BBox
from ui.common import Services, choose, md
from ui.i18n import t
from ui.pageimage import (
    ZOOMS,
    Box,
    default_zoom,
    focus_of,
    legend,
    page_box,
    render_page,
    viewport,
)
from ui.review.state import follow_page
from worker.services.review import Review


@st.cache_data(max_entries=128, show_spinner=False)
def _png(path: str, page: int, boxes: tuple[Box, ...], window: BBox) -> bytes:
    return render_page(Path(path), page, boxes, window)


@st.cache_data(max_entries=512, show_spinner=False)
def _page_box(path: str, page: int) -> BBox:
    return page_box(Path(path), page)


def page_panel(sv: Services, review: Review, boxes: list[Box]) -> None:
    doc = review.document
    if review.record.kind != "pdf":
        _text_panel(doc.page_texts, doc.page_names)
        return
    last = max(doc.pages, 1)
    page = st.session_state["page"]
    prev, num, nxt = st.columns([1, 2, 1], vertical_alignment="bottom")
    prev.button(
        t("page.prev"),
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
        t("page.number", last=last),
        1,
        last,
        value=min(max(page, 1), last),
        key=wkey,
        on_change=_typed,
        args=(wkey, review),
    )
    nxt.button(
        t("page.next"),
        key="next_page",
        shortcut="J",
        on_click=_turn,
        args=(1, review),
        disabled=page >= last,
        width="stretch",
    )
    path = str(sv.store.blob_path(review.doc_id))
    whole = _page_box(path, page)
    zoom, pan = _controls(whole, focus_of(boxes), (review.doc_id, page))
    window = viewport(whole, focus_of(boxes), zoom, pan)
    st.session_state["pan"] = _pan_of(window, focus_of(boxes), whole)  # steps past the edge
    png = _png(path, page, tuple(boxes), window)
    st.session_state["page_view"] = {"page": page, "page_box": whole, "zoom": zoom,
                                     "window": window, "focus": focus_of(boxes),
                                     "png": _size(png)}
    where = t("page.whole") if window == whole else t(
        "page.window", x0=f"{window[0]:.0f}", x1=f"{window[2]:.0f}", y0=f"{window[1]:.0f}",
        y1=f"{window[3]:.0f}")
    # inline (a data: URL), not through Streamlit's media files: a click's rerun drops the
    # previous run's file, and a browser still fetching it got a 404 — a broken page image
    st.image(f"data:image/png;base64,{base64.b64encode(png).decode('ascii')}", width="stretch",
             caption=t("page.caption", page=page, where=where, legend=legend(boxes)))


def _text_panel(texts: list[str], names: list[str]) -> None:
    """A format without page images: its text as read; a workbook's sheet by sheet, each under
    its page number and name, as findings and values cite them."""
    if not names:
        st.caption(t("page.no_pages"))
        with st.container(height=760):
            st.text("\n\n".join(texts))
        return
    st.caption(t("page.sheets"))
    with st.container(height=760):
        for page, (name, text) in enumerate(zip(names, texts, strict=True), 1):
            st.markdown(f"**{md(t('page.sheet', page=page, name=name))}**")  # names: outside text
            st.text(text)


def _controls(whole: BBox, focus: BBox | None, at: tuple[str, int]) -> tuple[float, tuple[int, int]]:
    """Zoom (the reviewer's choice, else legible for this page) and pan (half-windows from the
    focus; back to 0 when the focus, the page or the zoom changes)."""
    if st.session_state.get("zoom") not in ZOOMS:
        st.session_state["zoom"] = default_zoom(whole)
    anchor = (*at, focus, st.session_state["zoom"])
    if st.session_state.get("pan_anchor") != anchor:
        st.session_state["pan_anchor"], st.session_state["pan"] = anchor, (0, 0)
    zoom_col, *moves = st.columns([7, 1, 1, 1, 1, 1], vertical_alignment="bottom")
    with zoom_col:
        zoom = choose(st.segmented_control, t("page.zoom"), ZOOMS, key="zoom",
                      format_func=lambda z: t("page.zoom_whole") if z == 1 else f"{z:g}×")
    for col, (name, label, step) in zip(moves, _PANS, strict=True):
        col.button(label, key=f"pan-{name}", on_click=_pan, args=(step,),
                   help=t(f"page.pan_{name}"), disabled=zoom == 1, width="stretch",
                   icon=":material/my_location:" if step is None else None)
    return zoom, st.session_state["pan"]


_PANS = [("left", "←", (-1, 0)), ("right", "→", (1, 0)), ("up", "↑", (0, -1)),
         ("down", "↓", (0, 1)), ("centre", "", None)]  # help texts: page.pan_<name>


def _pan(step: tuple[int, int] | None) -> None:
    dx, dy = st.session_state.get("pan", (0, 0))
    st.session_state["pan"] = (0, 0) if step is None else (dx + step[0], dy + step[1])


def _pan_of(window: BBox, focus: BBox | None, whole: BBox) -> tuple[int, int]:
    """The pan the window is at, in half-windows from the focus: a step past the page's edge
    (the window stayed) is not counted, so the next step back moves at once."""
    if window == whole:
        return (0, 0)
    fx, fy = ((focus[0] + focus[2]) / 2, (focus[1] + focus[3]) / 2) if focus else whole[:2]
    half_w, half_h = (window[2] - window[0]) / 2, (window[3] - window[1]) / 2
    return (_steps(((window[0] + window[2]) / 2 - fx) / half_w),
            _steps(((window[1] + window[3]) / 2 - fy) / half_h))


def _steps(offset: float) -> int:
    """Whole half-windows in `offset` (a window kept on the page by less is not panned)."""
    return math.trunc(offset + math.copysign(1e-6, offset))


def _size(png: bytes) -> tuple[int, int]:
    """Width and height of a PNG, from its header."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def _typed(wkey: str, review: Review) -> None:
    st.session_state["page"] = int(st.session_state[wkey])
    follow_page(review)


def _turn(step: int, review: Review) -> None:
    st.session_state["page"] = min(max(st.session_state["page"] + step, 1), review.document.pages)
    follow_page(review)
