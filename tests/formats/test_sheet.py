"""XLSX and XLS → layout (worker/formats/sheet.py). The golden is the DOCX of the same seed: a
workbook built from the seed's tables as departments publish them (a sheet per table, title and
unit rows, merged multi-row headers, amounts as formatted numbers) must give the pipeline the
same facts — table, row code / name, column, printed amount — as the DOCX does."""

from __future__ import annotations

import datetime as dt
import io
from functools import cache

import openpyxl
import pytest
import xlwt

from schemas import Document
from schemas.records import FileKind
from tests.support.samples import NAMES, SAMPLES
from tests.support.workbooks import seed_workbook, small_xls, with_cached_values, xlsx_of
from worker.formats.numfmt import printed
from worker.formats.sheet import _uncached, read_xls, read_xlsx
from worker.layout import Layout, TableBlock, TextBlock
from worker.pipeline import process
from worker.pipeline.load import load

Fact = tuple[str, str | None, str, str, str]


def facts(document: Document) -> set[Fact]:
    return {(t.key, r.code or r.row_code, r.name, key, v.raw)
            for t in document.tables for r in t.rows for key, v in r.values.items() if v.raw}


@cache
def docx_facts(seed: str) -> frozenset[Fact]:
    data = (SAMPLES / f"{NAMES[seed]}.docx").read_bytes()
    return frozenset(facts(process(data, "docx", "d", "d.docx").document))


@pytest.mark.parametrize("ext", ["xlsx", "xls"])
@pytest.mark.parametrize("seed", ["000", "001", "002", "003"])
def test_a_seed_workbook_gives_the_facts_of_its_docx(seed: str, ext: str) -> None:
    document = process(seed_workbook(seed, ext), ext, "d", f"d.{ext}").document
    assert len(docx_facts(seed)) > 100
    assert facts(document) == docx_facts(seed)
    # every value traces to its sheet: a page of the document
    pages = {v.page for t in document.tables for r in t.rows for v in r.values.values() if v.raw}
    assert pages and pages <= set(range(1, document.pages + 1))
    assert document.pages == len(document.page_texts) > 5
    assert (document.department, document.fiscal_year) != (None, None)


def test_the_sheets_are_the_pages_and_keep_their_names() -> None:
    layout = read_xlsx(load(seed_workbook("001", "xlsx"), "xlsx", 10).workbook or b"")
    assert [p.index for p in layout.pages] == list(range(len(layout.pages)))
    assert layout.pages[0].name == "1 部门预算收支总表"
    first = layout.blocks[:3]
    assert [type(b) for b in first] == [TextBlock, TextBlock, TableBlock]
    assert [b.text for b in first[:2] if isinstance(b, TextBlock)] == [
        "部门预算收支总表", "224中共石家庄市鹿泉区委网络安全和信息化委员会  预算年度：2024  单位：万元"]
    assert {b.page for b in layout.blocks if b.page == 0} == {0}


def _sheet_like_a_department() -> openpyxl.Workbook:
    """Title and unit rows, a two-row merged header, formatted amounts, a formula, a date, a
    hidden row and column, trailing formatted but empty cells, a note; a hidden and an empty
    sheet before it."""
    book = openpyxl.Workbook()
    book.active.title = "隐藏"
    book.active["A1"] = "不应读出"
    book.active.sheet_state = "hidden"
    book.create_sheet("空表")
    ws = book.create_sheet("收支总表")
    ws["A1"] = "2024年部门收支总表"
    ws.merge_cells("A1:E1")
    ws["D2"] = "单位：万元"
    ws["A3"], ws["B3"], ws["C3"], ws["E3"] = "科目编码", "科目名称", "本年支出", "备用"
    ws.merge_cells("A3:A4")
    ws.merge_cells("B3:B4")
    ws.merge_cells("C3:D3")
    ws["C4"], ws["D4"], ws["E4"] = "基本支出", "项目支出", "x"
    rows = [("201", "一般公共服务支出", 1234.5, 0.125, "隐藏列"),
            ("20101", "人大事务", 12, None, None),
            ("隐藏行", "不应读出", 1, 1, None)]
    for r, values in enumerate(rows, 5):
        for c, value in enumerate(values, 1):
            ws.cell(r, c, value)
    ws["C5"].number_format = "#,##0.00"
    ws["D5"].number_format = "0.0%"
    ws["D6"] = "=C6*10.2875"  # cached 123.45000000001 below
    ws["D6"].number_format = "General"
    ws.row_dimensions[7].hidden = True
    ws.column_dimensions["E"].hidden = True
    ws["A8"], ws["B8"] = "日期", dt.datetime(2024, 3, 5)
    ws["A9"], ws["C9"] = "合计", 1246.5  # merged over the code and name columns: a body merge
    ws.merge_cells("A9:B9")
    ws["C9"].number_format = "#,##0.00"
    ws["A10"] = "注：本表金额单位为万元。"
    for ref in ("A20", "H3", "H30"):
        ws[ref].number_format = "0.00"  # formatted, empty: not part of the table
    return book


def test_a_sheet_reads_as_it_is_printed() -> None:
    data = with_cached_values(xlsx_of(_sheet_like_a_department()), {"D6": "123.45000000001"},
                              sheet=3)
    layout = read_xlsx(load(data, "xlsx", 10).workbook or b"")
    assert [(p.index, p.name) for p in layout.pages] == [(0, "收支总表")]
    title, unit, table, note = layout.blocks
    assert (title.text, unit.text, note.text) == ("2024年部门收支总表", "单位：万元",
                                                  "注：本表金额单位为万元。")
    assert isinstance(table, TableBlock) and table.page == 0
    assert [[c.text for c in row] for row in table.rows] == [
        ["科目编码", "科目名称", "本年支出", ""],
        ["", "", "基本支出", "项目支出"],
        ["201", "一般公共服务支出", "1,234.50", "12.5%"],
        ["20101", "人大事务", "12", "123.45"],
        ["日期", "2024-03-05", "", ""],
        ["合计", "", "1,246.50", ""],
    ]
    assert [[c.origin for c in row] for row in table.rows[:2]] == [
        [None, None, None, (0, 2)], [(0, 0), (0, 1), None, None]]
    # the file's merges, not guesses: a body merge no header rule would make
    assert [c.origin for c in table.rows[5]] == [None, (5, 0), None, None]
    assert {c.page for row in table.rows for c in row} == {0}
    assert "不应读出" not in layout.text and "隐藏" not in layout.text


def test_a_formula_saved_without_its_value_is_said_not_read_as_a_silent_blank() -> None:
    # openpyxl (and some exporters) write formulas without the value Excel or WPS would save
    saved = read_xlsx(load(with_cached_values(xlsx_of(_sheet_like_a_department()),
                                              {"D6": "123.45000000001"}, sheet=3),
                           "xlsx", 10).workbook or b"")
    assert saved.problems == []
    unsaved = read_xlsx(load(xlsx_of(_sheet_like_a_department()), "xlsx", 10).workbook or b"")
    (problem,) = unsaved.problems
    assert (problem.stage, problem.page) == ("chunk", 1)  # 收支总表: the first page read
    assert problem.message.startswith("工作表「收支总表」有 1 个公式没有保存计算结果（如 D6），读作空白")
    table = next(b for b in unsaved.blocks if isinstance(b, TableBlock))
    assert [c.text for c in table.rows[3]] == ["20101", "人大事务", "12", ""]


@pytest.mark.parametrize(("cell", "flagged"), [
    ('<c r="B2"><f>SUM(B3:B4)</f></c>', True),  # no value element
    ('<c r="B2"><f>SUM(B3:B4)</f><v/></c>', True),
    ('<c r="B2" t="n"><f t="shared" si="0"/><v></v></c>', True),  # a shared formula's follower
    ('<c r="B2" t="str"><f>IF(A1&gt;5,"x","")</f><v></v></c>', False),  # its value: ""
    ('<c r="B2"><f>SUM(B3:B4)</f><v>7</v></c>', False),
    ('<x:c r="B2"><x:f>SUM(B3:B4)</x:f></x:c>', True),  # a namespace prefix
])
def test_which_formula_cells_have_no_saved_value(cell: str, flagged: bool) -> None:
    xml = f'<worksheet><sheetData><row r="2">{cell}<c r="C2"><v>1</v></c></row></sheetData>'
    assert _uncached(f"{xml}</worksheet>".encode()) == (["B2"] if flagged else [])


def test_an_xls_reads_as_the_same_sheet_in_xlsx() -> None:
    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet("收支总表")
    ws.write_merge(0, 0, 0, 2, "2024年部门收支总表")
    ws.write_merge(1, 2, 0, 0, "科目编码")
    ws.write_merge(1, 1, 1, 2, "本年支出")
    ws.write(2, 1, "基本支出")
    ws.write(2, 2, "项目支出")
    money, percent = xlwt.XFStyle(), xlwt.XFStyle()
    money.num_format_str, percent.num_format_str = "#,##0.00", "0.0%"
    ws.write(3, 0, "201")
    ws.write(3, 1, 1234.5, money)
    ws.write(3, 2, 0.125, percent)
    ws.write(4, 0, "隐藏行")
    ws.write(4, 1, 1)
    ws.row(4).hidden = True
    ws.write(5, 0, "20101")
    ws.write(5, 1, 12.0)
    ws.write(5, 2, 123.45000000001)
    ws.write(5, 3, "隐藏列")
    ws.col(3).hidden = True
    ws.write_merge(6, 6, 0, 1, "合计")
    ws.write(6, 2, 135.95, money)
    out = io.BytesIO()
    book.save(out)
    layout = read_xls(out.getvalue())
    title, table = layout.blocks
    assert title.text == "2024年部门收支总表" and layout.pages[0].name == "收支总表"
    assert isinstance(table, TableBlock)
    assert [[c.text for c in row] for row in table.rows] == [
        ["科目编码", "本年支出", ""], ["", "基本支出", "项目支出"],
        ["201", "1,234.50", "12.5%"], ["20101", "12", "123.45"], ["合计", "", "135.95"]]
    assert [[c.origin for c in row] for row in table.rows[:2]] == [
        [None, None, (0, 1)], [(0, 0), None, None]]
    assert [c.origin for c in table.rows[4]] == [None, (4, 0), None]  # from the file


def test_a_sheet_without_merges_gets_its_header_merges_guessed() -> None:
    book = openpyxl.Workbook()
    for row in [("项目", "本年支出", None), (None, "基本支出", "项目支出"), ("合计", 1, 2)]:
        book.active.append(row)
    [table] = read_xlsx(xlsx_of(book)).tables()
    assert [[c.origin for c in row] for row in table.rows[:2]] == [
        [None, None, (0, 1)], [(0, 0), None, None]]


@pytest.mark.parametrize(("value", "number_format", "text"), [
    (1234.5, "#,##0.00", "1,234.50"),
    (123.45000000001, "General", "123.45"),  # a formula's float noise
    (0.1 + 0.2, "General", "0.3"),
    (12.0, "General", "12"),  # an integer stored as a float
    (2.675, "0.00", "2.68"),  # half away from zero, as Excel shows it
    (-3.456, "#,##0.00;(#,##0.00)", "(3.46)"),
    (-3.456, "#,##0.00", "-3.46"),
    (0, '_ * #,##0.00_ ;_ * -#,##0.00_ ;_ * "-"??_ ;_ @_ ', "-"),  # accounting: zero is a dash
    (12345.678, '_ * #,##0.00_ ;_ * -#,##0.00_ ;_ * "-"??_ ;_ @_ ', "12,345.68"),
    (0.125, "0.0%", "12.5%"),
    (3, '0.00"元"', "3.00元"),
    (1.5, "[Red]0.00", "1.50"),
    (5.5, "0.0#", "5.5"),
    (1234567, "#,##0", "1,234,567"),
    (12345678901, "General", "12345678901"),
    (dt.datetime(2024, 3, 5), "yyyy-mm-dd", "2024-03-05"),
    (dt.datetime(2024, 3, 5), 'yyyy"年"m"月"d"日"', "2024年3月5日"),
    ("一般公共\n 预算", "@", "一般公共预算"),  # lines joined as DOCX joins paragraphs
    (None, "0.00", ""),
])
def test_a_value_is_printed_as_its_number_format_says(value: object, number_format: str,
                                                      text: str) -> None:
    assert printed(value, number_format) == text


@pytest.mark.parametrize(("claimed", "data", "kind"), [
    ("docx", lambda: seed_workbook("002", "xlsx"), FileKind.xlsx),
    ("xlsx", lambda: (SAMPLES / f"{NAMES['002']}.docx").read_bytes(), FileKind.docx),
    ("xlsx", small_xls, FileKind.xls),
    ("xls", lambda: seed_workbook("002", "xlsx"), FileKind.xlsx),
])
def test_the_content_decides_the_kind_not_the_name(claimed: str, data: object,
                                                    kind: FileKind) -> None:
    assert callable(data)
    loaded = load(data(), claimed, 10)
    assert loaded.kind == kind


def _layout_texts(layout: Layout) -> list[str]:
    return [p.text for p in layout.pages]


def test_an_xlsx_renamed_docx_reads_as_the_workbook() -> None:
    data = seed_workbook("002", "xlsx")
    renamed = process(data, "docx", "d", "d.docx").document
    assert facts(renamed) == docx_facts("002")
    assert renamed.page_texts == _layout_texts(read_xlsx(load(data, "xlsx", 10).workbook or b""))
