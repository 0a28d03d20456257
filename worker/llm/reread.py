"""One table re-read by the model (issue 14, item 3): its pages' words with positions in, the
rows in the table's own schema (schemas.reread.row_model) out.

    reread_table(request, client, cache, doc_id=...) -> (RereadAnswer | None, RereadOutcome)

The answer is cached by (model, prompt + schema version, rendered request): a second run makes
no call. Every HTTP attempt is recorded in the call ledger under section `reread:<table key>`.
An answer that never validated or a refused request is `failed`, and cached as such (the same
request would fail the same way: a second run makes no call either); a spent token budget is
`failed` and not cached (the budget is the document's state, not the answer's); LLMUnavailable
propagates, not cached (the deterministic rows stand; the next run asks again).
Whether the answer is accepted is decided in worker/pipeline/reread.py, not here.
"""

from __future__ import annotations

from itertools import groupby

from instructor.core.exceptions import IncompleteOutputException, InstructorRetryException

import prompts
from schemas.reread import (
    PageWord,
    RereadAnswer,
    RereadOutcome,
    RereadRequest,
    RereadStatus,
    answer_of,
    line_of,
    row_model,
)
from worker.errors import BudgetSpent, LLMUnavailable, SectionRefused
from worker.llm.ask import boundary, cause, chat, mark_reasked, neutralise, prompt_version
from worker.llm.client import Ledger, LLMClient
from worker.store.llm_cache import LLMCache, cache_key


def section_id(request: RereadRequest) -> str:
    return f"reread:{request.table_key}"


def render_words(words: list[PageWord]) -> str:
    """One line per printed line: `p3 y120: 一般公共服务支出@72 1,234.56@310 …`."""
    out = []
    for (page, _), group in groupby(words, key=line_of):
        items = list(group)
        top = round(items[0].bbox[1]) if items[0].bbox else 0
        out.append(f"p{page} y{top}: " + " ".join(
            f"{w.text}@{round(w.bbox[0])}" if w.bbox else w.text for w in items))
    return "\n".join(out)


def reread_table(
    request: RereadRequest, client: LLMClient, cache: LLMCache | None, *, doc_id: str
) -> tuple[RereadAnswer | None, RereadOutcome]:
    model = row_model(request.columns)
    system, prompt = prompts.load("system"), prompts.load("table_reread")
    version = prompt_version(system, prompt, model)
    values = {  # what the document prints is neutralised wherever the prompt shows it
        "title": neutralise(request.title),
        "unit": request.unit,
        "pages": ", ".join(map(str, request.pages)),
        "reasons": neutralise("；".join(request.reasons)[:600]),
        "columns": "\n".join(f"- {c.key}: {neutralise(c.title)}" for c in request.columns),
        "words": neutralise(render_words(request.words)),
    }
    user = prompt.render(**values, boundary=boundary())
    done = RereadOutcome(table_key=request.table_key, status=RereadStatus.failed,
                         model=client.model, prompt_version=version)
    keyed = prompt.render(**values, boundary="")  # a cached answer does not depend on it
    key = cache_key(client.model, version, keyed)
    if cache is not None and (hit := cache.get(key, RereadAnswer)) is not None:
        done.usage.cached = True
        if hit.failed:
            done.reasons = hit.failed
            return None, done
        return hit, done
    ledger = Ledger(client.config.token_budget_per_doc, cache.doc_tokens(doc_id) if cache else 0)
    messages, variables = chat(system.render(), user)
    try:
        data = client.extract(model, messages, variables, ledger)
        mark_reasked(ledger.calls, last_valid=True)
    except (InstructorRetryException, IncompleteOutputException) as e:
        mark_reasked(ledger.calls, last_valid=False)
        why = cause(e)
        if isinstance(why, LLMUnavailable):
            raise why from e
        known = isinstance(why, SectionRefused | BudgetSpent)
        done.reasons = [str(why if known else e)[:300]]
        if cache is not None and not isinstance(why, BudgetSpent):
            cache.put(key, RereadAnswer(failed=done.reasons), version, keyed, model=client.model)
        return None, _with_usage(done, ledger)
    finally:
        if cache is not None:
            cache.record_calls(doc_id, section_id(request), ledger.calls)
    answer = answer_of(data)
    if cache is not None:
        cache.put(key, answer, version, keyed, model=client.model)
    return answer, _with_usage(done, ledger)


def _with_usage(done: RereadOutcome, ledger: Ledger) -> RereadOutcome:
    done.usage = ledger.usage()
    return done
