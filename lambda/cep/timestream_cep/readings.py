"""Which raw-stream records are CEP input: sensor readings `{sensor_id, temperature, status, event_time}`.

The raw stream carries every format the ingest Lambda stores; only the sensor format (exactly these
four keys, the seed's `sensor_data` table) takes part in CEP, and its values follow the rules the
ingest Lambda stores them by, so CEP never matches a reading the raw table does not hold. A record
that is not a sensor reading is not CEP input (None); a sensor-shaped record with a bad value is
skipped with the reason (`InvalidReading`), and ingest quarantines it.
"""

from __future__ import annotations

import json
import math
from typing import Any

from timestream_cep.pattern import Reading

SENSOR_FIELDS = frozenset({"sensor_id", "temperature", "status", "event_time"})
# Timestream refuses records further ahead than this, and so ingest quarantines them; here it keeps
# a reading from a wrong clock from moving the shard's watermark (and so every reading behind it).
FUTURE_TOLERANCE_MS = 15 * 60 * 1000


def mapping_filter_pattern() -> dict[str, Any]:
    """The stage's event source mapping filter (Lambda event filtering): records whose data has every
    sensor field.

    The raw stream's other formats then never invoke the function: they would only cost its billed
    time, since `sensor_reading` ignores them and the watermark moves on readings' event times alone.
    What the filter drops is a record `sensor_reading` returns None for, or refuses as invalid (a
    sensor field holding an object, say): a reading CEP can use always passes.
    """
    return {"data": {field: [{"exists": True}] for field in sorted(SENSOR_FIELDS)}}


class InvalidReading(ValueError):
    """A sensor-shaped record CEP cannot use; the message says which field and why."""


def sensor_reading(payload: bytes, arrival_ms: int | None) -> Reading | None:
    """The reading in one Kinesis record's data, None when the record is another format."""
    try:
        document = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(document, dict) or not SENSOR_FIELDS <= document.keys():
        return None
    extra = sorted(document.keys() - SENSOR_FIELDS)
    if extra:
        raise InvalidReading(f"{extra[0]!r} is not a sensor field")
    reading = Reading(
        sensor_id=_text(document["sensor_id"], "sensor_id"),
        temperature=_number(document["temperature"]),
        status=_text(document["status"], "status"),
        event_time=_epoch_ms(document["event_time"]),
    )
    if arrival_ms is not None and reading.event_time - arrival_ms > FUTURE_TOLERANCE_MS:
        ahead = (reading.event_time - arrival_ms) / 60_000
        raise InvalidReading(f"event_time is {ahead:.1f} min after the record reached the stream")
    return reading


def _text(raw: Any, field: str) -> str:
    if isinstance(raw, bool) or not isinstance(raw, str | int | float) or str(raw) == "":
        raise InvalidReading(f"{field} {raw!r} is not a non-empty text")
    return str(raw)


def _number(raw: Any) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str) or "_" in str(raw):
        raise InvalidReading(f"temperature {raw!r} is not a number")
    try:
        number = float(raw)
    except ValueError:
        raise InvalidReading(f"temperature {raw!r} is not a number") from None
    if not math.isfinite(number):
        raise InvalidReading(f"temperature {raw!r} is not a finite number")
    return number


def _epoch_ms(raw: Any) -> int:
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, str) and raw.strip().isdigit():
        raw = int(raw)
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw < 2**63:
        raise InvalidReading(f"event_time {raw!r} is not epoch milliseconds")
    return raw
