"""Sensors, alarms and wave: value ranges, status splits and the wave's shape."""

from __future__ import annotations

import base64
import json
import random
from collections import Counter
from itertools import islice, pairwise, takewhile

from generators.alarms import AlarmOptions
from generators.sensors import SensorOptions, readings
from generators.wave import triangle_wave
from generators.workloads import generate
from tests.generators.conftest import START


def _sensor_rows(count: int) -> list[dict]:
    return [json.loads(r.data) for r in generate("sensors", seed=11, start=START, count=count)]


def test_sensor_temperatures_are_integers_from_10_to_180() -> None:
    """Temperatures are whole numbers covering 10..180."""
    # GIVEN / WHEN 20,000 readings
    temperatures = [row["temperature"] for row in _sensor_rows(20_000)]
    # THEN they are integers within the seed's range, reaching both ends
    assert all(isinstance(t, int) for t in temperatures)
    assert (min(temperatures), max(temperatures)) == (10, 180)


def test_sensor_status_follows_the_seed_rule() -> None:
    """ERROR above 160, never OK above 140, and WARNING/ERROR at random ~19% at normal temperatures."""
    # GIVEN / WHEN 40,000 readings
    rows = _sensor_rows(40_000)
    # THEN the rule holds row by row, and the random share is near 19/99 of the normal readings
    assert all(row["status"] == "ERROR" for row in rows if row["temperature"] > 160)
    assert all(row["status"] != "OK" for row in rows if row["temperature"] > 140)
    normal = [row for row in rows if row["temperature"] <= 140]
    share = sum(row["status"] != "OK" for row in normal) / len(normal)
    assert 0.17 < share < 0.21


def test_about_half_the_sensors_report_each_tick() -> None:
    """Each of 100 sensors reports with probability 0.5, so a tick holds about 50 readings."""
    # GIVEN / WHEN 200 ticks of readings
    stream = readings(random.Random(2), 0, SensorOptions())
    per_tick = Counter(r.event_time for r in takewhile(lambda r: r.event_time < 200_000, stream))
    # THEN the mean is near 50 and ids are sensor-00..sensor-99
    assert 47 < sum(per_tick.values()) / 200 < 53
    ids = {r.sensor_id for r in islice(readings(random.Random(2), 0, SensorOptions()), 5000)}
    assert ids == {f"sensor-{n:02d}" for n in range(100)}


def test_alarm_status_split_is_84_12_4() -> None:
    """Normal, Elevated and Alarm come at about 84%, 12% and 4%."""
    # GIVEN / WHEN 30,000 plain alarm lines
    records = generate(
        "alarms", seed=4, start=START, count=30_000, options=AlarmOptions(base64_wrapped=False)
    )
    statuses = Counter(r.data.decode().split("||")[1].removeprefix("status=") for r in records)
    # THEN the split is the one the tutorial meant
    shares = {status: n / 30_000 for status, n in statuses.items()}
    assert abs(shares["Normal"] - 0.84) < 0.015
    assert abs(shares["Elevated"] - 0.12) < 0.01
    assert abs(shares["Alarm"] - 0.04) < 0.006


def test_alarm_lines_are_base64_wrapped_once_with_the_tutorial_fields() -> None:
    """By default the payload is base64 of `id=<hex>||status=..||time=<ms>||location=..||sensor=Alarm-1`."""
    # GIVEN / WHEN one alarm record
    record = next(generate("alarms", seed=4, start=START, count=1))
    # THEN one base64 decode gives the line, and its id is the partition key
    fields = dict(part.split("=", 1) for part in base64.b64decode(record.data).decode().split("||"))
    assert list(fields) == ["id", "status", "time", "location", "sensor"]
    assert len(fields["id"]) == 32 and int(fields["id"], 16) >= 0
    assert (fields["time"], fields["location"], fields["sensor"]) == (
        str(record.event_time_ms),
        "TUTORIAL",
        "Alarm-1",
    )
    assert record.partition_key == fields["id"]


def test_the_wave_starts_at_61_and_bounces_between_33_and_99() -> None:
    """The triangle wave climbs from 61 to 99, falls to 33, and repeats every 132 steps."""
    # GIVEN / WHEN 400 steps of the wave
    values = list(islice(triangle_wave(), 400))
    # THEN its first value, bounds, step size and period match the tutorial's
    assert values[:3] == [61, 62, 63]
    assert (min(values), max(values)) == (33, 99)
    assert all(abs(b - a) == 1 for a, b in pairwise(values))
    assert values[100:232] == values[232:364]
