"""The ingest processor: one Kinesis event in, every record written, quarantined or retried.

Each Kinesis record ends in exactly one of three states:
- written: all its Timestream records were accepted;
- quarantined: it can never be written (undecodable, invalid, rejected by Timestream) and is now
  stored in S3 with the reason;
- retried: reported in `batchItemFailures` because it is not durably handled yet (a write or
  quarantine error that outlasted the invocation's retries, or a permanent problem behind an earlier
  retried record of its shard, which Lambda will redeliver anyway: quarantining it now would
  duplicate it then).
Transient errors are retried inside the invocation until its deadline (retry_budget.py).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from timestream_ingest.batching import PendingRecord
from timestream_ingest.config import IngestConfig
from timestream_ingest.decoders import decode_payload
from timestream_ingest.exceptions import DecodeError, QuarantineReason
from timestream_ingest.kinesis_records import SourceRecord, source_records
from timestream_ingest.ledger import HandledLedger
from timestream_ingest.quarantine import QuarantineStore
from timestream_ingest.retry_budget import Deadline, Retrier
from timestream_ingest.settlement import RETRY, WRITTEN, ShardSettler, Verdict
from timestream_ingest.telemetry import InvocationCounts, get_logger, publish_metrics
from timestream_ingest.write_call import FailureKind
from timestream_ingest.writer import TimestreamWriter

_REASON_BY_FAILURE = {
    FailureKind.REJECTED: QuarantineReason.REJECTED_BY_TIMESTREAM,
    FailureKind.INVALID: QuarantineReason.INVALID_FOR_TIMESTREAM,
}


class Ingestor:
    """Processes Kinesis events for one table; safe to build several per process (no global state)."""

    def __init__(
        self,
        config: IngestConfig,
        write_client: Any,
        s3_client: Any,
        *,
        clock_ns: Callable[[], int] = time.time_ns,
        publish: bool = True,
        retrier: Retrier | None = None,
    ) -> None:
        self.config = config
        retrier = retrier or Retrier()
        self._writer = TimestreamWriter(
            write_client, config.database, config.table, config.write_concurrency, retrier
        )
        self._log = get_logger(config.service_name)
        self._settler = ShardSettler(
            QuarantineStore(s3_client, config.quarantine_bucket, config.quarantine_prefix),
            HandledLedger(s3_client, config.kept_records_bucket),
            retrier,
            self._log,
        )
        self._clock_ns = clock_ns
        self._publish = publish

    def process(
        self, event: Mapping[str, Any], deadline: Deadline | None = None
    ) -> dict[str, list[dict[str, str]]]:
        """The partial-batch response for `event`: the records Lambda must deliver again.

        Transient errors are retried until `deadline` (none: one attempt per call).
        """
        deadline = deadline or Deadline(0.0)
        sources = source_records(event)
        verdicts, pending = self._decode(sources)
        report = self._writer.write(pending, deadline)
        if not report.failures and all(verdict is WRITTEN for verdict in verdicts.values()):
            # Everything written: nothing to quarantine, retry or settle (the common invocation).
            self._report(InvocationCounts(len(sources), written=len(sources), write_calls=report.calls))
            return {"batchItemFailures": []}
        for failure in report.failures:
            index = failure.item.source_index
            if failure.kind is FailureKind.TRANSIENT:
                verdicts[index] = RETRY
            elif not verdicts[index].retry:
                earlier = verdicts[index].detail
                detail = f"{earlier}; {failure.detail}" if earlier else failure.detail
                verdicts[index] = Verdict(reason=_REASON_BY_FAILURE[failure.kind], detail=detail)
        for shard_sources in _by_shard(sources).values():
            self._settler.settle(shard_sources, verdicts, deadline)
        counts = self._count(sources, verdicts, report.calls)
        self._report(counts)
        return {
            "batchItemFailures": [
                {"itemIdentifier": source.sequence_number}
                for source in sources
                if verdicts[source.index].retry
            ]
        }

    def close(self) -> None:
        """Stop the write thread pool (long-lived processes such as the local mapping)."""
        self._writer.close()

    def _decode(self, sources: Sequence[SourceRecord]) -> tuple[dict[int, Verdict], list[PendingRecord]]:
        now_ns = self._clock_ns()
        verdicts: dict[int, Verdict] = {}
        pending: list[PendingRecord] = []
        for source in sources:
            try:
                decoded = decode_payload(source.payload(), now_ns)
            except DecodeError as error:
                verdicts[source.index] = Verdict(reason=error.reason, detail=error.message)
                continue
            except Exception as error:  # a decoder bug: deterministic, so retrying would block the shard
                where = {"sequence_number": source.sequence_number, "error_type": type(error).__name__}
                self._log.error("decoder failed; record quarantined", extra=where)
                self._log.debug("decoder failure", exc_info=True)  # the message may quote the payload
                detail = f"decoder failed ({type(error).__name__}: {error}); report this payload as a bug"
                verdicts[source.index] = Verdict(reason=QuarantineReason.UNDECODABLE, detail=detail)
                continue
            verdicts[source.index] = WRITTEN
            for record in decoded.records:
                pending.append(PendingRecord(source.index, record))
        return verdicts, pending

    def _count(
        self, sources: Sequence[SourceRecord], verdicts: Mapping[int, Verdict], calls: int
    ) -> InvocationCounts:
        counts = InvocationCounts(received=len(sources), write_calls=calls)
        for source in sources:
            verdict = verdicts[source.index]
            if verdict.retry:
                counts.retried += 1
            elif verdict.reason is not None:
                counts.quarantined[verdict.reason.value] = counts.quarantined.get(verdict.reason.value, 0) + 1
            else:
                counts.written += 1
        return counts

    def _report(self, counts: InvocationCounts) -> None:
        self._log.info(
            "batch processed",
            extra={
                "table": self.config.table,
                "received": counts.received,
                "written": counts.written,
                "quarantined": counts.quarantined,
                "retried": counts.retried,
                "write_records_calls": counts.write_calls,
            },
        )
        if counts.retried:
            self._log.warning("records left for Lambda to retry", extra={"retried": counts.retried})
        if self._publish:
            publish_metrics(
                counts, self.config.metrics_namespace, self.config.service_name, self.config.table
            )


def _by_shard(sources: Sequence[SourceRecord]) -> dict[tuple[str, str], list[SourceRecord]]:
    shards: dict[tuple[str, str], list[SourceRecord]] = defaultdict(list)
    for source in sources:
        shards[source.shard_key].append(source)
    return shards
