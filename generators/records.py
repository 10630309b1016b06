"""What every workload yields: one record ready for a sink, plus the time helpers they share."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class GeneratedRecord:
    """One record as a sink sends it.

    `data` is the exact payload (the Kinesis Data blob, or for direct Timestream writes the JSON of
    `timestream_record`); `event_time_ms` is the time the record describes; `due_ms` is when a live
    generator sends it (later than the event time for late-arriving data, and for a CEP match, the
    time of the row that completed it).
    """

    data: bytes
    partition_key: str
    event_time_ms: int
    due_ms: int
    timestream_record: dict[str, Any] | None = None


def compact_json(document: Any) -> bytes:
    """One-line JSON with a stable key order: the bytes reproduce exactly for a given seed."""
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def epoch_ms(moment: datetime) -> int:
    """Milliseconds since the epoch; a naive datetime is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def tick_times(start_ms: int, tick_ms: int) -> range:
    """The workload's clock: start, start + tick, ... without end (generators stop it)."""
    return range(start_ms, 2**62, tick_ms)
