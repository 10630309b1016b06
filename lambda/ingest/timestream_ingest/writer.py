"""WriteRecords with every outcome accounted for, per Timestream record.

- RejectedRecordsException is a partial success: the records it names by RecordIndex are rejected
  (permanent), the rest of the call was written.
- ValidationException/ParamValidationError: the call is split in halves until the offending record
  is alone (at most log2(100) = 7 extra levels), so one bad record does not sink 99 good ones.
- Anything else (throttling, 5xx, timeouts, access or missing-table errors) is transient: the
  records stay in the stream and are retried; nothing is quarantined for an infrastructure fault.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

from timestream_ingest.batching import Batch, PendingRecord, make_batch, plan_batches

LOG = logging.getLogger(__name__)


class FailureKind(Enum):
    REJECTED = "rejected"  # Timestream refused this record for good
    INVALID = "invalid"  # ValidationException isolated to this record
    TRANSIENT = "transient"  # not written; a retry may succeed


@dataclass(frozen=True)
class RecordFailure:
    item: PendingRecord
    kind: FailureKind
    detail: str


@dataclass
class WriteReport:
    """What the calls did: the failures (everything else was written) and how many calls ran."""

    failures: list[RecordFailure] = field(default_factory=list)
    calls: int = 0

    def merge(self, other: WriteReport) -> WriteReport:
        self.failures.extend(other.failures)
        self.calls += other.calls
        return self


class TimestreamWriter:
    """Writes to one table; batches of one invocation may run concurrently on a small thread pool."""

    def __init__(self, client: Any, database: str, table: str, concurrency: int) -> None:
        self._client, self._database, self._table = client, database, table
        self._executor = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="write-records")
        self._concurrency = concurrency

    def write(self, items: Sequence[PendingRecord]) -> WriteReport:
        batches = plan_batches(items)
        if len(batches) <= 1 or self._concurrency == 1:
            reports = [self._write(batch) for batch in batches]
        else:
            reports = list(self._executor.map(self._write, batches))
        total = WriteReport()
        for report in reports:
            total.merge(report)
        return total

    def close(self) -> None:
        self._executor.shutdown(wait=True)

    def _write(self, batch: Batch) -> WriteReport:
        request: dict[str, Any] = {
            "DatabaseName": self._database,
            "TableName": self._table,
            "Records": batch.records,
        }
        if batch.common:
            request["CommonAttributes"] = batch.common
        try:
            self._client.write_records(**request)
        except self._client.exceptions.RejectedRecordsException as error:
            return WriteReport(self._rejected(batch, error.response), calls=1)
        except (self._client.exceptions.ValidationException, ParamValidationError) as error:
            return self._isolate_invalid(batch, str(error))
        except (ClientError, BotoCoreError) as error:
            LOG.warning("WriteRecords failed transiently for %d records: %s", len(batch.items), error)
            return WriteReport(
                [RecordFailure(i, FailureKind.TRANSIENT, str(error)) for i in batch.items], calls=1
            )
        return WriteReport(calls=1)

    def _rejected(self, batch: Batch, response: dict[str, Any]) -> list[RecordFailure]:
        failures = []
        for rejected in response.get("RejectedRecords", []):
            index = rejected.get("RecordIndex")
            if not isinstance(index, int) or not 0 <= index < len(batch.items):
                # The service named a record we did not send: trust nothing, retry the whole call.
                LOG.error(
                    "RejectedRecords holds RecordIndex %r outside the call of %d", index, len(batch.items)
                )
                detail = f"unmappable RejectedRecords entry {rejected!r}"
                return [RecordFailure(item, FailureKind.TRANSIENT, detail) for item in batch.items]
            detail = str(rejected.get("Reason", "rejected by Timestream"))
            if "ExistingVersion" in rejected:
                detail += f" (existing version {rejected['ExistingVersion']})"
            failures.append(RecordFailure(batch.items[index], FailureKind.REJECTED, detail))
        return failures

    def _isolate_invalid(self, batch: Batch, message: str) -> WriteReport:
        if len(batch.items) == 1:
            return WriteReport([RecordFailure(batch.items[0], FailureKind.INVALID, message)], calls=1)
        middle = len(batch.items) // 2
        report = WriteReport(calls=1)
        for half in (batch.items[:middle], batch.items[middle:]):
            report.merge(self._write(make_batch(half)))
        return report
