"""Submitting files: expand paths, reject what cannot be a document, dedupe by content, enqueue."""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import redis
from rq import Queue

from worker.errors import BudgetlensError, Reason
from worker.pipeline.load import KINDS, kind_of
from worker.runtime.queue import enqueue_document
from worker.settings import Settings
from worker.store import Store


@dataclass
class SubmitReport:
    queued: list[tuple[str, str]] = field(default_factory=list)  # (path, doc_id)
    duplicates: list[tuple[str, str]] = field(default_factory=list)
    rejected: list[tuple[str, Reason]] = field(default_factory=list)  # (path, reason)
    stopped: str | None = None  # an infrastructure failure (disk full, Redis gone) ended it here

    @property
    def doc_ids(self) -> list[str]:
        return [d for _, d in self.queued + self.duplicates]


def expand(paths: Iterable[str]) -> Iterator[Path]:
    """Files as given, folders recursively (supported types only), globs expanded — a path
    that exists is taken as it is, even with glob characters in its name ('预算[2026].pdf')."""
    for raw in paths:
        pattern = glob.has_magic(raw) and not Path(raw).exists()
        matches = sorted(glob.glob(raw, recursive=True)) if pattern else [raw]
        for match in matches:
            path = Path(match)
            if path.is_dir():
                yield from sorted(p for p in path.rglob("*") if p.is_file() and kind_of(p))
            else:
                yield path


def name_of(path: Path) -> str:
    """The path as stored and shown: bytes that are not UTF-8 (a name from another system's
    encoding) as \\xNN, so the database and the terminal can take it."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def submit_file(path: Path, store: Store, queue: Queue, settings: Settings,
                report: SubmitReport) -> None:
    name = name_of(path)
    if not path.is_file():
        report.rejected.append((name, Reason("no such file", "no_such_file")))
        return
    if path.stat().st_size > settings.max_file_mb * 2**20:  # do not read a huge file to reject it
        report.rejected.append((name, _too_big(path.stat().st_size, settings)))
        return
    submit_bytes(path.read_bytes(), name, store, queue, settings, report)


def submit_bytes(data: bytes, name: str, store: Store, queue: Queue, settings: Settings,
                 report: SubmitReport) -> None:
    """The one submit path (CLI files and UI uploads): type, size, dedupe by SHA-256, enqueue."""
    kind = kind_of(Path(name))
    if kind is None:
        accepted = ", ".join(KINDS)
        report.rejected.append((name, Reason(f"unsupported type (accepted: {accepted})",
                                             "unsupported_type", accepted=accepted)))
    elif not data:
        report.rejected.append((name, Reason("empty file (0 bytes)", "empty_file")))
    elif len(data) > settings.max_file_mb * 2**20:
        report.rejected.append((name, _too_big(len(data), settings)))
    else:
        doc_id, created = store.add_document(data, name, kind)
        if created:
            enqueue_document(queue, settings, doc_id)
            report.queued.append((name, doc_id))
        else:
            report.duplicates.append((name, doc_id))


def _too_big(size: int, settings: Settings) -> Reason:
    mb, limit = f"{size / 2**20:.1f}", f"{settings.max_file_mb:g}"
    return Reason(f"{mb} MB exceeds the {limit} MB limit (BUDGETLENS_MAX_FILE_MB)", "too_big",
                  mb=mb, limit=limit)


def submit(paths: Iterable[str], store: Store, queue: Queue, settings: Settings) -> SubmitReport:
    """Submit every file. An infrastructure failure (disk full, Redis gone) stops it there;
    the report still says what was queued before."""
    report = SubmitReport()
    for path in expand(paths):
        try:
            submit_file(path, store, queue, settings, report)
        except (OSError, BudgetlensError, redis.RedisError) as exc:
            report.stopped = f"{name_of(path)}: {type(exc).__name__}: {exc}"
            break
    return report
