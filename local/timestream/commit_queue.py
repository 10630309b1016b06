"""Group commit: the WriteRecords calls that arrive together are appended in one DuckDB transaction.

A call is acknowledged (HTTP 200) only after the transaction holding its rows has committed, as when
each call ran its own INSERT; what changes is that calls which queued while another call was committing
share the next commit, so DuckDB's fixed cost per INSERT (~1.5 ms) is paid once per group, not per call.
There is no committer thread: a call that has queued its rows waits while other calls are still being
validated (they have `arrived` but not yet queued; at most MAX_WAIT_S), then commits everything queued;
the calls of the group find their rows already committed. A lone caller commits at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pyarrow as pa

MAX_WAIT_S = 0.01  # the longest a queued call waits for calls still being validated


class Ticket:
    """One call's queued rows: done once they are committed, or failed with `error`."""

    __slots__ = ("done", "error")

    def __init__(self) -> None:
        self.done = False
        self.error: BaseException | None = None


class CommitQueue:
    """Rows waiting for the next commit, per storage id, in call order."""

    def __init__(self, lock: threading.RLock, insert: Callable[[dict[int, pa.Table]], None]) -> None:
        self._lock = lock  # the storage's: the queue is read and flushed only under it
        self._changed = threading.Condition(lock)
        self._arrived_lock = threading.Lock()
        self._arrived = 0  # calls between `arrival()` and the end of their validation
        self._insert = insert  # appends each storage id's rows, in one transaction
        self._batches: list[tuple[int, pa.Table]] = []
        self._tickets: list[Ticket] = []

    @contextmanager
    def arrival(self) -> Iterator[None]:
        """Around a call's wait for the storage lock and its validation: queued calls wait for it."""
        with self._arrived_lock:
            self._arrived += 1
        try:
            yield
        finally:
            with self._lock:
                with self._arrived_lock:
                    self._arrived -= 1
                self._changed.notify_all()

    def put(self, storage_id: int, batch: pa.Table) -> Ticket:
        """Queue a call's rows (under the storage lock); wait for them with `wait`."""
        ticket = Ticket()
        self._batches.append((storage_id, batch))
        self._tickets.append(ticket)
        return ticket

    def wait(self, ticket: Ticket) -> None:
        """Return once `ticket`'s rows are committed (committing the queue if no one has); else raise."""
        deadline = time.monotonic() + MAX_WAIT_S
        with self._lock:
            while not ticket.done:
                left = deadline - time.monotonic()
                if self._arrived == 0 or left <= 0:
                    self.flush()
                    break
                self._changed.wait(left)
        if ticket.error is not None:
            raise ticket.error

    def flush(self) -> None:
        """Commit everything queued (under the storage lock); a failure fails every queued call."""
        if not self._tickets:
            return
        batches, tickets = self._batches, self._tickets
        self._batches, self._tickets = [], []
        by_table: dict[int, list[pa.Table]] = {}
        for storage_id, batch in batches:
            by_table.setdefault(storage_id, []).append(batch)
        error: BaseException | None = None
        try:
            self._insert({storage_id: _concat(parts) for storage_id, parts in by_table.items()})
        except Exception as failure:  # every call of the group answers with it: none is acknowledged
            error = failure
        for ticket in tickets:
            ticket.error = error
            ticket.done = True
        self._changed.notify_all()
        if error is not None:
            raise error

    def storage_ids(self) -> set[int]:
        return {storage_id for storage_id, _ in self._batches}


def _concat(parts: list[pa.Table]) -> pa.Table:
    """One table of the calls' rows; a column some calls lack is null in their rows."""
    return parts[0] if len(parts) == 1 else pa.concat_tables(parts, promote_options="default")
