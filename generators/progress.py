"""The live progress line on stderr and the end-of-run summary.

On a terminal the line redraws in place a few times a second; otherwise (CI logs, nohup) one line is
written every `log_interval` seconds so logs stay readable.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

from generators.delivery import DeliveryReport

TTY_INTERVAL_SECONDS = 0.25
LOG_INTERVAL_SECONDS = 10.0


class Progress:
    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        log_interval: float = LOG_INTERVAL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.is_tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.interval = TTY_INTERVAL_SECONDS if self.is_tty else log_interval
        self._clock = clock
        self._started = clock()
        self._last = self._started

    def elapsed(self) -> float:
        return self._clock() - self._started

    def line(self, report: DeliveryReport) -> str:
        elapsed = max(self.elapsed(), 1e-9)
        return (
            f"sent {report.sent:,}  {report.sent / elapsed:,.0f} records/s  "
            f"failed {report.failed:,}  retried {report.retried:,}  calls {report.calls:,}"
        )

    def update(self, report: DeliveryReport) -> None:
        """Show the line if the interval has passed since the last one."""
        now = self._clock()
        if now - self._last < self.interval:
            return
        self._last = now
        if self.is_tty:
            self.stream.write("\r\033[K" + self.line(report))
        else:
            self.stream.write(self.line(report) + "\n")
        self.stream.flush()

    def finish(self, report: DeliveryReport, *, headline: str) -> None:
        """The summary: what happened, the totals, and why records failed if any did."""
        if self.is_tty:
            self.stream.write("\r\033[K")
        self.stream.write(f"{headline} in {self.elapsed():.1f} s: {self.line(report)}\n")
        if report.failed:
            self.stream.write(f"undelivered records: {report.describe_failures()}\n")
        self.stream.flush()
