"""Read a Kinesis stream shard by shard as Lambda's poller does: parent before child, from the checkpoints."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from local.checkpoints import CheckpointStore, ShardCheckpoints
from local.kinesis_event import StreamRecord
from local.kinesis_wire import WIRE_RECORDS, keep_records_as_sent

# Records asked for per GetRecords (Kinesis allows up to 10,000): the batches handed out stay at most
# `batch_size`, the rest waits in the reader. Each call has a fixed cost on both sides (HTTP, dispatch,
# iterator), so reading 10 batches at once divides it by 10; what waits was never checkpointed, so a
# stopped mapping reads it again from its checkpoint.
READ_LIMIT = 5_000


@dataclass(frozen=True)
class ShardBatch:
    """A shard's next records to deliver, and how far a checkpoint after them may move.

    `filtered` counts the records the mapping's filter dropped since the previous batch; `through` is the
    last record read that the batch accounts for: its own last record, or a dropped one after it (a
    batch left with no records still moves the checkpoint there). None when nothing was read.
    """

    records: list[StreamRecord]
    filtered: int = 0
    through: StreamRecord | None = None


class ShardReader:
    """GetRecords batches per shard; a shard is read once its parents are finished (resharding order).

    `kinesis`'s GetRecords answers keep their records as sent from now on (kinesis_wire.py): base64
    text and epoch seconds, as the Lambda event carries them. With `keep` (the mapping's filter, on a
    record's base64 data), records it refuses are dropped before the batches are cut, so a batch holds
    up to `batch_size` records that passed, as Lambda fills its batches after filtering.
    """

    def __init__(
        self,
        kinesis: Any,
        stream_arn: str,
        store: CheckpointStore,
        checkpoints: ShardCheckpoints,
        *,
        batch_size: int,
        starting_position: str,
        keep: Callable[[str], bool] | None = None,
    ) -> None:
        self._kinesis, self.stream_arn, self._store = keep_records_as_sent(kinesis), stream_arn, store
        self.checkpoints = checkpoints
        self._batch_size, self._starting_position, self._keep = batch_size, starting_position, keep
        self._iterators: dict[str, str] = {}
        self._read: dict[str, list[StreamRecord]] = {}  # per shard, records read and not yet handed out
        # Per shard, of the last GetRecords: how many records the filter dropped (not yet reported), and
        # its last record when dropped (the checkpoint may pass it once the records before are delivered).
        self._filtered: dict[str, int] = {}
        self._dropped_last: dict[str, StreamRecord] = {}
        self._ended: set[str] = set()  # closed shards whose end the reader has reached

    def ready_shards(self) -> list[str]:
        """Unfinished shards whose parent shards (if still listed) are finished."""
        shards = self._kinesis.list_shards(StreamARN=self.stream_arn)["Shards"]
        known = {shard["ShardId"] for shard in shards}
        finished = self.checkpoints.finished_shards
        ready = []
        for shard in shards:
            parents = {shard.get("ParentShardId"), shard.get("AdjacentParentShardId")} & known
            if shard["ShardId"] not in finished and parents <= finished:
                ready.append(shard["ShardId"])
                ending = shard["SequenceNumberRange"].get("EndingSequenceNumber")
                done = self.checkpoints.sequence_numbers.get(shard["ShardId"])
                if ending and done and int(done) >= int(ending):
                    finished.add(shard["ShardId"])
        return [shard_id for shard_id in ready if shard_id not in finished]

    def read_batch(self, shard_id: str) -> ShardBatch:
        """The next batch of the shard (possibly without records), continuing where the last one ended.

        Not to be called for one shard from two threads at once (ShardPipeline steps a shard in turn).
        """
        waiting = self._read.get(shard_id) or self._get_records(shard_id)
        batch, self._read[shard_id] = waiting[: self._batch_size], waiting[self._batch_size :]
        dropped_last = None if self._read[shard_id] else self._dropped_last.pop(shard_id, None)
        through = dropped_last or (batch[-1] if batch else None)
        if shard_id in self._ended and not self._read[shard_id]:  # a closed shard handed out to its end
            self._ended.discard(shard_id)
            self.checkpoints.finished_shards.add(shard_id)
            self._store.save(self.checkpoints)
        return ShardBatch(batch, self._filtered.pop(shard_id, 0), through)

    def _get_records(self, shard_id: str) -> list[StreamRecord]:
        iterator = self._iterators.get(shard_id) or self._new_iterator(shard_id)
        try:
            response = self._kinesis.get_records(
                ShardIterator=iterator, Limit=max(READ_LIMIT, self._batch_size), StreamARN=self.stream_arn
            )
        except self._kinesis.exceptions.ExpiredIteratorException:
            self._iterators.pop(shard_id, None)  # iterators expire after 5 min: start again at the checkpoint
            return self._get_records(shard_id)
        next_iterator = response.get("NextShardIterator")
        if next_iterator is None:  # a closed shard read to its end
            self._iterators.pop(shard_id, None)
            self._ended.add(shard_id)
        else:
            self._iterators[shard_id] = next_iterator
        wire = response[WIRE_RECORDS]
        if self._keep is None:
            return [StreamRecord.from_wire(shard_id, record) for record in wire]
        kept = [StreamRecord.from_wire(shard_id, record) for record in wire if self._keep(record["Data"])]
        if len(kept) < len(wire):
            self._filtered[shard_id] = len(wire) - len(kept)
            if not kept or kept[-1].sequence_number != wire[-1]["SequenceNumber"]:
                self._dropped_last[shard_id] = StreamRecord.from_wire(shard_id, wire[-1])
        return kept

    def _new_iterator(self, shard_id: str) -> str:
        after = self.checkpoints.sequence_numbers.get(shard_id)
        position: dict[str, str] = (
            {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "StartingSequenceNumber": after}
            if after
            else {"ShardIteratorType": self._starting_position}
        )
        response = self._kinesis.get_shard_iterator(StreamARN=self.stream_arn, ShardId=shard_id, **position)
        return response["ShardIterator"]
