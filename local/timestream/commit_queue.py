"""Write-behind: a WriteRecords call is acknowledged once its rows are queued (and journaled, for a
database file); DuckDB commits the queue in groups, on a background thread.

Why: an INSERT and its commit cost DuckDB ~1.5 ms however few their rows, and take the GIL back several
times on the way, each time behind the request threads' Python. When each call committed its own rows,
that was half of a 100-record call; committing what arrived in the last COMMIT_INTERVAL_S at once pays
it once per group.

What a caller relies on is unchanged:
- An acknowledged write survives a killed process: its rows are in the journal (journal.py) before the
  answer, and the next start commits what DuckDB had not.
- A read sees every acknowledged write: whatever reads the tables (queries, the version rules' lookups,
  replacing records, dropping a table, closing) commits the queue first, under the storage lock.
- A commit that fails keeps the rows queued and journaled: the next commit retries them, and a read that
  needs them fails with the error meanwhile (it never answers without them).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable

import pyarrow as pa

from local.timestream.exceptions import InternalServerException
from local.timestream.journal import Journal

_LOG = logging.getLogger(__name__)
COMMIT_INTERVAL_S = 0.05  # how long queued rows wait for more before the background commit
MAX_QUEUED_ROWS = 100_000  # past this, the writer commits the queue itself: memory stays bounded
RETRY_AFTER_S = 1.0  # after a failed background commit


class CommitQueue:
    """Rows waiting for the next commit, per storage id, in call order; read and changed under `lock`."""

    def __init__(
        self,
        lock: threading.RLock,
        insert: Callable[[dict[int, pa.Table], int], None],
        journal: Journal | None,
        next_sequence: int,
        interval_s: float = COMMIT_INTERVAL_S,
    ) -> None:
        self._lock = lock  # the storage's
        self._queued = threading.Condition(lock)
        self._insert = insert  # each storage id's rows and the last sequence number, in one transaction
        self._journal = journal
        self._sequence = next_sequence - 1
        self._batches: list[tuple[int, pa.Table]] = []
        self._rows = 0
        self._interval_s = interval_s
        self._closed = False
        self._thread = threading.Thread(
            target=self._commit_in_background, name="local-timestream-commits", daemon=True
        )
        self._thread.start()

    def put(self, storage_id: int, batch: pa.Table) -> None:
        """Journal and queue a call's rows (under the storage lock): the call may then be acknowledged."""
        if self._closed:  # a request that outlived stop(): its journal's file descriptor may be reused
            raise InternalServerException("The local Timestream is stopping: retry the call.")
        sequence = self._sequence + 1
        if self._journal is not None:
            self._journal.append(sequence, storage_id, batch)
        self._sequence = sequence
        self._batches.append((storage_id, batch))
        self._rows += batch.num_rows
        if len(self._batches) == 1:
            self._queued.notify()
        if self._rows >= MAX_QUEUED_ROWS:
            self._commit_or_log()  # the call's rows are journaled: it is acknowledged either way

    def flush(self) -> None:
        """Commit everything queued (under the storage lock), then empty the journal; else raise."""
        if not self._batches:
            return
        self._insert(rows_by_table(self._batches), self._sequence)
        self._batches, self._rows = [], 0
        if self._journal is not None:
            self._journal.empty()

    def close(self) -> None:
        """Stop the background commits and commit the queue (call without holding the storage lock)."""
        with self._lock:
            self._closed = True
            self._queued.notify_all()
        self._thread.join()
        with self._lock:
            self._commit_or_log()
            if self._journal is not None:
                self._journal.close()

    def _commit_in_background(self) -> None:
        with self._lock:
            while not self._closed:
                if not self._batches:
                    self._queued.wait()
                    continue
                self._queued.wait(self._interval_s)  # let the group grow (close() wakes it early)
                if not self._closed and not self._commit_or_log():
                    self._queued.wait(RETRY_AFTER_S)

    def _commit_or_log(self) -> bool:
        try:
            self.flush()
        except Exception:
            kept = f"in {self._journal.path}" if self._journal else "in memory"
            _LOG.exception("committing %d queued rows failed: they stay %s, to retry", self._rows, kept)
            return False
        return True


def rows_by_table(batches: Iterable[tuple[int, pa.Table]]) -> dict[int, pa.Table]:
    """Calls' rows as one table per storage id, in call order; a column some calls lack is null in theirs."""
    by_table: dict[int, list[pa.Table]] = {}
    for storage_id, batch in batches:
        by_table.setdefault(storage_id, []).append(batch)
    return {
        storage_id: parts[0] if len(parts) == 1 else pa.concat_tables(parts, promote_options="default")
        for storage_id, parts in by_table.items()
    }
