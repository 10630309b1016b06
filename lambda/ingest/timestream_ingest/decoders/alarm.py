"""The tutorial's alarm line: `id=<repr(uuid bytes)>||status=<S>||time=<ms>||location=<L>||sensor=<N>`.

Stored as the tutorial stores it: dimensions Location and Sensor, measure `Alarm` VARCHAR = status.
The id is discarded. Fields are split on `||` only where the next field name follows, and each
field on its FIRST `=`, so an id holding `=` or `||` (random bytes do) still parses. Base64 wrapping
(the tutorial's generator wraps once more than Kinesis does) is removed by the dispatcher.
"""

from __future__ import annotations

import re

from timestream_ingest import names
from timestream_ingest.decoders import values
from timestream_ingest.exceptions import InvalidValueError, UndecodableError

FIELDS = ("id", "status", "time", "location", "sensor")
REQUIRED = ("status", "time", "location", "sensor")
_FIELD_BOUNDARY = re.compile(r"\|\|(?=(?:" + "|".join(FIELDS) + r")=)")
_LINE_START = re.compile(r"(?:" + "|".join(FIELDS) + r")=")
_PREFIXES = tuple(f"{field}=" for field in FIELDS)


def looks_like(text: str) -> bool:
    """True for text shaped like an alarm line (the dispatcher's recognition rule)."""
    return bool(_LINE_START.match(text)) and "||" in text


def decode(text: str) -> list[values.TimestreamRecord]:
    text = text.strip()
    parts = text.split("||")
    if len(parts) == len(FIELDS) and all(map(str.startswith, parts, _PREFIXES)):
        # The tutorial's own line: every "||" is followed by the next field, so the general split
        # would cut it in the same places; each part is its prefix and its value.
        _, status, when, location, sensor = map(str.removeprefix, parts, _PREFIXES)
    else:
        fields = _fields(text)
        missing = [key for key in REQUIRED if key not in fields]
        if missing:
            raise InvalidValueError(missing[0], "is missing from the alarm line", f"send {'||'.join(FIELDS)}")
        status, when, location, sensor = (fields[key] for key in REQUIRED)
    dims = values.dimensions({"Location": location, "Sensor": sensor}, "alarm")
    return [
        values.single_measure(
            dims,
            names.ALARM_MEASURE,
            values.varchar_value(status, "status"),
            values.VARCHAR,
            values.epoch_time(when, "time"),
            "MILLISECONDS",
        )
    ]


def _fields(text: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for part in _FIELD_BOUNDARY.split(text):
        key, separator, value = part.partition("=")
        if not separator or key not in FIELDS:
            raise UndecodableError(f"alarm line field {part[:40]!r} is not one of {'/'.join(FIELDS)}=<value>")
        if key in fields:
            raise UndecodableError(f"alarm line holds {key}= twice; send each field once")
        fields[key] = value
    return fields
