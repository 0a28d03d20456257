"""The Review page's page viewer: the whole page box (never trimmed to what is inked: a scanned
page with a highlight, a table whose right-hand columns are empty), zoomed to a legible size by
default, and at every zoom level the selected cell inside the window shown. Real PDFs (a
bundled sample, pages built with PyMuPDF), the real app through AppTest."""

from __future__ import annotations

import statistics
from pathlib import Path

import pymupdf
import pytest
from streamlit.testing.v1 import AppTest

from schemas import BBox
from tests.support.apptest import grid_key, open_app, pick
from tests.support.documents import CLEAN_SAMPLE, misread_one_value, store_sample
from ui import tableview as tv
from ui.pageimage import (
    OUT_PX,
    ZOOMS,
    Box,
    default_zoom,
    page_box,
    render_page,
    viewport,
)
from worker.settings import Settings
from worker.store import Store

COLUMN_PX = 590  # the image column of the Review page in a 1600 px wide window (tests/e2e)


def _png_size(png: bytes) -> tuple[int, int]:
    pix = pymupdf.Pixmap(png)
    return pix.width, pix.height


def _rendered(size: tuple[int, int], window: BBox) -> bool:
    """`size` is the window rendered OUT_PX wide (PyMuPDF rounds the pixel box outwards)."""
    want = OUT_PX * (window[3] - window[1]) / (window[2] - window[0])
    return abs(size[0] - OUT_PX) <= 1 and abs(size[1] - want) <= 1


def _inside(box: BBox, window: BBox) -> bool:
    return window[0] <= box[0] and window[1] <= box[1] and box[2] <= window[2] \
        and box[3] <= window[3]


def _half_empty_table(path: Path) -> Path:
    """A landscape page whose table has text only in its left columns (the right ones blank,
    no ruling lines): a crop to the inked part cut the blank columns off."""
    doc = pymupdf.open()
    page = doc.new_page(width=842, height=595)
    for i in range(12):
        page.insert_text((40, 80 + 20 * i), f"20101{i:02d}  {1000 + 37 * i:,.2f}", fontsize=9)
    doc.save(path)
    return path


def _scanned(path: Path) -> Path:
    """A page that is one image (a scan): no text, no drawings."""
    src = pymupdf.open(CLEAN_SAMPLE)
    pix = src[0].get_pixmap(dpi=100)
    doc = pymupdf.open()
    page = doc.new_page(width=src[0].rect.width, height=src[0].rect.height)
    page.insert_image(page.rect, pixmap=pix)
    doc.save(path)
    return path


@pytest.mark.parametrize("make", [_half_empty_table, _scanned])
def test_the_whole_page_box_is_rendered_with_a_highlight(make, tmp_path: Path) -> None:
    pdf = make(tmp_path / "p.pdf")
    highlight = (Box((60.0, 90.0, 160.0, 104.0), "finding"),)
    assert _rendered(_png_size(render_page(pdf, 1, highlight)), page_box(pdf, 1))


def test_default_zoom_makes_digits_legible_and_every_zoom_keeps_the_focus_in_view() -> None:
    doc = pymupdf.open(CLEAN_SAMPLE)
    for n in range(doc.page_count):
        whole = page_box(CLEAN_SAMPLE, n + 1)
        words = [w for w in doc[n].get_text("words") if any(c.isdigit() for c in w[4])]
        if not words:
            continue
        sizes = [s["size"] for b in doc[n].get_text("dict")["blocks"] for li in b.get("lines", [])
                 for s in li["spans"] if any(c.isdigit() for c in s["text"])]
        window = viewport(whole, None, default_zoom(whole))
        assert statistics.median(sizes) * COLUMN_PX / (window[2] - window[0]) >= 12, n + 1
        for word in (words[0], words[len(words) // 2], words[-1]):  # top, middle, bottom
            for zoom in ZOOMS:
                window = viewport(whole, word[:4], zoom)
                fits = word[2] - word[0] < window[2] - window[0] - 16
                corner = (word[0], word[1], word[0] + 1, word[1] + 1)  # a long one: its start
                assert _inside(word[:4] if fits else corner, window), (n + 1, zoom, word)
            moved = viewport(whole, word[:4], 3.0, (1, 0))
            assert moved[0] >= viewport(whole, word[:4], 3.0)[0] and _inside(moved, whole)


def _select(at: AppTest, doc_id: str, ti: int, ri: int, key: str) -> AppTest:
    at.session_state[grid_key(at, f"grid-{doc_id[:12]}-{ti}-")] = {
        "selection": {"rows": [], "columns": [], "cells": [(ri, key)]}}
    return at.run()


def test_the_selected_cell_is_inside_the_window_at_every_zoom(env: Settings,
                                                               store: Store) -> None:
    doc_id = store_sample(store)
    m = misread_one_value(store, doc_id)
    at = open_app("alice")
    at.query_params["doc"] = doc_id[:16]
    at.switch_page("views/review.py").run()
    pick(at, "table_sel", m.table)
    doc = at.session_state["review"].document
    rows = doc.tables[m.table].rows
    # the last row's value: far from the page's top left, where an unzoomed crop would start
    ri = max(i for i, r in enumerate(rows) if (v := r.values.get("total")) and v.bbox)
    at = _select(at, doc_id, m.table, ri, "total")
    page, cell = tv.cell_box(doc, (m.table, ri, "total"))
    assert at.session_state["page"] == page and cell is not None
    view = at.session_state["page_view"]
    assert view["zoom"] == default_zoom(view["page_box"]) > 1  # legible, not the whole page
    for zoom in ZOOMS:
        [control] = [c for c in at.segmented_control if (c.key or "").startswith("zoom~")]
        control.set_value(zoom).run()
        assert not at.exception, at.exception
        view = at.session_state["page_view"]
        window = view["window"]
        assert (view["zoom"], view["focus"]) == (zoom, cell)
        assert _inside(cell, window), (zoom, cell, window)
        assert _rendered(view["png"], window)
        if zoom == 1:
            assert window == view["page_box"]
        else:
            assert window[2] - window[0] < view["page_box"][2]

    at.button(key="pan-left").click().run()  # panned away (at 4×), then back to the selection
    assert at.session_state["page_view"]["window"][0] < window[0]
    at.button(key="pan-centre").click().run()
    assert at.session_state["page_view"]["window"] == window
