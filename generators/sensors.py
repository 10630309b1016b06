"""Sensors workload (time-series-and-data-lakes): 100 sensors, about half reporting each tick.

Payload `{"sensor_id", "temperature", "status", "event_time"}`: an integer temperature 10..180, the
seed's status rule, `event_time` in epoch milliseconds; the partition key is the sensor id.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from generators.records import GeneratedRecord, compact_json, tick_times

REPORT_PROBABILITY = 0.5


@dataclass(frozen=True)
class SensorOptions:
    sensors: int = 100
    tick_seconds: float = 1.0


@dataclass(frozen=True, slots=True)
class Reading:
    sensor_id: str
    temperature: int
    status: str
    event_time: int

    def as_json(self) -> dict[str, str | int]:
        return {
            "sensor_id": self.sensor_id,
            "temperature": self.temperature,
            "status": self.status,
            "event_time": self.event_time,
        }


def sensor_ids(count: int) -> list[str]:
    """`sensor-00`..`sensor-99` (wider numbers past 100 sensors)."""
    width = max(2, len(str(count - 1)))
    return [f"sensor-{number:0{width}d}" for number in range(count)]


def status_for(rng: random.Random, temperature: int) -> str:
    """ERROR above 160; above 140, or at random (~19%), WARNING or ERROR at even odds; else OK."""
    if temperature > 160:
        return "ERROR"
    if temperature > 140 or rng.randrange(1, 100) > 80:
        return rng.choice(("WARNING", "ERROR"))
    return "OK"


def readings(rng: random.Random, start_ms: int, options: SensorOptions) -> Iterator[Reading]:
    """Each tick, every sensor reports with probability 0.5 (the seed's loop, without its sleeps)."""
    ids = sensor_ids(options.sensors)
    for tick_ms in tick_times(start_ms, round(options.tick_seconds * 1000)):
        for sensor_id in ids:
            if rng.random() < REPORT_PROBABILITY:
                continue
            temperature = round(10 + rng.random() * 170)
            yield Reading(sensor_id, temperature, status_for(rng, temperature), tick_ms)


def sensor_records(rng: random.Random, start_ms: int, options: SensorOptions) -> Iterator[GeneratedRecord]:
    for reading in readings(rng, start_ms, options):
        yield GeneratedRecord(
            compact_json(reading.as_json()), reading.sensor_id, reading.event_time, reading.event_time
        )
