"""Every exception budgetlens raises, in one tree. Problems *with a document* are data
(schemas.Problem, a finding, a failed status with a reason), never exceptions from here.

    Exception
    ├── BudgetlensError          infrastructure failed: the job fails visibly, with its traceback;
    │   │                        RQ retries it, then the store shows the reason
    │   ├── ConfigError          settings that cannot work (bad URL, missing binary or package)
    │   ├── QueueUnavailable     Redis cannot be reached or started
    │   ├── StoreError           the database cannot be reached or written
    │   ├── LLMUnavailable       the LLM endpoint is down or keeps failing (sections stay pending)
    │   └── OcrEngineError       an OCR engine is missing or failed
    ├── DocumentRejected         this document cannot be read (empty, corrupt, encrypted, too
    │                            large): the job marks it `failed` + reason, returns, no retry
    ├── EditRefused              a reviewer's request was not applied; nothing changed (its
    │   │                        `reason`: English text + a code the UI says in its language)
    │   ├── VersionConflict      someone else changed the document since the caller read it
    │   ├── InvalidEdit          not a number, no such cell, wrong state (also a ValueError)
    │   └── NotAllowed           not signed in (also a PermissionError)
    └── SectionFailed            one LLM section cannot be extracted; worker/llm turns it into the
        ├── BudgetSpent          section's status and never lets it escape
        └── SectionRefused

Where a document is read by a library (MuPDF, python-docx), the reader turns that library's
errors into DocumentRejected at the call. A reading that runs past the job timeout or out of
its memory cap, a reader crashing, a full disk also fail the document once, with the reason
(worker/runtime/failures.py). Anything else that escapes is a bug in our code or an
infrastructure failure: it keeps its traceback, the job fails and is retried, then reported.
"""

from __future__ import annotations

from urllib.parse import urlsplit


class BudgetlensError(Exception):
    """Root of budgetlens's infrastructure failures."""


class ConfigError(BudgetlensError):
    pass


class QueueUnavailable(BudgetlensError):
    pass


class StoreError(BudgetlensError):
    pass


class LLMUnavailable(BudgetlensError):
    pass


class OcrEngineError(BudgetlensError):
    """An OCR engine is missing or failed: an infrastructure problem, not a document one."""


class DocumentRejected(Exception):
    """The document itself is unusable (empty, corrupt, encrypted, too large). Carries the reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Reason(str):
    """Why something was refused: the English text (the CLI, logs) that also carries a `code`
    and its `fields`, which the review app says in its own language (ui/locales
    `refused.<code>`): a service's words never reach the browser as they are."""

    code: str
    fields: dict[str, object]

    def __new__(cls, text: str, code: str, /, **fields: object) -> Reason:
        reason = super().__new__(cls, text)
        reason.code, reason.fields = code, fields
        return reason


class EditRefused(Exception):
    """A reviewer's request that was not applied; `reason` says why (its code: the class's
    unless the raise names one)."""

    code = "refused"

    def __init__(self, message: str, code: str | None = None, /, **fields: object) -> None:
        super().__init__(message)
        self.reason = Reason(message, code or self.code, **fields)


class VersionConflict(EditRefused):
    """Someone else changed the document since the caller read it."""

    code = "conflict"


class InvalidEdit(EditRefused, ValueError):
    """The reviewer asked for something that cannot be applied (not a number, no such cell)."""

    code = "invalid"


class NotAllowed(EditRefused, PermissionError):
    """Anonymous visitors read; only signed-in reviewers correct and confirm."""

    code = "sign_in"


class SectionFailed(Exception):
    """One LLM section cannot be extracted; ends as that section's status."""


class BudgetSpent(SectionFailed):
    """The document's token budget is spent."""


class SectionRefused(SectionFailed):
    """The endpoint refused this request for what it contains (too long, unprocessable)."""


def shown_url(url: str) -> str:
    """A database or Redis URL as an error message may show it: without its password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@", 1)).geturl()
