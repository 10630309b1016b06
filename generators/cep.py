"""CEP workload: the seed's Flink MATCH_RECOGNIZE run in Python over a sensors stream.

Per sensor, in event-time order: an ERROR (A), then 1 to 5 readings that are not ERROR (B), then an
ERROR (C), the whole match spanning less than one minute (`WITHIN INTERVAL '1' MINUTE`, which Flink
checks as `C.time - A.time < 60 s`); AFTER MATCH SKIP PAST LAST ROW, so the closing ERROR never opens
the next match. Each match becomes one CEP record:
`{sensor_id, event_time (ms of A), non_errors (count of B), history (B statuses joined by "-"),
min_temperature, avg_temperature (2 places), max_temperature, elapsed (whole seconds A -> C)}`.
min/avg/max are over every row of the match (A, B and C): in MATCH_RECOGNIZE's MEASURES an aggregate
without a pattern variable, as the seed wrote it, runs over all rows mapped to the match.
generators/flink/cep.sql is the same query for Managed Flink.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from generators.records import GeneratedRecord, compact_json
from generators.sensors import Reading, SensorOptions, readings

WITHIN_MS = 60_000
MIN_NON_ERRORS = 1
MAX_NON_ERRORS = 5


@dataclass(frozen=True)
class CepOptions:
    sensors: int = 100
    tick_seconds: float = 1.0


@dataclass
class _PartialMatch:
    first_error: Reading
    non_errors: list[Reading] = field(default_factory=list)


def cep_record(rows: list[Reading]) -> dict[str, str | int | float]:
    """The CEP output row for one complete match A B{1,5} C."""
    first, middle, last = rows[0], rows[1:-1], rows[-1]
    temperatures = [float(row.temperature) for row in rows]
    return {
        "sensor_id": first.sensor_id,
        "event_time": first.event_time,
        "non_errors": len(middle),
        "history": "-".join(row.status for row in middle),
        "min_temperature": min(temperatures),
        "avg_temperature": round(sum(temperatures) / len(temperatures), 2),
        "max_temperature": max(temperatures),
        "elapsed": (last.event_time - first.event_time) // 1000,
    }


def find_matches(stream: Iterable[Reading]) -> Iterator[tuple[list[Reading], int]]:
    """Each match's rows and the time of its closing row, as the matches complete."""
    partial: dict[str, _PartialMatch] = {}
    for row in stream:
        current = partial.pop(row.sensor_id, None)
        if current is not None and row.event_time - current.first_error.event_time >= WITHIN_MS:
            current = None  # the window ran out: this partial match can never complete
        if row.status == "ERROR":
            if current is not None and MIN_NON_ERRORS <= len(current.non_errors) <= MAX_NON_ERRORS:
                yield [current.first_error, *current.non_errors, row], row.event_time
            else:
                partial[row.sensor_id] = _PartialMatch(row)
        elif current is not None:
            current.non_errors.append(row)
            if len(current.non_errors) <= MAX_NON_ERRORS:
                partial[row.sensor_id] = current


def cep_records(rng: random.Random, start_ms: int, options: CepOptions) -> Iterator[GeneratedRecord]:
    """CEP records over a seeded sensors stream, each due when its closing ERROR arrives."""
    sensor_options = SensorOptions(sensors=options.sensors, tick_seconds=options.tick_seconds)
    for rows, closed_ms in find_matches(readings(rng, start_ms, sensor_options)):
        document = cep_record(rows)
        yield GeneratedRecord(compact_json(document), rows[0].sensor_id, rows[0].event_time, closed_ms)
