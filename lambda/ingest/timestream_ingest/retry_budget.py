"""How long an invocation may keep retrying, and how long it waits between two attempts.

Transient errors (throttling, 5xx, timeouts, a service that is down) are retried inside the
invocation with exponential backoff and full jitter, until the function's remaining time minus a
reserve is used up; what is still not written is then reported in `batchItemFailures`, and the
event source mapping delivers it again. Hand-rolled, because neither library fits this job:
- botocore's retryer (`Config(retries=...)`) counts attempts and cannot see the invocation's
  deadline, so an outage either ends it too early or runs into the Lambda timeout (a function
  error: the whole batch, written records included, comes back); the clients therefore make one
  attempt per call (see clients.py), and this module is the only retry layer;
- Powertools has no retry utility (its batch processor works one record at a time).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")

# One attempt may take this long before botocore gives up on it (clients.py sets these timeouts).
CONNECT_TIMEOUT_SECONDS = 2.0
READ_TIMEOUT_SECONDS = 5.0
# After the last attempt: quarantine, ledger and metrics writes, and returning the response.
FINISH_SECONDS = 1.5
# The reserve never takes more than this share of the invocation (short test timeouts).
MAX_RESERVE_SHARE = 0.25
# An attempt is not started with less time than this left: it could not complete.
MIN_ATTEMPT_SECONDS = 0.05


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with full jitter: attempt n waits uniform(0, min(cap, base * 2**n))."""

    base_seconds: float = 0.05
    cap_seconds: float = 4.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        """The wait before retry number `attempt` (0 for the first retry)."""
        return rng.uniform(0.0, min(self.cap_seconds, self.base_seconds * 2 ** min(attempt, 30)))


class Deadline:
    """The instant after which no attempt starts: the invocation's end minus a reserve to report."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._end = clock() + max(0.0, seconds)

    @classmethod
    def from_context(cls, context: Any, clock: Callable[[], float] = time.monotonic) -> Deadline:
        """From Lambda's context; a caller without one (a test, a benchmark) gets one attempt per call."""
        remaining = getattr(context, "get_remaining_time_in_millis", None)
        if remaining is None:
            return cls(0.0, clock)
        seconds = remaining() / 1000
        return cls(seconds - reserve_seconds(seconds), clock)

    def seconds_left(self) -> float:
        return self._end - self._clock()

    def allows(self, delay: float) -> bool:
        """Whether an attempt started after waiting `delay` seconds still fits."""
        return self.seconds_left() >= delay + MIN_ATTEMPT_SECONDS


def reserve_seconds(invocation_seconds: float) -> float:
    """Time kept back from retries: one attempt's worst case and the finishing writes, capped."""
    wanted = CONNECT_TIMEOUT_SECONDS + READ_TIMEOUT_SECONDS + FINISH_SECONDS
    return min(wanted, invocation_seconds * MAX_RESERVE_SHARE)


class Retrier:
    """Runs a call until it succeeds, fails for good, or the deadline leaves no room for another try."""

    def __init__(
        self,
        backoff: Backoff | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.backoff = backoff or Backoff()
        self.sleep = sleep
        self.rng = rng or random.Random()

    def next_delay(self, attempt: int, deadline: Deadline) -> float | None:
        """The wait before retry `attempt`, or None when no retry fits before the deadline."""
        delay = self.backoff.delay(attempt, self.rng)
        return delay if deadline.allows(delay) else None

    def call(
        self, function: Callable[[], T], deadline: Deadline, transient: tuple[type[BaseException], ...]
    ) -> T:
        """`function()`, retried on `transient` errors; the last such error is raised when time is up."""
        attempt = 0
        while True:
            try:
                return function()
            except transient:
                delay = self.next_delay(attempt, deadline)
                if delay is None:
                    raise
                self.sleep(delay)
                attempt += 1
