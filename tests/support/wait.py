"""The one readiness wait of the tests: ask until the answer is true, with a generous deadline
(never sleep-then-assert)."""

from __future__ import annotations

import reprlib
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_for(predicate: Callable[[], T], timeout: float, what: str, every: float = 0.5) -> T:
    """The predicate's first true answer, asked every `every` s until `timeout` s have passed
    (the last time after the deadline); else AssertionError naming `what` and the last answer."""
    deadline = time.monotonic() + timeout
    while True:
        answer = predicate()
        if answer:
            return answer
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what} "
                                 f"(last answer: {reprlib.repr(answer)})")
        time.sleep(every)
