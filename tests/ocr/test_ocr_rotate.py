"""Scans stored turned read like the upright scan: /Rotate 90/180/270, and an image turned 90°
either way on an upright page (a landscape table fed through a portrait scanner sideways).

One landscape table page of a bundled sample is scanned each way (tools/scan.py), run through
`chunk` + `extract_tables` and scored against the golden tables the digital page reads whole,
as tests/ocr/test_ocr_pipeline.py does; every number's box must land where the digital page's
number sits, in the scanned page's own unrotated space (where stored bboxes live).
"""

from __future__ import annotations

import json

import pymupdf
import pytest

from tests.support.samples import SAMPLES
from tools.ocr_testpdf import iou
from tools.scan import ScanStyle, scan_pdf
from worker.layout import Layout
from worker.ocr import get_engine
from worker.ocr.engines import RapidOcrEngine
from worker.ocr.orient import CHECK_DPI, sideways_turns, turn_box, upright
from worker.ocr.raster import detect_lines_px, erase_lines, line_ink, render
from worker.pipeline import Options
from worker.pipeline.chunk import chunk
from worker.pipeline.load import load
from worker.tables import extract_tables
from worker.tables.compare import compare, compare_table, to_golden

SAMPLE = "001_f525e4192ca00c01"
PAGE = 2  # 0-based: the income table, landscape, 51 numeric cells
NARROW = ("000_954316b1df943981", 15)  # a table of narrow wrapped columns: text runs both ways
GOLDEN = SAMPLES.parent / "tests" / "data" / "golden" / f"{SAMPLE}.json"
TURNS = [
    pytest.param({"rotate": 90}, id="rotate90"),
    pytest.param({"rotate": 180}, id="rotate180"),
    pytest.param({"rotate": 270}, id="rotate270"),
    pytest.param({"sideways": 90}, id="sideways90"),
    pytest.param({"sideways": 270}, id="sideways270"),
]


def _page(name: str, pno: int) -> pymupdf.Document:
    doc = pymupdf.open()
    doc.insert_pdf(pymupdf.open(SAMPLES / f"{name}.pdf"), from_page=pno, to_page=pno)
    return doc


def _chunk(doc: pymupdf.Document) -> Layout:
    return chunk(load(doc.tobytes(), "pdf", 500))


def _numbers(layout: Layout) -> dict[tuple, tuple]:
    """(table, row, column) → bbox of every extracted number."""
    return {
        (t.key, i, col): v.bbox
        for t in extract_tables(layout)[0]
        for i, row in enumerate(t.rows)
        for col, v in row.values.items()
        if v.value is not None and v.bbox is not None
    }


@pytest.fixture(scope="module")
def digital() -> pymupdf.Document:
    return _page(SAMPLE, PAGE)


@pytest.fixture(scope="module")
def expected(digital: pymupdf.Document) -> tuple[list[dict], dict[tuple, tuple]]:
    """The golden tables the digital page reads whole, and its numbers' boxes."""
    layout = _chunk(digital)
    got = to_golden(extract_tables(layout)[0])
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))["tables"]
    whole = [
        e
        for e in golden
        if any(a["key"] == e["key"] and compare_table(e, a).accuracy == 1.0 for a in got)
    ]
    assert whole, "the page no longer holds a whole golden table; move PAGE"
    return whole, _numbers(layout)


@pytest.mark.slow
@pytest.mark.parametrize("turn", TURNS)
def test_turned_scan_reads_like_the_upright_one(digital, expected, turn: dict) -> None:
    whole, digital_boxes = expected
    scan = scan_pdf(digital, ScanStyle(dpi=200, **turn), seed=4)[0]
    layout = _chunk(scan)
    assert [p.ocr for p in layout.pages] == [True]
    got = [t for t in to_golden(extract_tables(layout)[0]) if t["key"] in {e["key"] for e in whole}]
    score = compare(whole, got)
    assert score.expected_cells >= 40
    assert score.accuracy >= 0.98, score.mismatches
    # Boxes are in the scanned page's unrotated space: the digital page's boxes, turned as the
    # scan's content is turned in it (PyMuPDF's own rotation matrix, not ours).
    page = scan[0]
    assert (layout.pages[0].width, layout.pages[0].height) == pytest.approx(
        (page.mediabox.width, page.mediabox.height), abs=0.5
    )
    frame = pymupdf.open().new_page(width=page.mediabox.width, height=page.mediabox.height)
    frame.set_rotation((turn.get("rotate", 0) + turn.get("sideways", 0)) % 360)
    boxes = _numbers(layout)
    hits = [
        iou(tuple(pymupdf.Rect(box) * frame.derotation_matrix), boxes[key]) >= 0.5
        for key, box in digital_boxes.items()
        if key in boxes
    ]
    assert len(hits) >= 40 and sum(hits) >= 0.95 * len(hits)


def test_upright_documents_are_not_copied(digital: pymupdf.Document) -> None:
    assert upright(digital).doc is digital  # digital pages: nothing to look at
    scan = scan_pdf(digital, ScanStyle(dpi=150), seed=1)[0]
    turned = upright(scan)
    assert turned.doc is scan and not turned.turns


def test_text_lines_run_across_upright_and_down_sideways(digital: pymupdf.Document) -> None:
    for sideways, runs_down in ((0, False), (90, True), (270, True)):
        page = scan_pdf(digital, ScanStyle(dpi=150, sideways=sideways), seed=2)[0][0]
        raster = render(page, 72, deskew=False)
        across, down = line_ink(erase_lines(raster.gray, *detect_lines_px(raster.gray, 72), 72), 72)
        assert (down > 2 * across) if runs_down else (across > 4 * down), (sideways, across, down)


@pytest.mark.slow
def test_which_way_sideways_text_runs() -> None:
    """The narrow-column table is the hard case: its wrapped cells make the cheap line test
    unsure either way, so RapidOCR decides — and must leave the upright page alone."""
    page = _page(*NARROW)
    for sideways, turns in ((0, 0), (90, 1), (270, 3)):
        scan = scan_pdf(page, ScanStyle(dpi=150, sideways=sideways), seed=2)[0]
        assert sideways_turns(scan[0]) == turns, sideways
    raster = render(scan_pdf(page, ScanStyle(dpi=150), seed=2)[0][0], CHECK_DPI, deskew=False)
    clean = erase_lines(raster.gray, *detect_lines_px(raster.gray, CHECK_DPI), CHECK_DPI)
    across, down = line_ink(clean, CHECK_DPI)
    assert down > 0.5 * across  # the engine was asked (else this test proves nothing)...
    engine = get_engine("rapidocr")
    assert isinstance(engine, RapidOcrEngine)
    assert engine.orientation(clean, CHECK_DPI) == 0  # ...and said upright


@pytest.mark.slow
def test_tesseract_reads_a_sideways_scan_like_the_upright_one(digital) -> None:
    """Turning pages upright does not depend on the engine that reads them. Tesseract reads
    this table's headers poorly (~25% of golden cells upright), so its sideways reading is
    held to its own upright one; turned wrong, they would share nothing."""
    read = {}
    for name, turn in (("upright", {}), ("sideways", {"sideways": 270})):
        scan = scan_pdf(digital, ScanStyle(dpi=200, **turn), seed=4)[0]
        layout = chunk(load(scan.tobytes(), "pdf", 10), Options.defaults(ocr_engine="tesseract").ocr)
        read[name] = to_golden(extract_tables(layout)[0])
    assert (layout.pages[0].width, layout.pages[0].height) == pytest.approx(
        (scan[0].mediabox.width, scan[0].mediabox.height), abs=0.5
    )
    score = compare(read["upright"], read["sideways"])
    assert score.expected_cells >= 40
    assert score.accuracy >= 0.75, score.mismatches  # measured 0.83: Tesseract's own variance


@pytest.mark.parametrize("k", [0, 1, 2, 3])
def test_turn_box_matches_pymupdf_rotation(k: int) -> None:
    page = pymupdf.open().new_page(width=300, height=500)
    page.set_rotation(90 * k)
    box = (20.0, 40.0, 70.0, 55.0)
    turned = turn_box(box, k, 300, 500)
    assert turned == pytest.approx(tuple(pymupdf.Rect(box) * page.rotation_matrix))
    back = turn_box(turned, (4 - k) % 4, *((500, 300) if k % 2 else (300, 500)))
    assert back == pytest.approx(box)
