"""What moto's Timestream does not do, done on a real client: the service's write rules and faults.

moto stores WriteRecords but ignores CommonAttributes and validates nothing. Registered on the
default boto3 session (so every client the handler builds inherits it), this hook intercepts each
WriteRecords call before it is signed and
- records the call exactly as the handler sent it (`calls`);
- applies Timestream's rules: at most 100 records, no dimension both common and per record
  (ValidationException), CommonAttributes merged into each record, so moto stores what Timestream would;
- injects the faults a test asks for, decided by record content so concurrency cannot reorder them:
  `reject` (RejectedRecordsException by RecordIndex, the rest written), `throttle` (ThrottlingException
  for the whole call), `server_error` (HTTP 500 InternalServerException for the whole call),
  `time_out` (a read timeout) and `invalid` (ValidationException for any call holding the record).
  `throttle_first` throttles the first N calls whatever they hold (an episode of throttling).
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ReadTimeoutError

Record = dict[str, Any]
RecordPredicate = Callable[[Record], bool]


@dataclass
class _HttpResponse:
    status_code: int
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class TimestreamRules:
    """Install with `boto3.DEFAULT_SESSION.events.register(TimestreamRules.EVENT, rules)`."""

    EVENT = "before-call.timestream-write.WriteRecords"

    calls: list[dict[str, Any]] = field(default_factory=list)
    reject: RecordPredicate | None = None
    throttle: RecordPredicate | None = None
    invalid: RecordPredicate | None = None
    time_out: RecordPredicate | None = None
    server_error: RecordPredicate | None = None
    throttle_first: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, params: dict[str, Any], **_: Any) -> tuple[_HttpResponse, dict[str, Any]] | None:
        request = json.loads(params["body"])
        with self._lock:
            self.calls.append(copy.deepcopy(request))
            throttled = self.throttle_first > 0
            self.throttle_first -= throttled
        if throttled:
            return _error("ThrottlingException", "Rate exceeded")
        records = request["Records"]
        if len(records) > 100:
            return _error("ValidationException", f"{len(records)} records in one call; the limit is 100")
        try:
            merged = [merge_common(request.get("CommonAttributes", {}), record) for record in records]
        except ValueError as error:
            return _error("ValidationException", str(error))
        if self.invalid and any(self.invalid(record) for record in merged):
            return _error("ValidationException", "a record is invalid")
        if self.time_out and any(self.time_out(record) for record in merged):
            raise ReadTimeoutError(endpoint_url="https://ingest.timestream.us-east-1.amazonaws.com")
        if self.throttle and any(self.throttle(record) for record in merged):
            return _error("ThrottlingException", "Rate exceeded")
        if self.server_error and any(self.server_error(record) for record in merged):
            return _error("InternalServerException", "Internal server error", status=500)
        rejected = [i for i, record in enumerate(merged) if self.reject and self.reject(record)]
        accepted = [record for i, record in enumerate(merged) if i not in rejected]
        if rejected:
            # A partial success: the rest of the call is written (through a hook-free request).
            _write_directly(request, accepted)
            entries = [
                {"RecordIndex": i, "Reason": "A record with a higher version exists"} for i in rejected
            ]
            return _error(
                "RejectedRecordsException", "One or more records were rejected", RejectedRecords=entries
            )
        request.pop("CommonAttributes", None)
        request["Records"] = accepted
        params["body"] = json.dumps(request).encode()
        return None


def merge_common(common: Record, record: Record) -> Record:
    """Timestream's merge: the record's attributes win, dimensions are joined and may not overlap."""
    common_dims = common.get("Dimensions", [])
    own_dims = record.get("Dimensions", [])
    overlap = {d["Name"] for d in common_dims} & {d["Name"] for d in own_dims}
    if overlap:
        raise ValueError(f"dimensions {sorted(overlap)} are both common and per record")
    return {**common, **record, "Dimensions": [*common_dims, *own_dims]}


def _error(code: str, message: str, status: int = 400, **extra: Any) -> tuple[_HttpResponse, dict[str, Any]]:
    parsed = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": status},
        **extra,
    }
    return _HttpResponse(status), parsed


def _write_directly(request: dict[str, Any], records: list[Record]) -> None:
    if not records:
        return
    from moto.timestreamwrite.models import timestreamwrite_backends

    backend = timestreamwrite_backends["123456789012"]["us-east-1"]
    backend.write_records(request["DatabaseName"], request["TableName"], records)
