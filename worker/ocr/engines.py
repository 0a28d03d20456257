"""OCR engines behind `worker.ocr`: RapidOCR (PP-OCRv4 on OpenVINO or onnxruntime) here,
Tesseract in worker/ocr/tesseract.py, and what both share (the engine protocol, number
normalization).

An engine reads a deskewed greyscale page and returns words in pixels. It gets two images:
`gray` as rendered (text detection likes the ruling lines as separators) and `clean`, the same
with the ruling lines painted out (recognizers read a rule touching a digit as "1" or "|"), and
the vertical rules, so a detected text line that runs across a cell border is cut there.

Both engines run from what the packages install: RapidOCR's det/rec models are files inside
the `rapidocr_onnxruntime` wheel, Tesseract's `chi_sim` model is the Debian package
`tesseract-ocr-chi-sim`. Nothing is fetched at run time.
"""

from __future__ import annotations

import itertools
import logging
import re
import unicodedata
from typing import Protocol

import numpy as np
from PIL import Image

from worker.errors import OcrEngineError
from worker.ocr.raster import INK, Segment, glyph_height
from worker.ocr.sessions import openvino_session
from worker.settings import OcrRuntime, Settings

log = logging.getLogger(__name__)
_RUNTIME: OcrRuntime = Settings.default("ocr_runtime")

RawWord = tuple[str, Segment, float]  # text, pixel box, confidence 0..1

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WIDE = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")  # one em each


class OcrEngine(Protocol):
    name: str

    def read(
        self, gray: np.ndarray, clean: np.ndarray, v_lines: list[Segment], dpi: int
    ) -> list[RawWord]: ...

    def read_line(self, gray: np.ndarray) -> tuple[str, float]:
        """Text of an image holding one line of text (no detection step)."""
        ...


# Punctuation confusions inside numbers, undone by what amounts look like (d.dd, d,ddd).
_NUMBER_REPAIRS = [
    (re.compile(r"(?<=\d)[:;](?=\d{2}$)"), "."),  # 3:06 -> 3.06
    (re.compile(r"(?<=\d)[;:](?=\d{3}(\D|$))"), ","),  # 2;502.88 -> 2,502.88
    (re.compile(r"(?<=\d),(?=\d{1,2}$)"), "."),  # 12,48 -> 12.48: thousands come in threes
    (re.compile(r"^[-—–](?=\d+[-—–]$)|[-—–]$"), ""),  # "- 8 -" read as -8-: a page number
]


def normalize(text: str) -> str:
    """Full-width digits and punctuation in a number become ASCII (１，２３４．５６ -> 1,234.56).

    Words with ideographs keep their full-width brackets and colons, as the text layer has them.
    """
    text = text.strip()
    if _CJK.search(text) or not any(ch.isdigit() for ch in unicodedata.normalize("NFKC", text)):
        return text
    text = unicodedata.normalize("NFKC", text).replace("。", ".").replace(" ", "")
    for pattern, repl in _NUMBER_REPAIRS:
        text = pattern.sub(repl, text)
    # A number never starts or ends with a separator; one there is dust or a rule's remnant.
    return text.strip(".,:;'`")


def ink_box(clean: np.ndarray, box: Segment) -> Segment | None:
    """`box` shrunk to the ink inside it, ignoring dust; None if it holds no real ink.

    Dust matters: a speck above a number makes the crop taller and the recognizer then reads
    a gap that isn't there; a speck after it becomes a trailing ".".
    """
    x0, y0, x1, y1 = (max(0, round(v)) for v in box)
    sub = clean[y0:y1, x0:x1] < INK
    if sub.sum() < 6:
        return None
    rows = _main_band(sub.sum(axis=1), gap=2)
    if rows is None:
        return None
    sub = sub[rows[0] : rows[1]]
    dust = max(4.0, 0.015 * (rows[1] - rows[0]) ** 2)
    cols = _trim_dust(sub.sum(axis=0), dust)
    if cols is None:
        return None
    return (x0 + cols[0], y0 + rows[0], x0 + cols[1], y0 + rows[1])


def _clusters(profile: np.ndarray, gap: int) -> list[tuple[int, int, int]]:
    """(start, end, ink) of the runs of non-zero entries, bridging up to `gap` empty entries."""
    idx = np.flatnonzero(profile)
    if len(idx) == 0:
        return []
    breaks = np.flatnonzero(np.diff(idx) > gap + 1)
    starts, ends = np.r_[idx[0], idx[breaks + 1]], np.r_[idx[breaks], idx[-1]] + 1
    return [(int(a), int(b), int(profile[a:b].sum())) for a, b in zip(starts, ends, strict=True)]


def _main_band(profile: np.ndarray, gap: int) -> tuple[int, int] | None:
    """The rows of the text: from the first to the last cluster holding real ink (≥ 5%)."""
    clusters = _clusters(profile, gap)
    total = sum(c[2] for c in clusters)
    keep = [c for c in clusters if c[2] >= 0.05 * total]
    return (keep[0][0], keep[-1][1]) if keep else None


def _trim_dust(profile: np.ndarray, dust: float) -> tuple[int, int] | None:
    clusters = _clusters(profile, gap=0)
    while clusters and clusters[0][2] <= dust:
        clusters.pop(0)
    while clusters and clusters[-1][2] <= dust:
        clusters.pop()
    return (clusters[0][0], clusters[-1][1]) if clusters else None


def em_box(box: Segment, text: str) -> Segment:
    """Grow an ink-tight box to the font's line height, the box `page.get_text` would report.

    Digits are ~0.72 em tall, ideographs ~0.9 em; text-layer word boxes are ~1.2 em tall and
    each glyph's advance is ~0.55 em (digits) or 1 em (ideographs) wide, even for a thin "1".
    Ideographs fill their advance, so for CJK text the ink width bounds the em too: a box made
    tall by a speck or a residual tilt must not grow a long name into the next cell.
    """
    x0, y0, x1, y1 = box
    units = sum(1.0 if _WIDE.match(ch) else 0.55 for ch in text)
    cjk = bool(_CJK.search(text))
    em = (y1 - y0) / (0.9 if cjk else 0.72)
    if cjk:
        em = min(em, (x1 - x0) / max(units - 0.1, 0.9))
    cy, cx = (y0 + y1) / 2, (x0 + x1) / 2
    half_w = max(x1 - x0, units * em) / 2
    return (cx - half_w, cy - 0.6 * em, cx + half_w, cy + 0.6 * em)


_EXTRA_POINTS = re.compile(r"^\d[\d,]*(?:\.\d+){2,}$")
REPAIRED_CONFIDENCE = 0.5  # a number the repair changed is a guess: a reviewer checks it


def repair_number(text: str, confidence: float) -> tuple[str, float]:
    """Undo a misread no amount can have, marking the result as a guess.

    Two decimal points ("1.1.43", "1.181.758.59"): a speck or a thousands comma read as a
    point; only the last one is a decimal point.
    """
    if _EXTRA_POINTS.match(text):
        head, _, tail = text.rpartition(".")
        return f"{head.replace('.', '')}.{tail}", min(confidence, REPAIRED_CONFIDENCE)
    return text, confidence


def split_at_rules(box: Segment, v_lines: list[Segment], margin: float = 2.0) -> list[Segment]:
    """Cut a text box at the vertical rules that cross it."""
    x0, y0, x1, y1 = box
    cy = (y0 + y1) / 2
    cuts = sorted(
        x for x, ly0, _, ly1 in v_lines if x0 + margin < x < x1 - margin and ly0 < cy < ly1
    )
    edges = [x0, *cuts, x1]
    return [(a, y0, b, y1) for a, b in itertools.pairwise(edges) if b - a > margin]


class RapidOcrEngine:
    """PP-OCRv4 detection + recognition (Chinese and English, digits) through RapidOCR.

    Detection runs on a copy reduced to the resolution the page's text needs: its glyph
    height is measured first (`detect_dpi`; 9 pt text is detected as surely at ~110 dpi as at
    150, for half the cost), `det_dpi` when there is too little ink to tell; recognition
    reads crops of the full-resolution page. `rec_width` is
    the least width a recognition batch is padded to: PaddleOCR pads to 320, but table cells
    are short, and 96 reads them as well at half the cost. `stretch` widens each crop before
    recognition (see `_crop`): 1.5 took long 元 amounts from 98% to 100% for ~30% more time;
    with one crop per run and detection at the text's resolution, 1.25 reads them as well.
    Detection misses a lone narrow glyph at 150 dpi; `missed_ink` picks those up.
    The models load from the wheel's own `models/` folder (no download, ever).

    Both models run on `runtime`: OpenVINO (worker/ocr/sessions.py) reads the same ONNX
    files with the same readings, recognizing 1.4× and detecting 1.5× as fast as onnxruntime
    (~0.73 of the CPU time per scanned page); onnxruntime when asked, or when openvino does
    not load. Either uses `threads` threads (one: the calling
    thread, no pool): a worker process is one engine, and a machine's cores are used by
    running more workers. onnxruntime's default (a thread per core, spinning between
    operators) cost twice the CPU for the same page: 7.3 → ~3.5 CPU-s per scanned table page.
    Recognition reads one crop at a time (`batch`): a batch is padded to its widest crop, and
    that padding cost more than the batching saved (1.45 → 1.0 CPU-s of recognition on a
    table page), and changes the confidences it reports.
    """

    name = "rapidocr"

    def __init__(
        self,
        det_dpi: int = 150,
        rec_width: int = 96,
        stretch: float = 1.25,
        threads: int = 1,
        batch: int = 1,
        runtime: OcrRuntime = _RUNTIME,
    ) -> None:
        try:  # RapidOCR's detector and recognizer alone (its direction classifier is unused)
            from rapidocr_onnxruntime import main, utils  # type: ignore[import-untyped]
            from rapidocr_onnxruntime.ch_ppocr_det import TextDetector  # type: ignore[import-untyped]
            from rapidocr_onnxruntime.ch_ppocr_rec import TextRecognizer  # type: ignore[import-untyped]
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise OcrEngineError("rapidocr-onnxruntime is not installed") from exc
        config = utils.update_model_path(utils.read_yaml(main.DEFAULT_CFG_PATH))
        for part in ("Det", "Rec"):
            config[part]["intra_op_num_threads"] = config[part]["inter_op_num_threads"] = threads
        self._det, self._rec = TextDetector(config["Det"]), TextRecognizer(config["Rec"])
        # The padded width of a recognition batch; a narrower floor saves time on short cells.
        self._rec.rec_image_shape = [3, 48, rec_width]
        self._rec.rec_batch_num = batch
        self.det_dpi, self.stretch = det_dpi, stretch
        self.runtime: OcrRuntime = self._run_on(runtime, config, threads)

    def _run_on(self, runtime: OcrRuntime, config: dict, threads: int) -> OcrRuntime:
        """The runtime the models run on: OpenVINO replaces the onnxruntime sessions rapidocr
        opened, unless it cannot load (then they stay, and the log says why)."""
        if runtime == "onnxruntime":
            return runtime
        try:
            det = openvino_session(config["Det"]["model_path"], threads)
            rec = openvino_session(config["Rec"]["model_path"], threads)
        except Exception as exc:  # not installed, or a model or CPU its plugin refuses
            log.warning(
                "OCR runs on onnxruntime: openvino did not load (%s: %s)", type(exc).__name__, exc
            )
            return "onnxruntime"
        self._det.infer, self._rec.session = det, rec
        return runtime

    def read(
        self, gray: np.ndarray, clean: np.ndarray, v_lines: list[Segment], dpi: int
    ) -> list[RawWord]:
        found = self._detect(gray, dpi, self.detect_dpi(clean, dpi))
        pieces = [p for box in found for p in split_at_rules(box, v_lines)]
        boxes = [b for p in pieces if (b := ink_box(clean, p)) is not None]
        rescued = missed_ink(clean, found, dpi)
        if not boxes and not rescued:
            return []
        # A line's ink height; a lone "-" or "." gets a crop that tall, or it reads as "一".
        line_h = float(np.median([b[3] - b[1] for b in boxes])) if boxes else 0.0
        rescued = [b for b in rescued if _glyph_like(b, line_h)]
        boxes, rescued = _rejoin(boxes, rescued, line_h)
        crops = [self._crop(clean, b, line_h, self.stretch) for b in boxes]
        crops += [self._crop(clean, b, line_h, 1.0) for b in rescued]  # one glyph: no need
        results, _ = self._rec([c for c, _ in crops], return_word_box=True)
        words: list[RawWord] = []
        for i, ((_, origin), box, res) in enumerate(
            zip(crops, boxes + rescued, results, strict=True)
        ):
            if i >= len(boxes) and res[1] < RESCUE_MIN_CONF:
                continue  # dust, a stamp's edge: whatever the detector rightly passed over
            words += self._words(clean, box, origin, res)
        return words

    def read_line(self, gray: np.ndarray) -> tuple[str, float]:
        text, score = self._rec([np.repeat(gray[:, :, None], 3, axis=2)])[0][0]
        return normalize(text), float(score)

    def orientation(self, gray: np.ndarray, dpi: int) -> int:
        """The turn after which the recognizer reads the page's longest lines most surely.

        Text read sideways or upside down gets confidences of ~0.0–0.7, upright text ~0.95+.
        Lines are detected once, on the page turned a quarter clockwise, and read as they are
        (turn 1) and upside down (turn 3). Only when neither reading is sure is the page read
        unturned as well; it stays as it is unless a turn beats that clearly.
        """
        crops = self._line_crops(np.ascontiguousarray(np.rot90(gray, -1)), dpi)
        flipped = [np.ascontiguousarray(c[::-1, ::-1]) for c in crops]  # 180°
        confs = self._confidences(crops + flipped)
        scores = {1: _median(confs[: len(crops)]), 3: _median(confs[len(crops) :])}
        best = max(scores, key=scores.__getitem__)
        if scores[best] >= ORIENT_SURE:
            return best
        upright = _median(self._confidences(self._line_crops(gray, dpi)))
        return best if scores[best] >= upright + ORIENT_MARGIN else 0

    def _line_crops(self, gray: np.ndarray, dpi: int, n: int = 8) -> list[np.ndarray]:
        """Crops of the `n` longest text lines detected lying across the image, each cut to
        its first ~10 line heights: a dozen glyphs tell which way they read, and recognition
        costs what the crop is wide."""
        boxes = [b for b in self._detect(gray, dpi) if b[2] - b[0] >= 1.5 * (b[3] - b[1])]
        boxes = sorted(boxes, key=lambda b: b[0] - b[2])[:n]
        cut = [(x0, y0, min(x1, x0 + 10 * (y1 - y0)), y1) for x0, y0, x1, y1 in boxes]
        return [self._crop(gray, b, 0.0, 1.0)[0] for b in cut]

    def _confidences(self, crops: list[np.ndarray]) -> list[float]:
        return [float(score) for _, score in self._rec(crops)[0]] if crops else []

    def detect_dpi(self, clean: np.ndarray, dpi: int) -> float:
        """The resolution detection needs for the page's text: its glyphs DET_GLYPH_PX tall
        (within DET_DPI), measured first (`glyph_height`); `det_dpi` if the page has none."""
        height = glyph_height(clean, dpi)
        if height is None:
            return self.det_dpi
        return min(max(DET_GLYPH_PX * 72.0 / height, DET_DPI[0]), DET_DPI[1])

    def _detect(self, gray: np.ndarray, dpi: int, det_dpi: float | None = None) -> list[Segment]:
        scale = min(1.0, (det_dpi or self.det_dpi) / dpi)
        small = Image.fromarray(gray)
        if scale < 1.0:
            small = small.resize(
                (round(gray.shape[1] * scale), round(gray.shape[0] * scale)),
                Image.Resampling.BILINEAR,
            )
        quads, _ = self._det(np.repeat(np.asarray(small)[:, :, None], 3, axis=2))
        if quads is None:
            return []
        return [
            (
                q[:, 0].min() / scale,
                q[:, 1].min() / scale,
                q[:, 0].max() / scale,
                q[:, 1].max() / scale,
            )
            for q in np.asarray(quads)
        ]

    @staticmethod
    def _crop(
        clean: np.ndarray, box: Segment, line_h: float, stretch: float
    ) -> tuple[np.ndarray, tuple[int, int, int]]:
        """The recognizer's input around an ink box (with a margin) and (x0, y0, width) of it.

        The crop is widened by `stretch`: the recognizer looks at 8-pixel columns, and long
        numbers in a narrow face ("1,181,758.59") lose digits when too few columns fall on each.
        """
        x0, y0, x1, y1 = box
        m = max(2, round(0.25 * (y1 - y0)))
        my = max(m, round((line_h - (y1 - y0)) / 2) + m)
        cx0, cy0 = max(0, int(x0) - m), max(0, int(y0) - my)
        crop = clean[cy0 : int(y1) + my, cx0 : int(x1) + m]
        width = crop.shape[1]
        if stretch != 1.0:
            img = Image.fromarray(crop)
            crop = np.asarray(
                img.resize((round(width * stretch), img.height), Image.Resampling.BICUBIC)
            )
        return np.repeat(crop[:, :, None], 3, axis=2), (cx0, cy0, width)

    @staticmethod
    def _words(
        clean: np.ndarray, box: Segment, origin: tuple[int, int, int], res: tuple
    ) -> list[RawWord]:
        """Split one recognized crop into words at its spaces, using the CTC column of each char."""
        text, score, info = res
        if not text.strip():
            return []
        cols_total, cols, confs = info[0], [c for w in info[2] for c in w], info[4]
        if len(cols) != len(text) or cols_total <= 0:  # no positions: keep the crop whole
            return [(normalize(text), box, float(score))]
        cx0, _, width = origin
        xs = [cx0 + (c + 0.5) * width / cols_total for c in cols]
        words: list[RawWord] = []
        for i, j in _word_spans(text):
            left = (xs[i - 1] + xs[i]) / 2 if i > 0 else box[0]
            right = (xs[j - 1] + xs[j]) / 2 if j < len(text) else box[2]
            tight = ink_box(clean, (max(left, box[0]), box[1], min(right, box[2]), box[3]))
            if tight is not None:
                conf = float(np.mean(confs[i:j])) if len(confs) == len(text) else float(score)
                words.append((normalize(text[i:j]), tight, conf))
        return words


RESCUE_MIN_CONF = 0.8
REJOIN_GAP = 0.3  # line heights: rescued ink this close to a detected box belongs to it
DET_GLYPH_PX = 12.0  # glyph height detection reads surely at: 9 pt text at ~110 dpi
DET_DPI = (100.0, 150.0)  # the detection resolutions `detect_dpi` chooses between


ORIENT_SURE = 0.9  # a turned reading this sure settles it: sideways text reads far below
ORIENT_MARGIN = 0.1  # otherwise, how much surer it must be than the page as it is


def _median(values: list[float]) -> float:
    """A typical line's confidence: one short or smudged line must not swing the verdict."""
    return float(np.median(values)) if values else 0.0


def _glyph_like(box: Segment, line_h: float) -> bool:
    """A glyph is nearly as tall as the text ("1"), or a dash; a cluster of dust is neither."""
    w, h = box[2] - box[0], box[3] - box[1]
    return h >= 0.6 * line_h or (w >= 2 * h and w >= 0.15 * line_h)


def _rejoin(
    boxes: list[Segment], rescued: list[Segment], line_h: float
) -> tuple[list[Segment], list[Segment]]:
    """Rescued ink right beside a detected box on its line is a piece detection clipped off
    it (the left tip of the stroke of "一般…", read alone as "-"): the box grows to take it in,
    and the whole is read as one. Ink further away stays a glyph of its own."""
    boxes, alone = list(boxes), []
    for r in rescued:
        cy = (r[1] + r[3]) / 2
        near = [
            i
            for i, b in enumerate(boxes)
            if b[1] <= cy <= b[3] and max(b[0] - r[2], r[0] - b[2]) <= REJOIN_GAP * line_h
        ]
        if not near:
            alone.append(r)
            continue
        b = boxes[near[0]]
        boxes[near[0]] = (min(b[0], r[0]), min(b[1], r[1]), max(b[2], r[2]), max(b[3], r[3]))
    return boxes, alone


def missed_ink(clean: np.ndarray, found: list[Segment], dpi: int) -> list[Segment]:
    """Boxes of ink the text detector left out: at 150 dpi it misses a lone narrow glyph (the
    "1" of a 栏次 row, a "-" meaning zero). Glyphs closer than ~0.3 em are grouped."""
    import cv2  # a dependency of rapidocr-onnxruntime

    ink = (clean < INK).astype(np.uint8)
    for x0, y0, x1, y1 in found:
        ink[max(0, int(y0) - 2) : int(y1) + 3, max(0, int(x0) - 2) : int(x1) + 3] = 0
    px = dpi / 72.0
    kernel = np.ones((3, max(3, round(3 * px))), np.uint8)
    n, _, stats, _ = cv2.connectedComponentsWithStats(cv2.dilate(ink, kernel), connectivity=8)
    out: list[Segment] = []
    for x, y, w, h, _area in stats[1:n]:
        if not (0.5 * px <= h <= 30 * px and w <= 200 * px):
            continue
        if ink[y : y + h, x : x + w].sum() >= max(12, 0.3 * px * px):
            box = ink_box(clean, (x, y, x + w, y + h))
            out += [box] if box is not None else []
    return out


def _word_spans(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
