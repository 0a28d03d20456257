"""Document metadata from the first lines: the five seeds (checked by hand) and other phrasings."""

from __future__ import annotations

import pytest

from tests.support.samples import SAMPLES
from worker.pipeline.chunk import chunk
from worker.pipeline.load import load
from worker.pipeline.metadata import read_metadata

CASES = [  # seed prefix, department, (province, city, county), year, doc type, unit
    ("000", "中共安阳市委网络安全和信息化委员会办公室", (None, "安阳市", None), 2024, "budget", "万元"),
    ("001", "中共石家庄市鹿泉区委网络安全和信息化委员会", (None, "石家庄市", "鹿泉区"), 2024, "budget", "万元"),
    ("002", "中共唐山市开平区委网络安全和信息化委员会办公室", (None, "唐山市", "开平区"), 2025, "budget",
     "万元"),
    ("003", "中共南阳市委网络安全和信息化委员会办公室", (None, "南阳市", None), 2024, "final_account",
     "万元"),
    ("004", "中共隆尧县委网络安全和信息化委员会办公室", (None, None, "隆尧县"), 2020, "budget", "元"),
]


@pytest.mark.parametrize(("prefix", "dept", "region", "year", "doc_type", "unit"), CASES)
def test_seed_metadata(prefix: str, dept: str, region: tuple, year: int, doc_type: str,
                       unit: str) -> None:
    text = next(SAMPLES.glob(f"{prefix}_*.txt")).read_text("utf-8")
    meta = read_metadata(text)
    assert meta.department == dept
    assert (meta.region.province, meta.region.city, meta.region.county) == region
    assert (meta.fiscal_year, meta.doc_type, meta.unit) == (year, doc_type, unit)


@pytest.mark.parametrize(("text", "dept", "region", "year", "doc_type"), [
    ("河北省邯郸市永年区教育局\n2023年部门决算公开\n单位：元", "河北省邯郸市永年区教育局",
     ("河北省", "邯郸市", "永年区"), 2023, "final_account"),
    ("2025年度广东省财政厅部门预算", "广东省财政厅", ("广东省", None, None), 2025, "budget"),
    ("编制部门：浙江省杭州市西湖区卫生健康局\n预算年度：2022\n部门收支总表", "浙江省杭州市西湖区卫生健康局",
     ("浙江省", "杭州市", "西湖区"), 2022, "budget"),
    # tables only: the kind by their titles, not by the 年初预算数 columns of a final account
    ("2023年收入支出决算总表\n编制单位：山东省济南市历下区审计局\n项目\t年初预算数\t调整预算数\t决算数\n"
     "2023年财政拨款收入支出决算总表\n项目\t年初预算数\t调整预算数", "山东省济南市历下区审计局",
     ("山东省", "济南市", "历下区"), 2023, "final_account"),
])
def test_other_phrasings(text: str, dept: str, region: tuple, year: int, doc_type: str) -> None:
    meta = read_metadata(text)
    assert meta.department == dept
    assert (meta.region.province, meta.region.city, meta.region.county) == region
    assert (meta.fiscal_year, meta.doc_type) == (year, doc_type)


def test_nothing_to_find() -> None:
    meta = read_metadata("lorem ipsum\n\n12345")
    assert meta.department is None and meta.fiscal_year is None and meta.doc_type is None


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
@pytest.mark.parametrize(("prefix", "dept", "region", "year", "doc_type", "unit"), CASES)
def test_sample_files_give_the_same_metadata(fmt: str, prefix: str, dept: str, region: tuple,
                                             year: int, doc_type: str, unit: str) -> None:
    # the PDF reader joins a line's pieces ("…委员会预算年度：2024单位：万元"): still found
    path = next(SAMPLES.glob(f"{prefix}_*.{fmt}"))
    layout = chunk(load(path.read_bytes(), fmt, max_pages=1000))
    meta = read_metadata(layout.text)
    assert (meta.department, meta.fiscal_year, meta.doc_type, meta.unit) == (
        dept, year, doc_type, unit)
    assert (meta.region.province, meta.region.city, meta.region.county) == region


@pytest.mark.parametrize(("prefix", "dept", "region", "year", "doc_type", "unit"), CASES)
def test_a_workbook_of_the_tables_gives_the_metadata_they_print(
        prefix: str, dept: str, region: tuple, year: int, doc_type: str, unit: str) -> None:
    # samples/*.xlsx hold the seeds' tables only: the year and the kind come from the tables'
    # titles (2024年部门收支预算表; 003's …决算表 over its 年初预算数 columns). Seed 004's workbook
    # prints no fiscal year (checked: its only year is 截止时间：2019年12月31日), its prose did.
    path = next(SAMPLES.glob(f"{prefix}_*.xlsx"))
    meta = read_metadata(chunk(load(path.read_bytes(), "xlsx", max_pages=1000)).text)
    assert (meta.department, meta.fiscal_year, meta.doc_type, meta.unit) == (
        dept, None if prefix == "004" else year, doc_type, unit)
    assert (meta.region.province, meta.region.city, meta.region.county) == region
