"""Readings built to hit the CEP pattern's edges, each with the matches it must give.

One scenario = one sensor's readings in ARRIVAL order (times in ms from the scenario's start) and
the expected matches as (event_time of A, non_errors). `shard_stream()` lays all scenarios one after
another on one shard, two minutes apart, so each keeps its meaning under a shared watermark; the
same stream feeds the Python stage here and Apache Flink in tests/flink.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from timestream_cep.pattern import Reading

GAP_MS = 120_000  # between scenarios: more than the window plus the watermark delay
BASE_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
_STATUS = {"E": "ERROR", "O": "OK", "W": "WARNING"}


@dataclass(frozen=True)
class Scenario:
    name: str
    rows: tuple[tuple[str, int, float], ...]  # (E|O|W, offset ms, temperature), arrival order
    expected: tuple[tuple[int, int], ...]  # (A's offset ms, non_errors) per match


def _evenly(spec: str, step_ms: int = 2000, temperature: float = 100.0) -> tuple[tuple[str, int, float], ...]:
    return tuple((code, n * step_ms, temperature) for n, code in enumerate(spec))


SCENARIOS = (
    Scenario("shortest match: E O E", _evenly("EOE"), ((0, 1),)),
    Scenario("longest match: E + 5 non-errors + E", _evenly("EOWOWOE"), ((0, 5),)),
    Scenario("6 non-errors: no match", _evenly("EOOOOOOE"), ()),
    Scenario("E E: no non-error, no match", _evenly("EE"), ()),
    Scenario("back-to-back errors: the second opens the match", _evenly("EEOE"), ((2000, 1),)),
    Scenario("exactly 60 s: out of the window", (("E", 0, 150), ("O", 30_000, 90), ("E", 60_000, 170)), ()),
    Scenario("59.999 s: in the window", (("E", 0, 150), ("O", 30_000, 90), ("E", 59_999, 170)), ((0, 1),)),
    Scenario(
        "a closing ERROR too late opens the next match",
        (("E", 0, 150), ("O", 30_000, 90), ("E", 60_000, 170), ("O", 61_000, 80), ("E", 62_000, 175)),
        ((60_000, 1),),
    ),
    Scenario("skip past last row: E O E O E is one match", _evenly("EOEOE"), ((0, 1),)),
    Scenario(
        "out of order within 5 s: put back in time order",
        (("E", 0, 150), ("E", 4_000, 170), ("O", 2_000, 90)),
        ((0, 1),),
    ),
    Scenario(
        "a reading exactly at the watermark is late",
        (("E", 0, 150), ("O", 1_000, 90), ("O", 10_000, 80), ("E", 5_000, 170), ("E", 11_000, 171)),
        ((0, 2),),
    ),
    Scenario(
        "a reading 1 ms after the watermark is in time",
        (("E", 0, 150), ("O", 1_000, 90), ("O", 10_000, 80), ("E", 5_001, 170), ("E", 11_000, 171)),
        ((0, 1),),
    ),
    Scenario("equal times keep arrival order", (("E", 0, 150), ("O", 0, 90), ("E", 0, 170)), ((0, 1),)),
    Scenario(
        "avg rounds half up (121.125 -> 121.13)",
        (("E", 0, 150), ("O", 1000, 20), ("W", 2000, 144.5), ("E", 3000, 170)),
        ((0, 2),),
    ),
)


def sensor_of(index: int) -> str:
    return f"edge-{index:02d}"


def scenario_readings(index: int, scenario: Scenario) -> list[Reading]:
    start = BASE_MS + index * GAP_MS
    return [Reading(sensor_of(index), t, _STATUS[code], start + offset) for code, offset, t in scenario.rows]


def shard_stream() -> list[Reading]:
    """Every scenario, one after another, in arrival order."""
    return [r for index, s in enumerate(SCENARIOS) for r in scenario_readings(index, s)]


def interleaved_stream(
    seed: int, sensors: int = 12, ticks: int = 400, max_delay_ms: int = 7_000, start_ms: int | None = None
) -> list[Reading]:
    """A busy shard: sensors reporting each second, ~30 % ERROR, each reading delayed 0..7 s at random.

    Delays up to 7 s against the 5 s watermark make some readings arrive out of order but in time
    and others late, so ordering and lateness are both exercised.
    """
    rng = random.Random(seed)
    start = BASE_MS + len(SCENARIOS) * GAP_MS if start_ms is None else start_ms
    produced = []
    for tick in range(ticks):
        for n in range(sensors):
            if rng.random() < 0.3:
                continue
            status = rng.choices(("ERROR", "OK", "WARNING"), weights=(3, 5, 2))[0]
            reading = Reading(f"busy-{n:02d}", round(rng.uniform(-20, 180), 1), status, start + tick * 1000)
            produced.append((reading.event_time + rng.randrange(max_delay_ms), len(produced), reading))
    return [reading for _arrival, _order, reading in sorted(produced)]
