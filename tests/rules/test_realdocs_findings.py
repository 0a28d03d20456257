"""Findings on real disclosures checked by hand (tests/data/realdocs): on these documents every
document finding is one of the contradictions the golden records, and the recorded ones named
here are reported. Each document is a template family the rules once misjudged: Chongqing's
收支总表 counting the fund's 上年结转 in 一般公共预算, Guangdong's project tables listing economic
款 under their 类, a 政府采购 sentence breaking its total down twice, Jiangsu's 支出总表 with a
预留机动经费 column and a '人大事务行政运行（项）' whose 款 name runs into the 项's, a class
compared across tables whose 款 lines lost their codes, shares of a 三公 total the sentence only
lists the parts of, a growth rate printed bare in brackets ('减少24.5万元（43%）')."""

from __future__ import annotations

import pytest

from tests.support.realdocs import load_golden
from tests.support.realdocs_compare import false_alarms, recalled
from worker.pipeline import process

# documents on which the findings are exactly the recorded contradictions (most record none)
BELIEVABLE = [
    "chongqing_kjj_2026_budget",
    "chongqing_sww_2026_budget",
    "guangzhou_xfj_2026_budget",
    "zhuhai_swj_2026_budget",
    "quanzhou_zfb_2026_budget",
    "hangzhou_jtysj_2026_budget",
    "huzhou_wjw_2026_budget",
    "jiangsu_rdbgt_2017_budget",
    "xian_fgw_2019_budget_narrative",
    "beijing_lvweiban_2026_budget_tables",  # a 绩效目标表 continued on fewer columns
    "yantai_sjj_2026_budget",  # three projects named 审计业务经费, each with its 绩效目标表
]


@pytest.mark.parametrize("stem", BELIEVABLE)
def test_the_document_findings_are_the_recorded_contradictions(stem: str) -> None:
    golden = load_golden(stem)
    outcome = process(golden.source.read_bytes(), "pdf", golden.sha256, golden.file)
    assert [f.message for f in false_alarms(golden, outcome.findings)] == []
    missed = [c.id for c in golden.contradictions if not recalled(golden, c, outcome.findings)]
    assert missed == []
