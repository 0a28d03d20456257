"""tools/synth.py: deterministic, varied, consistent documents and well-formed layouts."""

from __future__ import annotations

import random
from collections import Counter
from decimal import Decimal

from schemas import DocType, Unit
from tools.synth import generate, to_blocks
from tools.synth_errors import KINDS, inject_error
from tools.synth_layout import Variant
from worker.layout import TableBlock


def test_same_seed_same_document() -> None:
    assert generate(11).model_dump_json() == generate(11).model_dump_json()
    assert generate(11).model_dump_json() != generate(12).model_dump_json()


def test_documents_vary_like_real_ones() -> None:
    docs = [generate(seed) for seed in range(120)]
    seen = Counter()
    for d in docs:
        seen[d.doc_type] += 1
        seen[d.unit] += 1
        seen["county" if d.region.county else "city"] += 1
        seen.update(f"empty:{t.key}" for t in d.tables if t.empty)
        seen.update(f"cols:{len(t.columns)}" for t in d.tables if t.key == "expenditure")
    assert seen[DocType.budget] and seen[DocType.final_account]
    assert seen[Unit.wan] and seen[Unit.yuan] and seen["county"] and seen["city"]
    assert seen["empty:gov_fund"] and seen["empty:state_capital"]
    assert len([k for k in seen if k.startswith("cols:")]) >= 3  # with / without 人员 / 公用 split
    assert len({d.department for d in docs}) > 60


def test_printed_figures_are_rounded_one_by_one() -> None:
    # somewhere the printed children of a row do not add up exactly: 尾差, as in real documents
    tails = 0
    for seed in range(40):
        t = generate(seed).table("expenditure")
        if t is None or t.unit != Unit.wan:
            continue
        total = next(r for r in t.rows if r.row_code == "total")
        classes = [r for r in t.rows if len(r.code or "") == 3]
        printed = sum((r.values["total"].wan for r in classes), Decimal(0))
        tails += printed != total.values["total"].wan
        assert abs(printed - total.values["total"].wan) <= Decimal("0.005") * (len(classes) + 1)
    assert tails > 0


def test_layouts_are_well_formed_grids() -> None:
    for seed in range(60):
        doc = generate(seed)
        for block in to_blocks(doc, Variant.from_seed(seed)):
            if not isinstance(block, TableBlock):
                continue
            width = block.n_cols
            for r, row in enumerate(block.rows):
                assert len(row) == width
                for c, cell in enumerate(row):
                    if cell.origin is not None:  # a merged cell points up / left to real text
                        orow, ocol = cell.origin
                        assert (orow, ocol) <= (r, c) and block.rows[orow][ocol].origin is None
                        assert cell.text == ""


def test_layout_variants_differ() -> None:
    variants = {Variant.from_seed(s) for s in range(50)}
    assert {v.codes for v in variants} == {"single", "split"}
    assert {v.zero for v in variants} == {"0.00", "0", "", "-", "—"}


def test_inject_error_leaves_the_original_alone() -> None:
    doc = generate(3)
    before = doc.model_dump_json()
    for kind in KINDS:
        inject_error(doc, kind, random.Random(0))
    assert doc.model_dump_json() == before
