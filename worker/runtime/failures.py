"""Which failures of a document job are the document's, and the memory cap that makes one.

A document fails once, with a reason, and is not retried when retrying cannot help:
  - the document itself: rejected by its reader (DocumentRejected), reading it ran past the job
    timeout, or needed more memory than a job may take (`memory_cap`);
  - its reader crashed on it: the work horse died of SIGSEGV / SIGBUS / SIGABRT / SIGFPE / SIGILL;
  - the disk is full: every retry would fail the same way until someone frees space, and a
    failed document is what `budgetlens requeue --failed` puts back.
Everything else (Redis, the database, the LLM endpoint, the OCR engine, a worker killed from
outside) is retried by RQ; a bug in our code keeps its traceback and is retried too.
"""

from __future__ import annotations

import contextlib
import errno
import os
import resource
import signal
import sqlite3
from collections.abc import Iterator

from rq.timeouts import JobTimeoutException

from worker.errors import DocumentRejected
from worker.settings import Settings

_CRASHES = {signal.SIGSEGV, signal.SIGBUS, signal.SIGABRT, signal.SIGFPE, signal.SIGILL}
_DISK_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_PG_DISK_FULL = "53100"  # PostgreSQL's SQLSTATE disk_full


def content_failure(exc: BaseException, settings: Settings) -> str | None:
    """The reason when reading the document failed because of the document; None otherwise.
    A timeout or memory error a reader's library was in the middle of (and that the reader
    turned into a rejection) still reads as the timeout or the memory error."""
    for cause in _chain(exc):
        if isinstance(cause, JobTimeoutException):
            return (f"reading it took longer than the job timeout of {settings.job_timeout_s} s "
                    "(BUDGETLENS_JOB_TIMEOUT_S)")
        if isinstance(cause, MemoryError):
            return (f"reading it needs more than {settings.job_memory_mb} MB of memory "
                    "(BUDGETLENS_JOB_MEMORY_MB)")
    return exc.reason if isinstance(exc, DocumentRejected) else None


def disk_full(exc: BaseException) -> str | None:
    """The reason when `exc` comes from a full disk (files, SQLite, PostgreSQL); else None."""
    for cause in _chain(exc):
        full = (
            (isinstance(cause, OSError) and cause.errno in _DISK_FULL_ERRNOS)
            or getattr(cause, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL
            or getattr(cause, "sqlstate", None) == _PG_DISK_FULL
        )
        if full:
            return (f"disk full ({type(cause).__name__}: {cause}); free space, then "
                    "`budgetlens requeue --failed`")
    return None


def horse_crash(ret_val: int | None) -> str | None:
    """The reason when a work horse's exit status says its reader crashed (not killed from
    outside: SIGKILL, SIGTERM are an operator's, the OOM killer's or the timeout's)."""
    if ret_val is None or not os.WIFSIGNALED(ret_val):
        return None
    sig = signal.Signals(os.WTERMSIG(ret_val))
    if sig not in _CRASHES:
        return None
    return f"the reader crashed on this document ({sig.name})"


@contextlib.contextmanager
def memory_cap(mb: int) -> Iterator[None]:
    """Inside, the process's address space may grow by `mb`: past it allocations fail
    (MemoryError in Python, a failed malloc in MuPDF or lxml) instead of the machine swapping
    or the kernel killing the worker. The previous soft limit is restored after, so a worker
    that runs its jobs in-process (no fork) keeps its own."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = _address_space() + mb * 2**20
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    if soft != resource.RLIM_INFINITY:
        cap = min(cap, soft)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _address_space() -> int:
    with open("/proc/self/statm") as f:  # first field: total program size, in pages
        return int(f.read().split()[0]) * resource.getpagesize()


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__

