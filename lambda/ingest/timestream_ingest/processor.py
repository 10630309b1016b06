"""The ingest processor: one Kinesis event in, every record written, quarantined or retried.

Each Kinesis record ends in exactly one of three states:
- written: all its Timestream records were accepted;
- quarantined: it can never be written (undecodable, invalid, rejected by Timestream) and is now
  stored in S3 with the reason;
- retried: reported in `batchItemFailures` because it is not durably handled yet (a transient
  write error, a failed quarantine write, or a permanent problem behind an earlier retried record
  of its shard, which Lambda will redeliver anyway: quarantining it now would duplicate it then).
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from timestream_ingest.batching import PendingRecord
from timestream_ingest.config import IngestConfig
from timestream_ingest.decoders import decode_payload
from timestream_ingest.exceptions import DecodeError, QuarantineReason
from timestream_ingest.kinesis_records import SourceRecord, source_records
from timestream_ingest.quarantine import QuarantineEntry, QuarantineStore
from timestream_ingest.telemetry import InvocationCounts, get_logger, publish_metrics
from timestream_ingest.writer import FailureKind, TimestreamWriter

_REASON_BY_FAILURE = {
    FailureKind.REJECTED: QuarantineReason.REJECTED_BY_TIMESTREAM,
    FailureKind.INVALID: QuarantineReason.INVALID_FOR_TIMESTREAM,
}


@dataclass(frozen=True)
class Verdict:
    """The state of one Kinesis record; `reason` is set exactly when it is to be quarantined."""

    retry: bool = False
    reason: QuarantineReason | None = None
    detail: str = ""


WRITTEN, RETRY = Verdict(), Verdict(retry=True)


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
    ) -> None:
        self.config = config
        self._writer = TimestreamWriter(write_client, config.database, config.table, config.write_concurrency)
        self._quarantine = QuarantineStore(s3_client, config.quarantine_bucket, config.quarantine_prefix)
        self._clock_ns = clock_ns
        self._publish = publish
        self._log = get_logger(config.service_name)

    def process(self, event: Mapping[str, Any]) -> dict[str, list[dict[str, str]]]:
        """The partial-batch response for `event`: the records Lambda must deliver again."""
        sources = source_records(event)
        verdicts, pending = self._decode(sources)
        report = self._writer.write(pending)
        for failure in report.failures:
            index = failure.item.source_index
            if failure.kind is FailureKind.TRANSIENT:
                verdicts[index] = RETRY
            elif not verdicts[index].retry:
                earlier = verdicts[index].detail
                detail = f"{earlier}; {failure.detail}" if earlier else failure.detail
                verdicts[index] = Verdict(reason=_REASON_BY_FAILURE[failure.kind], detail=detail)
        for shard_sources in _by_shard(sources).values():
            self._settle_shard(shard_sources, verdicts)
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
            pending.extend(PendingRecord(source.index, record) for record in decoded.records)
        return verdicts, pending

    def _settle_shard(self, sources: Sequence[SourceRecord], verdicts: dict[int, Verdict]) -> None:
        """Quarantine what precedes the shard's first retried record; defer the rest to the redelivery."""
        retried = [s.sequence_order for s in sources if verdicts[s.index].retry]
        first_retried = min(retried) if retried else None
        entries = []
        for source in sources:
            verdict = verdicts[source.index]
            if verdict.reason is None:
                continue
            if first_retried is not None and source.sequence_order > first_retried:
                verdicts[source.index] = RETRY
            else:
                entries.append(QuarantineEntry(source, verdict.reason, verdict.detail))
        if not entries:
            return
        first_of_batch = min(sources, key=lambda s: s.sequence_order)
        try:
            key = self._quarantine.put(first_of_batch, entries)
        except (ClientError, BotoCoreError) as error:
            self._log.error(
                "quarantine write failed; its records will be retried",
                extra={"shard_id": first_of_batch.shard_id, "records": len(entries), "error": str(error)},
            )
            for entry in entries:
                verdicts[entry.source.index] = RETRY
            return
        self._log.warning(
            "records quarantined",
            extra={
                "quarantine_key": key,
                "shard_id": first_of_batch.shard_id,
                "sequence_numbers": [e.source.sequence_number for e in entries],
                "reasons": dict(Counter(e.reason.value for e in entries)),
            },
        )
        for entry in entries:  # payload fragments may appear in details: DEBUG only
            self._log.debug(
                "quarantine detail",
                extra={"sequence_number": entry.source.sequence_number, "detail": entry.detail},
            )

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
