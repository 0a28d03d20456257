"""The re-read stage in a document job: each table the pipeline asks about goes to the model
(worker/llm/reread.py), and its rows are taken only when worker/pipeline/reread.py accepts them.

Every attempt ends as a Problem(stage="reread") on the document — accepted (the table's values
are now the model's reading, each at the word that prints it) or not (the deterministic rows
stay, with the reason) — so a reviewer sees it; LLMUnavailable leaves the deterministic rows.

The re-reads run inside the document job, so they get a third of its timeout (`reread_in_job`):
no re-asks, each HTTP attempt's timeout cut so that one table's retries fit in that budget, and
no table started once it is spent — a slow endpoint (the local CPU model takes minutes per table)
must not get the document job killed.
"""

from __future__ import annotations

import time
from dataclasses import replace

from schemas import Problem
from schemas.reread import RereadOutcome, RereadRequest, RereadStatus
from worker.errors import LLMUnavailable
from worker.llm import LLMConfig, make_client
from worker.llm.client import LLMClient
from worker.llm.reread import reread_table
from worker.pipeline import Outcome
from worker.pipeline.reread import decide
from worker.settings import Settings
from worker.store.llm_cache import LLMCache

JOB_SHARE = 1 / 3  # of the document job's timeout, for all its re-reads

_SAYS = {
    RereadStatus.accepted: "表格经模型重读：数值均见于页面、表内核对成立，已替换确定性读取的行",
    RereadStatus.rejected: "模型重读未被采纳，保留确定性读取（有待复核）",
    RereadStatus.failed: "模型重读未得到可用结果，保留确定性读取（有待复核）",
}


def reread_in_job(outcome: Outcome, settings: Settings, cache: LLMCache) -> list[RereadOutcome]:
    budget = settings.job_timeout_s * JOB_SHARE
    config = LLMConfig.from_settings(settings)
    attempt_s = min(config.timeout_s, budget / (config.http_retries + 1))
    client = make_client(replace(config, max_retries=0, timeout_s=attempt_s))
    return reread_tables(outcome, client, cache, budget)


def reread_tables(
    outcome: Outcome, client: LLMClient | None, cache: LLMCache | None,
    budget_s: float | None = None,
) -> list[RereadOutcome]:
    """Re-read the tables `outcome` asks about (nothing without a client); updates it in place.
    No table is started after `budget_s` seconds."""
    if client is None or not outcome.rereads:
        return []
    doc_id = outcome.document.doc_id
    done: list[RereadOutcome] = []
    started = time.monotonic()
    for request in outcome.rereads:
        if budget_s is not None and time.monotonic() - started > budget_s:
            attempt = RereadOutcome(table_key=request.table_key, status=RereadStatus.failed,
                                    reasons=[f"未在 {budget_s:.0f} 秒的重读时限内开始"])
            _flag(outcome, request, attempt)
            done.append(attempt)
            continue
        try:
            answer, attempt = reread_table(request, client, cache, doc_id=doc_id)
        except LLMUnavailable as exc:
            attempt = RereadOutcome(table_key=request.table_key, status=RereadStatus.failed,
                                    reasons=[f"LLM endpoint unavailable: {exc}"])
            answer = None
        if answer is not None:
            decision = decide(outcome.document, request, answer)
            attempt.status = RereadStatus.accepted if decision.accepted else RereadStatus.rejected
            attempt.reasons = decision.reasons
            if decision.document is not None:
                outcome.document, outcome.findings = decision.document, decision.findings
        _flag(outcome, request, attempt)
        done.append(attempt)
    return done


def _flag(outcome: Outcome, request: RereadRequest, attempt: RereadOutcome) -> None:
    message = f"{request.title}：{_SAYS[attempt.status]}"
    message += "".join(f"；{r}" for r in attempt.reasons)
    page = request.pages[0] if request.pages else None
    outcome.document.problems.append(Problem(stage="reread", message=message, page=page))
