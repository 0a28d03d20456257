"""Read a PDF whose pages may need OCR, through the same reader as digital pages.

    layout = read_pdf_ocr(doc)

Every page is checked with `assess_page` (~1 ms). When all are usable the document goes to
`read_pdf` untouched — no cost on the fast path. Otherwise each unusable page is OCR'd and
rebuilt as a clean digital page in an in-memory copy: every OCR word becomes real text
stretched over its box, every detected ruling line a vector line. `read_pdf` then reads the
copy, so scanned tables go through the same grid/table code, and page numbers and coordinates
stay those of the original. Rebuilt pages get `PageInfo.ocr`, their cells the lowest
confidence of the OCR words inside them, and the layout one Problem per OCR'd page (plus one
listing low-confidence numbers, which a reviewer must check against the scan).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence

import pymupdf

from schemas import Problem
from schemas.geometry import BBox
from worker.formats.pdf import read_pdf
from worker.layout import Cell, Layout
from worker.ocr import (
    DEFAULT_DPI,
    DEFAULT_ENGINE,
    DEFAULT_RUNTIME,
    OcrEngine,
    OcrWord,
    PageQuality,
    assess_page,
    get_engine,
    ocr_words_and_lines,
)
from worker.ocr.raster import Segment, glyph_share, render
from worker.settings import OcrRuntime

FONT = "china-s"  # PyMuPDF's built-in CJK font: every glyph is one em wide, which the fit relies on
log = logging.getLogger(__name__)
BASELINE = 0.12  # share of the em box below the baseline, so the rebuilt text fills the box
RULE_WIDTH = 0.5  # points
MIN_PICTURE = 0.08  # share of the page an image must cover to be read as a picture of text
MIN_GLYPHS = 0.17  # least glyph_share of a picture of text (charts: ≤ 0.11, tables: ≥ 0.23)
SHAPE_DPI = 100  # the render glyph_share looks at (~10 ms for a picture)


def read_pdf_ocr(
    doc: pymupdf.Document,
    engine: str = DEFAULT_ENGINE,
    dpi: int = DEFAULT_DPI,
    quality: Sequence[PageQuality] | None = None,
    on_page: Callable[[int], None] | None = None,
    runtime: OcrRuntime = DEFAULT_RUNTIME,
) -> Layout:
    """`read_pdf(doc)`, with pages lacking a usable text layer OCR'd (by `engine`, its models
    run by `runtime`, from a render at `dpi`) and rebuilt first, and pictures of tables on
    digital pages OCR'd into text where they lie. `quality` is `assess_page` of each page, when
    the caller has it. `on_page(n)`: the first n pages are read (OCR'd where needed; the final
    read of the rebuilt copy is short next to OCR)."""
    reasons = _pages_to_ocr(doc, engine, runtime, quality or [assess_page(p) for p in doc])
    regions = {p.number: r for p in doc if p.number not in reasons and (r := image_regions(p))}
    if not reasons and not regions:
        return read_pdf(doc, on_page=on_page)
    eng = get_engine(engine, runtime)  # loaded only now: a page needs it
    rebuilt = pymupdf.open()
    words: dict[int, list[OcrWord]] = {}
    notes = {i: f"page read by OCR (text layer: {why})" for i, why in reasons.items()}
    for page in doc:
        if page.number in reasons:
            log.info("page %d read by OCR (%s; text layer: %s)", page.number + 1, engine,
                     reasons[page.number])
            new = rebuilt.new_page(width=page.mediabox.width, height=page.mediabox.height)
            words[page.number] = _write_ocr(page, new, eng, dpi)
        else:
            rebuilt.insert_pdf(doc, from_page=page.number, to_page=page.number)
        if page.number in regions:
            area = regions[page.number]
            notes[page.number] = f"{len(area)} picture(s) of text on the page read by OCR"
            words[page.number] = _write_ocr(page, rebuilt[-1], eng, dpi, area)
        if on_page is not None:
            on_page(page.number + 1)
    layout = read_pdf(rebuilt)
    layout.problems.extend(_mark(layout, words, notes))
    return layout


def _pages_to_ocr(
    doc: pymupdf.Document, engine: str, runtime: OcrRuntime, quality: Sequence[PageQuality]
) -> dict[int, str]:
    """0-based page → why its text layer cannot be used (repairable layers are left to the reader).

    A scanner's own invisible OCR layer is well-formed but of unknown accuracy: a few of its
    numbers are read again from the render (~0.5 s) and the page is OCR'd when they disagree.
    """
    out: dict[int, str] = {}
    for page, verdict in zip(doc, quality, strict=True):
        if verdict.reason == "ocr_layer":
            verdict = assess_page(page, verify=True, engine=get_engine(engine, runtime))
        if not verdict.usable and not verdict.repairable:
            out[page.number] = verdict.reason
    return out


def image_regions(page: pymupdf.Page) -> list[pymupdf.Rect]:
    """Pictures on a page with a usable text layer that hold text of their own: images of at
    least MIN_PICTURE of the page with (almost) no text-layer characters over them, mostly
    glyphs (`glyph_share`) — a table pasted into Word as a screenshot. Logos, seals,
    backgrounds under text and charts are left alone."""
    if not page.get_images(full=False):  # cheap: the page's resources, nothing is drawn
        return []
    unrotated = page.rect * page.derotation_matrix  # image boxes are in get_text space
    area = abs(unrotated) or 1.0
    found = []
    for info in page.get_image_info():
        rect = pymupdf.Rect(info["bbox"]) & unrotated
        if (
            abs(rect) >= MIN_PICTURE * area
            and len(page.get_text("text", clip=rect).strip()) < 5
            and glyph_share(render(page, SHAPE_DPI, False, rect).gray, SHAPE_DPI) >= MIN_GLYPHS
        ):
            found.append(rect)
    return found


def _write_ocr(
    page: pymupdf.Page,
    new: pymupdf.Page,
    engine: OcrEngine,
    dpi: int,
    regions: list[pymupdf.Rect] | None = None,
) -> list[OcrWord]:
    """Write the OCR of `page` (of each of `regions` alone, when given) onto `new` as text
    and ruling lines; the OCR words."""
    words: list[OcrWord] = []
    h_lines: list[Segment] = []
    v_lines: list[Segment] = []
    for clip in regions or [None]:
        w, h, v = ocr_words_and_lines(page, engine, dpi, clip=clip)
        words, h_lines, v_lines = words + w, h_lines + h, v_lines + v
    # OCR boxes are in the unrotated page's space: write unrotated, then turn like the original.
    # OCR read the page as shown, so its words run left to right there: they are fitted in
    # the shown space and written turned back (a picture on a /Rotate 90 page: its words must
    # run like the page's own text, or the reader takes each glyph column for a word).
    rotation, shown, back = page.rotation, page.rotation_matrix, page.derotation_matrix
    seen = [OcrWord(w.text, tuple(pymupdf.Rect(w.bbox) * shown), w.confidence) for w in words]
    seen_v = [s for s in (_turned(seg, shown) for seg in [*h_lines, *v_lines]) if s[0] == s[2]]
    new.set_rotation(0)
    text_shape = new.new_shape()  # one for every word: a commit per word re-reads the page
    for text, bbox in _without_overlaps(seen):
        _put_word(text_shape, text, _inside_rules(bbox, len(text), seen_v), back, rotation)
    text_shape.commit()
    if h_lines or v_lines:
        shape = new.new_shape()
        for x0, y0, x1, y1 in [*h_lines, *v_lines]:
            shape.draw_line((x0, y0), (x1, y1))
        shape.finish(width=RULE_WIDTH, color=(0, 0, 0))
        shape.commit()
    new.set_rotation(rotation)
    return words


def _without_overlaps(words: list[OcrWord]) -> list[tuple[str, BBox]]:
    """Words as (text, box), a character read twice at a split dropped from the left word.

    The engine sometimes cuts one line into overlapping pieces ("二十、住" + "住房保障支出");
    rebuilt as they are, the reader would join them into "二十、住住房保障支出".
    """
    out = [(w.text.strip(), w.bbox) for w in words]
    mid = [(b[1] + b[3]) / 2 for _, b in out]
    order = sorted(range(len(out)), key=mid.__getitem__)
    for n, a in enumerate(order):
        for b in order[n + 1 :]:
            if mid[b] - mid[a] > 0.5 * (out[a][1][3] - out[a][1][1]):
                break  # the next line
            i, j = (a, b) if out[a][1][0] <= out[b][1][0] else (b, a)
            (left, lb), (right, rb) = out[i], out[j]
            if not lb[0] < rb[0] < lb[2]:
                continue
            k = next(
                (
                    k
                    for k in range(min(len(left), len(right)) - 1, 0, -1)
                    if left.endswith(right[:k])
                ),
                0,
            )
            if k:
                out[i] = (left[:-k], (lb[0], lb[1], rb[0], lb[3]))
    return [(text, bbox) for text, bbox in out if text]


def _inside_rules(bbox: BBox, n_chars: int, v_lines: list[Segment]) -> BBox:
    """`bbox` pulled back inside the cell rules it overshoots by less than one character.

    OCR boxes run a few points wide; stretched over such a box, a cell's first or last
    character would be centred across the rule and the reader would give it to the next cell.
    """
    x0, y0, x1, y1 = bbox
    char = (x1 - x0) / max(1, n_chars)
    mid = (y0 + y1) / 2
    for vx, top, _, bottom in v_lines:
        if not (top <= mid <= bottom and x0 < vx < x1):
            continue
        if vx - x0 < char:
            x0 = vx + RULE_WIDTH
        elif x1 - vx < char:
            x1 = vx - RULE_WIDTH
    return x0, y0, x1, y1


def _turned(seg: Segment, matrix: pymupdf.Matrix) -> Segment:
    a, b = pymupdf.Point(seg[0], seg[1]) * matrix, pymupdf.Point(seg[2], seg[3]) * matrix
    return (min(a.x, b.x), min(a.y, b.y), max(a.x, b.x), max(a.y, b.y))


def _put_word(
    shape: pymupdf.Shape, text: str, bbox: BBox, back: pymupdf.Matrix, rotation: int
) -> None:
    """Write `text` so its extracted box is `bbox` as the page is shown (turned by `rotation`
    degrees; `back` maps shown to unrotated points): size from the height, stretched to the
    width, turned with the page so that it reads left to right as shown."""
    x0, y0, x1, y1 = bbox
    size = y1 - y0
    if size <= 0 or x1 <= x0 or not text:
        return
    natural = pymupdf.get_text_length(text, fontname=FONT, fontsize=size)
    origin = pymupdf.Point(x0, y1 - BASELINE * size) * back
    morph = pymupdf.Matrix((x1 - x0) / natural, 1) * pymupdf.Matrix(rotation)
    shape.insert_text(origin, text, fontsize=size, fontname=FONT, morph=(origin, morph))


def _mark(layout: Layout, words: dict[int, list[OcrWord]], notes: dict[int, str]) -> list[Problem]:
    """Flag OCR'd pages and give their cells a confidence (the checks list the low ones:
    worker/rules/ocr.py); one Problem per OCR'd page."""
    for info in layout.pages:
        info.ocr = info.index in words
    for cell in _ocr_cells(layout, words):
        cell.confidence = _confidence(cell, words[cell.page])  # type: ignore[index]
    return [Problem(stage="ocr", message=notes[i], page=i + 1) for i in sorted(words)]


def _ocr_cells(layout: Layout, words: dict[int, list[OcrWord]]) -> Iterator[Cell]:
    for table in layout.tables():
        for row in table.rows:
            for cell in row:
                if cell.page in words and cell.bbox is not None and cell.text.strip():
                    yield cell


def _confidence(cell: Cell, words: list[OcrWord]) -> float | None:
    """Lowest confidence of the OCR words centred in the cell (else overlapping it: a word
    split across cells): a cell is as sure as its worst word."""
    x0, y0, x1, y1 = cell.bbox  # type: ignore[misc]
    centred = [
        w.confidence
        for w in words
        if x0 <= (w.bbox[0] + w.bbox[2]) / 2 <= x1 and y0 <= (w.bbox[1] + w.bbox[3]) / 2 <= y1
    ]
    if centred:
        return min(centred)
    touching = [
        w.confidence
        for w in words
        if w.bbox[0] < x1 and w.bbox[2] > x0 and w.bbox[1] < y1 and w.bbox[3] > y0
    ]
    return min(touching) if touching else None
