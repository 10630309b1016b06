"""One invocation: per shard, load the state, apply the new records, send the matches, save the state.

The order makes retries safe. The state is saved last, conditionally, with the sequence number of
the last record applied: a batch that failed anywhere before is applied again from the same state
and yields the same matches (the ones already sent are sent again, identical); a batch delivered
again after it was saved is recognised by its sequence numbers and yields nothing.
Any failure raises, so the mapping retries the batch and in the end hands it to its on-failure
destination, as it does for the ingest function.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from timestream_cep.lineage import parent_shard_ids
from timestream_cep.publisher import MatchPublisher
from timestream_cep.readings import InvalidReading, sensor_reading
from timestream_cep.stage import CepStage
from timestream_cep.state_store import StateStore, StoredState

LOG = logging.getLogger(__name__)


@dataclass
class CepCounts:
    """What one invocation did with its records (each record counted once)."""

    received: int = 0
    already_applied: int = 0
    readings: int = 0
    late: int = 0
    invalid: int = 0
    matches: int = 0
    invalid_reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _ShardRecord:
    sequence_number: str
    data: bytes
    arrival_ms: int | None


class CepProcessor:
    """The CEP stage over Kinesis events, with its state store, the CEP stream and the raw stream."""

    def __init__(self, store: StateStore, publisher: MatchPublisher, kinesis: Any) -> None:
        self._store, self._publisher, self._kinesis = store, publisher, kinesis

    def process(self, event: Mapping[str, Any]) -> CepCounts:
        counts = CepCounts()
        for (stream_arn, shard_id), records in _by_shard(event).items():
            counts.received += len(records)
            self._process_shard(stream_arn, shard_id, records, counts)
        return counts

    def _process_shard(
        self, stream_arn: str, shard_id: str, records: list[_ShardRecord], counts: CepCounts
    ) -> None:
        key = shard_key(stream_arn, shard_id)
        stored = self._store.load(key)
        fresh = [record for record in records if not stored.applied(record.sequence_number)]
        counts.already_applied += len(records) - len(fresh)
        if not fresh:
            return
        stage = self._stage(stored, stream_arn, shard_id)
        before = stage.to_state()
        outcome = stage.process(self._readings(fresh, counts))
        counts.late += len(outcome.late)
        counts.matches += len(outcome.matches)
        if outcome.late:
            LOG.info("%d readings behind the watermark of %s left out of CEP", len(outcome.late), key)
        self._publisher.put(outcome.matches)
        after = stage.to_state()
        if after != before or stored.state is None:
            self._store.save(key, stored.sequence, fresh[-1].sequence_number, after)

    def _stage(self, stored: StoredState, stream_arn: str, shard_id: str) -> CepStage:
        if stored.state is not None or stored.sequence is not None:
            return CepStage.from_state(stored.state)
        parents = parent_shard_ids(self._kinesis, stream_arn, shard_id)
        return CepStage.merged(self._store.load(shard_key(stream_arn, p)).state for p in parents)

    def _readings(self, records: list[_ShardRecord], counts: CepCounts) -> list[Any]:
        readings = []
        for record in records:
            try:
                reading = sensor_reading(record.data, record.arrival_ms)
            except InvalidReading as error:
                counts.invalid += 1
                counts.invalid_reasons.append(f"{record.sequence_number}: {error}")
                continue
            if reading is not None:
                readings.append(reading)
        counts.readings += len(readings)
        return readings


def shard_key(stream_arn: str, shard_id: str) -> str:
    """The state item's key: the stream's ARN and the shard id."""
    return f"{stream_arn}|{shard_id}"


def _by_shard(event: Mapping[str, Any]) -> dict[tuple[str, str], list[_ShardRecord]]:
    records = event.get("Records") if isinstance(event, Mapping) else None
    if not isinstance(records, list):
        raise ValueError("the event has no 'Records' list; the CEP handler expects a Kinesis event")
    shards: dict[tuple[str, str], list[_ShardRecord]] = {}
    for record in records:
        kinesis = record["kinesis"]
        shard_id = record["eventID"].split(":", 1)[0]
        arrival = kinesis.get("approximateArrivalTimestamp")
        shards.setdefault((record["eventSourceARN"], shard_id), []).append(
            _ShardRecord(
                sequence_number=kinesis["sequenceNumber"],
                data=base64.b64decode(kinesis["data"]),
                arrival_ms=_arrival_ms(arrival),
            )
        )
    return shards


def _arrival_ms(arrival: Any) -> int | None:
    """approximateArrivalTimestamp: epoch seconds in Lambda's events (ISO text in some test tools)."""
    if isinstance(arrival, int | float):
        return round(arrival * 1000)
    if isinstance(arrival, str):
        return round(datetime.fromisoformat(arrival).timestamp() * 1000)
    return None
