"""Reading a document is linear in its length: narrative text also when no sentence ever ends (issue 15:
120 KB of TXT without 。 took 83 s, re-splitting a growing buffer per block; a 67 KB DOCX more
than 300 s). Measured by work done, not by a clock: the calls made (cProfile counts every
Python and C call, deterministic for one input), and the CPU seconds of this process (best of
three, for work done inside one C call, such as a regex over a growing buffer) — 4× the text
must cost about 4× (quadratic: 16×) — and make a result about 4× the size. And a TXT or DOCX
is one page: checks that search a page per value searched the whole document."""

from __future__ import annotations

import cProfile
import pstats
import time
from collections.abc import Callable

import pytest

from tests.support.hostile import run_on_docx, run_on_text
from worker.narrative import parse_narrative
from worker.pipeline import process
from worker.pipeline.checks import run_checks
from worker.pipeline.chunk import chunk
from worker.pipeline.load import load

SMALL, LARGE = 30, 120  # KB of text without 。
DOCS = {"txt": lambda kb: run_on_text(kb).encode(), "docx": run_on_docx}


def _calls(work: Callable[[], object]) -> int:
    profile = cProfile.Profile()
    profile.enable()
    work()
    profile.disable()
    return sum(ncalls for _, ncalls, *_ in pstats.Stats(profile).stats.values())  # type: ignore[attr-defined]


def _cpu(work: Callable[[], object]) -> float:
    start = time.process_time()
    work()
    return time.process_time() - start


@pytest.mark.parametrize("kind", DOCS)
def test_reading_text_without_sentence_ends_is_linear(kind: str) -> None:
    small, large = DOCS[kind](SMALL), DOCS[kind](LARGE)
    layouts = {n: chunk(load(d, kind, 1)) for n, d in ((SMALL, small), (LARGE, large))}
    whole = {n: (lambda d=d: process(d, kind, "d", f"d.{kind}")) for n, d in ((SMALL, small), (LARGE, large))}
    narrative = {n: (lambda lay=lay: parse_narrative(lay)) for n, lay in layouts.items()}
    whole[SMALL]()  # caches (vocabularies, patterns) filled before anything is counted

    facts = {n: len(narrative[n]()) for n in layouts}
    assert facts[LARGE] >= 3.9 * facts[SMALL] > 0  # figures are read all the way through

    for stage in (narrative, whole):
        ratio = _calls(stage[LARGE]) / _calls(stage[SMALL])
        assert 3.5 < ratio < 4.5, ratio
    # what the store writes: every figure quotes its sentence, so one sentence as long as the
    # document made the result grow with the square of it (120 KB: 1,512 quotes of 120 KB)
    stored = {n: len(whole[n]().document.model_dump_json()) for n in (SMALL, LARGE)}
    assert stored[LARGE] / stored[SMALL] < 4.5, stored
    cpu = {n: min(_cpu(whole[n]) for _ in range(3)) for n in (SMALL, LARGE)}
    assert cpu[LARGE] / cpu[SMALL] < 10, cpu  # linear ≈ 4; quadratic ≈ 16


def _table_txt(rows: int) -> bytes:
    """One table of `rows` rows, tab-separated, as converters write a TXT."""
    lines = [f"{201 + i % 50}0{i:03d}\t{i}.{i % 100:02d}\t{i * 2}.00" for i in range(rows)]
    return "\n".join(["表1 收支总表", "单位：万元", "项目\t本年\t上年", *lines, ""]).encode()


def test_checking_a_one_page_document_is_linear() -> None:
    """extraction.raw_in_text looked for each value in its page's text: 16,000 rows (410 KB)
    took 17 s of checks, 4× the rows ~15× the time."""
    docs = {n: process(_table_txt(n), "txt", "d", "d.txt").document for n in (2000, 8000)}
    assert [sum(len(t.rows) for t in d.tables) for d in docs.values()] == [2000, 8000]
    cpu = {n: min(_cpu(lambda d=d: run_checks(d)) for _ in range(3)) for n, d in docs.items()}
    assert cpu[8000] / cpu[2000] < 8, cpu  # linear ≈ 4; quadratic ≈ 16
