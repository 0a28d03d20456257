"""Findings on real disclosures checked by hand (tests/data/realdocs): on these documents every
document finding is one of the contradictions the golden records, and the recorded ones named
here are reported. Each document is a template family the rules once misjudged: Chongqing's
收支总表 counting the fund's 上年结转 in 一般公共预算, Guangdong's project tables listing economic
款 under their 类, a 政府采购 sentence breaking its total down twice, Jiangsu's 支出总表 with a
预留机动经费 column and a '人大事务行政运行（项）' whose 款 name runs into the 项's."""

from __future__ import annotations

import pytest

from tests.support.realdocs import load_golden
from tests.support.realdocs_compare import false_alarms, recalled
from worker.pipeline import process

# stem → the recorded contradictions the rules must report (every document finding must be one)
BELIEVABLE: dict[str, set[str]] = {
    "chongqing_kjj_2026_budget": set(),
    "chongqing_sww_2026_budget": set(),
    "guangzhou_xfj_2026_budget": set(),
    "zhuhai_swj_2026_budget": set(),
    "quanzhou_zfb_2026_budget": set(),
    "huzhou_wjw_2026_budget": {"fiscal_summary_total", "fiscal_summary_general_budget"},
    "jiangsu_rdbgt_2017_budget": {"narrative_admin_run"},
}


@pytest.mark.parametrize("stem", sorted(BELIEVABLE))
def test_every_document_finding_is_a_recorded_contradiction(stem: str) -> None:
    golden = load_golden(stem)
    outcome = process(golden.source.read_bytes(), "pdf", golden.sha256, golden.file)
    assert [f.message for f in false_alarms(golden, outcome.findings)] == []
    hits = {c.id for c in golden.contradictions if recalled(golden, c, outcome.findings)}
    assert BELIEVABLE[stem] <= hits, hits
