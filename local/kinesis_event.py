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
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from local.lambda_context import LocalLambdaContext
from pipeline_config import names

__all__ = [
    "LocalLambdaContext",
    "StreamRecord",
    "kept_object_key",
    "kinesis_event",
    "on_failure_record",
    "payload_event",
]

RETRY_ATTEMPTS_EXHAUSTED = "RetryAttemptsExhausted"
RECORD_AGE_EXCEEDED = "RecordAgeExceeded"
# A sequence number of the size Kinesis hands out (56 digits), for events built from bare payloads.
FIRST_SEQUENCE_NUMBER = 49590338271490256608559692538361571095921575989136588898


@dataclass(frozen=True)
class StreamRecord:
    """One record read from a shard with GetRecords."""

    shard_id: str
    sequence_number: str
    partition_key: str
    data: bytes
    arrival: datetime

    @classmethod
    def from_get_records(cls, shard_id: str, record: Mapping[str, Any]) -> StreamRecord:
        return cls(
            shard_id=shard_id,
            sequence_number=record["SequenceNumber"],
            partition_key=record["PartitionKey"],
            data=record["Data"],
            arrival=record["ApproximateArrivalTimestamp"],
        )


def function_arn(function_name: str, region: str, account: str) -> str:
    return f"arn:aws:lambda:{region}:{account}:function:{function_name}"


def kinesis_event(
    records: Sequence[StreamRecord], *, stream_arn: str, region: str, account: str, function_name: str
) -> dict[str, Any]:
    """The event a Kinesis event source mapping passes to the function for one batch."""
    role_arn = f"arn:aws:iam::{account}:role/{function_name}-role"
    return {
        "Records": [
            {
                "kinesis": {
                    "kinesisSchemaVersion": "1.0",
                    "partitionKey": record.partition_key,
                    "sequenceNumber": record.sequence_number,
                    "data": base64.b64encode(record.data).decode("ascii"),
                    "approximateArrivalTimestamp": record.arrival.timestamp(),
                },
                "eventSource": "aws:kinesis",
                "eventVersion": "1.0",
                "eventID": f"{record.shard_id}:{record.sequence_number}",
                "eventName": "aws:kinesis:record",
                "invokeIdentityArn": role_arn,
                "awsRegion": region,
                "eventSourceARN": stream_arn,
            }
            for record in records
        ]
    }


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
