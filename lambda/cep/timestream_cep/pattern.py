"""The seed's CEP pattern, once: `PATTERN (A B{1,5} C) WITHIN INTERVAL '1' MINUTE` per sensor.

A = ERROR, B = anything but ERROR, C = ERROR; `AFTER MATCH SKIP PAST LAST ROW`. Rows must arrive in
event-time order (see `ordering.py`). The rules below are Flink's, checked against Flink itself by
`make flink-test` (generators/flink/cep.sql):
- a partial match whose first row is 60 s or more older than the incoming row is dropped before the
  row is looked at (Flink's `timestamp - start >= window`), so a match spans strictly less than 60 s;
- a row that is neither B nor C after A..B (an ERROR right after A, a 6th non-error) ends the partial
  match; an ERROR that does not close a match opens a new one;
- the ERROR that closes a match does not open the next one (skip past last row).
Measures follow cep.sql: min/avg/max over every row of the match (an aggregate without a pattern
variable runs over all rows), avg rounded half-up to 2 places as Flink's ROUND does, elapsed in
whole seconds from A to C.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

ERROR = "ERROR"
WITHIN_MS = 60_000
MIN_NON_ERRORS = 1
MAX_NON_ERRORS = 5
CEP_FIELDS = (
    "sensor_id",
    "event_time",
    "non_errors",
    "history",
    "min_temperature",
    "avg_temperature",
    "max_temperature",
    "elapsed",
)


@dataclass(frozen=True, slots=True)
class Reading:
    """One sensor reading as the raw stream carries it (`event_time` in epoch milliseconds)."""

    sensor_id: str
    temperature: float
    status: str
    event_time: int


Partial = tuple[Reading, ...]  # A, then the B rows seen so far; empty = no match open


def step(partial: Partial, row: Reading) -> tuple[Partial, tuple[Reading, ...] | None]:
    """Feed one row of a sensor to its open partial match: (the new partial, a completed match or None)."""
    if partial and row.event_time - partial[0].event_time >= WITHIN_MS:
        partial = ()  # the window ran out: this partial match can never complete
    if row.status == ERROR:
        if partial and MIN_NON_ERRORS <= len(partial) - 1 <= MAX_NON_ERRORS:
            return (), (*partial, row)
        return (row,), None
    if partial and len(partial) - 1 < MAX_NON_ERRORS:
        return (*partial, row), None
    return (), None


def expired(partial: Partial, watermark: int) -> bool:
    """True when no row later than `watermark` can complete this partial match any more."""
    return bool(partial) and watermark - partial[0].event_time >= WITHIN_MS - 1


def cep_record(rows: tuple[Reading, ...] | list[Reading]) -> dict[str, Any]:
    """The CEP output row of one complete match A B{1,5} C, in cep_data's column order."""
    first, middle, last = rows[0], rows[1:-1], rows[-1]
    temperatures = [float(row.temperature) for row in rows]
    return {
        "sensor_id": first.sensor_id,
        "event_time": first.event_time,
        "non_errors": len(middle),
        "history": "-".join(row.status for row in middle),
        "min_temperature": min(temperatures),
        "avg_temperature": round_half_up(sum(temperatures) / len(temperatures), 2),
        "max_temperature": max(temperatures),
        "elapsed": (last.event_time - first.event_time) // 1000,
    }


def round_half_up(value: float, places: int) -> float:
    """Flink's ROUND on a DOUBLE: the shortest decimal of the double, rounded half away from zero."""
    return float(Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))
