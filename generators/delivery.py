"""What every sink reports, and the retry policy they share: exponential backoff with full jitter."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from generators.background_sender import NOT_SENT, BackgroundSender
from generators.records import GeneratedRecord


@dataclass
class DeliveryReport:
    """Running totals of one sink: records delivered, given up on (with why), re-sent, API calls."""

    sent: int = 0
    failed: int = 0
    retried: int = 0
    calls: int = 0
    failure_reasons: Counter[str] = field(default_factory=Counter)
    # a sink's caller and its background sender both count failures
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def record_failures(self, reason: str, count: int = 1) -> None:
        with self._lock:
            self.failed += count
            self.failure_reasons[reason] += count

    def describe_failures(self, limit: int = 5) -> str:
        """`3 x ProvisionedThroughputExceededException: Rate exceeded; ...` for the summary."""
        return "; ".join(f"{n} x {reason}" for reason, n in self.failure_reasons.most_common(limit))

    def snapshot(self) -> DeliveryReport:
        with self._lock:
            reasons = Counter(self.failure_reasons)
        return DeliveryReport(self.sent, self.failed, self.retried, self.calls, reasons)


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

    `submit` buffers (sending a full call on its own: in the background when the sink has a
    `BackgroundSender`); `flush` sends what is buffered and waits until every call has finished, and
    the driver calls it before every pause so live records are not held back; `send` does both for a
    whole iterable and returns the totals.
    """

    def __init__(self, sender: bool = False) -> None:
        self.report = DeliveryReport()
        self._buffer: list[Any] = []
        self._sender = BackgroundSender(self._send_batch, self._refuse) if sender else None

    @property
    def pending(self) -> int:
        return len(self._buffer)

    def submit(self, record: GeneratedRecord) -> None:
        raise NotImplementedError

    def flush(self) -> None:
        self._dispatch()
        if self._sender is not None:
            self._sender.wait()

    def _dispatch(self) -> None:
        """Send the buffered call: handed to the background sender if there is one, else now."""
        if self._buffer:
            batch, self._buffer = self._buffer, []
            if self._sender is None:
                self._send_batch(batch)
            else:
                self._sender.hand_over(batch)

    def _dispatch_to_make_room(self, entry: Any) -> None:
        """Dispatch the full buffer before `entry` joins it; if the run has stopped, `entry` counts failed."""
        try:
            self._dispatch()
        except DeliveryError:
            self._refuse([entry], NOT_SENT)
            raise

    def _send_batch(self, batch: list[Any]) -> None:
        raise NotImplementedError

    def _refuse(self, batch: list[Any], reason: str) -> None:
        self.report.record_failures(reason, len(batch))

    def send(self, records: Iterable[GeneratedRecord]) -> DeliveryReport:
        try:
            for record in records:
                self.submit(record)
        finally:
            self.close()
        return self.report.snapshot()

    def close(self) -> None:
        """Flush what is left (and end the background sender); sinks that own a file handle flush it."""
        try:
            self.flush()
        finally:
            if self._sender is not None:
                self._sender.stop()


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
        super().__init__(sender=True)
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._jitter = jitter or random.Random()

    def _back_off(self, attempt: int) -> None:
        self._sleep(self.retry.backoff(attempt, self._jitter))
