"""The generic JSON form: send your own data without writing a decoder.

    {
      "time": 1714564800000,                 # epoch integer in time_unit, or ISO 8601 with offset
      "time_unit": "MILLISECONDS",           # optional: SECONDS|MILLISECONDS|MICROSECONDS|NANOSECONDS
      "dimensions": {"site": "berlin", "floor": 3},
      "measures": {
        "temperature": 21.5,                 # number -> DOUBLE, text -> VARCHAR, true/false -> BOOLEAN
        "door_opens": {"value": 12, "type": "BIGINT"}   # or an explicit type
      },
      "measure_name": "climate",             # optional: the MULTI record's name
      "version": 2                           # optional: Timestream record version (a higher one wins)
    }

One measure and no `measure_name` gives a single-measure record named after the measure; otherwise
one MULTI record named `measure_name` (default `names.GENERIC_MULTI_MEASURE`). Numbers are DOUBLE
unless typed, so a measure never changes type between 21 and 21.5.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from timestream_ingest import names
from timestream_ingest.decoders import values
from timestream_ingest.exceptions import InvalidValueError

SIGNATURE = frozenset({"time", "measures"})
FIELDS = frozenset({"time", "time_unit", "dimensions", "measures", "measure_name", "version"})
_INFERRED_TYPE = {bool: values.BOOLEAN, int: values.DOUBLE, float: values.DOUBLE, str: values.VARCHAR}


def decode(document: dict[str, Any]) -> list[values.TimestreamRecord]:
    unexpected = sorted(set(document) - FIELDS)
    if unexpected:
        raise InvalidValueError(unexpected[0], "is not a field of the generic form", f"use {sorted(FIELDS)}")
    measures_in = document["measures"]
    if not isinstance(measures_in, dict) or not measures_in:
        raise InvalidValueError("measures", "must be a non-empty object", 'send {"name": value, ...}')
    dims_in = document.get("dimensions", {})
    if not isinstance(dims_in, dict) or not dims_in:
        raise InvalidValueError("dimensions", "must be a non-empty object", 'send {"name": "value", ...}')
    time, unit = _time(document["time"], document.get("time_unit", "MILLISECONDS"))
    measures = [_measure(name, raw) for name, raw in measures_in.items()]
    dims = values.dimensions(dims_in, "dimensions")
    if "measure_name" not in document and len(measures) == 1:
        name, value, kind = measures[0]
        record = values.single_measure(dims, name, value, kind, time, unit)
    else:
        measure_name = values.varchar_value(
            document.get("measure_name", names.GENERIC_MULTI_MEASURE), "measure_name"
        )
        record = values.multi_measure(dims, measure_name, measures, time, unit)
    if "version" in document:
        version = int(values.bigint_value(document["version"], "version"))
        if version < 1:
            raise InvalidValueError("version", f"{version} is not positive", "send a version of 1 or more")
        record["Version"] = version
    return [record]


def _measure(name: str, raw: Any) -> tuple[str, str, str]:
    field = f"measures.{name}"
    if not name:
        raise InvalidValueError(field, "measure names must be non-empty", "name every measure")
    if isinstance(raw, dict):
        if set(raw) - {"value", "type"} or "value" not in raw:
            raise InvalidValueError(
                field, "a typed measure holds only value and type", '{"value": 1, "type": "BIGINT"}'
            )
        kind = str(raw.get("type", _inferred(raw["value"], field))).upper()
        return name, values.measure_value(raw["value"], kind, field), kind
    kind = _inferred(raw, field)
    return name, values.measure_value(raw, kind, field), kind


def _inferred(raw: Any, field: str) -> str:
    kind = _INFERRED_TYPE.get(type(raw))
    if kind is None:
        raise InvalidValueError(
            field, f"{type(raw).__name__} is not a measure value", "send a number, text or boolean"
        )
    return kind


def _time(raw: Any, unit: Any) -> tuple[str, str]:
    """Epoch integers keep their unit; ISO 8601 text (with an offset) becomes MILLISECONDS."""
    if isinstance(raw, str) and not raw.strip().isdigit():
        try:
            moment = datetime.fromisoformat(raw)
        except ValueError:
            raise InvalidValueError(
                "time", f"{raw!r} is not ISO 8601", "send e.g. 2024-05-01T12:00:00Z"
            ) from None
        if moment.tzinfo is None:
            raise InvalidValueError("time", f"{raw!r} has no UTC offset", "add Z or +00:00")
        return str(round(moment.timestamp() * 1000)), "MILLISECONDS"
    return values.epoch_time(raw, "time"), values.time_unit(unit, "time_unit")
