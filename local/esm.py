"""A local Kinesis event source mapping: what Lambda's poller does, in-process, against any Kinesis endpoint.

Per shard, in sequence order: read a batch (GetRecords, `batch_size`), drop records older than the
maximum record age to the on-failure queue, invoke the handler with a genuine Kinesis event, then
- success: checkpoint after the batch;
- `batchItemFailures`: checkpoint before the LOWEST failed sequence number and redeliver from there
  (an identifier that is missing or not in the batch fails the whole batch, as Lambda does);
- an exception: retry, split in halves first when `bisect_batch_on_error` (each re-invocation, halves
  included, uses one of the `retry_attempts`);
- retries exhausted: send Lambda's on-failure record (batch metadata) to the SQS queue, move past it.
Shards are read parent before child, one batch at a time per shard (a valid serialisation of
Lambda's `parallelization_factor`, which keeps per-partition-key order only).
"""

from __future__ import annotations

import json
import logging
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local.checkpoints import CheckpointStore
from local.kinesis_event import (
    RECORD_AGE_EXCEEDED,
    RETRY_ATTEMPTS_EXHAUSTED,
    LocalLambdaContext,
    StreamRecord,
    function_arn,
    kinesis_event,
    on_failure_record,
)
from local.shard_reader import ShardReader
from pipeline_config.settings import Settings

Handler = Callable[[dict[str, Any], Any], Mapping[str, Any] | None]
LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class MappingConfig:
    """The event source mapping's settings (the same keys the CDK app sets on the real one)."""

    function_name: str
    batch_size: int
    retry_attempts: int
    max_record_age_seconds: int
    bisect_batch_on_error: bool = True
    report_batch_item_failures: bool = True
    timeout_seconds: int = 60
    starting_position: str = "TRIM_HORIZON"

    @classmethod
    def from_settings(cls, settings: Settings, function_name: str) -> MappingConfig:
        return cls(
            function_name=function_name,
            batch_size=settings.lambda_batch_size,
            retry_attempts=settings.lambda_retry_attempts,
            max_record_age_seconds=settings.lambda_max_record_age_seconds,
            timeout_seconds=settings.lambda_timeout_seconds,
        )


@dataclass
class MappingStats:
    """What the mapping did; `records_discarded` went to the on-failure queue."""

    invocations: int = 0
    records_read: int = 0
    records_succeeded: int = 0
    records_discarded: int = 0
    batches_discarded: int = 0
    function_errors: int = 0
    partial_failures: int = 0
    failure_conditions: list[str] = field(default_factory=list)


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
        sqs: Any,
        stream_name: str,
        handler: Handler,
        config: MappingConfig,
        on_failure_queue_url: str,
        checkpoint_path: Path,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._kinesis, self._sqs, self._handler, self.config = kinesis, sqs, handler, config
        self._queue_url, self._clock = on_failure_queue_url, clock
        summary = kinesis.describe_stream_summary(StreamName=stream_name)["StreamDescriptionSummary"]
        self.stream_arn: str = summary["StreamARN"]
        self._region, self._account = self.stream_arn.split(":")[3:5]
        self._function_arn = function_arn(config.function_name, self._region, self._account)
        self._store = CheckpointStore(checkpoint_path)
        self._checkpoints = self._store.load(self.stream_arn, summary["StreamCreationTimestamp"].isoformat())
        self._reader = ShardReader(
            kinesis,
            self.stream_arn,
            self._store,
            self._checkpoints,
            batch_size=config.batch_size,
            starting_position=config.starting_position,
        )
        self.stats = MappingStats()

    def run_until_idle(self, max_passes: int = 10_000) -> MappingStats:
        """Deliver every record in the stream, then return (a pass over all shards found nothing new)."""
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
        """Read and deliver at most one batch from every ready shard; returns the records read."""
        read = 0
        for shard_id in self._reader.ready_shards():
            records = self._reader.read_batch(shard_id)
            read += len(records)
            self.stats.records_read += len(records)
            if records:
                self._deliver(records)
        return read

    def _deliver(self, records: list[StreamRecord]) -> None:
        pending: deque[tuple[list[StreamRecord], int]] = deque([(records, 0)])
        while pending:
            batch, retries = pending.popleft()
            batch = self._discard_expired(batch, retries)
            if not batch:
                continue
            outcome = self._invoke(batch)
            if outcome.first_failed is None:
                self.stats.records_succeeded += len(batch)
                self._checkpoint(batch[-1])
                continue
            if outcome.first_failed > 0:
                self.stats.records_succeeded += outcome.first_failed
                self._checkpoint(batch[outcome.first_failed - 1])
            remaining = batch[outcome.first_failed :]
            if retries >= self.config.retry_attempts:
                self._discard(remaining, RETRY_ATTEMPTS_EXHAUSTED, retries + 1, outcome.function_error)
            elif outcome.function_error and self.config.bisect_batch_on_error and len(remaining) > 1:
                middle = len(remaining) // 2
                pending.appendleft((remaining[middle:], retries + 1))
                pending.appendleft((remaining[:middle], retries + 1))
            else:
                pending.appendleft((remaining, retries + 1))

    def _invoke(self, batch: list[StreamRecord]) -> _Outcome:
        event = kinesis_event(
            batch,
            stream_arn=self.stream_arn,
            region=self._region,
            account=self._account,
            function_name=self.config.function_name,
        )
        context = LocalLambdaContext(
            self.config.function_name, self._function_arn, self.config.timeout_seconds
        )
        self.stats.invocations += 1
        try:
            response = self._handler(event, context)
        except Exception:  # the function failed: Lambda retries the batch, so must we
            LOG.warning(
                "%s raised on a batch of %d records", self.config.function_name, len(batch), exc_info=True
            )
            self.stats.function_errors += 1
            return _Outcome(0, "Unhandled")
        return self._first_failed(batch, response)

    def _first_failed(self, batch: list[StreamRecord], response: Mapping[str, Any] | None) -> _Outcome:
        failures = (response or {}).get("batchItemFailures") if isinstance(response, Mapping) else None
        if not self.config.report_batch_item_failures or not failures:
            return _Outcome(None)
        self.stats.partial_failures += 1
        positions = {record.sequence_number: index for index, record in enumerate(batch)}
        identifiers = [item.get("itemIdentifier") if isinstance(item, Mapping) else None for item in failures]
        if any(identifier not in positions for identifier in identifiers):
            LOG.warning(
                "batchItemFailures names %s, not all in the batch: the whole batch failed", identifiers
            )
            return _Outcome(0)
        return _Outcome(min(positions[identifier] for identifier in identifiers))

    def _discard_expired(self, batch: list[StreamRecord], retries: int) -> list[StreamRecord]:
        oldest_allowed = self._clock() - self.config.max_record_age_seconds
        expired = 0
        while expired < len(batch) and batch[expired].arrival.timestamp() < oldest_allowed:
            expired += 1
        if expired:
            self._discard(batch[:expired], RECORD_AGE_EXCEEDED, retries, None)
        return batch[expired:]

    def _discard(self, batch: list[StreamRecord], condition: str, invokes: int, error: str | None) -> None:
        message = on_failure_record(
            batch,
            stream_arn=self.stream_arn,
            condition=condition,
            function_arn=self._function_arn,
            invoke_count=invokes,
            function_error=error,
        )
        # Sent before the checkpoint moves: if SQS fails, the mapping stops with the checkpoint still
        # before this batch, so a restart delivers it again instead of skipping it unreported.
        self._sqs.send_message(QueueUrl=self._queue_url, MessageBody=json.dumps(message))
        LOG.warning(
            "%s: gave up on %d records of %s (%s), metadata sent to the on-failure queue",
            self.config.function_name,
            len(batch),
            batch[0].shard_id,
            condition,
        )
        self.stats.records_discarded += len(batch)
        self.stats.batches_discarded += 1
        self.stats.failure_conditions.append(condition)
        self._checkpoint(batch[-1])

    def _checkpoint(self, record: StreamRecord) -> None:
        self._checkpoints.sequence_numbers[record.shard_id] = record.sequence_number
        self._store.save(self._checkpoints)
