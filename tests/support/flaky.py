"""An RQ job that fails the first time it runs (as an infrastructure failure would) and
succeeds after: a retry waiting out its backoff in RQ's scheduled registry."""

from __future__ import annotations

from pathlib import Path


def fail_once(marker: str) -> str:
    path = Path(marker)
    if not path.exists():
        path.write_text("failed once")
        raise ConnectionError("the first attempt fails")
    return "done"
