"""Wave workload (the Timestream tutorial): a triangle-wave temperature written straight to Timestream.

The tutorial's wave: starts at 61, climbs to 99, falls to 33, and so on, one step of 1 per tick
(a period of about 132 ticks). Each record is a Timestream record: dimensions Location and Sensor,
measure `Temperature` DOUBLE, epoch milliseconds. Several sensors each start one step further along.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from generators.records import GeneratedRecord, compact_json, tick_times
from timestream_ingest import names

WAVE_START = 61
WAVE_LOW = 33
WAVE_HIGH = 99


@dataclass(frozen=True)
class WaveOptions:
    sensors: int = 1
    location: str = "Tutorial"
    tick_seconds: float = 1.0


def triangle_wave(offset: int = 0) -> Iterator[int]:
    """61, 62, ... 99, 98, ... 33, 34, ... starting `offset` steps in."""
    value, step = WAVE_START, 1
    for _ in range(offset):
        value, step = _advance(value, step)
    while True:
        yield value
        value, step = _advance(value, step)


def _advance(value: int, step: int) -> tuple[int, int]:
    if value >= WAVE_HIGH:
        step = -1
    elif value <= WAVE_LOW:
        step = 1
    return value + step, step


def timestream_record(location: str, sensor: str, value: int, time_ms: int) -> dict:
    return {
        "Dimensions": [{"Name": "Location", "Value": location}, {"Name": "Sensor", "Value": sensor}],
        "MeasureName": names.WAVE_MEASURE,
        "MeasureValue": str(value),
        "MeasureValueType": "DOUBLE",
        "Time": str(time_ms),
        "TimeUnit": "MILLISECONDS",
    }


def wave_records(rng: random.Random, start_ms: int, options: WaveOptions) -> Iterator[GeneratedRecord]:
    """Deterministic by design: `rng` is unused, the wave is the same for every seed."""
    del rng
    waves = {str(number): triangle_wave(number - 1) for number in range(1, options.sensors + 1)}
    for tick_ms in tick_times(start_ms, round(options.tick_seconds * 1000)):
        for sensor, wave in waves.items():
            record = timestream_record(options.location, sensor, next(wave), tick_ms)
            yield GeneratedRecord(compact_json(record), sensor, tick_ms, tick_ms, timestream_record=record)
