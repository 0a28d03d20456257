"""The deterministic reader on real 绩效目标表 against hand-verified goldens
(tests/data/performance/*.json, made as its README says), and the goldens themselves.

The goldens are checked first (they are the yardstick): they belong to their file (sha256,
page count), every row is on a page they cover, and every text a row holds (三级指标, 指标值, …)
is printed on its page in the text layer — its levels (merged cells) and every header figure on
the project's pages. Then each
document goes through the real pipeline (`process`, no LLM endpoint) and the reading is
scored by worker/performance/compare.py: indicator rows found and fields right, per document at
least what the reader achieves (FLOOR), and no tabular section left for the LLM.
"""

from __future__ import annotations

import os
import re
import unicodedata
from functools import cache

import pymupdf
import pytest

from schemas.performance import SectionKind
from tests.support.performance_goldens import PerformanceGolden, golden_paths, load_golden
from tests.support.realdocs import sha256
from worker.performance.compare import compare, projects
from worker.pipeline import Options, Outcome, process

PATHS = golden_paths()
TABULAR = {SectionKind.department_targets, SectionKind.project_targets}
# what the reader achieves per golden: (rows found, fields right), as fractions
FLOOR = {
    # 5 rows of p26–27 whose clipped cell text the text layer draws into the next row (golden doubts)
    "beijing_lvweiban_2026_budget_tables": (117 / 122, 1.0),
    "beijing_qxj_2026_budget_tables": (1.0, 1.0),
    "changsha_gaj_2025_budget": (1.0, 1.0),
    "chongqing_sww_2026_budget": (1.0, 1.0),
    "guangzhou_zwfwj_2026_budget_perftargets": (1.0, 1.0),
    "quanzhou_zfb_2026_budget": (1.0, 1.0),
    "xian_rsj_2020_budget": (1.0, 1.0),
    "xian_xzspfwj_2025_budget": (1.0, 1.0),
    "yantai_sjj_2026_budget": (1.0, 1.0),
}
_TEXT = ("level1", "level2", "name", "description", "value", "comparator", "unit", "basis",
         "actual", "deviation")
_LEVELS = ("level1", "level2")
_AMOUNTS = ("amount", "fiscal_amount", "other_amount", "budget_basic", "budget_project")


def test_there_are_goldens_and_the_readme_lists_them() -> None:
    assert len(PATHS) >= 3
    readme = (PATHS[0].parent / "README.md").read_text("utf-8")
    listed = set(re.findall(r"^\| (\w+) \|", readme, re.M)) - {"golden"}
    assert listed == {p.stem for p in PATHS}, listed ^ {p.stem for p in PATHS}
    assert set(FLOOR) == {p.stem for p in PATHS}


@pytest.fixture(params=PATHS, ids=[p.stem for p in PATHS])
def golden(request: pytest.FixtureRequest) -> PerformanceGolden:
    golden = load_golden(request.param)  # the models forbid unknown fields: structure checked
    assert golden.stem == request.param.stem
    if not golden.source.exists():
        message = f"{golden.source} missing (../shared/realdocs beside the checkout)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return golden


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@cache
def _page_text(stem: str, page: int) -> str:
    with pymupdf.open(load_golden(PATHS[[p.stem for p in PATHS].index(stem)]).source) as doc:
        return _flat(doc[page - 1].get_text())


def test_golden_is_of_its_file_and_quotes_its_pages(golden: PerformanceGolden) -> None:
    assert sha256(golden.source) == golden.sha256
    with pymupdf.open(golden.source) as doc:
        assert doc.page_count == golden.pages
    assert golden.covers and all(1 <= p <= golden.pages for p in golden.covers)
    assert golden.checked.how and golden.checked.fields
    assert {p for x in golden.projects for p in x.pages} == set(golden.covers)
    for project in golden.projects:
        assert project.indicators, project.name
        assert project.pages == sorted({i.page for i in project.indicators}), project.name
        pages = "".join(_page_text(golden.stem, p) for p in project.pages)
        for text in (project.name, project.code):
            if text is not None:
                assert _flat(text) in pages, text
        for name in _AMOUNTS:
            if (value := getattr(project, name)) is not None:
                assert re.fullmatch(r"-?\d+(?:\.\d+)?", value), (project.name, name, value)
                assert value in pages.replace(",", ""), (project.name, name, value)
        for row in project.indicators:
            text = _page_text(golden.stem, row.page)
            for name in _TEXT:
                if (value := getattr(row, name)) is not None:
                    # a merged 一级/二级 cell prints its text once over its span, which may end
                    # on the project's next page
                    where = pages if name in _LEVELS else text
                    assert _flat(value) in where, (row.page, row.name, name, value)


@cache
def run(stem: str) -> Outcome:
    path = load_golden(PATHS[[p.stem for p in PATHS].index(stem)]).source
    return process(path.read_bytes(), "pdf", stem, path.name, Options.defaults())


def test_reader_finds_the_golden_rows_and_reads_them_right(golden: PerformanceGolden) -> None:
    outcome = run(golden.stem)
    score = compare(golden.projects_for_compare(), projects(outcome.document.sections))
    assert score.rows == sum(len(p.indicators) for p in golden.projects)
    found, right = FLOOR[golden.stem]
    assert score.recall >= found, score.misses
    assert score.accuracy >= right, score.misses
    assert not [s.section_id for s in outcome.sections if s.kind in TABULAR]
