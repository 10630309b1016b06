"""What Lambda hands a Kinesis-triggered function: the event, the context and the on-failure record.

The shapes are the service's own (Lambda developer guide, "Using Lambda with Kinesis" and "Retain
discarded batch records for a Kinesis Data Streams event source"), so a handler tested here behaves
the same behind a real event source mapping, and `replay` reads local and deployed kept records alike.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from json.encoder import encode_basestring_ascii as _json_string
from typing import Any

from local.lambda_context import LocalLambdaContext
from pipeline_config import names

__all__ = [
    "LocalLambdaContext",
    "StreamRecord",
    "kept_object_key",
    "kinesis_event",
    "kinesis_event_json",
    "on_failure_record",
    "payload_event",
]

RETRY_ATTEMPTS_EXHAUSTED = "RetryAttemptsExhausted"
RECORD_AGE_EXCEEDED = "RecordAgeExceeded"
# A sequence number of the size Kinesis hands out (56 digits), for events built from bare payloads.
FIRST_SEQUENCE_NUMBER = 49590338271490256608559692538361571095921575989136588898


class StreamRecord:
    """One record read from a shard with GetRecords, kept as the wire carries it and the event needs it:
    `data_base64` (base64 text) and `arrival_seconds` (epoch seconds); `data` and `arrival` decode them."""

    __slots__ = ("arrival_seconds", "data_base64", "partition_key", "sequence_number", "shard_id")

    def __init__(
        self, shard_id: str, sequence_number: str, partition_key: str, data: bytes, arrival: datetime
    ) -> None:
        self._set(
            shard_id,
            sequence_number,
            partition_key,
            base64.b64encode(data).decode("ascii"),
            arrival.timestamp(),
        )

    def _set(
        self,
        shard_id: str,
        sequence_number: str,
        partition_key: str,
        data_base64: str,
        arrival_seconds: float,
    ) -> None:
        self.shard_id, self.sequence_number, self.partition_key = shard_id, sequence_number, partition_key
        self.data_base64, self.arrival_seconds = data_base64, arrival_seconds

    @classmethod
    def from_get_records(cls, shard_id: str, record: Mapping[str, Any]) -> StreamRecord:
        """From a record of a boto3 client's GetRecords (bytes and a datetime, as botocore parses them)."""
        return cls(
            shard_id,
            record["SequenceNumber"],
            record["PartitionKey"],
            record["Data"],
            record["ApproximateArrivalTimestamp"],
        )

    @classmethod
    def from_wire(cls, shard_id: str, record: Mapping[str, Any]) -> StreamRecord:
        """From a record of GetRecords' JSON as sent (kinesis_wire.py): nothing decoded."""
        self = cls.__new__(cls)
        self._set(
            shard_id,
            record["SequenceNumber"],
            record["PartitionKey"],
            record["Data"],
            float(record["ApproximateArrivalTimestamp"]),
        )
        return self

    @property
    def data(self) -> bytes:
        return base64.b64decode(self.data_base64)

    @property
    def arrival(self) -> datetime:
        return datetime.fromtimestamp(self.arrival_seconds, UTC)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StreamRecord) and self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return f"StreamRecord{self._fields()!r}"

    def _fields(self) -> tuple[str, str, str, str, float]:
        return (
            self.shard_id,
            self.sequence_number,
            self.partition_key,
            self.data_base64,
            self.arrival_seconds,
        )


def function_arn(function_name: str, region: str, account: str) -> str:
    return f"arn:aws:lambda:{region}:{account}:function:{function_name}"


def kinesis_event(
    records: Sequence[StreamRecord], *, stream_arn: str, region: str, account: str, function_name: str
) -> dict[str, Any]:
    """The event a Kinesis event source mapping passes to the function for one batch."""
    return json.loads(
        kinesis_event_json(
            records, stream_arn=stream_arn, region=region, account=account, function_name=function_name
        )
    )


def kinesis_event_json(
    records: Sequence[StreamRecord], *, stream_arn: str, region: str, account: str, function_name: str
) -> str:
    """`kinesis_event` as JSON text, assembled from the records' wire fields (the shape's one definition).

    The mapping hands this text to the function's environment as it is: building a dict per record only
    to serialize it again was a tenth of the mapping's CPU. Sequence numbers and shard ids are digits and
    `shardId-` names, the data base64 text: only the partition key needs JSON escaping.
    """
    source = json.dumps(
        {
            "invokeIdentityArn": f"arn:aws:iam::{account}:role/{function_name}-role",
            "awsRegion": region,
            "eventSourceARN": stream_arn,
        },
        separators=(",", ":"),
    )[1:]  # the members every record shares, and the record's closing brace
    items = [
        f'{{"kinesis":{{"kinesisSchemaVersion":"1.0","partitionKey":{_json_string(record.partition_key)},'
        f'"sequenceNumber":"{record.sequence_number}","data":"{record.data_base64}",'
        f'"approximateArrivalTimestamp":{record.arrival_seconds!r}}},"eventSource":"aws:kinesis",'
        f'"eventVersion":"1.0","eventID":"{record.shard_id}:{record.sequence_number}",'
        f'"eventName":"aws:kinesis:record",{source}'
        for record in records
    ]
    return '{"Records":[' + ",".join(items) + "]}"


def payload_event(
    payloads: Sequence[bytes],
    *,
    stream_arn: str,
    first_sequence: int = FIRST_SEQUENCE_NUMBER,
    shard_id: str = "shardId-000000000000",
    partition_key: str = "pk",
    first_arrival: float = 1_700_000_000.0,
    region: str = names.LOCAL_REGION,
    account: str = names.LOCAL_ACCOUNT,
    function_name: str = "ingest",
) -> dict[str, Any]:
    """A one-shard event carrying raw payloads with consecutive sequence numbers (tests, benchmarks)."""
    records = [
        StreamRecord(
            shard_id=shard_id,
            sequence_number=str(first_sequence + offset),
            partition_key=partition_key,
            data=data,
            arrival=datetime.fromtimestamp(first_arrival + offset, UTC),
        )
        for offset, data in enumerate(payloads)
    ]
    return kinesis_event(
        records, stream_arn=stream_arn, region=region, account=account, function_name=function_name
    )


def on_failure_record(
    records: Sequence[StreamRecord],
    *,
    stream_arn: str,
    condition: str,
    function_arn: str,
    invoke_count: int,
    function_error: str | None,
    event: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Lambda's on-failure record: the batch's metadata, and for an S3 destination the whole
    invocation `event` in `payload`, as an escaped JSON string."""
    first, last = records[0], records[-1]
    record: dict[str, Any] = {
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "functionArn": function_arn,
            "condition": condition,
            "approximateInvokeCount": invoke_count,
        },
        "responseContext": {
            "statusCode": 200,
            "executedVersion": "$LATEST",
            "functionError": function_error or "",
        },
        "version": "1.0",
        "timestamp": _iso(datetime.now(UTC)),
        "KinesisBatchInfo": {
            "shardId": first.shard_id,
            "startSequenceNumber": first.sequence_number,
            "endSequenceNumber": last.sequence_number,
            "approximateArrivalOfFirstRecord": _iso(first.arrival),
            "approximateArrivalOfLastRecord": _iso(last.arrival),
            "batchSize": len(records),
            "streamArn": stream_arn,
        },
    }
    if event is not None:
        record["payload"] = json.dumps(event)
    return record


def kept_object_key(mapping_uuid: str, shard_id: str, at: datetime) -> str:
    """Lambda's S3 object name: `aws/lambda/<ESM-UUID>/<shardID>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<UUID>`."""
    moment = at.astimezone(UTC)
    return (
        f"{names.KEPT_RECORDS_PREFIX}{mapping_uuid}/{shard_id}/{moment:%Y/%m/%d}/"
        f"{moment:%Y-%m-%dT%H.%M.%S}-{uuid.uuid4()}"
    )


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
