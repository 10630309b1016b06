"""A local Kinesis event source mapping: what Lambda's poller does, in-process, against any Kinesis endpoint.

Per shard, in sequence order: read a batch (GetRecords, `batch_size`), hand records older than the
maximum record age to the on-failure destination, invoke the function with a genuine Kinesis event, then
- the mapping's filters (the template's `FilterCriteria`, event_filter.py) first drop the records
  they do not let through: those count as processed (the checkpoint moves past them), a batch cut
  from what passed holds up to `batch_size` records, and one left empty is not invoked;
- success: checkpoint after the batch;
- `batchItemFailures`: checkpoint before the LOWEST failed sequence number and redeliver from there
  (an identifier that is missing or not in the batch fails the whole batch, as Lambda does); a
  retry attempt is used;
- a function error (exception, timeout): retry; with `bisect_batch_on_error` the batch is split in
  halves first, and splitting does not use a retry attempt (Lambda developer guide);
- retries exhausted or records too old: keep the batch in the S3 on-failure destination (the
  invocation record with the whole event, on_failure.py) and move past it.
Retries follow each other without a delay of the mapping's own: AWS documents none, and the
function's in-invocation backoff (up to its timeout) is what spaces them out and outlasts outages.
Shards are read parent before child, one batch at a time per shard (a valid serialisation of
Lambda's `parallelization_factor`, which keeps per-partition-key order only). Each pass gives every
shard one invocation, so a shard whose batch keeps failing blocks only itself, as on Lambda. With
`concurrency` > 1 the shards of a pass are invoked side by side and each shard's next batch is read
while its invocation runs (shard_pipeline.py); the handler must then accept concurrent calls.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from local.checkpoints import CheckpointStore
from local.event_filter import EventFilter
from local.kinesis_event import (
    RECORD_AGE_EXCEEDED,
    RETRY_ATTEMPTS_EXHAUSTED,
    LocalLambdaContext,
    StreamRecord,
    function_arn,
    kinesis_event_json,
)
from local.lambda_runtime import EventJson
from local.on_failure import S3OnFailureDestination
from local.shard_pipeline import ShardPipeline
from local.shard_reader import ShardReader

Handler = Callable[[dict[str, Any], Any], Mapping[str, Any] | None]
LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class MappingConfig:
    """The event source mapping's settings, as the template declares them (local/deployed_config.py).

    -1 for retry attempts or record age means infinite, as on Lambda. The parallelization factor and
    batching window are carried so the agreement test compares every setting, but not emulated.
    `filter_patterns` are the `FilterCriteria` patterns (JSON text); none means every record is delivered.
    """

    function_name: str
    batch_size: int
    retry_attempts: int
    max_record_age_seconds: int
    bisect_batch_on_error: bool = True
    report_batch_item_failures: bool = True
    on_failure_bucket: str | None = None
    timeout_seconds: float = 60
    starting_position: str = "TRIM_HORIZON"
    parallelization_factor: int = 1
    batching_window_seconds: int = 0
    filter_patterns: tuple[str, ...] = ()


@dataclass
class MappingStats:
    """What the mapping did; kept records went to the on-failure destination, dropped ones are lost.
    Filtered records are the ones the mapping's filters did not let through (processed, never delivered)."""

    invocations: int = 0
    records_read: int = 0
    records_filtered: int = 0
    records_succeeded: int = 0
    records_kept: int = 0
    records_dropped: int = 0
    batches_kept: int = 0
    function_errors: int = 0
    partial_failures: int = 0
    failure_conditions: list[str] = field(default_factory=list)


class _Pending(NamedTuple):
    """Records of a shard still to deliver, the retries they used, and the checkpoint once they are done
    (their last record, or a record after it that the filters dropped)."""

    records: list[StreamRecord]
    retries: int
    through: StreamRecord


@dataclass(frozen=True)
class _Outcome:
    first_failed: int | None  # index of the first record to redeliver; None = the batch succeeded
    function_error: str | None = None


class LocalEventSourceMapping:
    """Feeds one Kinesis stream to one handler with Lambda's delivery, retry and checkpoint semantics."""

    def __init__(
        self,
        *,
        kinesis: Any,
        s3: Any,
        stream_name: str,
        handler: Handler,
        config: MappingConfig,
        checkpoint_path: Path,
        clock: Callable[[], float] = time.time,
        concurrency: int = 1,
    ) -> None:
        self._kinesis, self._handler, self.config, self._clock = kinesis, handler, config, clock
        summary = kinesis.describe_stream_summary(StreamName=stream_name)["StreamDescriptionSummary"]
        self.stream_arn: str = summary["StreamARN"]
        self._region, self._account = self.stream_arn.split(":")[3:5]
        self._function_arn = function_arn(config.function_name, self._region, self._account)
        # Stable across restarts, like a deployed mapping's UUID: kept objects of one mapping share it.
        self.uuid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self._function_arn}|{self.stream_arn}"))
        self._destination = S3OnFailureDestination(
            s3,
            config.on_failure_bucket,
            mapping_uuid=self.uuid,
            stream_arn=self.stream_arn,
            function_name=config.function_name,
            function_arn=self._function_arn,
        )
        # A filter the mapping cannot evaluate stops it here, before anything is read.
        keep = (
            EventFilter(config.filter_patterns, config.function_name).matches_base64
            if config.filter_patterns
            else None
        )
        self._store = CheckpointStore(checkpoint_path)
        self._checkpoints = self._store.load(self.stream_arn, summary["StreamCreationTimestamp"].isoformat())
        self._reader = ShardReader(
            kinesis,
            self.stream_arn,
            self._store,
            self._checkpoints,
            batch_size=config.batch_size,
            starting_position=config.starting_position,
            keep=keep,
        )
        self.stats = MappingStats()
        self._stats_lock = threading.Lock()  # shards step in threads of their own when concurrent
        self._pipeline = ShardPipeline(self._reader, concurrency)
        # Per shard, what is still to deliver of its current batch.
        self._pending: dict[str, deque[_Pending]] = {}

    def run_until_idle(self, max_passes: int = 1_000_000) -> MappingStats:
        """Deliver every record in the stream, then return (a pass found nothing to do)."""
        for _ in range(max_passes):
            if self.poll_once() == 0:
                return self.stats
        raise RuntimeError(f"{self.stream_arn} still had records after {max_passes} passes")

    def run_forever(self, should_stop: Callable[[], bool], idle_sleep_seconds: float = 1.0) -> None:
        """Poll like the real mapping until `should_stop()`; sleeps only when a pass found nothing."""
        while not should_stop():
            if self.poll_once() == 0:
                time.sleep(idle_sleep_seconds)

    def poll_once(self) -> int:
        """One step per ready shard: a retry of its current batch, or a new batch read and delivered.

        Returns the work done (records read plus invocations and hand-overs); 0 means idle.
        """
        return self._pipeline.run_pass(self._reader.ready_shards(), self._shard_step)

    def close(self) -> None:
        """Stop the pipeline's threads (records read ahead are not checkpointed: a restart reads them)."""
        self._pipeline.close()

    def _shard_step(self, shard_id: str) -> int:
        work = 0
        pending = self._pending.setdefault(shard_id, deque())
        if not pending:
            batch = self._pipeline.next_batch(shard_id)
            read = len(batch.records) + batch.filtered
            self._count(records_read=read, records_filtered=batch.filtered)
            work += read
            if batch.records and batch.through is not None:
                pending.append(_Pending(batch.records, 0, batch.through))
            elif batch.through is not None:  # the filters dropped all: nothing to invoke, move past them
                self._checkpoint(batch.through)
        if pending:
            self._step(pending)
            work += 1
        return work

    def _count(self, **increments: int) -> None:
        with self._stats_lock:
            for name, increment in increments.items():
                setattr(self.stats, name, getattr(self.stats, name) + increment)

    def _step(self, pending: deque[_Pending]) -> None:
        """One invocation with the shard's next pending records, and what its outcome leaves to do."""
        batch, retries, through = pending.popleft()
        batch = self._discard_expired(batch, retries, through)
        if not batch:
            return
        outcome = self._invoke(batch)
        if outcome.first_failed is None:
            self._count(records_succeeded=len(batch))
            self._checkpoint(through)
            return
        if outcome.first_failed > 0:
            self._count(records_succeeded=outcome.first_failed)
            self._checkpoint(batch[outcome.first_failed - 1])
        remaining = batch[outcome.first_failed :]
        if outcome.function_error and self.config.bisect_batch_on_error and len(remaining) > 1:
            middle = len(remaining) // 2  # splitting does not use a retry attempt
            pending.appendleft(_Pending(remaining[middle:], retries, through))
            pending.appendleft(_Pending(remaining[:middle], retries, remaining[middle - 1]))
        elif 0 <= self.config.retry_attempts <= retries:
            self._give_up(remaining, RETRY_ATTEMPTS_EXHAUSTED, retries + 1, outcome.function_error, through)
        else:
            pending.appendleft(_Pending(remaining, retries + 1, through))

    def _invoke(self, batch: list[StreamRecord]) -> _Outcome:
        event_json = kinesis_event_json(
            batch,
            stream_arn=self.stream_arn,
            region=self._region,
            account=self._account,
            function_name=self.config.function_name,
        )
        # A local function environment takes the JSON as it is; an in-process handler gets the dict.
        takes_json = getattr(self._handler, "takes_event_json", False)
        event = EventJson(event_json) if takes_json else json.loads(event_json)
        context = LocalLambdaContext(
            self.config.function_name, self._function_arn, self.config.timeout_seconds
        )
        self._count(invocations=1)
        try:
            response = self._handler(event, context)
        except Exception as error:  # the function failed: Lambda retries the batch, so must we
            LOG.warning(
                "%s failed on a batch of %d records: %s", self.config.function_name, len(batch), error
            )
            self._count(function_errors=1)
            return _Outcome(0, getattr(error, "error_type", "Unhandled"))
        return self._first_failed(batch, response)

    def _first_failed(self, batch: list[StreamRecord], response: Mapping[str, Any] | None) -> _Outcome:
        failures = (response or {}).get("batchItemFailures") if isinstance(response, Mapping) else None
        if not self.config.report_batch_item_failures or not failures:
            return _Outcome(None)
        self._count(partial_failures=1)
        positions = {record.sequence_number: index for index, record in enumerate(batch)}
        identifiers = [item.get("itemIdentifier") if isinstance(item, Mapping) else None for item in failures]
        if any(identifier not in positions for identifier in identifiers):
            LOG.warning(
                "batchItemFailures names %s, not all in the batch: the whole batch failed", identifiers
            )
            return _Outcome(0)
        return _Outcome(min(positions[identifier] for identifier in identifiers))

    def _discard_expired(
        self, batch: list[StreamRecord], retries: int, through: StreamRecord
    ) -> list[StreamRecord]:
        if self.config.max_record_age_seconds < 0:
            return batch
        oldest_allowed = self._clock() - self.config.max_record_age_seconds
        expired = 0
        while expired < len(batch) and batch[expired].arrival_seconds < oldest_allowed:
            expired += 1
        if expired:
            last = through if expired == len(batch) else batch[expired - 1]
            self._give_up(batch[:expired], RECORD_AGE_EXCEEDED, retries, None, last)
        return batch[expired:]

    def _give_up(
        self,
        batch: list[StreamRecord],
        condition: str,
        invokes: int,
        error: str | None,
        through: StreamRecord,
    ) -> None:
        """Keep the batch in the on-failure destination (or drop it, as Lambda does, if that fails), and
        move the checkpoint `through` it."""
        if self._destination.keep(batch, condition, invokes, error):
            self._count(records_kept=len(batch), batches_kept=1)
        else:
            self._count(records_dropped=len(batch))
        self.stats.failure_conditions.append(condition)
        self._checkpoint(through)

    def _checkpoint(self, record: StreamRecord) -> None:
        self._checkpoints.sequence_numbers[record.shard_id] = record.sequence_number
        self._store.save(self._checkpoints)
