"""DevOps single-measure JSON, as amazon-timestream-tools' kinesis_ingestor sends it.

`{"MeasureName", "MeasureValue": "<text>", "MeasureValueType", "Time": "<epoch>", "TimeUnit", ...}`:
every other key is a dimension (the legacy Flink app's rule), values keep the producer's type.
"""

from __future__ import annotations

from typing import Any

from timestream_ingest.decoders import values
from timestream_ingest.exceptions import InvalidValueError

RESERVED = ("MeasureName", "MeasureValue", "MeasureValueType", "Time", "TimeUnit")
SIGNATURE = frozenset({"MeasureName", "MeasureValue"})


def decode(document: dict[str, Any]) -> list[values.TimestreamRecord]:
    """One single-measure record; MeasureValueType defaults to DOUBLE, TimeUnit to MILLISECONDS."""
    value_type = document.get("MeasureValueType", values.DOUBLE)
    name = values.varchar_value(document["MeasureName"], "MeasureName")
    dims = values.dimensions({k: v for k, v in document.items() if k not in RESERVED}, "dimensions")
    if "Time" not in document:
        raise InvalidValueError("Time", "is missing", "send the epoch time as Time with its TimeUnit")
    return [
        values.single_measure(
            dims,
            name,
            values.measure_value(document["MeasureValue"], value_type, "MeasureValue"),
            value_type,
            values.epoch_time(document["Time"], "Time"),
            values.time_unit(document.get("TimeUnit", "MILLISECONDS"), "TimeUnit"),
        )
    ]
