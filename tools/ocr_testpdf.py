"""Synthetic ruled budget-table PDFs with a real text layer, for OCR tests and the OCR bench.

Each page looks like a 部门预算/决算 attachment table: a title, a unit line, a two-row header
with merged cells, then rows of function codes, Chinese subject names and amounts
(691.05, 1,234.56, 0.00, blanks). Amounts are random but seeded, so a page is reproducible.
The digital text layer is the ground truth that OCR of a scanned copy is scored against.

    python tools/ocr_testpdf.py out.pdf --pages 3 --seed 7
"""

from __future__ import annotations

import argparse
import random
import re
from dataclasses import dataclass

import pymupdf

CJK = pymupdf.Font("china-s")
SUBJECTS = [
    "一般公共服务支出",
    "网信事务",
    "行政运行",
    "一般行政管理事务",
    "机关服务",
    "信息安全事务",
    "其他网信事务支出",
    "社会保障和就业支出",
    "行政事业单位养老支出",
    "机关事业单位基本养老保险缴费支出",
    "机关事业单位职业年金缴费支出",
    "卫生健康支出",
    "行政事业单位医疗",
    "行政单位医疗",
    "公务员医疗补助",
    "住房保障支出",
    "住房改革支出",
    "住房公积金",
    "购房补贴",
    "文化旅游体育与传媒支出",
    "宣传文化发展专项支出",
    "工资福利支出",
    "基本工资",
    "津贴补贴",
    "奖金",
    "绩效工资",
    "商品和服务支出",
    "办公费",
    "印刷费",
    "差旅费",
    "公务接待费",
    "委托业务费",
    "对个人和家庭的补助",
]
HEADER_TOP = ["科目编码", "科目名称", "本年支出", "", "", "", ""]
HEADER_SUB = ["", "", "合计", "基本支出", "项目支出", "人员经费", "公用经费"]


@dataclass(frozen=True)
class TableStyle:
    fontsize: float = 9.0
    row_height: float = 20.0
    landscape: bool = False
    yuan: bool = False  # amounts in 元: larger numbers, always with thousands separators


def amount(rng: random.Random, yuan: bool) -> str:
    """One printed amount as budget tables print them; '' for a blank cell."""
    r = rng.random()
    if r < 0.08:
        return ""
    if r < 0.14:
        return "0.00"
    value = rng.uniform(1, 30_000_000 if yuan else 5_000) * (rng.random() ** 2)
    text = f"{value:,.2f}" if yuan or (value >= 1000 and rng.random() < 0.7) else f"{value:.2f}"
    return text


def code(rng: random.Random) -> str:
    return rng.choice(["201", "208", "210", "221"]) + "".join(
        rng.choice("0123456789") for _ in range(rng.choice([0, 2, 4]))
    )


def _cell_text(
    tw: pymupdf.TextWriter, rect: pymupdf.Rect, text: str, size: float, align: str
) -> None:
    # A TextWriter embeds the font with its real glyph widths; insert_text(fontname="china-s")
    # would use a non-embedded CID font that sets every digit one em wide.
    width = CJK.text_length(text, size)
    if width > rect.width - 6:  # shrink to fit, as Excel exports do
        size, width = size * (rect.width - 6) / width, rect.width - 6
    x = {"left": rect.x0 + 3, "right": rect.x1 - 3 - width}.get(
        align, (rect.x0 + rect.x1 - width) / 2
    )
    y = (rect.y0 + rect.y1) / 2 + size * 0.35
    tw.append((x, y), text, font=CJK, fontsize=size)


def _column_edges(page_rect: pymupdf.Rect, n_cols: int) -> list[float]:
    left, right = 40.0, page_rect.width - 40.0
    shares = [1.0, 2.4] + [1.3] * (n_cols - 2)
    scale = (right - left) / sum(shares)
    edges = [left]
    for s in shares:
        edges.append(edges[-1] + s * scale)
    return edges


def _draw_rule(page: pymupdf.Page, a: tuple[float, float], b: tuple[float, float]) -> None:
    page.draw_line(a, b, color=(0, 0, 0), width=0.6)


def table_page(doc: pymupdf.Document, rng: random.Random, style: TableStyle) -> pymupdf.Page:
    """Append one ruled table page to `doc` and return it."""
    size = pymupdf.paper_size("a4-l" if style.landscape else "a4")
    page = doc.new_page(width=size[0], height=size[1])
    edges = _column_edges(page.rect, len(HEADER_SUB))
    tw = pymupdf.TextWriter(page.rect)
    _cell_text(tw, pymupdf.Rect(0, 30, page.rect.width, 60), "一般公共预算支出表", 16, "center")
    unit = "单位：元" if style.yuan else "单位：万元"
    _cell_text(tw, pymupdf.Rect(edges[0], 62, edges[-1], 78), unit, style.fontsize, "right")
    top, rh = 80.0, style.row_height
    n_rows = int((page.rect.height - top - 50) // rh) - 2
    for col, (t, s) in enumerate(zip(HEADER_TOP, HEADER_SUB, strict=True)):
        rect = pymupdf.Rect(edges[col], top, edges[col + 1], top + 2 * rh)
        if t and col < 2:
            _cell_text(tw, rect, t, style.fontsize, "center")
        if s:
            _cell_text(
                tw, pymupdf.Rect(rect.x0, top + rh, rect.x1, rect.y1), s, style.fontsize, "center"
            )
    _cell_text(
        tw,
        pymupdf.Rect(edges[2], top, edges[-1], top + rh),
        HEADER_TOP[2],
        style.fontsize,
        "center",
    )
    for r in range(n_rows):
        y0 = top + (r + 2) * rh
        cells = [code(rng), rng.choice(SUBJECTS)] + [amount(rng, style.yuan) for _ in edges[3:]]
        for col, text in enumerate(cells):
            rect = pymupdf.Rect(edges[col], y0, edges[col + 1], y0 + rh)
            _cell_text(tw, rect, text, style.fontsize, "left" if col < 2 else "right")
    tw.write_text(page)
    _rules(page, edges, top, rh, n_rows + 2)
    return page


def _rules(page: pymupdf.Page, edges: list[float], top: float, rh: float, n_rows: int) -> None:
    bottom = top + n_rows * rh
    for r in range(n_rows + 1):
        x0 = edges[2] if r == 1 else edges[0]  # the header's merged cells have no rule there
        _draw_rule(page, (x0, top + r * rh), (edges[-1], top + r * rh))
    for c, x in enumerate(edges):
        y0 = top + rh if c in (3, 4, 5, 6) else top
        _draw_rule(page, (x, y0), (x, bottom))


def make_table_pdf(pages: int = 2, seed: int = 0) -> pymupdf.Document:
    """A document of ruled budget tables in a mix of styles (portrait 9 pt, landscape 8 pt, 元)."""
    rng = random.Random(seed)
    styles = [
        TableStyle(),
        TableStyle(fontsize=8, row_height=17, landscape=True),
        TableStyle(fontsize=9, yuan=True),
    ]
    doc = pymupdf.open()
    for i in range(pages):
        table_page(doc, rng, styles[i % len(styles)])
    return doc


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--pages", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    make_table_pdf(args.pages, args.seed).save(args.out, garbage=3, deflate=True)


if __name__ == "__main__":
    main()


NUMBER = re.compile(r"^-?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?%?$")


@dataclass(frozen=True)
class Score:
    truth: int  # numeric words in the text layer
    right: int  # of those, read exactly by a box overlapping it
    found: int  # of those, some OCR word overlaps it
    extra: int  # numeric OCR words overlapping no numeric truth word (invented numbers)
    mean_iou: float  # over the right ones

    @property
    def accuracy(self) -> float:
        return self.right / self.truth if self.truth else 1.0


def iou(a: tuple, b: tuple) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def numeric_truth(page: pymupdf.Page) -> list[tuple[tuple[float, float, float, float], str]]:
    """The numeric words of a digital page: (bbox, text)."""
    return [(tuple(w[:4]), w[4]) for w in page.get_text("words") if NUMBER.match(w[4])]


def score(truth: list, words: list) -> Score:
    """Match each truth number to the OCR word overlapping it most; right = same text.

    `words` are objects with `.text` and `.bbox` (worker.ocr.OcrWord).
    """
    right = found = 0
    ious: list[float] = []
    used: set[int] = set()
    for box, text in truth:
        best = max(((iou(box, w.bbox), i) for i, w in enumerate(words)), default=(0.0, -1))
        if best[0] < 0.2:
            continue
        found += 1
        used.add(best[1])
        if words[best[1]].text == text:
            right += 1
            ious.append(best[0])
    extra = sum(
        1
        for i, w in enumerate(words)
        if i not in used
        and NUMBER.match(w.text)
        and not any(iou(b, w.bbox) > 0.2 for b, _ in truth)
    )
    return Score(len(truth), right, found, extra, sum(ious) / len(ious) if ious else 0.0)
