"""Is a page's text layer usable, or does the page need OCR?

Cheap signals from one pass over the page's characters (`page.get_texttrace`, ~1 ms):
  blank / no_text      no characters; `no_text` when there is something to read (an image,
                       or text drawn as outlines: many vector paths)
  image_page           a few characters (a stamped header) over an image covering the page
  replacement_chars    U+FFFD: glyphs the PDF gives no Unicode for
  private_use          U+E000–U+F8FF: fonts with a private encoding (symbol fonts, broken exports)
  cjk_radicals         Kangxi / supplementary radicals (⼀ for 一, ⽀ for 支): a bad ToUnicode map
                       of some Word/WPS exports. `repairable`: the radicals map back one to one
                       (NFKC, worker/formats/cjk_radicals.yaml), so OCR is only the fallback
  unexpected_script    control characters and scripts a Chinese budget never uses: fonts with
                       no ToUnicode map, read as raw glyph ids
  numbers_out_of_order digits stored in an order other than left to right
A usable page is "ok", or "ocr_layer" when its text is mostly invisible (a scanner's own OCR
over the image: well-formed, but only `verify` tells whether it is right).
One expensive, opt-in check (`verify=True`, ~0.5 s CPU): OCR a few numeric words from the render
and compare them with the text layer (`text_mismatch`) — the only way to catch a layer that
is well-formed but wrong, e.g. digits remapped to other digits.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pymupdf

if TYPE_CHECKING:
    from worker.ocr.engines import OcrEngine

MIN_CHARS = 10  # fewer visible characters than this is "no text"
MAX_SHARE = {  # share of non-space characters above which the layer is unusable
    "replacement_chars": 0.02,
    "private_use": 0.05,
    "cjk_radicals": 0.02,
    "unexpected_script": 0.10,
}
PATTERNS = {
    "replacement_chars": re.compile("\ufffd"),
    "private_use": re.compile("[\ue000-\uf8ff]"),
    "cjk_radicals": re.compile("[\u2e80-\u2eff\u2f00-\u2fdf]"),
    # Anything outside ASCII, Latin-1, general/CJK punctuation, number forms, arrows, math,
    # enclosed numbers, box drawing, shapes, CJK unified ideographs and full-width forms.
    "unexpected_script": re.compile(
        "[^\\s\x20-\x7e\u00a0-\u00ff\u2000-\u22ff\u2460-\u27bf\u2e80-\u2fdf"
        "\u3000-\u303f\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef\ue000-\uf8ff]"
    ),
}
REPAIRABLE = {"cjk_radicals"}  # radicals map back to ideographs one to one
MIN_HITS = 3  # never judge a page on one or two odd characters
OUTLINE_PATHS = 300  # a page with no text but this many vector paths has its text as outlines
MISMATCH_SHARE = 0.5  # verify: share of sampled words OCR reads differently


@dataclass(frozen=True, slots=True)
class PageQuality:
    usable: bool
    reason: str  # "ok", "blank", or the first failed check (see module docstring)
    share: float = 0.0  # how much of the page failed that check, 0..1
    repairable: bool = False  # text normalization can restore the layer; OCR is the fallback


def assess_page(
    page: pymupdf.Page, verify: bool = False, engine: str | OcrEngine = "rapidocr"
) -> PageQuality:
    """Decide whether `page.get_text` can be trusted; `verify` adds the OCR cross-check."""
    spans = page.get_texttrace()
    chars = [c for s in spans for c in s["chars"]]
    text = "".join(chr(c[0]) for c in chars if c[0] > 32)
    if len(text) < MIN_CHARS:
        return _without_text(page)
    if len(text) < 200 and (cover := _image_cover(page)) > 0.5:
        return PageQuality(False, "image_page", cover)
    for reason, pattern in PATTERNS.items():
        hits = len(pattern.findall(text))
        if hits >= MIN_HITS and hits / len(text) > MAX_SHARE[reason]:
            return PageQuality(False, reason, hits / len(text), reason in REPAIRABLE)
    reversed_share = _digit_reversals(chars)
    if reversed_share > 0.2:
        return PageQuality(False, "numbers_out_of_order", reversed_share)
    if verify:
        mismatch = render_mismatch(page, engine)
        if mismatch >= MISMATCH_SHARE:
            return PageQuality(False, "text_mismatch", mismatch)
    invisible = sum(len(s["chars"]) for s in spans if s["type"] == 3) / max(1, len(chars))
    # A scanner's own OCR layer (invisible text over the image): well-formed, accuracy unknown.
    if invisible > 0.5:
        return PageQuality(True, "ocr_layer", invisible)
    return PageQuality(True, "ok")


def _without_text(page: pymupdf.Page) -> PageQuality:
    if page.get_images(full=False) or len(page.get_cdrawings()) >= OUTLINE_PATHS:
        return PageQuality(False, "no_text", 1.0)
    return PageQuality(True, "blank")


def _image_cover(page: pymupdf.Page) -> float:
    area = abs(page.rect) or 1.0
    rects = [pymupdf.Rect(info["bbox"]) & page.rect for info in page.get_image_info()]
    return min(1.0, sum(abs(r) for r in rects) / area)


def _digit_reversals(chars: list) -> float:
    """Share of neighbouring digits (same baseline, content order) that run right to left.

    Neighbours more than two glyphs apart are skipped: streams may draw a row's cells in
    any order, but the digits of one number are stored left to right.
    """
    # The first 400 digits are plenty to tell, and keep the check cheap on dense pages.
    digits = [(c[2][0], c[2][1], c[3][2] - c[3][0]) for c in chars if c[0] in _NUMERIC][:400]
    pairs = reversals = 0
    for (ax, ay, aw), (bx, by, _) in itertools.pairwise(digits):
        if abs(ay - by) > 0.5 or abs(bx - ax) > 2.5 * aw:
            continue
        pairs += 1
        reversals += bx < ax
    return reversals / pairs if pairs >= 10 else 0.0


_NUMERIC = frozenset(b"0123456789,.")
_NUMBER = re.compile(r"^-?[\d,]*\d\.?\d*%?$")


def render_mismatch(
    page: pymupdf.Page, engine: str | OcrEngine = "rapidocr", samples: int = 6, dpi: int = 200
) -> float:
    """Share of up to `samples` numeric words that OCR of their clip reads differently."""
    from worker.ocr import get_engine  # OCR models load only when a caller asks for this check

    words = [
        w
        for w in page.get_text("words")
        if _NUMBER.match(w[4]) and sum(ch.isdigit() for ch in w[4]) >= 3
    ]
    if not words:
        return 0.0
    picks = [words[i] for i in np.linspace(0, len(words) - 1, min(samples, len(words))).astype(int)]
    eng = get_engine(engine) if isinstance(engine, str) else engine
    wrong = 0
    for x0, y0, x1, y1, text, *_ in picks:
        clip = pymupdf.Rect(x0 - 3, y0 - 2, x1 + 3, y1 + 2) & page.rect
        pix = page.get_pixmap(dpi=dpi, clip=clip, colorspace=pymupdf.csGRAY, alpha=False)
        gray = np.frombuffer(pix.samples, np.uint8).reshape(pix.height, pix.stride)[:, : pix.width]
        read, _ = eng.read_line(gray)
        wrong += read.replace(",", "") != text.replace(",", "")
    return wrong / len(picks)
