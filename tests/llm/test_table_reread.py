"""A table the deterministic reader got wrong, re-read by a model and accepted by arithmetic
(issue 14, item 3), against the scripted OpenAI-compatible server (tests/support/openai_stub.py).

The PDF is drawn in code: a 一般公共预算支出表 whose 网信事务 row prints its 基本支出 and 项目支出
in one merged cell ("1000.00 234.56"), so the reader gets a value cell holding text and the
checks put the table in doubt for an extraction reason. Three scripted answers: the right rows
(accepted: identities hold, every value at the box that prints it), rows that swap the two
numbers (both printed, but 类 201 ≠ Σ款 then: rejected), and one value not printed (rejected).
Then the guards: an answer that echoes the deterministic rows of a table in doubt (a text cell
"见说明" under 项目支出, all figures right) corrects nothing and is not taken, though it is
grounded and the identities hold; an invalid answer is a failed attempt, in the ledger and
cached, so a second run makes no call.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from rq import Queue

from schemas import FindingKind
from schemas.reread import RereadStatus
from tests.support.openai_stub import OpenAIStub, hang, tool
from tests.support.pdf_builders import BUDGET_ROWS, doc_with_table
from worker.llm import LLMClient, LLMConfig
from worker.pipeline import Options, Outcome, process
from worker.pipeline.reread import ECHO
from worker.runtime.pool import work
from worker.runtime.queue import enqueue_document
from worker.runtime.reread import reread_in_job, reread_tables
from worker.services.submit import submit
from worker.settings import Settings
from worker.store import Store
from worker.store.llm_cache import LLMCache

KEY = "general_budget_expenditure"
MERGED = "1000.00 234.56"


@pytest.fixture(scope="module")
def pdf() -> bytes:
    rows = [list(r) for r in BUDGET_ROWS]
    rows[2][3:5] = [MERGED, ""]  # 网信事务: 基本支出 and 项目支出 in one cell
    return doc_with_table("grid", rows=rows, merges=[(2, 3, 2, 4)]).tobytes()


def read(pdf: bytes, reread: bool = True) -> Outcome:
    return process(pdf, "pdf", "doc-1", "t.pdf", Options.defaults(llm_base_url="http://x")
                   if reread else Options.defaults())


def answer(wangxin: tuple[str, str] = ("1000.00", "234.56")) -> dict:
    """The table's rows as a model answers them; 网信事务's 基本支出 / 项目支出 as given."""
    def row(code: str | None, name: str, total: str, basic: str | None, project: str | None):
        return {"name": name, "code": code,
                "values": {"total": total, "basic": basic, "project": project}}

    return {"rows": [
        row("201", "一般公共服务支出", "1234.56", "1000.00", "234.56"),
        row("20137", "网信事务", "1234.56", *wangxin),
        row("2013701", "行政运行", "1000.00", "1000.00", None),
        row("2013799", "其他网信事务支出", "234.56", None, "234.56"),
        row(None, "合计", "1234.56", "1000.00", "234.56"),
    ]}


def client(stub: OpenAIStub) -> LLMClient:
    return LLMClient(LLMConfig(base_url=stub.base_url, model="stub", max_retries=0,
                               http_retries=0))


def wangxin(outcome: Outcome) -> dict:
    table = outcome.document.table(KEY)
    assert table is not None
    row = next(r for r in table.rows if r.code == "20137")
    return row.values


def reread_problems(outcome: Outcome) -> list[str]:
    return [p.message for p in outcome.document.problems if p.stage == "reread"]


def test_the_reader_gets_the_table_wrong_for_an_extraction_reason(pdf: bytes) -> None:
    outcome = read(pdf)
    assert wangxin(outcome)["basic"].raw == MERGED
    assert any(f.kind == FindingKind.extraction and f.locations[0].table_key == KEY
               for f in outcome.findings)
    [request] = outcome.rereads
    assert request.table_key == KEY and request.pages == [1]
    assert {"1000.00", "234.56", "网信事务"} <= {w.text for w in request.words}


def test_a_header_the_reader_could_not_map_is_not_sent() -> None:
    rows = [list(r) for r in BUDGET_ROWS]
    rows[0][3] = "基本经费X"  # kept as col4: the model would answer in that key too
    outcome = read(doc_with_table("grid", rows=rows).tobytes())
    assert [c.key for c in outcome.document.table(KEY).columns] == ["total", "col4", "project"]  # type: ignore[union-attr]
    assert any(f.kind == FindingKind.extraction for f in outcome.findings)
    assert outcome.rereads == []


def test_off_without_an_endpoint(pdf: bytes) -> None:
    assert read(pdf, reread=False).rereads == []
    assert not Options.from_settings(Settings.model_construct()).reread
    assert not Options.from_settings(
        Settings.model_construct(llm_base_url="http://x", llm_reread_tables=False)).reread
    outcome = read(pdf)
    assert reread_tables(outcome, None, None) == []  # no client: no call, nothing changed
    assert wangxin(outcome)["basic"].raw == MERGED


def test_an_answer_that_satisfies_the_identities_replaces_the_rows(
    pdf: bytes, tmp_path: Path
) -> None:
    cache = LLMCache(tmp_path / "llm.sqlite3")
    outcome = read(pdf)
    with OpenAIStub([tool(answer())]) as stub:
        [attempt] = reread_tables(outcome, client(stub), cache)
    assert attempt.status == RereadStatus.accepted, attempt.reasons
    values = wangxin(outcome)
    assert (values["basic"].raw, values["project"].raw) == ("1000.00", "234.56")
    assert values["project"].wan == Decimal("234.56")
    merged_box = read(pdf).document.table(KEY).rows[1].values["basic"].bbox  # type: ignore[union-attr]
    assert values["basic"].page == 1 and values["basic"].bbox == merged_box  # the printing cell
    total_box = values["total"].bbox
    assert total_box is not None and total_box != merged_box  # its own cell, not another 1234.56 row's
    assert not [f for f in outcome.findings if any(loc.table_key == KEY for loc in f.locations)]
    assert outcome.document.table(KEY).doubts == [] or all(  # type: ignore[union-attr]
        d.kind == "unit" for d in outcome.document.table(KEY).doubts)  # type: ignore[union-attr]
    assert "已替换" in reread_problems(outcome)[0]
    usage = cache.doc_usage("doc-1")
    assert usage.calls == 1 and usage.tokens_in > 0

    again = read(pdf)  # a second run: the cached answer, no call, the same decision
    with OpenAIStub([]) as stub:
        [second] = reread_tables(again, client(stub), cache)
        assert stub.requests == []
    assert second.status == RereadStatus.accepted and second.usage.cached
    assert wangxin(again)["project"].raw == "234.56"
    assert cache.doc_usage("doc-1").calls == 1


def test_an_answer_whose_identities_fail_is_rejected(pdf: bytes, tmp_path: Path) -> None:
    outcome = read(pdf)
    before = outcome.findings
    with OpenAIStub([tool(answer(("234.56", "1000.00")))]) as stub:  # both printed, swapped
        [attempt] = reread_tables(outcome, client(stub), LLMCache(tmp_path / "llm.sqlite3"))
    assert attempt.status == RereadStatus.rejected
    assert any("核对仍不成立" in r for r in attempt.reasons)
    assert wangxin(outcome)["basic"].raw == MERGED  # the deterministic rows stay, flagged
    assert outcome.findings == before
    assert "未被采纳" in reread_problems(outcome)[0]


def test_an_answer_with_an_ungrounded_value_is_rejected(pdf: bytes, tmp_path: Path) -> None:
    outcome = read(pdf)
    cache = LLMCache(tmp_path / "llm.sqlite3")
    with OpenAIStub([tool(answer(("1000.00", "234.65")))]) as stub:  # 234.65 is not printed
        [attempt] = reread_tables(outcome, client(stub), cache)
    assert attempt.status == RereadStatus.rejected
    assert "234.65" in attempt.reasons[0] and "不见于第1页" in attempt.reasons[0]
    assert wangxin(outcome)["basic"].raw == MERGED
    assert cache.doc_usage("doc-1").calls == 1  # the attempt is in the ledger


def test_through_the_queue_the_job_rereads_and_a_rerun_makes_no_call(
    pdf: bytes, tmp_path: Path, settings: Settings, store: Store, queue: Queue
) -> None:
    path = tmp_path / "t.pdf"
    path.write_bytes(pdf)
    with OpenAIStub([tool(answer())]) as stub:
        live = settings.model_copy(update={"llm_base_url": stub.base_url, "llm_model": "stub",
                                           "llm_max_retries": 0, "llm_http_retries": 0})
        (doc_id,) = submit([str(path)], store, queue, live).doc_ids
        work(live, burst=True)
        assert len(stub.requests) == 1
        doc, findings = store.load_result(doc_id)
        row = next(r for r in doc.table(KEY).rows if r.code == "20137")  # type: ignore[union-attr]
        assert row.values["project"].raw == "234.56" and row.values["project"].page == 1
        assert [p.stage for p in doc.problems].count("reread") == 1
        assert not [f for f in findings if any(loc.table_key == KEY for loc in f.locations)]
        store.mark_queued(doc_id)
        enqueue_document(queue, live, doc_id)
        work(live, burst=True)
        assert len(stub.requests) == 1  # the second run: from the cache
    usage = LLMCache(store.engine).doc_usage(doc_id)
    assert usage.calls == 1


def test_a_slow_endpoint_cannot_outlast_the_document_job(
    pdf: bytes, tmp_path: Path, settings: Settings
) -> None:
    """The re-reads get a third of the job's timeout: each HTTP attempt is cut to fit it (here
    3 s → 1 s, against an answer that would take 30 s), and no table starts once it is spent."""
    cache = LLMCache(tmp_path / "llm.sqlite3")
    outcome = read(pdf)
    with OpenAIStub([hang(30)]) as stub:
        slow = settings.model_copy(update={"llm_base_url": stub.base_url, "llm_model": "stub",
                                           "llm_http_retries": 0, "job_timeout_s": 3})
        [attempt] = reread_in_job(outcome, slow, cache)
    assert attempt.status == RereadStatus.failed and "unavailable" in attempt.reasons[0]
    assert cache.doc_usage("doc-1").calls == 1  # the timed-out attempt is in the ledger
    assert wangxin(outcome)["basic"].raw == MERGED

    late = read(pdf)
    with OpenAIStub([]) as stub:
        [skipped] = reread_tables(late, client(stub), cache, budget_s=-1)
        assert stub.requests == []
    assert skipped.status == RereadStatus.failed and "时限" in reread_problems(late)[0]


def test_an_answer_echoing_the_deterministic_rows_corrects_nothing(tmp_path: Path) -> None:
    rows = [list(r) for r in BUDGET_ROWS]
    rows[3][4] = "见说明"  # 行政运行's 项目支出: words in a value cell, the figures all right
    outcome = read(doc_with_table("grid", rows=rows).tobytes())
    table = outcome.document.table(KEY)
    assert table is not None and any(d.kind == "cells" for d in table.doubts)
    before = (table.model_copy(deep=True), list(outcome.findings))
    echo = {"rows": [{"name": r.name, "code": r.code,
                      "values": {k: v.raw for k, v in r.values.items() if v.value is not None}}
                     for r in table.rows]}  # every figure printed, the identities hold
    cache = LLMCache(tmp_path / "llm.sqlite3")
    with OpenAIStub([tool(echo)]) as stub:
        [attempt] = reread_tables(outcome, client(stub), cache)
    assert attempt.status == RereadStatus.rejected and attempt.reasons == [ECHO]
    assert (outcome.document.table(KEY), outcome.findings) == before  # doubts and finding kept
    assert "未被采纳" in reread_problems(outcome)[0]
    assert cache.doc_usage("doc-1").calls == 1


def test_a_failed_attempt_is_in_the_ledger_and_a_second_run_makes_no_call(
    pdf: bytes, tmp_path: Path
) -> None:
    cache = LLMCache(tmp_path / "llm.sqlite3")
    outcome = read(pdf)
    with OpenAIStub([tool('{"rows": [{"name": "网信事务", "values": ')]) as stub:  # cut off
        [attempt] = reread_tables(outcome, client(stub), cache)
        assert len(stub.requests) == 1
    assert attempt.status == RereadStatus.failed and attempt.reasons
    assert wangxin(outcome)["basic"].raw == MERGED
    assert cache.doc_usage("doc-1").calls == 1  # the attempt is in the ledger

    again = read(pdf)
    with OpenAIStub([]) as stub:
        [second] = reread_tables(again, client(stub), cache)
        assert stub.requests == []  # the failure is cached: no call
    assert second.status == RereadStatus.failed and second.usage.cached
    assert second.reasons == attempt.reasons
    assert "未得到可用结果" in reread_problems(again)[0]
    assert cache.doc_usage("doc-1").calls == 1
