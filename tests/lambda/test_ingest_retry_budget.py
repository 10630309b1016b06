"""The retry budget: backoff bounds, the deadline taken from Lambda's context, and when retrying stops."""

from __future__ import annotations

import random

import pytest

from timestream_ingest.retry_budget import (
    CONNECT_TIMEOUT_SECONDS,
    FINISH_SECONDS,
    MIN_ATTEMPT_SECONDS,
    READ_TIMEOUT_SECONDS,
    Backoff,
    Deadline,
    Retrier,
    reserve_seconds,
)


class FakeClock:
    """A monotonic clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Context:
    def __init__(self, remaining_ms: int) -> None:
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def test_backoff_grows_exponentially_within_full_jitter_and_the_cap() -> None:
    """Attempt n waits between 0 and min(cap, base * 2**n): spread out, never beyond the cap."""
    # GIVEN a 0.1 s base and a 2 s cap
    backoff, rng = Backoff(base_seconds=0.1, cap_seconds=2.0), random.Random(7)
    # WHEN many delays are drawn per attempt
    delays = {attempt: [backoff.delay(attempt, rng) for _ in range(500)] for attempt in range(8)}
    # THEN each stays within its ceiling and uses most of it (full jitter, not a fixed wait)
    for attempt, drawn in delays.items():
        ceiling = min(2.0, 0.1 * 2**attempt)
        assert 0 <= min(drawn) and max(drawn) <= ceiling
        assert max(drawn) > 0.9 * ceiling
    assert backoff.delay(10_000, rng) <= 2.0


def test_the_deadline_keeps_a_reserve_to_report_before_the_function_times_out() -> None:
    """A 60 s invocation retries until 8.5 s before its end; a 3 s one keeps a quarter of its time."""
    # GIVEN contexts with 60 s and 3 s left
    clock = FakeClock()
    long_run = Deadline.from_context(Context(60_000), clock)
    short_run = Deadline.from_context(Context(3_000), clock)
    # THEN the reserve is one attempt's worst case plus the finishing writes, capped at a quarter
    assert reserve_seconds(60) == CONNECT_TIMEOUT_SECONDS + READ_TIMEOUT_SECONDS + FINISH_SECONDS == 8.5
    assert long_run.seconds_left() == pytest.approx(51.5)
    assert short_run.seconds_left() == pytest.approx(2.25)


def test_without_a_context_there_is_no_time_to_retry() -> None:
    """A direct call (a test, a benchmark) gets its first attempt and no retry."""
    deadline = Deadline.from_context(None, FakeClock())
    assert not deadline.allows(0.0)


def test_retries_stop_when_the_next_wait_would_not_leave_time_for_an_attempt() -> None:
    """An error that never ends is retried until the deadline, then raised; no wait crosses the deadline."""
    # GIVEN a call that always fails and 2 s of budget
    clock = FakeClock()
    deadline = Deadline(2.0, clock)
    retrier = Retrier(Backoff(base_seconds=0.05, cap_seconds=0.5), sleep=clock.sleep, rng=random.Random(1))
    attempts = []

    def failing() -> None:
        attempts.append(clock.now)
        raise ConnectionError("down")

    # WHEN it is called through the retrier
    with pytest.raises(ConnectionError):
        retrier.call(failing, deadline, (ConnectionError,))
    # THEN it was tried several times, every attempt started before the deadline with time to run
    assert len(attempts) > 5
    assert all(at + MIN_ATTEMPT_SECONDS <= 1002.0 for at in attempts)
    assert clock.now <= 1002.0


def test_a_call_that_recovers_returns_its_result_after_the_waits() -> None:
    """Transient errors are absorbed: the caller sees only the eventual result."""
    clock = FakeClock()
    outcomes = iter([TimeoutError(), TimeoutError(), "written"])

    def flaky() -> str:
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    retrier = Retrier(sleep=clock.sleep, rng=random.Random(3))
    assert retrier.call(flaky, Deadline(10.0, clock), (TimeoutError,)) == "written"
    assert len(clock.sleeps) == 2


def test_a_permanent_error_is_not_retried() -> None:
    """Only the listed transient errors are retried; anything else propagates at once."""
    clock = FakeClock()
    calls = []

    def broken() -> None:
        calls.append(1)
        raise KeyError("bug")

    with pytest.raises(KeyError):
        Retrier(sleep=clock.sleep).call(broken, Deadline(10.0, clock), (TimeoutError,))
    assert calls == [1] and clock.sleeps == []
