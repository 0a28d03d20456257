"""Unseen layouts: synthetic documents (tools/synth.py) with known answers, many layout variants.

The bar is ≥ 99.5% of numeric cells right over documents whose layouts the extractor never saw
(code columns split or not, 栏次 rows, 行次 columns, zeros as 0 / - / — / blank, thousands
separators, merged group headers, budget and final-account families, 元 and 万元).
"""

from __future__ import annotations

import pytest

from tools.synth import generate, to_blocks
from tools.synth_layout import Variant
from worker.layout import Layout, PageInfo
from worker.tables import extract_tables
from worker.tables.compare import Score, compare, synth_truth, to_golden

N_DOCS = 60


@pytest.mark.slow
def test_synthetic_layouts_numeric_cell_accuracy() -> None:
    total = Score()
    for seed in range(1000, 1000 + N_DOCS):  # seeds the extractor was not tuned on
        doc, variant = generate(seed), Variant.from_seed(seed)
        layout = Layout(pages=[PageInfo(0, 0.0, 0.0)], blocks=to_blocks(doc, variant))
        tables, _ = extract_tables(layout)
        total.add(compare(synth_truth(doc.tables, variant.zero != ""), to_golden(tables)))
    assert total.expected_cells > 10_000
    assert total.accuracy >= 0.995, total.mismatches[:20]
