"""Scanned and garbled PDF pages go through OCR and the same table extraction as digital pages.

A few table pages of a bundled sample are cut out, degraded with tools/scan.py, run through
`chunk` + `extract_tables` and scored against the sample's golden tables. Only the golden
tables the *digital* cut reads completely are scored (a table running past the cut cannot be
whole), so the bar measures what OCR loses, nothing else.
"""

from __future__ import annotations

import json
import time

import pymupdf
import pytest

from tests.support.samples import SAMPLES
from tools.scan import ScanStyle, garble_pdf, scan_pdf
from worker.layout import Layout
from worker.pipeline.checks import run_checks
from worker.pipeline.chunk import chunk
from worker.pipeline.extract import extract
from worker.pipeline.load import load
from worker.rules.ocr import LOW_CONFIDENCE
from worker.tables import extract_tables
from worker.tables.compare import Score, compare, compare_table, to_golden

SAMPLE = "000_954316b1df943981"
CUT = (3, 6)  # 0-based pages: the income/expenditure summary, income and expenditure tables
GOLDEN = SAMPLES.parent / "tests" / "data" / "golden" / f"{SAMPLE}.json"


def _cut(first: int, last: int, stem: str = SAMPLE) -> pymupdf.Document:
    doc = pymupdf.open()
    doc.insert_pdf(pymupdf.open(SAMPLES / f"{stem}.pdf"), from_page=first, to_page=last)
    return doc


def _chunk(doc: pymupdf.Document) -> Layout:
    return chunk(load(doc.tobytes(), "pdf", 500))


def _golden_within(digital: Layout, golden: list[dict] | None = None) -> list[dict]:
    """The golden tables that the digital cut reads without a single miss."""
    if golden is None:
        golden = json.loads(GOLDEN.read_text(encoding="utf-8"))["tables"]
    got = to_golden(extract_tables(digital)[0])
    whole = []
    for exp in golden:
        act = next((t for t in got if t["key"] == exp["key"]), None)
        if act is not None and compare_table(exp, act).accuracy == 1.0:
            whole.append(exp)
    return whole


def _score(expected: list[dict], layout: Layout) -> Score:
    actual = [t for t in to_golden(extract_tables(layout)[0]) if t["key"] in _keys(expected)]
    return compare(expected, actual)


def _keys(tables: list[dict]) -> set[str]:
    return {t["key"] for t in tables}


@pytest.fixture(scope="module")
def digital() -> pymupdf.Document:
    return _cut(*CUT)


@pytest.fixture(scope="module")
def expected(digital: pymupdf.Document) -> list[dict]:
    whole = _golden_within(_chunk(digital))
    assert len(whole) >= 2, "the cut no longer holds whole golden tables; move CUT"
    return whole


@pytest.fixture(scope="module")
def scanned_layout(digital: pymupdf.Document) -> tuple[Layout, float]:
    scan, _ = scan_pdf(digital, ScanStyle(dpi=200), seed=3)
    start = time.perf_counter()
    layout = _chunk(scan)
    return layout, (time.perf_counter() - start) / scan.page_count


def test_scanned_tables_match_golden(
    scanned_layout: tuple[Layout, float], expected: list[dict]
) -> None:
    layout, s_per_page = scanned_layout
    assert all(p.ocr for p in layout.pages)
    score = _score(expected, layout)
    print(
        f"scan200: {score.correct}/{score.expected_cells} numeric cells, extra {score.extra}, "
        f"accuracy {score.accuracy:.3f}, {s_per_page:.1f} s/page"
    )
    assert score.expected_cells >= 30
    assert score.accuracy >= 0.98, score.mismatches


def test_scanned_values_carry_confidence_and_provenance(
    scanned_layout: tuple[Layout, float],
) -> None:
    layout, _ = scanned_layout
    values = [v for t in extract_tables(layout)[0] for r in t.rows for v in r.values.values()]
    numbers = [v for v in values if v.value is not None]
    assert numbers
    assert all(v.confidence is not None and 0.0 < v.confidence <= 1.0 for v in numbers)
    assert all(v.page is not None and v.bbox is not None for v in numbers)
    assert {p.page for p in layout.problems if p.stage == "ocr"} == {1, 2, 3, 4}


def _first_tables_cut(stem: str, tables: int = 3) -> pymupdf.Document:
    """The pages of a sample's first `tables` tables (what bench/ocr.py --pipeline scans)."""
    src = pymupdf.open(SAMPLES / f"{stem}.pdf")
    found = extract_tables(_chunk(src))[0][:tables]
    pages = sorted({v.page for t in found for r in t.rows for v in r.values.values() if v.page})
    return _cut(pages[0] - 1, pages[-1] - 1, stem)


@pytest.mark.slow
@pytest.mark.parametrize("stem", [p.stem for p in sorted(SAMPLES.glob("*.pdf"))])
def test_every_scanned_sample_reads_like_its_golden(stem: str) -> None:
    """Each bundled sample that has golden tables, its first tables' pages scanned at 200 dpi
    (tilt, noise, JPEG): ≥ 98% of the numeric cells the digital cut reads whole come back."""
    golden = json.loads((GOLDEN.parent / f"{stem}.json").read_text(encoding="utf-8"))["tables"]
    if not golden:
        assert not extract_tables(_chunk(pymupdf.open(SAMPLES / f"{stem}.pdf")))[0]
        return  # a sample without standard tables (004 is all narrative) has nothing to scan
    digital = _first_tables_cut(stem)
    expected = _golden_within(_chunk(digital), golden)
    scan, _ = scan_pdf(digital, ScanStyle(dpi=200), seed=11)
    score = _score(expected, _chunk(scan))
    print(f"{stem[:3]}: {score.correct}/{score.expected_cells} numeric cells, extra {score.extra}")
    assert score.expected_cells >= 30
    assert score.accuracy >= 0.98, score.mismatches
    assert score.extra <= 0.02 * score.expected_cells, score.mismatches


def test_low_confidence_numbers_become_review_findings(
    scanned_layout: tuple[Layout, float],
) -> None:
    """Every OCR'd number under the threshold is listed for review, with its page and box: those
    the scan gave, plus three made doubtful here (a clean 200 dpi scan may give none)."""
    layout, _ = scanned_layout
    doc = extract(layout, "scan", "scan.pdf", len(layout.pages))
    numbers = [v for t in doc.tables for r in t.rows for v in r.values.values() if v.raw.strip()]
    for value in numbers[::7][:3]:
        value.confidence = 0.3
    low = {
        (v.page, v.bbox)
        for v in numbers
        if v.confidence is not None and v.confidence < LOW_CONFIDENCE
    }
    flagged = {
        (loc.page, loc.bbox)
        for f in run_checks(doc)
        if f.rule_id == "extraction.ocr_low_confidence"
        for loc in f.locations
    }
    assert len(low) >= 3 and flagged == low


def test_garbled_text_layer_is_ocrd() -> None:
    page = _cut(CUT[0], CUT[0])
    layout = _chunk(garble_pdf(page, "pua"))
    assert [p.ocr for p in layout.pages] == [True]
    assert any("private_use" in p.message for p in layout.problems)
    # The garbled page must read as its intact digital self does.
    truth = to_golden(extract_tables(_chunk(page))[0])
    score = compare(truth, to_golden(extract_tables(layout)[0]))
    assert score.expected_cells >= 5
    assert score.accuracy >= 0.98, score.mismatches


def test_digital_pdf_is_never_ocrd(monkeypatch: pytest.MonkeyPatch) -> None:
    import worker.ocr.layer

    def refuse(*_args: object, **_kw: object) -> None:
        raise AssertionError("a digital page was sent to OCR")

    monkeypatch.setattr(worker.ocr.layer, "ocr_words_and_lines", refuse)
    layout = _chunk(pymupdf.open(SAMPLES / f"{SAMPLE}.pdf"))
    assert layout.pages and not any(p.ocr for p in layout.pages)
    assert not layout.problems
    assert all(c.confidence is None for t in layout.tables() for r in t.rows for c in r)


def _with_invisible_layer(
    scan: pymupdf.Document, digital: pymupdf.Document, digits: str
) -> pymupdf.Document:
    """`scan` with a scanner-style invisible text layer: the digital words, digits mapped by
    `digits` (e.g. "0123456789" keeps them; a shifted string is a layer that reads wrong)."""
    table = str.maketrans("0123456789", digits)
    out = pymupdf.open()
    out.insert_pdf(scan, to_page=0)
    for x0, _y0, _x1, y1, text, *_ in digital[0].get_text("words"):
        out[0].insert_text(
            (x0, y1 - 2), text.translate(table), fontname="china-s", fontsize=9, render_mode=3
        )
    return out


def test_a_scanners_ocr_layer_is_used_when_right_and_replaced_when_wrong(
    digital: pymupdf.Document,
) -> None:
    first = _cut(CUT[0], CUT[0])
    scan, _ = scan_pdf(first, ScanStyle(dpi=200), seed=5)
    right = _chunk(_with_invisible_layer(scan, first, "0123456789"))
    assert [p.ocr for p in right.pages] == [False]  # trusted after a spot check: no OCR cost
    wrong = _chunk(_with_invisible_layer(scan, first, "1234567890"))
    assert [p.ocr for p in wrong.pages] == [True]
    assert any("text_mismatch" in p.message for p in wrong.problems)
    truth = to_golden(extract_tables(_chunk(first))[0])
    score = compare(truth, to_golden(extract_tables(wrong)[0]))
    assert score.expected_cells >= 5 and score.accuracy >= 0.98, score.mismatches


INTRO = [
    f"（{i}）本部门收支预算情况见下表，表中数字以万元为单位，按功能分类科目列示。"
    for i in "一二三四五六"
]


def _prose_and_picture(
    png: bytes, width: float, height: float, rotate: int = 0
) -> pymupdf.Document:
    """A page of prose (INTRO, a real text layer) with the picture `png` below it, shown
    width × height + 160. With `rotate`, the page is stored turned and carries /Rotate, its
    text and picture drawn turned so that it still shows upright (a Word landscape page)."""
    doc = pymupdf.open()
    w, h = (height + 160, width) if rotate % 180 else (width, height + 160)
    page = doc.new_page(width=w, height=h)
    page.set_rotation(rotate)
    back = page.derotation_matrix  # shown → stored coordinates
    for i, line in enumerate(INTRO):
        at = pymupdf.Point(50, 30 + 20 * i) * back
        page.insert_text(at, line, fontname="china-s", fontsize=10, rotate=rotate)
    page.insert_image(pymupdf.Rect(0, 150, width, 150 + height) * back, stream=png, rotate=rotate)
    return doc


@pytest.mark.parametrize("rotate", [0, 90, 270], ids=["upright", "rotate90", "rotate270"])
def test_a_picture_of_a_table_on_a_digital_page_is_read_where_it_lies(rotate: int) -> None:
    """A table pasted into Word as a screenshot: the page's own text stays as it is, the
    picture (only the picture) is OCR'd, and its table reads like the digital original —
    also on a page stored turned with /Rotate (the picture is read as shown, and its words
    are written back turned like the page's own text, not across it)."""
    table_page = _cut(CUT[0], CUT[0])
    png = table_page[0].get_pixmap(dpi=200).tobytes("png")
    rect = table_page[0].rect
    doc = _prose_and_picture(png, rect.width, rect.height, rotate)
    layout = _chunk(doc)
    assert all(line in layout.pages[0].text for line in INTRO)
    assert any("picture" in p.message for p in layout.problems)
    truth = to_golden(extract_tables(_chunk(table_page))[0])
    score = compare(truth, to_golden(extract_tables(layout)[0]))
    assert score.expected_cells >= 5 and score.accuracy >= 0.98, score.mismatches


def test_a_chart_on_a_digital_page_is_not_ocrd(monkeypatch: pytest.MonkeyPatch) -> None:
    """A chart pasted into the text (a pie and a legend, as the realdocs' 收入预算图) holds a few
    labels, no table: it is not sent to OCR (which cost 4–7 s per such page)."""
    import worker.ocr.layer

    def refuse(*_args: object, **_kw: object) -> None:
        raise AssertionError("a chart was sent to OCR")

    chart = pymupdf.open()
    page = chart.new_page(width=420, height=300)
    page.insert_text((150, 30), "收入预算图", fontname="china-s", fontsize=14)
    page.draw_circle((180, 160), 100, color=(0.4, 0.7, 0.93), fill=(0.4, 0.7, 0.93))
    page.draw_rect(pymupdf.Rect(300, 40, 315, 50), color=None, fill=(0.4, 0.7, 0.93))
    page.insert_text((320, 49), "本级财政拨款收入", fontname="china-s", fontsize=8)
    page.insert_text((200, 285), "4,651.67万元（100%）", fontname="china-s", fontsize=8)
    png = page.get_pixmap(dpi=150).tobytes("png")
    monkeypatch.setattr(worker.ocr.layer, "ocr_words_and_lines", refuse)
    layout = _chunk(_prose_and_picture(png, 420, 300))
    assert all(line in layout.pages[0].text for line in INTRO)
    assert not any(p.ocr for p in layout.pages) and not layout.problems


def test_ink_detection_clipped_off_a_word_is_read_with_it() -> None:
    """Detection sometimes clips the left tip of the stroke of "一" off a label ("一般公共服务
    支出" on sample 002's income table, scanned at 200 dpi); read alone, that tip became a word
    "-" beside the label, and the row's name "-一般公共服务支出" missed its golden row."""
    from worker.ocr import ocr_words_and_lines

    stem = "002_e0f29716db1f2352"
    scan, _ = scan_pdf(_cut(0, 7, stem), ScanStyle(dpi=200), seed=7)  # bench/ocr.py's cut
    words, _, _ = ocr_words_and_lines(scan[2])  # the income table
    labels = [w for w in words if w.text in ("一般公共服务支出", "一般行政管理事务")]
    assert len(labels) >= 2
    for label in labels:
        x0, y0, _, y1 = label.bbox
        beside = [
            w.text
            for w in words
            if w is not label
            and w.bbox[2] <= x0 + 1
            and x0 - w.bbox[2] < 6
            and w.bbox[1] < (y0 + y1) / 2 < w.bbox[3]
        ]
        assert not beside, (label.text, beside)
