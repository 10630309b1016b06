"""Settle one shard's records after the writes: quarantine what must be, defer what Lambda will redeliver.

Lambda checkpoints a shard at its lowest failed record and redelivers everything after it, so:
- a record to quarantine that comes before the shard's first retried record is quarantined now
  (one S3 object per invocation and shard, retried with backoff within the invocation's time);
- one that comes after it is retried instead: it is quarantined on the redelivery, never twice;
- if the quarantine object cannot be stored in time, its records are retried too;
- when anything is retried, the records handled behind the first retried one go to the ledger.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from timestream_ingest.exceptions import QuarantineReason
from timestream_ingest.kinesis_records import SourceRecord
from timestream_ingest.ledger import HandledLedger
from timestream_ingest.quarantine import QuarantineEntry, QuarantineStore
from timestream_ingest.retry_budget import Deadline, Retrier


@dataclass(frozen=True)
class Verdict:
    """The state of one Kinesis record; `reason` is set exactly when it is to be quarantined."""

    retry: bool = False
    reason: QuarantineReason | None = None
    detail: str = ""


WRITTEN, RETRY = Verdict(), Verdict(retry=True)


class ShardSettler:
    """Applies the rules above to one shard's records; `verdicts` is updated in place."""

    def __init__(
        self, quarantine: QuarantineStore, ledger: HandledLedger, retrier: Retrier, log: Any
    ) -> None:
        self._quarantine, self._ledger, self._retrier, self._log = quarantine, ledger, retrier, log

    def settle(
        self, sources: Sequence[SourceRecord], verdicts: dict[int, Verdict], deadline: Deadline
    ) -> None:
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
        if entries:
            self._quarantine_entries(sources, entries, verdicts, deadline)
        if first_retried is not None or any(verdicts[s.index].retry for s in sources):
            self._record_handled_ahead(sources, verdicts)  # failures only: never on the hot path

    def _quarantine_entries(
        self,
        sources: Sequence[SourceRecord],
        entries: list[QuarantineEntry],
        verdicts: dict[int, Verdict],
        deadline: Deadline,
    ) -> None:
        first_of_batch = min(sources, key=lambda s: s.sequence_order)
        try:
            key = self._retrier.call(
                lambda: self._quarantine.put(first_of_batch, entries), deadline, (ClientError, BotoCoreError)
            )
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

    def _record_handled_ahead(self, sources: Sequence[SourceRecord], verdicts: dict[int, Verdict]) -> None:
        ordered = sorted(sources, key=lambda s: s.sequence_order)
        retried = [s for s in ordered if verdicts[s.index].retry]
        if not retried:
            return
        first = retried[0].sequence_order
        handled = [s for s in ordered if s.sequence_order > first and not verdicts[s.index].retry]
        key = self._ledger.record(handled, retried)
        if key:
            self._log.info(
                "records handled behind a retried one", extra={"ledger_key": key, "handled": len(handled)}
            )
