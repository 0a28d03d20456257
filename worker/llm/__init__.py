"""The irregular sections through an OpenAI-compatible endpoint (instructor → Pydantic).

Nothing in `worker.pipeline` imports this package: the pure pipeline stays free of openai.
"""

from worker.llm.extract import (
    NO_ENDPOINT,
    SPECS,
    LLMClient,
    LLMConfig,
    configured,
    extract_section,
    make_client,
    pending,
    pending_all,
    plain_roles,
)

__all__ = [
    "NO_ENDPOINT",
    "SPECS",
    "LLMClient",
    "LLMConfig",
    "configured",
    "extract_section",
    "make_client",
    "pending",
    "pending_all",
    "plain_roles",
]
