"""Alarms workload (the Timestream tutorial): one alarm line per sensor per tick.

`id=<uuid hex>||status=<S>||time=<epoch ms>||location=<loc>||sensor=Alarm-<n>`, base64-wrapped once
by default as the tutorial's generator does before put_record (`--plain` sends the line itself).
Status follows the split the tutorial meant: x = int(uniform(0, 25)); x <= 20 Normal (84%),
21..23 Elevated (12%), 24 Alarm (4%). The id is a hex UUID drawn from the seeded generator (the
tutorial's `repr(uuid1().bytes)` could contain `=` and break its own parser), and it is the partition
key, so records spread over every shard (the tutorial sent everything with key "0").
"""

from __future__ import annotations

import base64
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from generators.records import GeneratedRecord, tick_times


@dataclass(frozen=True)
class AlarmOptions:
    sensors: int = 1
    location: str = "TUTORIAL"
    base64_wrapped: bool = True
    tick_seconds: float = 1.0


def alarm_status(rng: random.Random) -> str:
    x = int(rng.uniform(0, 25))
    if x <= 20:
        return "Normal"
    return "Elevated" if x < 24 else "Alarm"


def alarm_line(alarm_id: str, status: str, time_ms: int, location: str, sensor: str) -> str:
    return f"id={alarm_id}||status={status}||time={time_ms}||location={location}||sensor={sensor}"


def alarm_records(rng: random.Random, start_ms: int, options: AlarmOptions) -> Iterator[GeneratedRecord]:
    sensors = [f"Alarm-{number}" for number in range(1, options.sensors + 1)]
    for tick_ms in tick_times(start_ms, round(options.tick_seconds * 1000)):
        for sensor in sensors:
            alarm_id = uuid.UUID(int=rng.getrandbits(128), version=4).hex
            line = alarm_line(alarm_id, alarm_status(rng), tick_ms, options.location, sensor)
            data = line.encode("ascii")
            if options.base64_wrapped:
                data = base64.b64encode(data)
            yield GeneratedRecord(data, alarm_id, tick_ms, tick_ms)
