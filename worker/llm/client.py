"""The HTTP boundary to an OpenAI-compatible endpoint: config, retries, accounting.

`LLMClient.extract` runs one instructor call (re-asks included) through `_call`, which retries
timeouts, connection errors, 429 and 5xx with exponential backoff (honouring Retry-After),
records every attempt on the section's `Ledger` (tokens in/out, latency, outcome), enforces the
per-document token budget before each call, and ends in `worker.errors.LLMUnavailable` when the
endpoint stays unusable. `SectionRefused` (HTTP 400/413/422: this request) and `BudgetSpent`
are internal signals that `worker.llm` turns into data on the section's result.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Any

import instructor
import openai
from pydantic import BaseModel

from schemas.performance import CallRecord, Usage
from worker.errors import BudgetSpent, LLMUnavailable, SectionRefused
from worker.settings import Settings

# LLMConfig fields that are settings `llm_<name>`: their defaults come from Settings
_SETTINGS: dict[str, Any] = {
    name: Settings.default(f"llm_{name}")
    for name in ("mode", "max_retries", "timeout_s", "http_retries", "token_budget_per_doc",
                 "max_tokens", "plain_roles")
}

MODES = {
    "tools": instructor.Mode.TOOLS,
    "json_schema": instructor.Mode.JSON_SCHEMA,
    "json": instructor.Mode.JSON,
    "md_json": instructor.Mode.MD_JSON,
}


@dataclass(frozen=True, slots=True)
class LLMConfig:
    """How to reach the endpoint: the `BUDGETLENS_LLM_*` settings (`from_settings`), whose
    defaults are the ones here too; only the backoff and temperature are the client's own."""

    base_url: str | None
    model: str
    api_key: str | None = None
    mode: str = _SETTINGS["mode"]
    max_retries: int = _SETTINGS["max_retries"]  # re-asks after a grounding / validation failure
    timeout_s: float = _SETTINGS["timeout_s"]
    http_retries: int = _SETTINGS["http_retries"]  # of one call: timeout, connection, 429, 5xx
    backoff_s: float = 1.0
    backoff_max_s: float = 30.0
    token_budget_per_doc: int = _SETTINGS["token_budget_per_doc"]
    max_tokens: int = _SETTINGS["max_tokens"]  # per call: a small model can loop in a grammar
    temperature: float = 0.0
    # Chat templates without system / tool roles (llama.cpp's gemma) silently drop those
    # messages: the rules and the re-ask's error must then travel as user turns.
    plain_roles: bool = _SETTINGS["plain_roles"]

    @classmethod
    def from_settings(cls, settings: Settings) -> LLMConfig:
        return cls(
            base_url=settings.llm_base_url,
            model=settings.llm_model,
            api_key=settings.llm_api_key,
            **{name: getattr(settings, f"llm_{name}") for name in _SETTINGS},
        )


def configured(config: LLMConfig) -> bool:
    return bool(config.base_url)


@dataclass
class Ledger:
    """Calls made for one section, and the document's token budget they draw on."""

    budget: int
    used_before: int = 0
    calls: list[CallRecord] = field(default_factory=list)

    @property
    def used(self) -> int:
        return self.used_before + sum(c.tokens_in + c.tokens_out for c in self.calls)

    def check(self) -> None:
        if self.used >= self.budget:
            raise BudgetSpent(f"token budget of {self.budget} per document spent ({self.used})")

    def usage(self) -> Usage:
        usage = Usage()
        for call in self.calls:
            usage.add(call)
        return usage


_RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}
_SECTION_STATUS = {400, 413, 422}


class LLMClient:
    """An OpenAI-compatible endpoint behind instructor, with our own retry and accounting."""

    def __init__(self, config: LLMConfig, http: openai.OpenAI | None = None) -> None:
        self.config = config
        self.mode = MODES[config.mode]
        # openai's own retries are off: ours record every attempt and end in LLMUnavailable.
        self.http = http or openai.OpenAI(
            base_url=config.base_url,
            api_key=config.api_key or "unused",
            timeout=config.timeout_s,
            max_retries=0,
        )

    @property
    def model(self) -> str:
        return self.config.model

    def extract(
        self, response_model: type[BaseModel], messages: list[dict], context: dict, ledger: Ledger
    ) -> BaseModel:
        def call(**kwargs: Any) -> Any:
            return self._call(ledger, **kwargs)

        create = instructor.patch(create=call, mode=self.mode)
        return create(  # type: ignore[no-any-return]
            response_model=response_model,
            messages=messages,
            context=context,
            max_retries=self.config.max_retries,  # re-asks: attempts = max_retries + 1
            model=self.config.model,
            temperature=self.config.temperature,
            max_tokens=self.config.max_tokens,
        )

    def _call(self, ledger: Ledger, **kwargs: Any) -> Any:
        if self.config.plain_roles:
            kwargs["messages"] = plain_roles(kwargs["messages"])
        error: Exception | None = None
        for attempt in range(self.config.http_retries + 1):
            if attempt:
                time.sleep(self._delay(attempt - 1, error))
            ledger.check()
            start = time.monotonic()
            try:
                response = self.http.chat.completions.create(**kwargs)
            except openai.APIStatusError as e:
                ledger.calls.append(self._record(start, f"http_{e.status_code}"))
                _raise_unless_retryable(e, self.config.base_url)
                error = e
            except openai.APIConnectionError as e:  # includes APITimeoutError
                timeout = isinstance(e, openai.APITimeoutError)
                ledger.calls.append(self._record(start, "timeout" if timeout else "connection"))
                error = e
            else:
                ledger.calls.append(self._record(start, "ok", response))
                return response
        raise LLMUnavailable(
            f"{self.config.base_url}: {_describe(error)} ({self.config.http_retries + 1} attempts)"
        )

    def _record(self, start: float, outcome: str, response: Any = None) -> CallRecord:
        usage = getattr(response, "usage", None)
        return CallRecord(
            model=self.config.model,
            tokens_in=getattr(usage, "prompt_tokens", 0) or 0,
            tokens_out=getattr(usage, "completion_tokens", 0) or 0,
            latency_s=round(time.monotonic() - start, 4),
            outcome=outcome,
        )

    def _delay(self, attempt: int, error: Exception | None) -> float:
        hinted = _retry_after(error)
        if hinted is not None:
            return min(hinted, self.config.backoff_max_s)
        base = min(self.config.backoff_s * 2**attempt, self.config.backoff_max_s)
        return base * random.uniform(0.75, 1.25)  # jitter: parallel jobs do not retry in step


def plain_roles(messages: list[dict]) -> list[dict]:
    """Messages with only user / assistant turns: system text goes before the next user turn,
    a tool call becomes its arguments, a tool result (the re-ask's error) a user turn."""
    out: list[dict] = []
    pending_system: list[str] = []
    for message in messages:
        role, content = message["role"], message.get("content") or ""
        if role == "system":
            pending_system.append(content)
            continue
        if role == "assistant" and message.get("tool_calls"):
            content = message["tool_calls"][0]["function"]["arguments"]
        if role in ("tool", "function"):
            role = "user"
        if role == "user" and pending_system:
            content, pending_system = "\n\n".join([*pending_system, content]), []
        if out and out[-1]["role"] == role:  # the template expects turns to alternate
            out[-1]["content"] += "\n\n" + content
        else:
            out.append({"role": role, "content": content})
    return out


def _raise_unless_retryable(error: openai.APIStatusError, url: str | None) -> None:
    code = error.status_code
    if code in _RETRY_STATUS or code >= 500:
        return
    if code in _SECTION_STATUS:
        raise SectionRefused(f"the endpoint refused this section: HTTP {code}: {_describe(error)}")
    raise LLMUnavailable(f"{url} refused the request: HTTP {code}: {_describe(error)}")


def _retry_after(error: Exception | None) -> float | None:
    response = getattr(error, "response", None)
    headers = getattr(response, "headers", None) or {}
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        try:
            return float(headers[name]) * scale
        except (KeyError, ValueError):
            continue
    return None


def _describe(error: Exception | None) -> str:
    text = str(error) if error else "no response"
    return f"{type(error).__name__}: {text[:300]}"
