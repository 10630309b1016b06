"""The Kinesis event Lambda delivers, turned into typed source records (no decoding of payloads)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from timestream_ingest.exceptions import MalformedEventError, UndecodableError

UNKNOWN_STREAM = "unknown-stream"
UNKNOWN_SHARD = "unknown-shard"


@dataclass(frozen=True)
class SourceRecord:
    """One Kinesis record of the invocation, with what quarantine and checkpointing need."""

    index: int
    sequence_number: str
    partition_key: str
    data_base64: str
    stream_arn: str
    shard_id: str
    arrival_time: str  # ISO 8601 UTC, from approximateArrivalTimestamp ("" when absent)

    @property
    def stream_name(self) -> str:
        return self.stream_arn.rsplit("/", 1)[-1] if "/" in self.stream_arn else UNKNOWN_STREAM

    @property
    def shard_key(self) -> tuple[str, str]:
        """Lambda checkpoints per shard, so quarantine objects and retries are kept per shard."""
        return (self.stream_arn, self.shard_id)

    @property
    def sequence_order(self) -> int:
        return int(self.sequence_number)

    def payload(self) -> bytes:
        """The producer's bytes (Lambda base64-encodes every Kinesis record once)."""
        try:
            return base64.b64decode(self.data_base64, validate=True)
        except (binascii.Error, ValueError) as error:
            raise UndecodableError(f"kinesis.data is not valid base64 ({error})") from None


def source_records(event: Mapping[str, Any]) -> list[SourceRecord]:
    """Every record of a Lambda Kinesis event, in delivery order; a non-Kinesis event is an error."""
    records = event.get("Records") if isinstance(event, Mapping) else None
    if not isinstance(records, list):
        raise MalformedEventError(
            "the event has no 'Records' list; the ingest handler expects a Kinesis event source mapping event"
        )
    return [_source_record(index, record) for index, record in enumerate(records)]


def _source_record(index: int, record: Any) -> SourceRecord:
    kinesis = record.get("kinesis") if isinstance(record, Mapping) else None
    if not isinstance(kinesis, Mapping) or not str(kinesis.get("sequenceNumber", "")).isdigit():
        raise MalformedEventError(
            f"Records[{index}] has no 'kinesis' object with a numeric 'sequenceNumber'; "
            "only Kinesis event source mappings may invoke this handler"
        )
    event_id = str(record.get("eventID", ""))
    shard_id = event_id.split(":", 1)[0] if ":" in event_id else UNKNOWN_SHARD
    return SourceRecord(
        index=index,
        sequence_number=str(kinesis["sequenceNumber"]),
        partition_key=str(kinesis.get("partitionKey", "")),
        data_base64=str(kinesis.get("data", "")),
        stream_arn=str(record.get("eventSourceARN", "")),
        shard_id=shard_id,
        arrival_time=_iso_time(kinesis.get("approximateArrivalTimestamp")),
    )


def _iso_time(epoch_seconds: Any) -> str:
    if not isinstance(epoch_seconds, int | float) or isinstance(epoch_seconds, bool):
        return ""
    return datetime.fromtimestamp(epoch_seconds, tz=UTC).isoformat(timespec="milliseconds")
