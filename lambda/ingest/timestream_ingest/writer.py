"""WriteRecords for a whole invocation: planned calls, retried and split until every record's fate is known.

Each planned call (at most 100 records, see batching.py) becomes a "piece" that is retried on its own:
- transient errors wait for the backoff (retry_budget.py) and try again until the deadline;
- a ValidationException splits the piece in halves at once, until the invalid record is alone;
- a 5xx that keeps coming back splits the piece too, so that a record which makes the service fail
  cannot hold its neighbours hostage. Splitting is cheap when the service is up and wasteful in an
  outage, so a planned call may split once to probe; its halves split further only when some call
  has succeeded since they started failing (the service is up, so their content is to blame).
Pieces of one planned call are scheduled by their next attempt time; planned calls run on a small
thread pool, so one waiting piece never delays another call.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from timestream_ingest.batching import Batch, PendingRecord, make_batch, plan_batches
from timestream_ingest.retry_budget import Deadline, Retrier
from timestream_ingest.write_call import FailureKind, RecordFailure, WriteReport, write_records

# Consecutive 5xx answers after which a piece is split.
SPLIT_AFTER_SERVER_ERRORS = 2


@dataclass
class _Piece:
    batch: Batch
    may_probe: bool  # a planned call may split once without evidence that the service is up
    attempts: int = 0
    server_errors: int = 0
    failing_since: float | None = None  # inherited by halves: "has anything succeeded since?"
    next_at: float = 0.0
    last_error: str = ""


class TimestreamWriter:
    """Writes to one table; the planned calls of one invocation run concurrently on a small pool."""

    def __init__(
        self,
        client: Any,
        database: str,
        table: str,
        concurrency: int,
        retrier: Retrier | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client, self._database, self._table = client, database, table
        self._executor = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="write-records")
        self._concurrency = concurrency
        self._retrier = retrier or Retrier()
        self._clock = clock
        self._last_success = float("-inf")  # any thread; a float assignment is atomic

    def write(self, items: Sequence[PendingRecord], deadline: Deadline) -> WriteReport:
        """Every item written, or named in the report's failures with why."""
        batches = plan_batches(items)
        if len(batches) <= 1 or self._concurrency == 1:
            reports = [self._write_planned(batch, deadline) for batch in batches]
        else:
            reports = list(self._executor.map(lambda batch: self._write_planned(batch, deadline), batches))
        total = WriteReport()
        for report in reports:
            total.merge(report)
        return total

    def close(self) -> None:
        self._executor.shutdown(wait=True)

    def _write_planned(self, batch: Batch, deadline: Deadline) -> WriteReport:
        report = WriteReport()
        pending = [_Piece(batch, may_probe=True)]
        while pending:
            piece = min(pending, key=lambda p: p.next_at)
            pending.remove(piece)
            wait = piece.next_at - self._clock()
            if wait > 0:
                self._retrier.sleep(wait)
            if piece.attempts and not deadline.allows(0.0):  # other pieces' calls used the time up
                report.failures.extend(
                    RecordFailure(i, FailureKind.TRANSIENT, piece.last_error) for i in piece.batch.items
                )
                continue
            outcome = write_records(self._client, self._database, self._table, piece.batch)
            report.calls += 1
            if outcome.settled:
                self._last_success = self._clock()
                report.failures.extend(outcome.rejected)
            elif outcome.invalid:
                pending.extend(self._isolate(piece, outcome.invalid, report))
            else:
                pending.extend(
                    self._after_transient(piece, outcome.server_error, outcome.error, deadline, report)
                )
        return report

    def _isolate(self, piece: _Piece, message: str, report: WriteReport) -> list[_Piece]:
        """A ValidationException: the lone record is invalid, a larger piece is split to find it."""
        if len(piece.batch.items) == 1:
            report.failures.append(RecordFailure(piece.batch.items[0], FailureKind.INVALID, message))
            return []
        return self._halves(piece, may_probe=piece.may_probe)

    def _after_transient(
        self, piece: _Piece, server_error: bool, error: str, deadline: Deadline, report: WriteReport
    ) -> list[_Piece]:
        now = self._clock()
        piece.last_error = error
        if piece.failing_since is None:
            piece.failing_since = now
        piece.server_errors = piece.server_errors + 1 if server_error else 0
        if piece.server_errors >= SPLIT_AFTER_SERVER_ERRORS and len(piece.batch.items) > 1:
            if piece.may_probe or self._last_success > piece.failing_since:
                return self._halves(piece, may_probe=False)
        delay = self._retrier.next_delay(piece.attempts, deadline)
        if delay is None:
            report.failures.extend(RecordFailure(i, FailureKind.TRANSIENT, error) for i in piece.batch.items)
            return []
        piece.attempts += 1
        piece.next_at = now + delay
        return [piece]

    def _halves(self, piece: _Piece, *, may_probe: bool) -> list[_Piece]:
        items = piece.batch.items
        middle = len(items) // 2
        now = self._clock()
        return [
            _Piece(make_batch(half), may_probe, failing_since=piece.failing_since, next_at=now)
            for half in (items[:middle], items[middle:])
        ]
