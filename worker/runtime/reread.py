"""The re-read stage in a document job: each table the pipeline asks about goes to the model
(worker/llm/reread.py), and its rows are taken only when worker/pipeline/reread.py accepts them.

Every attempt ends as a Problem(stage="reread") on the document — accepted (the table's values
are now the model's reading, each at the word that prints it) or not (the deterministic rows
stay, with the reason) — so a reviewer sees it; LLMUnavailable leaves the deterministic rows.
"""

from __future__ import annotations

from schemas import Problem
from schemas.reread import RereadOutcome, RereadStatus
from worker.errors import LLMUnavailable
from worker.llm.client import LLMClient
from worker.llm.reread import reread_table
from worker.pipeline import Outcome
from worker.pipeline.reread import decide
from worker.store.llm_cache import LLMCache

_SAYS = {
    RereadStatus.accepted: "表格经模型重读：数值均见于页面、表内核对成立，已替换确定性读取的行",
    RereadStatus.rejected: "模型重读未被采纳，保留确定性读取（有待复核）",
    RereadStatus.failed: "模型重读未得到可用结果，保留确定性读取（有待复核）",
}


def reread_tables(
    outcome: Outcome, client: LLMClient | None, cache: LLMCache | None
) -> list[RereadOutcome]:
    """Re-read the tables `outcome` asks about (nothing without a client); updates it in place."""
    if client is None or not outcome.rereads:
        return []
    doc_id = outcome.document.doc_id
    done: list[RereadOutcome] = []
    for request in outcome.rereads:
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
        message = f"{request.title}：{_SAYS[attempt.status]}"
        message += "".join(f"；{r}" for r in attempt.reasons)
        page = request.pages[0] if request.pages else None
        outcome.document.problems.append(Problem(stage="reread", message=message, page=page))
        done.append(attempt)
    return done
