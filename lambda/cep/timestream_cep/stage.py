"""The CEP stage of one shard: readings in arrival order in, completed matches out, state in between.

Event time, as generators/flink/cep.sql declares it (`WATERMARK FOR ts AS ts - INTERVAL '5' SECOND`)
and as Flink runs it when it emits a watermark after every row:
- the shard's watermark is the largest event time seen so far minus OUT_OF_ORDERNESS_MS;
- a reading at or before the watermark is late: it does not take part in matching (Flink drops it
  too; ingest still stores it in the raw table) and is reported back to the caller;
- other readings wait in `pending` until the watermark passes them, then go to their sensor's
  matcher in event-time order (readings with equal times in arrival order).
So a match is found even when its readings arrive up to 5 s out of order, and it is emitted once a
reading 5 s younger than its closing ERROR has arrived on the shard.

`to_state()` / `from_state()` carry everything between invocations (plain JSON types), so a match
split over two batches is found once, exactly as if the batches had been one.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from timestream_cep.pattern import Partial, Reading, cep_record, expired, step

OUT_OF_ORDERNESS_MS = 5_000
STATE_VERSION = 1


@dataclass
class Outcome:
    """What one batch produced: match records in completion order, and the readings that came late."""

    matches: list[dict[str, Any]] = field(default_factory=list)
    late: list[Reading] = field(default_factory=list)


class CepStage:
    """Per-shard watermark and pending readings, per-sensor partial matches."""

    def __init__(
        self,
        watermark: int | None = None,
        pending: Iterable[Reading] = (),
        partials: dict[str, Partial] | None = None,
    ) -> None:
        self.watermark = watermark
        self._pending = sorted(pending, key=_event_time)
        self._partials: dict[str, Partial] = dict(partials or {})

    def process(self, readings: Iterable[Reading]) -> Outcome:
        """Feed readings in arrival (shard) order; returns the matches they completed."""
        outcome = Outcome()
        for reading in readings:
            if self.watermark is not None and reading.event_time <= self.watermark:
                outcome.late.append(reading)
                continue
            bisect.insort_right(self._pending, reading, key=_event_time)
            candidate = reading.event_time - OUT_OF_ORDERNESS_MS
            if self.watermark is None or candidate > self.watermark:
                self.watermark = candidate
                self._release(self.watermark, outcome.matches)
        self._forget_expired()
        return outcome

    def flush(self) -> list[dict[str, Any]]:
        """Match every pending reading, as Flink does at the end of a bounded input (tests, not Lambda)."""
        matches: list[dict[str, Any]] = []
        if self._pending:
            self._release(self._pending[-1].event_time, matches)
        return matches

    def _release(self, watermark: int, matches: list[dict[str, Any]]) -> None:
        ready = bisect.bisect_right(self._pending, watermark, key=_event_time)
        for reading in self._pending[:ready]:
            partial, match = step(self._partials.get(reading.sensor_id, ()), reading)
            if partial:
                self._partials[reading.sensor_id] = partial
            else:
                self._partials.pop(reading.sensor_id, None)
            if match is not None:
                matches.append(cep_record(match))
        del self._pending[:ready]

    def _forget_expired(self) -> None:
        """Partial matches no future reading can complete are dropped, so state stays bounded."""
        if self.watermark is None:
            return
        for sensor_id in [s for s, partial in self._partials.items() if expired(partial, self.watermark)]:
            del self._partials[sensor_id]

    def to_state(self) -> dict[str, Any]:
        """JSON-ready state: rows as [sensor_id, temperature, status, event_time]."""
        return {
            "version": STATE_VERSION,
            "watermark": self.watermark,
            "pending": [_row(reading) for reading in self._pending],
            "partials": {sensor: [_row(r) for r in rows] for sensor, rows in sorted(self._partials.items())},
        }

    @classmethod
    def from_state(cls, state: dict[str, Any] | None) -> CepStage:
        """The stage `to_state()` described; None (a shard seen for the first time) is an empty stage."""
        if not state:
            return cls()
        if state.get("version") != STATE_VERSION:
            raise ValueError(f"CEP state version {state.get('version')!r} is not {STATE_VERSION}")
        return cls(
            watermark=state["watermark"],
            pending=[Reading(*row) for row in state["pending"]],
            partials={sensor: tuple(Reading(*r) for r in rows) for sensor, rows in state["partials"].items()},
        )

    @classmethod
    def merged(cls, states: Iterable[dict[str, Any] | None]) -> CepStage:
        """One stage continuing several (a shard's parents after a reshard): nothing they held is lost.

        The lowest watermark keeps every reading the parents had not yet passed; a sensor open in two
        parents keeps the partial match that started last.
        """
        stages = [cls.from_state(state) for state in states if state]
        watermarks = [stage.watermark for stage in stages if stage.watermark is not None]
        partials: dict[str, Partial] = {}
        for stage in stages:
            for sensor, partial in stage._partials.items():
                if sensor not in partials or partials[sensor][0].event_time < partial[0].event_time:
                    partials[sensor] = partial
        pending = [reading for stage in stages for reading in stage._pending]
        return cls(min(watermarks) if watermarks else None, pending, partials)


def _event_time(reading: Reading) -> int:
    return reading.event_time


def _row(reading: Reading) -> list[Any]:
    return [reading.sensor_id, reading.temperature, reading.status, reading.event_time]
