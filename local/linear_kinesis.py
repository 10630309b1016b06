"""moto's Kinesis at a constant cost per record: `install()` swaps in `LinearShard` and a trimming put.

moto 5.2.5 keeps a shard's records in an OrderedDict and, on every put, finds the last sequence number
with `list(self.records.keys())[-1]`; every GetRecords walks the shard from its first record; every
ListShards lists the keys again for the first sequence number. Each costs time proportional to the
records already in the shard, so sending N records costs N^2 (100,000 records into one shard: 717
records/s at the end against 7,700/s at the start). `LinearShard` keeps the shard in two parallel lists
(sequence numbers, records) and finds positions by bisection, so a put is O(1) and a read
O(log n + batch).

Records are stored as `StoredRecord`s (slots, the base64 text as it arrived, the arrival time as a float)
rather than moto's `Record` (a tracked model holding the same text and a datetime): none of moto's
instance tracking, which would keep every record alive forever. The text is kept as moto keeps it, not
decoded: GetRecords sends base64 text back (twice per record, to the raw and the CEP mappings), so a
decode on put and an encode on every read would be work done only to be undone. Which shard a partition
key hashes to is remembered per stream while its shards stay the same: the MD5 of every record's key was
15% of the server's time on PutRecords. Like Kinesis, a shard drops the
records older than the stream's retention period (24 h by default), so a stack left running is bounded
by what arrives in one retention period.

The replaced methods were read in moto 5.2.5; `local.moto_server.install()` refuses any other version.
"""

from __future__ import annotations

import base64
import sys
import time
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from moto.kinesis import models

_COMPACT_AFTER = 4096  # trimmed records kept in the lists before they are deleted (amortised O(1))


class StoredRecord:
    """One Kinesis record as a shard keeps it; the attributes moto's code and responses read."""

    __slots__ = ("created_at", "data", "explicit_hash_key", "partition_key", "sequence_number")

    def __init__(
        self, partition_key: str, data: str, sequence_number: int, explicit_hash_key: str | None
    ) -> None:
        self.partition_key = sys.intern(partition_key)  # a few distinct keys (hosts, sensors), many records
        self.data = data  # the base64 text, as moto's Record holds it (its split and merge re-put from it)
        self.sequence_number = sequence_number
        self.explicit_hash_key = explicit_hash_key
        self.created_at = time.time()  # moto's Record.created_at: epoch seconds of the arrival

    @property
    def payload(self) -> bytes:
        return base64.b64decode(self.data)

    @property
    def created_at_datetime(self) -> datetime:
        return datetime.fromtimestamp(self.created_at, UTC).replace(tzinfo=None)  # naive UTC, as moto

    def to_json(self) -> dict[str, Any]:
        return {
            "Data": self.payload,
            "PartitionKey": self.partition_key,
            "SequenceNumber": str(self.sequence_number),
            "ApproximateArrivalTimestamp": self.created_at_datetime,
        }


class LinearShard(models.Shard):
    """moto's Shard with the same behaviour, a put in O(1) and a read in O(log n + batch)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._sequence_numbers: list[int] = []
        self._stored: list[StoredRecord] = []
        self._first = 0  # index of the first record still within the retention period
        self._last_sequence_number = 0
        super().__init__(*args, **kwargs)  # assigns `self.records = OrderedDict()`: the setter below

    @property  # type: ignore[override]
    def records(self) -> dict[int, StoredRecord]:
        """Every live record by sequence number: O(n), so only moto's split and merge read it."""
        live = slice(self._first, None)
        return OrderedDict(zip(self._sequence_numbers[live], self._stored[live], strict=True))

    @records.setter
    def records(self, records: Mapping[int, Any]) -> None:
        # moto numbers a shard emptied by split_shard from 1 again: its re-put keeps the numbers they had
        self._sequence_numbers, self._stored, self._first, self._last_sequence_number = [], [], 0, 0
        for sequence_number, record in records.items():
            self._append(
                StoredRecord(record.partition_key, record.data, sequence_number, record.explicit_hash_key)
            )

    def _append(self, record: StoredRecord) -> None:
        self._sequence_numbers.append(record.sequence_number)
        self._stored.append(record)
        self._last_sequence_number = max(self._last_sequence_number, record.sequence_number)

    def put_record(self, partition_key: str, data: str, explicit_hash_key: str) -> str:
        sequence_number = self._last_sequence_number + 1
        self._append(StoredRecord(partition_key, data, sequence_number, explicit_hash_key))
        return str(sequence_number)

    def get_records(self, last_sequence_id: str, limit: int | None) -> tuple[list[Any], int, int]:
        last = int(last_sequence_id)
        start = bisect_right(self._sequence_numbers, last, lo=self._first)
        batch = self._stored[start : start + limit] if limit else self._stored[start:]
        if not batch:
            return [], last, 0
        behind_seconds = self._stored[-1].created_at - batch[-1].created_at
        return batch, batch[-1].sequence_number, int(behind_seconds * 1000)

    def get_min_sequence_number(self) -> int:
        return self._sequence_numbers[self._first] if self._has_records() else 0

    def get_max_sequence_number(self) -> int:
        return self._sequence_numbers[-1] if self._has_records() else 0

    def get_sequence_number_at(self, at_timestamp: float) -> int:
        # moto: 0 (read from the start) unless a record arrived before at_timestamp; then the last such.
        before = bisect_left(self._stored, at_timestamp, lo=self._first, key=_arrival)
        return self._stored[before - 1].sequence_number if before > self._first else 0

    def trim_older_than(self, oldest_kept: float) -> None:
        """Forget the records that arrived before `oldest_kept` (epoch seconds), as retention does."""
        if not self._has_records() or self._stored[self._first].created_at >= oldest_kept:
            return
        self._first = bisect_left(self._stored, oldest_kept, lo=self._first, key=_arrival)
        if self._first >= _COMPACT_AFTER:
            del self._sequence_numbers[: self._first], self._stored[: self._first]
            self._first = 0

    def _has_records(self) -> bool:
        return self._first < len(self._stored)


def _arrival(record: StoredRecord) -> float:
    return record.created_at


STOCK_PUT_RECORD = models.Stream.put_record  # captured at import, before install()
STOCK_SHARD_FOR_KEY = models.Stream.get_shard_for_key
_REMEMBERED_KEYS = 65_536  # per stream; past it the memory starts over (keys unique per record, say)


def shard_for_key_remembered(stream: Any, partition_key: str, explicit_hash_key: str | None) -> Any:
    """moto's Stream.get_shard_for_key, remembered per partition key while the stream's shards stay the same.

    moto never changes a shard's hash range: splits and merges add shards, so the shard ids are the layout.
    """
    if explicit_hash_key or not isinstance(partition_key, str):
        return STOCK_SHARD_FOR_KEY(stream, partition_key, explicit_hash_key)
    layout = tuple(stream.shards)
    remembered = stream.__dict__.get("_shard_by_key")
    if remembered is None or remembered[0] != layout or len(remembered[1]) >= _REMEMBERED_KEYS:
        remembered = stream._shard_by_key = (layout, {})
    shard = remembered[1].get(partition_key)
    if shard is None:
        shard = STOCK_SHARD_FOR_KEY(stream, partition_key, explicit_hash_key)  # checks the key, may raise
        if shard is not None:
            remembered[1][partition_key] = shard
    return shard


def put_record_within_retention(
    stream: Any, partition_key: str, explicit_hash_key: str, data: str
) -> tuple[str, str]:
    """moto's Stream.put_record, then the shard forgets what is older than the stream's retention."""
    sequence_number, shard_id = STOCK_PUT_RECORD(stream, partition_key, explicit_hash_key, data)
    shard = stream.shards[shard_id]
    if isinstance(shard, LinearShard):
        shard.trim_older_than(time.time() - stream.retention_period_hours * 3600)
    return sequence_number, shard_id


def install() -> None:
    """Make moto's Kinesis shards linear in this process (idempotent)."""
    models.Shard = LinearShard  # Stream creates, splits and merges shards through this module name
    models.Stream.put_record = put_record_within_retention  # type: ignore[method-assign]
    models.Stream.get_shard_for_key = shard_for_key_remembered  # type: ignore[method-assign]
