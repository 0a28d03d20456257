"""Schema-constrained extraction of one irregular section through any OpenAI-compatible endpoint.

    extract_section(section, client, cache, doc_id=..., ...) -> SectionResult

Problems with a section are data on the result: values the section does not print are re-asked
(instructor, up to `max_retries`) and then dropped with the reason (`needs_review`); output that
stays invalid, a section the endpoint refuses (HTTP 400/413/422) or that hits `max_tokens` is
`needs_review`; no client (no endpoint configured) or a spent per-document token budget is
`pending`. Infrastructure failures are exceptions:

    worker.errors.LLMUnavailable   the endpoint cannot be reached, keeps timing out or answering
                                   429/5xx after `http_retries` retries with backoff, or refuses
                                   us (401/403/404): the caller marks the section pending and
                                   requeues it later; the deterministic results stand.

The HTTP side (config, retries, accounting) is worker.llm.client; grounding is worker.llm.grounding;
the cache and call ledger worker.store.llm_cache; the sections come from worker.pipeline.sections.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jiter
from instructor.core.exceptions import IncompleteOutputException, InstructorRetryException
from pydantic import BaseModel, ValidationError

import prompts
from schemas.performance import (
    DepartmentTargets,
    NarrativeTargets,
    ProjectTargets,
    Section,
    SectionKind,
    SectionResult,
    SectionStatus,
    SelfEvaluation,
    Usage,
)
from worker.errors import BudgetSpent, LLMUnavailable, SectionRefused
from worker.llm.ask import boundary, cause, chat, mark_reasked, neutralise, prompt_version
from worker.llm.client import Ledger, LLMClient, LLMConfig, configured, plain_roles
from worker.llm.contradict import contradictions
from worker.llm.grounding import Grounding, grounded, has_value
from worker.settings import NO_LLM_ENDPOINT
from worker.store.llm_cache import LLMCache, cache_key

__all__ = [
    "NO_ENDPOINT",
    "LLMClient",
    "LLMConfig",
    "configured",
    "extract_section",
    "make_client",
    "pending",
    "pending_all",
    "plain_roles",
]

NO_ENDPOINT = f"{NO_LLM_ENDPOINT}, then `budgetlens requeue` the document"

# What each kind of section is extracted into, and with which prompt.
SPECS: dict[SectionKind, tuple[type[BaseModel], str]] = {
    SectionKind.department_targets: (DepartmentTargets, "department_targets"),
    SectionKind.project_targets: (ProjectTargets, "project_targets"),
    SectionKind.narrative_targets: (NarrativeTargets, "narrative_targets"),
    SectionKind.self_evaluation: (SelfEvaluation, "self_evaluation"),
}


def make_client(config: LLMConfig) -> LLMClient | None:
    """The client, or None when no endpoint is configured (sections then come back pending)."""
    return LLMClient(config) if configured(config) else None


def pending(
    section: Section, reason: str = NO_ENDPOINT, usage: Usage | None = None
) -> SectionResult:
    return SectionResult(
        section_id=section.section_id,
        kind=section.kind,
        pages=section.pages,
        status=SectionStatus.pending,
        reasons=[reason],
        usage=usage or Usage(),
    )


def pending_all(sections: Sequence[Section], reason: str = NO_ENDPOINT) -> list[SectionResult]:
    """What `run` stores for the LLM sections when there is no endpoint (or it is down)."""
    return [pending(s, reason) for s in sections]


# --- one section ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Request:
    model: type[BaseModel]
    version: str
    system: str
    user: str

    @classmethod
    def build(cls, section: Section) -> _Request:
        model, name = SPECS[section.kind]
        system, prompt = prompts.load("system"), prompts.load(name)
        user = prompt.render(  # the title is the text's first line: data, like the rest
            pages=", ".join(map(str, section.pages)) or "n/a",
            text=neutralise(section.text),
            boundary=boundary(),
        )
        return cls(grounded(model), prompt_version(system, prompt, model), system.render(), user)

    def messages(self) -> tuple[list[dict], dict]:
        return chat(self.system, self.user)


def extract_section(
    section: Section,
    client: LLMClient | None,
    cache: LLMCache | None,
    *,
    doc_id: str,
    document_text: str = "",
    project_names: Sequence[str] = (),
) -> SectionResult:
    """Extract one section; raises LLMUnavailable only for infrastructure failures."""
    if client is None:
        return pending(section)
    request = _Request.build(section)
    key = cache_key(client.model, request.version, section.text)
    if cache is not None and (hit := cache.get(key)) is not None:
        return _held(_from_cache(hit, section), section)
    ledger = Ledger(client.config.token_budget_per_doc, cache.doc_tokens(doc_id) if cache else 0)
    source, injected = Grounding.build(
        section.text, document_text, list(project_names), section.expected_indicators
    )
    try:
        data, reasons = _run(client, request, source, ledger)
    except BudgetSpent as e:
        return pending(section, str(e), ledger.usage())
    finally:
        if cache is not None:
            cache.record_calls(doc_id, section.section_id, ledger.calls)
    reasons += [f"text addressing a model was ignored: {s[:120]!r}" for s in injected]
    result = _result(section, client, request, data, reasons, source, ledger)
    if cache is not None:  # cached as answered: the deterministic reading may change
        cache.put(key, result, request.version, section.text)
    return _held(result, section)


def _held(result: SectionResult, section: Section) -> SectionResult:
    """The result held to the deterministic reading of the section: what contradicts it goes
    to review (worker/llm/contradict.py)."""
    if result.data is None or not section.printed:
        return result
    answer = SPECS[section.kind][0].model_validate(result.data)
    found = contradictions(answer, section.printed)
    if not found:
        return result
    return result.model_copy(update={"status": SectionStatus.needs_review,
                                     "reasons": result.reasons + found})


def _run(
    client: LLMClient, request: _Request, source: Grounding, ledger: Ledger
) -> tuple[BaseModel | None, list[str]]:
    messages, variables = request.messages()
    try:
        data = client.extract(request.model, messages, {"grounding": source, **variables}, ledger)
        mark_reasked(ledger.calls, last_valid=True)
        return data, []
    except InstructorRetryException as e:
        mark_reasked(ledger.calls, last_valid=False)
        why = cause(e)
        if isinstance(why, LLMUnavailable | BudgetSpent):
            raise why from e
        if isinstance(why, SectionRefused):
            return None, [str(why)]
        return _salvage(request.model, e, source)
    except IncompleteOutputException as e:
        mark_reasked(ledger.calls, last_valid=False)
        return _salvage_partial(request.model, e, source, client.config.max_tokens)


def _salvage(
    model: type[BaseModel], error: InstructorRetryException, source: Grounding
) -> tuple[BaseModel | None, list[str]]:
    """After the last re-ask: keep what the last answer grounds, drop the rest (recorded)."""
    attempts = error.n_attempts
    raw = _raw_output(error.last_completion) or ""
    source.drop = True
    data: BaseModel | None
    try:
        data = model.model_validate_json(raw, context={"grounding": source})
    except ValidationError as invalid:
        # Broken JSON, typically an answer cut off mid-string: keep its complete part.
        data = _validate_partial(model, raw, source)
        if data is None:
            first = " ".join(line.strip() for line in str(invalid).splitlines()[1:3])
            return None, [f"model output invalid after {attempts} attempts: {first[:300]}"]
    return data, [f"still failing validation after {attempts} attempts; ungrounded values dropped"]


def _salvage_partial(
    model: type[BaseModel], error: IncompleteOutputException, source: Grounding, limit: int
) -> tuple[BaseModel | None, list[str]]:
    """Output cut at max_tokens: keep its complete, grounded values (an unfinished trailing
    string is discarded, not kept as a prefix that would pass the substring check)."""
    source.drop = True
    data = _validate_partial(model, _raw_output(error.last_completion) or "", source)
    return data, [f"the model's output was cut off at max_tokens={limit}"]


def _validate_partial(model: type[BaseModel], raw: str, source: Grounding) -> BaseModel | None:
    try:
        partial = jiter.from_json(raw.encode(), partial_mode="on")
    except ValueError:
        return None
    for _ in range(MAX_PRUNES):
        try:
            return model.model_validate(partial, context={"grounding": source})
        except ValidationError as invalid:
            if not _prune(partial, invalid):
                return None
    return None


MAX_PRUNES = 50


def _prune(data: Any, invalid: ValidationError) -> bool:
    """Remove the list items the errors point into (a half-written last item); False if none."""
    cuts = set()
    for error in invalid.errors():
        loc = error["loc"]
        indexes = [i for i, step in enumerate(loc) if isinstance(step, int)]
        if indexes:
            cuts.add(tuple(loc[: indexes[-1] + 1]))
    for path in sorted(cuts, reverse=True):  # deepest and last first: indexes stay valid
        parent = data
        for step in path[:-1]:
            parent = parent[step]
        del parent[path[-1]]
    return bool(cuts)


def _raw_output(completion: Any) -> str | None:
    try:
        message = completion.choices[0].message
    except (AttributeError, IndexError):
        return None
    if message.tool_calls:
        return str(message.tool_calls[0].function.arguments)
    content = (message.content or "").strip()
    if content.startswith("```"):
        content = content.strip("`").removeprefix("json").strip()
    return content


def _result(
    section: Section,
    client: LLMClient,
    request: _Request,
    data: BaseModel | None,
    reasons: list[str],
    source: Grounding,
    ledger: Ledger,
) -> SectionResult:
    reasons = reasons + source.incomplete
    if any(c.tokens_out >= client.config.max_tokens for c in ledger.calls):
        reasons.append(
            f"an answer used all max_tokens={client.config.max_tokens}: it may be cut off"
        )
    if data is not None and not has_value(data):
        reasons.append("the model returned no values for this section")
    ok = data is not None and not reasons and not source.dropped
    return SectionResult(
        section_id=section.section_id,
        kind=section.kind,
        pages=section.pages,
        status=SectionStatus.ok if ok else SectionStatus.needs_review,
        reasons=reasons,
        data=data.model_dump(mode="json") if data is not None else None,
        dropped=source.dropped,
        model=client.model,
        prompt_version=request.version,
        usage=ledger.usage(),
    )


def _from_cache(hit: SectionResult, section: Section) -> SectionResult:
    return hit.model_copy(
        update={
            "section_id": section.section_id,
            "pages": section.pages,
            "usage": Usage(cached=True),
        }
    )
