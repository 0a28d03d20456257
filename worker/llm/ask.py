"""What the section extraction (extract.py) and the table re-read (reread.py) share when they ask
the model: the document block, the messages, the prompt version, and reading instructor's errors.

The document block. A document's text reaches the model only as data, in one block whose tags
carry a boundary drawn at random for each request:

    <document-3f9c1a7e20b4d6aa>
    …the text, its tag-like tokens neutralised…
    </document-3f9c1a7e20b4d6aa>

A text cannot close the block it sits in (it cannot know the boundary), and it cannot even look
like markup: every tag-like token it prints — a `<` of any width or shape followed by `/`, `|`,
`!`, `?` or a Latin letter, spaces allowed between: `</document>`, `＜／ＤＯＣＵＭＥＮＴ＞`,
`< / Document >`, `<|im_start|>` — gets `‹` for its bracket, after zero-width and other format
characters (which could split such a token) are removed. Comparators and numbers (`<5%`,
`< 30个`, `<=3`) are untouched, and grounding compares answers with the printed text, which is
never altered. The boundary is not part of what a cached answer is keyed by.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import unicodedata

from pydantic import BaseModel

import prompts
from schemas.performance import CallRecord
from worker.errors import BudgetSpent, LLMUnavailable, SectionRefused

__all__ = ["boundary", "cause", "chat", "mark_reasked", "neutralise", "prompt_version"]

# Brackets a model may read as the start of a tag, once folded to NFKC (＜ and ﹤ are <).
_TAG = re.compile(r"[<〈⟨‹«](?=\s*[/|!?A-Za-z])")
# Invisible characters that could split a token: format (Cf), plus these blank letters and marks.
_INVISIBLE = set("\u034f\u115f\u1160\u17b4\u17b5\u3164\uffa0") | {
    chr(c) for c in range(0xFE00, 0xFE10)
}


def boundary() -> str:
    """A fresh boundary for one request's document block (64 random bits)."""
    return secrets.token_hex(8)


def neutralise(text: str) -> str:
    """`text` as the document block holds it: no invisible characters, no tag-like token."""
    text = "".join(ch for ch in text if ch not in _INVISIBLE and unicodedata.category(ch) != "Cf")
    # found on the NFKC form, char by char (＜／ＤＯＣＵＭＥＮＴ＞ is </DOCUMENT>), replaced in the text
    folded = "".join(unicodedata.normalize("NFKC", ch)[:1] or " " for ch in text)
    tags = {m.start() for m in _TAG.finditer(folded)}
    return "".join("‹" if i in tags else ch for i, ch in enumerate(text))


def prompt_version(system: prompts.Prompt, prompt: prompts.Prompt, model: type[BaseModel]) -> str:
    """What an answer was asked with, for the cache key: both prompts' versions and a digest
    of the answer schema."""
    schema = json.dumps(model.model_json_schema(), ensure_ascii=False)  # key order matters
    return f"{system.id}+{prompt.id}+schema.{hashlib.sha256(schema.encode()).hexdigest()[:8]}"


def chat(system: str, user: str) -> tuple[list[dict], dict]:
    """The messages and their template variables. instructor renders message contents as Jinja
    templates when a context is given; the document text must not be a template, so each
    content is one variable holding it."""
    variables = {"bl_system": system, "bl_user": user}
    messages = [
        {"role": "system", "content": "{{ bl_system }}"},
        {"role": "user", "content": "{{ bl_user }}"},
    ]
    return messages, variables


def cause(error: BaseException) -> BaseException | None:
    """What made instructor give up: ours (endpoint down, budget spent, request refused) if
    anywhere in the chain, else the error it wraps."""
    seen = error.__cause__
    while seen is not None and not isinstance(seen, LLMUnavailable | BudgetSpent | SectionRefused):
        seen = seen.__cause__
    return seen or error.__cause__


def mark_reasked(calls: list[CallRecord], *, last_valid: bool) -> None:
    """Answers that were re-asked (all of them when none validated) are `invalid` calls."""
    answered = [c for c in calls if c.outcome == "ok"]
    for call in answered[:-1] if last_valid else answered:
        call.outcome = "invalid"
