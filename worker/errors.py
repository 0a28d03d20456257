"""Infrastructure failures. Problems *with a document* are data (schemas.Problem, a failed
status with a reason), never exceptions from this tree.

    BudgetlensError
    ├── ConfigError          settings that cannot work (bad URL, missing binary)
    ├── QueueUnavailable     Redis cannot be reached or started
    ├── StoreError           the database cannot be reached or written
    └── LLMUnavailable       the LLM endpoint is down or keeps failing (sections stay pending)

A document that cannot be read raises `DocumentRejected` inside the pipeline; the job turns it
into `failed` + reason and returns normally, so RQ does not retry it. Anything else that escapes
a job is an infrastructure failure and RQ retries it with backoff.
"""


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


class DocumentRejected(Exception):
    """The document itself is unusable (empty, corrupt, encrypted, too large). Carries the reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
