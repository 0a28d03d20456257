"""tests/support/wait.py, the one readiness wait the tests share: it returns the first true
answer, asks at its interval, and a timeout names what it waited for and the last answer."""

from __future__ import annotations

import time

import pytest

from tests.support.wait import wait_for


def test_it_returns_the_first_true_answer() -> None:
    answers = iter([None, [], {"job": 1}])
    assert wait_for(lambda: next(answers), 60, "the third answer", every=0.01) == {"job": 1}


def test_it_asks_at_its_interval_until_the_deadline_and_once_after() -> None:
    asked: list[float] = []
    started = time.monotonic()
    with pytest.raises(AssertionError) as raised:
        wait_for(lambda: asked.append(time.monotonic()) or 0, 0.3, "the job to start", every=0.1)
    assert time.monotonic() - started >= 0.3
    assert 2 <= len(asked) <= 5 and asked[-1] - started >= 0.3
    assert "the job to start" in str(raised.value) and "last answer: 0" in str(raised.value)


def test_a_zero_timeout_still_asks_once() -> None:
    assert wait_for(lambda: "ready", 0, "it") == "ready"
