"""Paces generated records into a sink: on the workload's clock, under a rate cap, for a duration.

A record is never sent before its due time, so a live run follows the wall clock (history, being
due already, goes out as fast as the sink takes it). `--rate` adds a token bucket on top. Buffered
records are flushed before any pause, so nothing sits in a buffer while the generator waits.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from generators.delivery import BufferedSink, DeliveryReport
from generators.progress import Progress
from generators.records import GeneratedRecord

LINGER_SECONDS = 0.2  # the longest a buffered record waits for its call to fill up


@dataclass(frozen=True)
class Clocks:
    """Where the driver reads time and how it waits (tests substitute a fake)."""

    wall: Callable[[], float] = time.time
    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep


class TokenBucket:
    """At most `rate` records per second on average, bursts of up to one second's worth."""

    def __init__(self, rate: float, clocks: Clocks) -> None:
        self.rate = rate
        self.capacity = max(1.0, rate)
        self.tokens = self.capacity
        self._clocks = clocks
        self._last = clocks.monotonic()

    def wait_seconds(self) -> float:
        """How long until one token is free (0 when one is free now)."""
        now = self._clocks.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self._last) * self.rate)
        self._last = now
        return 0.0 if self.tokens >= 1 - 1e-9 else (1 - self.tokens) / self.rate  # 1e-9: float dust

    def take(self) -> None:
        self.tokens -= 1


def run(
    records: Iterable[GeneratedRecord],
    sink: BufferedSink,
    *,
    rate: float | None = None,
    duration: float | None = None,
    progress: Progress | None = None,
    clocks: Clocks | None = None,
) -> DeliveryReport:
    """Send records until they run out or `duration` seconds pass; returns the sink's totals.

    KeyboardInterrupt propagates after what was buffered has been sent.
    """
    clocks = clocks or Clocks()
    bucket = TokenBucket(rate, clocks) if rate else None
    deadline = clocks.monotonic() + duration if duration is not None else None
    pending_since: float | None = None

    def pause(seconds: float) -> None:
        nonlocal pending_since
        if sink.pending and (
            seconds >= LINGER_SECONDS or clocks.monotonic() - (pending_since or 0) >= LINGER_SECONDS
        ):
            sink.flush()
            pending_since = None
        if progress is not None:
            progress.update(sink.report)
        clocks.sleep(seconds)

    try:
        for record in records:
            while (wait := record.due_ms / 1000 - clocks.wall()) > 0:
                if deadline is not None and clocks.monotonic() + wait >= deadline:
                    pause(max(0.0, deadline - clocks.monotonic()))
                    return sink.report
                pause(min(wait, 1.0))
            while bucket is not None and (wait := bucket.wait_seconds()) > 0:
                pause(wait)
            if deadline is not None and clocks.monotonic() >= deadline:
                return sink.report
            if bucket is not None:
                bucket.take()
            if not sink.pending:
                pending_since = clocks.monotonic()
            sink.submit(record)
            if progress is not None:
                progress.update(sink.report)
        return sink.report
    finally:
        sink.close()
