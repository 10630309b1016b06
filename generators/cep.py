"""CEP workload: the CEP stage's matcher run over a sensors stream it invents, as a load for the CEP stream.

The pattern and its measures live once, in the CEP Lambda's package (`timestream_cep.pattern`, the
seed's Flink MATCH_RECOGNIZE; generators/flink/cep.sql is the same query for Flink). The invented
readings arrive in event-time order, so they go straight to the matcher, and each match is due
when its closing ERROR is read. To derive CEP rows from real sensor data, send that data to the
raw stream: the deployed CEP stage (and the local stack's) matches it.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from generators.records import GeneratedRecord, compact_json
from generators.sensors import SensorOptions, readings
from timestream_cep.pattern import Partial, Reading, cep_record, step


@dataclass(frozen=True)
class CepOptions:
    sensors: int = 100
    tick_seconds: float = 1.0


def find_matches(stream: Iterable[Reading]) -> Iterator[tuple[tuple[Reading, ...], int]]:
    """Each match's rows and the time of its closing row, as the matches complete (input in time order)."""
    partials: dict[str, Partial] = {}
    for row in stream:
        partials[row.sensor_id], match = step(partials.get(row.sensor_id, ()), row)
        if match is not None:
            yield match, row.event_time


def cep_records(rng: random.Random, start_ms: int, options: CepOptions) -> Iterator[GeneratedRecord]:
    """CEP records over a seeded sensors stream, each due when its closing ERROR arrives."""
    sensor_options = SensorOptions(sensors=options.sensors, tick_seconds=options.tick_seconds)
    invented = (
        Reading(r.sensor_id, r.temperature, r.status, r.event_time)
        for r in readings(rng, start_ms, sensor_options)
    )
    for rows, closed_ms in find_matches(invented):
        yield GeneratedRecord(
            compact_json(cep_record(rows)), rows[0].sensor_id, rows[0].event_time, closed_ms
        )
