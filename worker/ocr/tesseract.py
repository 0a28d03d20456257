"""Tesseract 5 (`chi_sim`) as an OCR engine for `worker.ocr`, through its command line.

The model is the Debian package `tesseract-ocr-chi-sim`; nothing is fetched at run time.
Which way a sideways page reads is not asked of Tesseract (see worker/ocr/orient.py).
"""

from __future__ import annotations

import io
import shutil
import subprocess

import numpy as np
from PIL import Image, ImageFilter

from worker.errors import OcrEngineError
from worker.ocr.engines import RawWord, normalize
from worker.ocr.raster import Segment, paper_noise

NOISY = 2.0  # paper noise (grey levels, sigma) from which a page is smoothed first


class TesseractEngine:
    """Tesseract 5 LSTM (`chi_sim`) through its command line; TSV output gives word boxes."""

    name = "tesseract"

    def __init__(self, lang: str = "chi_sim", psm: int = 6) -> None:
        if shutil.which("tesseract") is None:
            raise OcrEngineError("tesseract is not installed (apt-get install tesseract-ocr)")
        langs = subprocess.run(
            ["tesseract", "--list-langs"], capture_output=True, text=True
        ).stdout.split()
        missing = [code for code in lang.split("+") if code not in langs]
        if missing:
            raise OcrEngineError(
                f"tesseract lacks {missing} (apt-get install tesseract-ocr-chi-sim)"
            )
        self.lang, self.psm = lang, psm

    def read(
        self, gray: np.ndarray, clean: np.ndarray, v_lines: list[Segment], dpi: int
    ) -> list[RawWord]:
        # Tesseract binarizes the page itself, and takes scanner noise for strokes: on a 150 dpi
        # scan a 3x3 median took its numbers from 60% to 85% and its invented ones from 36 to 4.
        # A clean render has no noise to remove, only thin strokes the median would thin more.
        if paper_noise(clean)[1] >= NOISY:
            clean = np.asarray(Image.fromarray(clean).filter(ImageFilter.MedianFilter(3)))
        return _merge_tess(self._run(clean, self.psm, dpi), v_lines)

    def _run(self, gray: np.ndarray, psm: int, dpi: int = 200) -> list:
        args = ["-l", self.lang, "--psm", str(psm), "tsv"]
        return _parse_tsv(self._call(gray, args, dpi))

    @staticmethod
    def _call(gray: np.ndarray, args: list[str], dpi: int) -> str:
        """tesseract's stdout for `gray`."""
        buf = io.BytesIO()
        Image.fromarray(gray).save(buf, "PNG", dpi=(dpi, dpi))
        cmd = ["tesseract", "-", "-", "--dpi", str(dpi), *args]
        proc = subprocess.run(cmd, input=buf.getvalue(), capture_output=True, timeout=300)
        if proc.returncode != 0:
            raise OcrEngineError(f"tesseract failed: {proc.stderr.decode(errors='replace')[-300:]}")
        return proc.stdout.decode()

    def read_line(self, gray: np.ndarray) -> tuple[str, float]:
        words = self._run(gray, psm=7)
        return normalize("".join(t for _, t, _, _ in words)), float(
            np.mean([c for *_, c in words] or [0.0])
        )


def _parse_tsv(tsv: str) -> list[tuple[tuple[int, int, int], str, Segment, float]]:
    out = []
    for line in tsv.splitlines()[1:]:
        f = line.split("\t")
        if len(f) == 12 and f[0] == "5" and f[11].strip():
            x, y, w, h = (float(v) for v in f[6:10])
            out.append(
                (
                    (int(f[2]), int(f[3]), int(f[4])),
                    f[11].strip(),
                    (x, y, x + w, y + h),
                    float(f[10]) / 100,
                )
            )
    return out


def _merge_tess(items: list, v_lines: list[Segment]) -> list[RawWord]:
    """Tesseract splits Chinese into one "word" per glyph: join glyphs closer than half a line
    height on the same line, unless a rule stands between them."""
    words: list[list] = []
    for key, text, box, conf in items:
        prev = words[-1] if words else None
        if prev and prev[0] == key and _close(prev[2], box, v_lines):
            prev[1] += text
            prev[2] = (prev[2][0], min(prev[2][1], box[1]), box[2], max(prev[2][3], box[3]))
            prev[3].append(conf)
        else:
            words.append([key, text, box, [conf]])
    return [(normalize(t), b, float(np.mean(c))) for _, t, b, c in words]


def _close(a: Segment, b: Segment, v_lines: list[Segment]) -> bool:
    height = max(a[3] - a[1], b[3] - b[1])
    if b[0] - a[2] > 0.5 * height:
        return False
    cy = (a[1] + a[3]) / 2
    return not any(a[2] - 2 <= x <= b[0] + 2 and y0 < cy < y1 for x, y0, _, y1 in v_lines)
