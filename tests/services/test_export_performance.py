"""Export contract v3: targets, self_evaluation and narrative_figures, from the real pipeline on
the seeds (004: a project target table printed in 元; 003: 绩效自评表 and a 决算 narrative; 000:
department and project target tables and a budget narrative), round-trip in all four formats:
every row and value read back equals what the row builders produced."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.support.exports import read_export
from tests.support.samples import SAMPLES
from worker.pipeline import Options, process
from worker.services.export import FORMATS, export
from worker.services.tidy import (
    NARRATIVE_FIGURE_COLUMNS,
    SELF_EVALUATION_COLUMNS,
    TARGET_COLUMNS,
    narrative_figure_rows,
    parse_value,
    self_evaluation_rows,
    target_rows,
)
from worker.store import Store

SEEDS = ["004_*.docx", "003_*.pdf", "000_*.pdf"]
TABLES = {
    "targets": (TARGET_COLUMNS, target_rows),
    "self_evaluation": (SELF_EVALUATION_COLUMNS, self_evaluation_rows),
    "narrative_figures": (NARRATIVE_FIGURE_COLUMNS, lambda doc, _status: narrative_figure_rows(doc)),
}


@pytest.fixture
def seeded(store: Store) -> tuple[Store, dict[str, list[dict[str, Any]]]]:
    want: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
    for pattern in SEEDS:
        path = next(SAMPLES.glob(pattern))
        doc_id, _ = store.add_document(path.read_bytes(), path.name, path.suffix[1:])
        out = process(path.read_bytes(), path.suffix[1:], doc_id, path.name, Options.defaults())
        store.save_result(out.document, out.findings, out.status)
        for name, (_, rows) in TABLES.items():
            want[name] += rows(out.document, out.status)
    return store, want


def _same(got: Any, want: Any) -> bool:
    if isinstance(want, (Decimal, float, int)) and not isinstance(want, bool):
        return got not in (None, "") and abs(float(got) - float(want)) < 1e-6
    return str("" if got is None else got) == str("" if want is None else want)


@pytest.mark.parametrize("fmt", FORMATS)
def test_performance_exports_round_trip(seeded: tuple, tmp_path: Path, fmt: str) -> None:
    store, want = seeded
    counts = export(store, fmt, tmp_path)
    assert counts["targets"] == len(want["targets"]) > 70  # 000: 65 rows, 004: 9
    assert counts["self_evaluation"] == len(want["self_evaluation"]) > 100  # 003's 15 forms
    assert counts["narrative_figures"] == len(want["narrative_figures"]) > 200
    for name, (columns, _) in TABLES.items():
        got = read_export(tmp_path, name, fmt)
        assert list(got[0]) == columns, name
        order = sorted(range(len(got)), key=lambda i: str(got[i]["doc_id"]))  # export: by record
        expected = sorted(want[name], key=lambda r: str(r["doc_id"]))
        for i, w in zip(order, expected, strict=True):
            bad = [c for c in columns if not _same(got[i][c], w[c])]
            assert not bad, (name, bad, got[i], w)


def test_the_seeds_figures_as_printed(seeded: tuple) -> None:
    _, want = seeded
    t004 = [r for r in want["targets"] if r["project_code"] == "288-0204-JXN-KZLZ"]
    assert len(t004) == 9 and {r["amount_wan"] for r in t004} == {Decimal("15")}  # 150000.00 元
    assert (t004[0]["comparator"], t004[0]["value_num"], t004[0]["value_unit"]) == ("≥", 95, "%")
    dept = next(r for r in want["self_evaluation"] if r["scope"] == "department")
    assert (dept["budget_full_year_wan"], dept["executed_wan"], dept["score"]) == (
        Decimal("888.43"), Decimal("803.42"), Decimal("99.75"))  # seed 003, 部门整体自评表
    statuses = {r["status"] for r in want["narrative_figures"]}
    assert statuses <= {"matched", "differs", "unmatched"} and "matched" in statuses
    total = next(r for r in want["narrative_figures"] if r["subject_key"] == "income.grand_total")
    assert (total["status"], total["matched_value"]) == ("matched", Decimal("691.05"))  # 000


@pytest.mark.parametrize(("printed", "parsed"), [
    ("≥98%", (Decimal(98), "%", "≥")), ("＞30个", (Decimal(30), "个", ">")),
    ("1,200万元", (Decimal(1200), "万元", None)), ("相关", (None, None, None)),
])
def test_indicator_values_split_into_comparator_number_unit(printed: str, parsed: tuple) -> None:
    from schemas.performance import Indicator

    assert parse_value(Indicator(name="x", value=printed)) == parsed
