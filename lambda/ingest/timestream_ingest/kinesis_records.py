"""The Kinesis event Lambda delivers, turned into typed source records (no decoding of payloads)."""

from __future__ import annotations

import binascii
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from timestream_ingest.exceptions import MalformedEventError, UndecodableError

UNKNOWN_STREAM = "unknown-stream"
UNKNOWN_SHARD = "unknown-shard"


class SourceRecord:
    """One Kinesis record of the invocation, with what quarantine and checkpointing need.

    Read from the event lazily: only the index and sequence number are needed for every record;
    the rest (stream, shard, partition key, arrival time) only when a record is quarantined or
    retried, so the common invocation never formats a timestamp.
    """

    __slots__ = ("_kinesis", "_record", "index", "sequence_number")

    def __init__(
        self, index: int, sequence_number: str, record: Mapping[str, Any], kinesis: Mapping[str, Any]
    ):
        self.index = index
        self.sequence_number = sequence_number
        self._record, self._kinesis = record, kinesis

    def __repr__(self) -> str:
        return f"SourceRecord(index={self.index}, sequence_number={self.sequence_number!r})"

    @property
    def partition_key(self) -> str:
        return str(self._kinesis.get("partitionKey", ""))

    @property
    def data_base64(self) -> str:
        return str(self._kinesis.get("data", ""))

    @property
    def stream_arn(self) -> str:
        return str(self._record.get("eventSourceARN", ""))

    @property
    def shard_id(self) -> str:
        event_id = str(self._record.get("eventID", ""))
        return event_id.split(":", 1)[0] if ":" in event_id else UNKNOWN_SHARD

    @property
    def arrival_time(self) -> str:
        """ISO 8601 UTC, from approximateArrivalTimestamp ("" when absent)."""
        return _iso_time(self._kinesis.get("approximateArrivalTimestamp"))

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
            # base64.b64decode(validate=True) without its wrapper: ASCII text only, no stray characters
            return binascii.a2b_base64(self.data_base64, strict_mode=True)
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
    # `type(...) is dict` first: Lambda's event is JSON, and the Mapping check is an ABC's (slow) one
    kinesis = record.get("kinesis") if type(record) is dict or isinstance(record, Mapping) else None
    sequence_number = (
        kinesis.get("sequenceNumber", "") if type(kinesis) is dict or isinstance(kinesis, Mapping) else None
    )
    if type(sequence_number) is not str:  # Lambda sends text; anything else is checked as text
        sequence_number = None if sequence_number is None else str(sequence_number)
    if sequence_number is None or not sequence_number.isdigit():
        raise MalformedEventError(
            f"Records[{index}] has no 'kinesis' object with a numeric 'sequenceNumber'; "
            "only Kinesis event source mappings may invoke this handler"
        )
    return SourceRecord(index, sequence_number, record, kinesis)  # type: ignore[arg-type]


def _iso_time(epoch_seconds: Any) -> str:
    if not isinstance(epoch_seconds, int | float) or isinstance(epoch_seconds, bool):
        return ""
    return datetime.fromtimestamp(epoch_seconds, tz=UTC).isoformat(timespec="milliseconds")
