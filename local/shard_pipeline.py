"""How the local mapping schedules its shards: concurrently, with each shard's next read under way.

Lambda runs one invocation per shard at a time (with parallelization factor 1) and polls while the
function runs. Here, with `concurrency` > 1:
- each pass steps every ready shard in a thread of its own, so shards are invoked side by side, as on
  Lambda; a shard's own steps stay sequential, so its records keep their order;
- after a shard's batch is taken, its next GetRecords starts in the background, so the read overlaps
  the invocation. The read-ahead holds records nobody has checkpointed: a mapping stopped at that point
  reads them again from the checkpoint on restart, exactly as without it.
With `concurrency` 1 the shards are stepped one after the other and every read is synchronous.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor

from local.shard_reader import ShardBatch, ShardReader


class ShardPipeline:
    """Reads ahead one batch per shard and runs the shards' steps of a pass concurrently."""

    def __init__(self, reader: ShardReader, concurrency: int) -> None:
        self._reader = reader
        self._concurrency = max(1, concurrency)
        self._steps: ThreadPoolExecutor | None = None
        self._reads: ThreadPoolExecutor | None = None
        if self._concurrency > 1:
            self._steps = ThreadPoolExecutor(self._concurrency, thread_name_prefix="esm-shard")
            self._reads = ThreadPoolExecutor(self._concurrency, thread_name_prefix="esm-read")
        self._ahead: dict[str, Future[ShardBatch]] = {}

    def next_batch(self, shard_id: str) -> ShardBatch:
        """The shard's next batch (read ahead when there is one), and the read of the one after started."""
        ahead = self._ahead.pop(shard_id, None)
        batch = ahead.result() if ahead is not None else self._reader.read_batch(shard_id)
        finished = shard_id in self._reader.checkpoints.finished_shards
        if batch.through is not None and self._reads is not None and not finished:  # records were read
            self._ahead[shard_id] = self._reads.submit(self._reader.read_batch, shard_id)
        return batch

    def run_pass(self, shards: Iterable[str], step: Callable[[str], int]) -> int:
        """`step(shard)` for every shard, side by side when concurrent; the work they report, summed."""
        if self._steps is None:
            return sum(step(shard_id) for shard_id in shards)
        return sum(self._steps.map(step, list(shards)))

    def close(self) -> None:
        """Stop the threads; a read still ahead is dropped (its records were never checkpointed)."""
        for executor in (self._steps, self._reads):
            if executor is not None:
                executor.shutdown(wait=True, cancel_futures=True)
        self._ahead.clear()
