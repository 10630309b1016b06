"""One WriteRecords call and what its answer means for each Timestream record it carried.

- Success: every record was written.
- RejectedRecordsException is a partial success: the records it names by RecordIndex are rejected
  for good, the rest of the call was written.
- ValidationException / ParamValidationError: something in the call is invalid; the writer splits
  the call until the offending record is alone.
- Anything else is transient (throttling, 5xx, timeouts, connection errors, access or missing-table
  errors): nothing of the call was written, and a retry may succeed. An infrastructure fault never
  sends data to quarantine.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

from timestream_ingest.batching import Batch, PendingRecord

LOG = logging.getLogger(__name__)
# 503 means "overloaded, slow down": the service is fine and the content is not to blame.
_NOT_CONTENT_RELATED = frozenset({503})


class FailureKind(Enum):
    REJECTED = "rejected"  # Timestream refused this record for good
    INVALID = "invalid"  # ValidationException isolated to this record
    TRANSIENT = "transient"  # not written; a later delivery may succeed


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


@dataclass(frozen=True)
class CallOutcome:
    """The answer to one call. `settled`: nothing left to do (written, or rejected records named)."""

    settled: bool
    rejected: tuple[RecordFailure, ...] = ()
    invalid: str = ""  # the ValidationException's text: split the call to find the record
    server_error: bool = False  # a 5xx that may come from the call's content
    error: str = ""  # the transient error's text


WRITTEN = CallOutcome(settled=True)


def write_records(client: Any, database: str, table: str, batch: Batch) -> CallOutcome:
    """Send `batch` as one WriteRecords call and classify the answer (one attempt, no retry)."""
    request: dict[str, Any] = {"DatabaseName": database, "TableName": table, "Records": batch.records}
    if batch.common:
        request["CommonAttributes"] = batch.common
    try:
        client.write_records(**request)
    except client.exceptions.RejectedRecordsException as error:
        return _rejected(batch, error.response)
    except (client.exceptions.ValidationException, ParamValidationError) as error:
        return CallOutcome(settled=False, invalid=str(error))
    except (ClientError, BotoCoreError) as error:
        status = _status(error)
        server_error = status >= 500 and status not in _NOT_CONTENT_RELATED
        return CallOutcome(settled=False, server_error=server_error, error=str(error))
    return WRITTEN


def _status(error: Exception) -> int:
    if isinstance(error, ClientError):
        return int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    return 0


def _rejected(batch: Batch, response: dict[str, Any]) -> CallOutcome:
    failures = []
    for rejected in response.get("RejectedRecords", []):
        index = rejected.get("RecordIndex")
        if not isinstance(index, int) or not 0 <= index < len(batch.items):
            # The service named a record we did not send: trust nothing, retry the whole call.
            LOG.error("RejectedRecords holds RecordIndex %r outside the call of %d", index, len(batch.items))
            return CallOutcome(settled=False, error=f"unmappable RejectedRecords entry {rejected!r}")
        detail = str(rejected.get("Reason", "rejected by Timestream"))
        if "ExistingVersion" in rejected:
            detail += f" (existing version {rejected['ExistingVersion']})"
        failures.append(RecordFailure(batch.items[index], FailureKind.REJECTED, detail))
    return CallOutcome(settled=True, rejected=tuple(failures))
