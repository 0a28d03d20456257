"""tools/render.py: render, then reopen the real files and check what a reader would see."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import docx
import pymupdf
import pytest
from docx.oxml.ns import qn

from tests.support.samples import SAMPLES
from tools.make_samples import make_samples, sample_blocks
from tools.render import RenderStyle, render_docx, render_pdf, render_pdf_layout
from worker.layout import Block, Cell, TableBlock, TextBlock

SUBJECTS = ["一般公共服务支出", "网信事务", "行政运行", "社会保障和就业支出", "住房公积金"]


def merged_table(n_body: int = 5, n_cols: int = 5) -> TableBlock:
    """科目编码 over 类|款 (merged across), 合计 down two header rows, then amounts."""
    top = [Cell("科目编码"), Cell("", origin=(0, 0)), Cell("科目名称"), Cell("合计")]
    sub = [Cell("类"), Cell("款"), Cell("", origin=(0, 2)), Cell("", origin=(0, 3))]
    extra = max(0, n_cols - 4)
    top += [Cell(f"其他列{k}") for k in range(extra)]
    sub += [Cell("", origin=(0, 4 + k)) for k in range(extra)]
    body = [
        [Cell(str(201 + r)), Cell(f"{r % 100:02d}"), Cell(SUBJECTS[r % 5]), Cell(f"{r * 11.5:.2f}")]
        + [Cell(f"{k}.0{r % 10}") for k in range(extra)]
        for r in range(n_body)
    ]
    return TableBlock([top, sub, *body])


def blocks_with(table: TableBlock) -> list[Block]:
    return [
        TextBlock("2030年部门支出预算表"),
        TextBlock("单位：万元"),
        table,
        TextBlock("注：本表无数据的科目不列示。"),
    ]


def flat_text(doc: pymupdf.Document) -> str:
    """The text layer without whitespace and page numbers, pages joined."""
    return "".join(re.sub(r"\s", "", p.get_text()).removesuffix(f"-{p.number + 1}-") for p in doc)


def text_in(page_words: list, rect: pymupdf.Rect) -> str:  # type: ignore[type-arg]
    """The words whose centre lies in rect, joined without whitespace."""
    return "".join(
        w[4] for w in page_words if pymupdf.Point((w[0] + w[2]) / 2, (w[1] + w[3]) / 2) in rect
    )


def words(page: pymupdf.Page) -> list[str]:
    return [w[4] for w in page.get_text("words")]


def test_text_layer_holds_every_cell_exactly(tmp_path: Path) -> None:
    table = merged_table()
    path = tmp_path / "t.pdf"
    assert render_pdf(blocks_with(table), path) == 1
    page = pymupdf.open(path)[0]
    spans = [
        s["text"]
        for b in page.get_text("dict")["blocks"]
        for ln in b.get("lines", [])
        for s in ln["spans"]
    ]
    for row in table.rows:
        for cell in row:
            if cell.text:
                assert cell.text in spans, cell.text  # one span per cell line, extracted == input
    assert "2030年部门支出预算表" in spans and "单位：万元" in spans
    assert "\ufffd" not in page.get_text()


def test_cjk_font_is_embedded_as_a_subset(tmp_path: Path) -> None:
    path = tmp_path / "t.pdf"
    render_pdf(blocks_with(merged_table()), path)
    fonts = pymupdf.open(path).get_page_fonts(0, full=True)
    assert len(fonts) == 1
    assert "+" in fonts[0][3] and fonts[0][1] == "ttf"  # embedded subset (ABCDEF+Name)
    assert path.stat().st_size < 60_000


def test_grid_ruling_draws_merged_cells_merged(tmp_path: Path) -> None:
    path = tmp_path / "t.pdf"
    render_pdf(blocks_with(merged_table()), path)
    page = pymupdf.open(path)[0]
    lines = [(it[1], it[2]) for d in page.get_drawings() for it in d["items"] if it[0] == "l"]
    horizontal = [(p, q) for p, q in lines if abs(p.y - q.y) < 0.1]
    full = [(p, q) for p, q in horizontal if abs(q.x - p.x) > 490]
    assert len(full) == 7  # table top, under the two header rows, under each of 5 body rows
    assert len(horizontal) == 8  # + the line under 科目编码 only
    top = page.search_for("科目编码")[0]
    kuan = page.search_for("款")[0]
    inside = pymupdf.Rect(top.x0, top.y0, kuan.x1, top.y1)  # 科目编码 spans 类 and 款
    verticals = [(p, q) for p, q in lines if abs(p.x - q.x) < 0.1]
    assert not any(inside.x0 < p.x < inside.x1 and min(p.y, q.y) < inside.y0 < max(p.y, q.y)
                   for p, q in verticals)  # fmt: skip
    heji = page.search_for("合计")[0]  # 合计 spans both header rows: no line under it in row 1
    assert not any(abs(p.y - q.y) < 0.1 and p.x < heji.x0 < q.x and abs(p.y - kuan.y0) < 4
                   for p, q in lines)  # fmt: skip


@pytest.mark.parametrize(
    ("ruling", "expect"), [("none", 0), ("horizontal", "h"), ("three_line", 3)]
)
def test_other_rulings(tmp_path: Path, ruling: str, expect: object) -> None:
    path = tmp_path / "t.pdf"
    render_pdf(blocks_with(merged_table()), path, RenderStyle(ruling=ruling))  # type: ignore[arg-type]
    page = pymupdf.open(path)[0]
    lines = [(it[1], it[2]) for d in page.get_drawings() for it in d["items"] if it[0] == "l"]
    if expect == "h":
        assert lines and all(abs(p.y - q.y) < 0.1 for p, q in lines)
    else:
        assert len(lines) == expect


def test_long_table_continues_with_repeated_header_and_title(tmp_path: Path) -> None:
    path = tmp_path / "t.pdf"
    style = RenderStyle(title_on_continuation=True)
    pages = render_pdf(blocks_with(merged_table(n_body=120)), path, style)
    doc = pymupdf.open(path)
    assert pages == doc.page_count >= 3
    for page in doc:
        text = page.get_text()
        assert "科目编码" in text and "2030年部门支出预算表" in text
    body_rows = sum(sum(1 for w in words(p) if w in SUBJECTS) for p in doc)
    assert body_rows == 120


def test_no_header_repeat_and_forced_breaks(tmp_path: Path) -> None:
    path = tmp_path / "t.pdf"
    style = RenderStyle(repeat_header_on_continuation=False, page_break_inside_tables=10)
    assert render_pdf(blocks_with(merged_table(n_body=35)), path, style) == 4
    doc = pymupdf.open(path)
    assert "科目编码" in doc[0].get_text() and "科目编码" not in doc[1].get_text()
    assert [sum(1 for w in words(p) if w in SUBJECTS) for p in doc] == [10, 10, 10, 5]


def test_orientation_follows_table_width(tmp_path: Path) -> None:
    path = tmp_path / "t.pdf"
    render_pdf([*blocks_with(merged_table(n_cols=4)), merged_table(n_cols=22)], path)
    doc = pymupdf.open(path)
    assert doc[0].rect.width < doc[0].rect.height
    assert doc[doc.page_count - 1].rect.width > doc[doc.page_count - 1].rect.height
    path2 = tmp_path / "t2.pdf"
    render_pdf(blocks_with(merged_table(n_cols=22)), path2, RenderStyle(landscape="never"))
    page = pymupdf.open(path2)[0]
    assert page.rect.width < page.rect.height
    assert "10.03" in words(page)  # shrunk, not clipped: the last column is still there


def test_wrapped_cells_stay_inside_their_column(tmp_path: Path) -> None:
    long = (
        "通过网络舆情监测防控、网络安全宣传预警和文化建设，保障网信各项业务工作顺利开展，提升网信工作影响力。"
        * 2
    )
    table = TableBlock([[Cell("一级指标"), Cell("指标说明")], [Cell("产出指标"), Cell(long)]])
    path = tmp_path / "t.pdf"
    render_pdf([table], path)
    page = pymupdf.open(path)[0]
    text = page.get_text().replace("\n", "")
    assert long in text
    assert all(b[2] <= page.rect.width - 49 for b in page.get_text("blocks"))


def test_docx_tables_merges_and_cjk_font(tmp_path: Path) -> None:
    path = tmp_path / "t.docx"
    render_docx(blocks_with(merged_table()), path)
    document = docx.Document(str(path))
    assert len(document.tables) == 1
    table = document.tables[0]
    assert len(table.rows) == 7 and len(table.columns) == 5
    assert table.cell(0, 0).text == "科目编码" and table.cell(0, 1)._tc is table.cell(0, 0)._tc
    assert [tc.vMerge for tc in table.rows[1]._tr.tc_lst] == [
        None,
        None,
        "continue",
        "continue",
        "continue",
    ]
    assert table.rows[0]._tr.tc_lst[0].grid_span == 2
    assert table.cell(2, 2).text == "一般公共服务支出"
    fonts = document.element.body.findall(".//" + qn("w:rFonts"))
    assert fonts and all(f.get(qn("w:eastAsia")) == "宋体" for f in fonts)
    assert [p.text for p in document.paragraphs][:2] == ["2030年部门支出预算表", "单位：万元"]


def test_ground_truth_layout_matches_the_pdf(tmp_path: Path) -> None:
    path = tmp_path / "t.pdf"
    source = blocks_with(merged_table(n_body=70))
    truth = render_pdf_layout(source, path, RenderStyle(title_on_continuation=True))
    doc = pymupdf.open(path)
    assert len(truth.pages) == doc.page_count == 3
    assert [p.text.split("\n")[-1] for p in truth.pages] == ["- 1 -", "- 2 -", "- 3 -"]
    parts = truth.tables()
    assert [t.page for t in parts] == [0, 1, 2]
    assert sum(len(t.rows) - 2 for t in parts) == 70  # every part repeats the two header rows
    for part in parts:
        page_words = doc[part.page].get_text("words")  # type: ignore[index]
        assert part.rows[0][1].origin == (0, 0) and part.rows[1][2].origin == (0, 2)
        for row in part.rows:
            for cell in (c for c in row if c.origin is None):  # covered cells: inside a region
                inside = text_in(page_words, pymupdf.Rect(cell.bbox))
                assert inside == re.sub(r"\s", "", cell.text)  # box holds exactly the cell's text
    titles = [
        b for b in truth.blocks if isinstance(b, TextBlock) and b.text == "2030年部门支出预算表"
    ]
    assert [t.page for t in titles] == [0, 1, 2]
    for block in truth.blocks:
        if isinstance(block, TextBlock):
            box = pymupdf.Rect(block.bbox) + pymupdf.Rect(-1, -1, 1, 1)
            text = doc[block.page].get_textbox(box)  # type: ignore[index]
            assert re.sub(r"\s", "", block.text) in re.sub(r"\s", "", text)


def test_narrative_after_a_landscape_table_is_rewrapped_for_portrait(tmp_path: Path) -> None:
    para = "本部门严格执行预算，按规定用途使用财政资金，提高资金使用效益。" * 40
    path = tmp_path / "t.pdf"
    render_pdf([merged_table(n_body=28, n_cols=22), TextBlock(para)], path)
    doc = pymupdf.open(path)
    assert doc[0].rect.width > doc[0].rect.height and doc[doc.page_count - 1].rect.width < 600
    assert para in flat_text(doc)
    for page in doc:
        assert all(b[0] >= 45 and b[2] <= page.rect.width - 45 for b in page.get_text("blocks"))


def test_samples_are_deterministic(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    seed = next(SAMPLES.glob("004_*.txt"))
    (seeds / seed.name).write_bytes(seed.read_bytes())
    first = [p.read_bytes() for p in make_samples(seeds, tmp_path / "a")]
    second = [p.read_bytes() for p in make_samples(seeds, tmp_path / "b")]
    assert [len(b) for b in first] == [len(b) for b in second] and first == second
    # nothing of the time of the run inside: openpyxl's save() stamped the workbook's
    # modified time, so two renders a second apart differed (seen under load)
    (workbook,) = (tmp_path / "a").glob("*.xlsx")
    with zipfile.ZipFile(workbook) as z:
        stamps = re.findall(r"<dcterms:(\w+)[^>]*>([^<]*)<", z.read("docProps/core.xml").decode())
    assert stamps == [("created", "2024-01-01T00:00:00Z"), ("modified", "2024-01-01T00:00:00Z")]


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_seed_renders_every_text_once_inside_the_page(tmp_path: Path, prefix: str) -> None:
    seed = next(SAMPLES.glob(f"{prefix}_*.txt"))
    blocks = sample_blocks(seed.read_text(encoding="utf-8"))
    pages = render_pdf(blocks, tmp_path / "s.pdf")
    doc = pymupdf.open(tmp_path / "s.pdf")
    assert pages == doc.page_count
    flat = flat_text(doc)
    for block in blocks:
        texts = (
            [block.text]
            if isinstance(block, TextBlock)
            else [c.text for r in block.rows for c in r]
        )
        for text in texts:
            assert re.sub(r"\s", "", text) in flat, text
    assert sum(1 for page in doc if page.get_drawings()) >= len(doc) // 3  # ruled tables
    for page in doc:
        assert all(
            b[2] <= page.rect.width - 45 and b[3] <= page.rect.height
            for b in page.get_text("blocks")
        )
    render_docx(blocks, tmp_path / "s.docx")
    tables = [b for b in blocks if isinstance(b, TableBlock)]
    document = docx.Document(str(tmp_path / "s.docx"))
    assert len(document.tables) == len(tables)
    merged = sum(1 for t in tables for r in t.rows for c in r if c.origin)
    spans = document.element.body.findall(".//" + qn("w:gridSpan"))
    vmerges = document.element.body.findall(".//" + qn("w:vMerge"))
    assert (merged > 0) == bool(spans or vmerges)
