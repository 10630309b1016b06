"""What every sink reports, and the retry policy they share: exponential backoff with full jitter."""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from generators.records import GeneratedRecord


@dataclass
class DeliveryReport:
    """Running totals of one sink: records delivered, given up on (with why), re-sent, API calls."""

    sent: int = 0
    failed: int = 0
    retried: int = 0
    calls: int = 0
    failure_reasons: Counter[str] = field(default_factory=Counter)

    def record_failures(self, reason: str, count: int = 1) -> None:
        self.failed += count
        self.failure_reasons[reason] += count

    def describe_failures(self, limit: int = 5) -> str:
        """`3 x ProvisionedThroughputExceededException: Rate exceeded; ...` for the summary."""
        return "; ".join(f"{n} x {reason}" for reason, n in self.failure_reasons.most_common(limit))

    def snapshot(self) -> DeliveryReport:
        return DeliveryReport(self.sent, self.failed, self.retried, self.calls, Counter(self.failure_reasons))


class DeliveryError(RuntimeError):
    """The destination cannot take records at all (missing stream, no permission): stop, say why."""


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a sink re-sends the entries a call did not accept.

    Full jitter (a uniform wait between 0 and the exponential cap) keeps many generators from
    retrying in lockstep against the same throttled shard.
    """

    max_attempts: int = 8  # the first send plus up to 7 retries per record
    base_seconds: float = 0.1
    max_backoff_seconds: float = 5.0

    def backoff(self, retry_number: int, rng: random.Random) -> float:
        cap = min(self.max_backoff_seconds, self.base_seconds * 2 ** (retry_number - 1))
        return rng.uniform(0.0, cap)


class BufferedSink:
    """Collects records into calls of the destination's size and tracks the totals.

    `submit` buffers (sending a full call on its own); `flush` sends what is buffered, and the driver
    calls it before every pause so live records are not held back; `send` does both for a whole
    iterable and returns the totals.
    """

    def __init__(self) -> None:
        self.report = DeliveryReport()
        self._buffer: list[Any] = []

    @property
    def pending(self) -> int:
        return len(self._buffer)

    def submit(self, record: GeneratedRecord) -> None:
        raise NotImplementedError

    def flush(self) -> None:
        if self._buffer:
            batch, self._buffer = self._buffer, []
            self._send_batch(batch)

    def _send_batch(self, batch: list[Any]) -> None:
        raise NotImplementedError

    def send(self, records: Iterable[GeneratedRecord]) -> DeliveryReport:
        for record in records:
            self.submit(record)
        self.flush()
        return self.report.snapshot()

    def close(self) -> None:
        """Flush what is left; sinks that own a file handle also flush it."""
        self.flush()


def unrecoverable(error: Exception) -> str | None:
    """Why another try cannot help (no endpoint, no credentials), or None when a retry may succeed."""
    from botocore.exceptions import EndpointConnectionError, NoCredentialsError

    if isinstance(error, EndpointConnectionError):
        return f"cannot reach {error.kwargs.get('endpoint_url')}: {error}"
    if isinstance(error, NoCredentialsError):
        return (
            "no AWS credentials found: configure a profile or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY "
            "(against the running local stack none are needed)"
        )
    return None


class RetryingSink(BufferedSink):
    """A sink whose calls may fail (in part) and are retried with backoff and full jitter."""

    def __init__(
        self,
        *,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        jitter: random.Random | None = None,
    ) -> None:
        super().__init__()
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._jitter = jitter or random.Random()

    def _back_off(self, attempt: int) -> None:
        self._sleep(self.retry.backoff(attempt, self._jitter))
