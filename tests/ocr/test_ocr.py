"""OCR: unusable-page detection, raster ruling lines, deskew, and OCR of rendered/scanned tables.

The pages are synthetic ruled budget tables with a real text layer (tools/ocr_testpdf.py);
that layer is the ground truth the OCR of a render or a scan of the page is scored against.
"""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import numpy as np
import pymupdf
import pytest
from pydantic import ValidationError
from rq import Queue

from schemas import DocStatus
from tools.ocr_testpdf import iou, make_table_pdf, numeric_truth, score
from tools.scan import ScanStyle, garble_pdf, scan_pdf
from worker.ocr import (
    ENGINES,
    OcrEngineError,
    _engine,
    assess_page,
    detect_lines,
    ocr_page,
    ocr_words_and_lines,
)
from worker.ocr.engines import normalize
from worker.ocr.raster import INK, erase_lines, measure_skew, render
from worker.pipeline import Options
from worker.pipeline.chunk import chunk
from worker.pipeline.load import load
from worker.runtime.pool import work
from worker.services.submit import submit
from worker.settings import Settings
from worker.store import Store


@pytest.fixture(scope="module")
def tables() -> pymupdf.Document:
    return make_table_pdf(pages=3, seed=11)  # portrait 9 pt, landscape 8 pt, 元 amounts


@pytest.fixture(scope="module")
def scanned(tables: pymupdf.Document) -> tuple[pymupdf.Document, list[float]]:
    return scan_pdf(tables, ScanStyle(dpi=200), seed=5)


# --- assess_page ---------------------------------------------------------------------------


def test_good_pages_stay_usable(tables: pymupdf.Document) -> None:
    for page in tables:
        assert assess_page(page) == assess_page(page)  # deterministic
        assert assess_page(page).usable, assess_page(page)
        assert assess_page(page).reason == "ok"


def test_blank_page_is_usable_and_says_so() -> None:
    doc = pymupdf.open()
    q = assess_page(doc.new_page())
    assert q.usable and q.reason == "blank"


def test_image_only_page_needs_ocr(scanned: tuple[pymupdf.Document, list[float]]) -> None:
    for page in scanned[0]:
        q = assess_page(page)
        assert not q.usable and q.reason == "no_text"


def test_scan_with_a_typed_header_needs_ocr(scanned) -> None:
    doc = pymupdf.open()
    doc.insert_pdf(scanned[0], to_page=0)
    doc[0].insert_text((40, 30), "附件1 部门预算公开表", fontname="china-s", fontsize=10)
    q = assess_page(doc[0])
    assert not q.usable and q.reason == "image_page"


def test_scan_with_its_own_invisible_ocr_layer_is_usable_but_flagged(tables, scanned) -> None:
    doc = pymupdf.open()
    doc.insert_pdf(scanned[0], to_page=0)
    for x0, _y0, _x1, y1, text, *_ in tables[0].get_text("words"):
        doc[0].insert_text((x0, y1 - 2), text, fontname="china-s", fontsize=9, render_mode=3)
    q = assess_page(doc[0])
    assert q.usable and q.reason == "ocr_layer"


def test_text_drawn_as_outlines_needs_ocr() -> None:
    doc = pymupdf.open()
    page = doc.new_page()
    shape = page.new_shape()
    for i in range(400):  # glyph outlines: many small filled paths, no text
        x, y = 50 + (i % 40) * 12, 100 + (i // 40) * 20
        shape.draw_rect(pymupdf.Rect(x, y, x + 8, y + 10))
        shape.finish(fill=(0, 0, 0))
    shape.commit()
    q = assess_page(page)
    assert not q.usable and q.reason == "no_text"


@pytest.mark.parametrize(
    ("mode", "reasons"),
    [
        ("pua", {"private_use"}),
        ("radicals", {"cjk_radicals"}),
        ("cid", {"replacement_chars", "unexpected_script"}),
    ],
)
def test_garbled_layers_are_unusable(
    tables: pymupdf.Document, mode: str, reasons: set[str]
) -> None:
    garbled = garble_pdf(tables, mode)
    for page in garbled:
        q = assess_page(page)
        assert not q.usable and q.reason in reasons, (page.number, q)


def test_garbling_keeps_the_page_looking_the_same(tables: pymupdf.Document) -> None:
    garbled = garble_pdf(tables, "pua")
    assert garbled[0].get_text() != tables[0].get_text()
    a = tables[0].get_pixmap(dpi=50).samples
    b = garbled[0].get_pixmap(dpi=50).samples
    assert a == b


def test_digits_stored_right_to_left_are_caught() -> None:
    doc = pymupdf.open()
    page = doc.new_page()
    font = pymupdf.Font("china-s")
    tw = pymupdf.TextWriter(page.rect)
    for row in range(25):
        text, x = f"{row * 37 + 100}.{row:02d}", 100.0
        positions = []
        for ch in text:
            positions.append((x, ch))
            x += font.text_length(ch, 10)
        for x, ch in reversed(positions):  # drawn last digit first, each at its right place
            tw.append((x, 80 + 20 * row), ch, font=font, fontsize=10)
    tw.write_text(page)
    q = assess_page(page)
    assert not q.usable and q.reason == "numbers_out_of_order"


@pytest.mark.slow
def test_verify_catches_a_well_formed_but_wrong_layer(tables: pymupdf.Document) -> None:
    shuffled = garble_pdf(tables, "shuffle")
    assert assess_page(shuffled[0]).usable  # the cheap checks cannot see it
    q = assess_page(shuffled[0], verify=True)
    assert not q.usable and q.reason == "text_mismatch"
    assert assess_page(tables[0], verify=True).usable


# --- raster helpers ------------------------------------------------------------------------


def test_measure_skew_finds_the_scan_tilt(scanned: tuple[pymupdf.Document, list[float]]) -> None:
    doc, tilts = scanned
    for page, tilt in zip(doc, tilts, strict=True):
        r = render(page, dpi=200, deskew=False)
        assert measure_skew(r.gray) == pytest.approx(tilt, abs=0.1)


def _vector_rules(page: pymupdf.Page) -> tuple[list, list]:
    h, v = [], []
    for d in page.get_drawings():
        for item in d["items"]:
            if item[0] == "l":
                p, q = item[1], item[2]
                (h if abs(p.y - q.y) < 0.1 else v).append(
                    (min(p.x, q.x), min(p.y, q.y), max(p.x, q.x), max(p.y, q.y))
                )
    return h, v


def _covered(rule: tuple, found: list, tol: float) -> bool:
    horizontal = rule[1] == rule[3]
    a, b = (0, 2) if horizontal else (1, 3)
    across = 1 if horizontal else 0
    return any(
        abs(f[across] - rule[across]) <= tol and f[a] <= rule[a] + tol and f[b] >= rule[b] - tol
        for f in found
    )


@pytest.mark.parametrize("source", ["digital", "scanned"])
def test_detect_lines_matches_the_vector_rules(tables, scanned, source: str) -> None:
    for i in range(len(tables)):
        page = tables[i] if source == "digital" else scanned[0][i]
        h, v = detect_lines(page)
        vh, vv = _vector_rules(tables[i])
        tol = 1.5 if source == "digital" else 2.5
        assert all(_covered(r, h, tol) for r in vh), source
        assert all(_covered(r, v, tol) for r in vv), source
        # no invented rules: every detected line lies on a vector one
        assert len(h) <= len(vh) + 2 and len(v) <= len(vv) + 2


@pytest.mark.parametrize(
    "kind", [{}, {"alpha": True}, {"colorspace": pymupdf.csGRAY}, {"colorspace": pymupdf.csCMYK}]
)
def test_detect_lines_accepts_a_pixmap(tables: pymupdf.Document, kind: dict) -> None:
    page = tables[0]
    h, v = detect_lines(page.get_pixmap(dpi=150, **kind))
    vh, vv = _vector_rules(page)
    assert all(_covered(r, h, 1.5) for r in vh)
    assert all(_covered(r, v, 1.5) for r in vv)


# --- OCR -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("１，２３４．５６", "1,234.56"),
        ("691.05", "691.05"),
        ("0.00.", "0.00"),
        ("（一）行政运行", "（一）行政运行"),
        ("1,234 .56", "1,234.56"),
        ("3:06", "3.06"),
        ("2;502.88", "2,502.88"),
        (".01", "01"),
        ("12,48", "12.48"),
        ("1,234,567", "1,234,567"),
        ("-8-", "8"),
        ("4-", "4"),
        ("-12.50", "-12.50"),
        ("—", "—"),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


def _check_numbers(page_truth: pymupdf.Page, words: list) -> None:
    truth = numeric_truth(page_truth)
    s = score(truth, words)
    assert s.truth > 100
    assert s.accuracy >= 0.98, s
    assert s.extra <= 2, s
    assert s.mean_iou >= 0.6, s
    for box, text in truth:  # boxes land on the right word, not just near it
        best = max(words, key=lambda w: iou(box, w.bbox))
        if best.text == text:
            assert iou(box, best.bbox) >= 0.4, (text, box, best)


@pytest.mark.slow
def test_ocr_of_a_rendered_table_page(tables: pymupdf.Document) -> None:
    words = ocr_page(tables[0])
    _check_numbers(tables[0], words)
    assert all(0.0 <= w.confidence <= 1.0 for w in words)
    labels = {w.text for w in words}
    truth_labels = {w[4] for w in tables[0].get_text("words") if not w[4][0].isdigit()}
    assert len(labels & truth_labels) >= 0.8 * len(truth_labels)  # Chinese labels read too


@pytest.mark.slow
@pytest.mark.parametrize("i", [0, 1])
def test_ocr_of_a_scanned_table_page(tables, scanned, i: int) -> None:
    words, h, v = ocr_words_and_lines(scanned[0][i])
    _check_numbers(tables[i], words)
    vh, vv = _vector_rules(tables[i])
    assert len(h) >= len(vh) - 1 and len(v) >= len(vv) - 1


@pytest.mark.slow
def test_lone_digits_and_dashes_in_cells_are_read() -> None:
    """A 栏次 row (1 2 3 …) and "-" cells: single narrow glyphs text detection tends to miss."""
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=200)
    font = pymupdf.Font("china-s")
    tw = pymupdf.TextWriter(page.rect)
    cells = ["栏次", "1", "2", "3", "4", "5", "6", "7", "-", "8"]
    for i, text in enumerate(cells):
        x0 = 40 + 50 * i
        page.draw_rect(pymupdf.Rect(x0, 80, x0 + 50, 100), color=(0, 0, 0), width=0.6)
        tw.append((x0 + 25 - font.text_length(text, 9) / 2, 93), text, font=font, fontsize=9)
    tw.write_text(page)
    words = ocr_page(page)
    for x0, y0, x1, y1, text, *_ in page.get_text("words"):
        best = max(words, key=lambda w: iou((x0, y0, x1, y1), w.bbox))
        assert best.text == text, (text, best)


@pytest.mark.slow
def test_ocr_boxes_follow_page_rotation() -> None:
    """A landscape table stored as a portrait page with /Rotate 90: the text reads upright on
    screen, and OCR boxes must land where page.get_text puts the words (unrotated space)."""
    doc = pymupdf.open()
    page = doc.new_page(width=300, height=400)
    page.set_rotation(90)
    for row, text in enumerate(["691.05", "1,234.56", "行政运行", "2013701"]):
        at = pymupdf.Point(60 + 40 * row, 60 + 50 * row) * page.derotation_matrix
        font = "china-s" if row == 2 else "helv"
        page.insert_text(at, text, fontname=font, fontsize=12, rotate=90)
    truth = [(tuple(w[:4]), w[4]) for w in page.get_text("words")]
    words = ocr_page(page)
    assert len(truth) == 4
    for box, text in truth:
        best = max(words, key=lambda w: iou(box, w.bbox))
        assert best.text == text and iou(box, best.bbox) >= 0.4, (text, box, best)


@pytest.mark.slow
def test_tesseract_engine_reads_the_numbers(tables: pymupdf.Document) -> None:
    words = ocr_page(tables[1], engine="tesseract")
    s = score(numeric_truth(tables[1]), words)
    assert s.accuracy >= 0.7, s  # the selectable alternative, well behind RapidOCR (see bench)


def test_unknown_engine_is_an_error(tables: pymupdf.Document) -> None:
    with pytest.raises(ValueError, match="unknown OCR engine"):
        ocr_page(tables[0], engine="nope")


# --- the engine, chosen by settings, through the pipeline ----------------------------------


def test_ocr_settings_are_read_and_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUDGETLENS_OCR_ENGINE", "tesseract")
    monkeypatch.setenv("BUDGETLENS_OCR_DPI", "150")
    assert (Settings().ocr_engine, Settings().ocr_dpi) == ("tesseract", 150)
    with pytest.raises(ValidationError, match="ocr_engine"):
        Settings(ocr_engine="abbyy")
    with pytest.raises(ValidationError, match="ocr_dpi"):
        Settings(ocr_dpi=30)
    assert set(get_args(Settings.model_fields["ocr_engine"].annotation)) == set(ENGINES)


@pytest.fixture
def no_tesseract(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A PATH without the tesseract binary, and no engine already loaded in this process."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    _engine.cache_clear()


@pytest.fixture(scope="module")
def scanned_table_pdf() -> bytes:
    return scan_pdf(make_table_pdf(1, seed=3), ScanStyle(dpi=150), seed=1)[0].tobytes()


def test_missing_engine_is_not_a_document_problem(scanned_table_pdf: bytes, no_tesseract) -> None:
    with pytest.raises(OcrEngineError, match="tesseract is not installed"):
        chunk(load(scanned_table_pdf, "pdf", 10), Options.defaults(ocr_engine="tesseract").ocr)


def test_missing_tesseract_fails_the_job_after_retries(
    settings: Settings,
    store: Store,
    queue: Queue,
    tmp_path: Path,
    scanned_table_pdf: bytes,
    no_tesseract,
) -> None:
    """Settings choose the engine for the job; a missing one is an infrastructure failure:
    RQ retries the job, then it fails with the reason (not `cannot read the pdf content`)."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "scan.pdf").write_bytes(scanned_table_pdf)
    settings = settings.model_copy(update={"ocr_engine": "tesseract"})
    (doc_id,) = submit([str(folder)], store, queue, settings).doc_ids
    work(settings, burst=True)
    record = store.get(doc_id)
    assert record is not None and record.status == DocStatus.failed
    assert (
        record.error == "OcrEngineError: tesseract is not installed (apt-get install tesseract-ocr)"
    )
    assert record.attempts == settings.job_retries + 1


# --- dust and the edges of erased rules ------------------------------------------------------


def test_erasing_a_blurred_rule_leaves_no_sliver_and_keeps_a_touching_glyph() -> None:
    dpi = 200
    gray = np.full((120, 400), 255, np.uint8)
    gray[58:63, 20:380] = 40  # a rule blurred 5 px thick, drawn at y = 60 ± 2...
    gray[63:66, 100:200] = 120  # ...with a grey fringe below it in places (3 px)
    gray[40:58, 300:303] = 30  # a "1" standing on the rule: its stroke runs 18 px up from it
    clean = erase_lines(gray, [(20.0, 60.0, 380.0, 60.0)], [], dpi)
    assert not (clean[50:80, 20:290] < INK).any()  # rule and fringe gone
    assert (clean[40:55, 300:303] < INK).all()  # the glyph stays
