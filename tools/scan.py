"""Make degraded copies of PDFs: "scanned" image-only pages, or a garbled text layer.

    python tools/scan.py scan IN.pdf OUT.pdf [--dpi 200] [--max-angle 1.5] [--seed 0]
                         [--rotate 0|90|180|270] [--sideways 0|90|180|270]
    python tools/scan.py garble IN.pdf OUT.pdf --mode pua|radicals|cid|shuffle

`scan` renders every page, tilts it by a random ±0.5–1.5°, blurs, adds sensor noise and a few
specks, JPEG-compresses it and rebuilds an image-only PDF with the same page sizes — what a
department's office scanner produces. The rotation is about the page centre, so deskewing
the scan brings every glyph back to its place in the original's coordinates.
Two ways a scan ends up turned: `--rotate` stores the image turned and sets the page's /Rotate
so it still displays upright (scanner software does this); `--sideways` turns the image on a
page turned to fit it, with no /Rotate (a landscape table fed through a portrait scanner).

`garble` keeps every page looking the same but rewrites the fonts' ToUnicode maps, which is
how broken Word/WPS exports happen: the glyphs are right, the extracted text is not.
  pua       every character maps to a private-use code point (U+E000…)
  radicals  ideographs that have a Kangxi-radical twin map to it (一 → ⼀, 支 → ⽀)
  cid       the ToUnicode maps are dropped: the reader falls back to raw glyph ids, which come
            out as a jumble of scripts and control characters (fonts embedded without a map)
  shuffle   digits are permuted: plausible numbers, all wrong; only a look at the render tells
"""

from __future__ import annotations

import argparse
import io
import random
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pymupdf
from PIL import Image, ImageFilter


@dataclass(frozen=True)
class ScanStyle:
    dpi: int = 200
    min_angle: float = 0.5  # degrees; the sign is random
    max_angle: float = 1.5
    blur: float = 0.6  # Gaussian radius in pixels
    noise: float = 10.0  # sensor noise, grey levels (sigma)
    specks: float = 2e-4  # share of pixels turned to dust
    jpeg_quality: int = 60
    rotate: int = 0  # the page's /Rotate; the image is stored turned so the page reads upright
    sideways: int = 0  # degrees counter-clockwise the image is turned by, shown as it is

    def __post_init__(self) -> None:
        if self.rotate % 90 or self.sideways % 90:
            raise ValueError("rotate and sideways are multiples of 90 degrees")


_TRANSPOSE = {  # counter-clockwise turns, lossless
    90: Image.Transpose.ROTATE_90,
    180: Image.Transpose.ROTATE_180,
    270: Image.Transpose.ROTATE_270,
}


def scan_page(page: pymupdf.Page, style: ScanStyle, rng: random.Random) -> tuple[bytes, float]:
    """The page as a scanner would deliver it: JPEG bytes and the tilt applied (degrees)."""
    pix = page.get_pixmap(dpi=style.dpi, colorspace=pymupdf.csGRAY, alpha=False)
    img = Image.frombytes("L", (pix.width, pix.height), pix.samples)
    angle = rng.uniform(style.min_angle, style.max_angle) * rng.choice((-1, 1))
    img = img.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
    # /Rotate turns the stored image clockwise for display: store it turned the other way.
    turn = (style.rotate + style.sideways) % 360
    if turn:
        img = img.transpose(_TRANSPOSE[turn])
    img = img.filter(ImageFilter.GaussianBlur(style.blur))
    nrng = np.random.default_rng(rng.randrange(2**32))
    arr = np.asarray(img, dtype=np.float64) + nrng.normal(0.0, style.noise, (img.height, img.width))
    arr[nrng.random(arr.shape) < style.specks] = 0.0
    out = io.BytesIO()
    Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)).save(
        out, "JPEG", quality=style.jpeg_quality, dpi=(style.dpi, style.dpi)
    )
    return out.getvalue(), angle


def scan_pdf(
    doc: pymupdf.Document, style: ScanStyle | None = None, seed: int = 0
) -> tuple[pymupdf.Document, list[float]]:
    """An image-only copy of `doc` and the tilt (degrees, counter-clockwise) of each page."""
    style = style or ScanStyle()
    rng = random.Random(seed)
    out, angles = pymupdf.open(), []
    for page in doc.pages():
        jpeg, angle = scan_page(page, style, rng)
        w, h = page.rect.width, page.rect.height
        if (style.rotate + style.sideways) % 180:
            w, h = h, w
        new = out.new_page(width=w, height=h)
        new.insert_image(new.rect, stream=jpeg)
        new.set_rotation(style.rotate % 360)
        angles.append(angle)
    return out, angles


def _radical_twins() -> dict[str, str]:
    # Kangxi radicals (U+2F00–U+2FD5) NFKC-normalize to the ideograph they look like.
    return {unicodedata.normalize("NFKC", chr(c)): chr(c) for c in range(0x2F00, 0x2FD6)}


def garbler(mode: str, seed: int = 0) -> Callable[[str], str]:
    """The character mapping a garble mode applies to a font's ToUnicode entries."""
    if mode == "pua":
        return lambda ch: ch if ch.isspace() else chr(0xE000 + ord(ch) % 0x1900)
    if mode == "radicals":
        twins = _radical_twins()
        return lambda ch: twins.get(ch, ch)
    if mode == "shuffle":
        digits = list("0123456789")
        perm = digits[:]
        rng = random.Random(seed)
        while any(a == b for a, b in zip(digits, perm, strict=True)):
            rng.shuffle(perm)
        table = dict(zip(digits, perm, strict=True))
        return lambda ch: table.get(ch, ch)
    raise ValueError(f"unknown garble mode {mode!r}")


_HEX = re.compile(rb"<([0-9a-fA-F]+)>")
_SECTION = re.compile(rb"begin(bfchar|bfrange)(.*?)end\1", re.S)


def _parse_cmap(data: bytes) -> dict[int, str]:
    """code → Unicode string from a ToUnicode CMap (bfchar and both bfrange forms)."""
    mapping: dict[int, str] = {}
    for kind, body in _SECTION.findall(data):
        for line in body.splitlines():
            vals = [bytes.fromhex(h.decode()) for h in _HEX.findall(line)]
            if kind == b"bfchar" and len(vals) == 2:
                mapping[int.from_bytes(vals[0], "big")] = vals[1].decode("utf-16-be", "replace")
            elif kind == b"bfrange" and len(vals) >= 3:
                lo, hi = int.from_bytes(vals[0], "big"), int.from_bytes(vals[1], "big")
                if b"[" in line:  # explicit list of destinations
                    for i, dst in enumerate(vals[2:]):
                        mapping[lo + i] = dst.decode("utf-16-be", "replace")
                else:
                    start = int.from_bytes(vals[2], "big")
                    for i in range(hi - lo + 1):
                        mapping[lo + i] = chr(start + i)
    return mapping


def _write_cmap(mapping: dict[int, str], code_bytes: int) -> bytes:
    def utf16(s: str) -> str:
        return s.encode("utf-16-be").hex().upper()

    items = sorted(mapping.items())
    lines = [
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
        "/CIDSystemInfo <</Registry(Adobe)/Ordering(UCS)/Supplement 0>> def",
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
        "1 begincodespacerange",
        f"<{'00' * code_bytes}> <{'FF' * code_bytes}>",
        "endcodespacerange",
    ]
    for i in range(0, len(items), 100):
        chunk = items[i : i + 100]
        lines.append(f"{len(chunk)} beginbfchar")
        lines += [f"<{code:0{2 * code_bytes}X}> <{utf16(dst)}>" for code, dst in chunk]
        lines.append("endbfchar")
    lines.append("endcmap CMapName currentdict /CMap defineresource pop end end")
    return "\n".join(lines).encode()


def garble_pdf(doc: pymupdf.Document, mode: str, seed: int = 0) -> pymupdf.Document:
    """A copy of `doc` that renders the same but whose text layer is garbled by `mode`."""
    out = pymupdf.open("pdf", doc.tobytes(garbage=3))
    out.subset_fonts()  # keeps the rewritten maps small
    out = pymupdf.open("pdf", out.tobytes(garbage=3))
    garble = garbler(mode, seed) if mode != "cid" else None
    seen: set[int] = set()
    for xref in range(1, out.xref_length()):
        kind, val = out.xref_get_key(xref, "ToUnicode")
        if kind != "xref" or (cmap := int(val.split()[0])) in seen:
            continue
        if garble is None:
            out.xref_set_key(xref, "ToUnicode", "null")
            continue
        seen.add(cmap)
        data = out.xref_stream(cmap)
        mapping = _parse_cmap(data)
        code_bytes = 2 if b"<0000> <FFFF>" in data.upper() else 1
        garbled = {k: "".join(garble(ch) for ch in v) for k, v in mapping.items()}
        out.update_stream(cmap, _write_cmap(garbled, code_bytes))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("action", choices=["scan", "garble"])
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--dpi", type=int, default=200)
    ap.add_argument("--max-angle", type=float, default=1.5)
    ap.add_argument("--rotate", type=int, default=0, choices=[0, 90, 180, 270])
    ap.add_argument("--sideways", type=int, default=0, choices=[0, 90, 180, 270])
    ap.add_argument("--mode", default="pua", choices=["pua", "radicals", "cid", "shuffle"])
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    src = pymupdf.open(args.src)
    if args.action == "scan":
        style = ScanStyle(
            dpi=args.dpi,
            max_angle=args.max_angle,
            min_angle=min(0.5, args.max_angle),
            rotate=args.rotate,
            sideways=args.sideways,
        )
        out, angles = scan_pdf(src, style, seed=args.seed)
        print("tilts (deg):", " ".join(f"{a:+.2f}" for a in angles))
    else:
        out = garble_pdf(src, args.mode, seed=args.seed)
    out.save(args.dst, garbage=3, deflate=True)


if __name__ == "__main__":
    main()
