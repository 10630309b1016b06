"""Sensor JSON from time-series-and-data-lakes' random_data_generator.py.

`{"sensor_id", "temperature", "status", "event_time": <epoch ms>}` is stored as the seed stores it:
dimensions sensor_id and status, single measure `temperature` DOUBLE, so the seed's queries
(`measure_name = 'temperature'`, `measure_value::double`) keep working.
"""

from __future__ import annotations

from typing import Any

from timestream_ingest import names
from timestream_ingest.decoders import values
from timestream_ingest.exceptions import InvalidValueError

SIGNATURE = frozenset({"sensor_id", "temperature", "status", "event_time"})


def decode(document: dict[str, Any]) -> list[values.TimestreamRecord]:
    unexpected = document.keys() - SIGNATURE
    if unexpected:
        raise InvalidValueError(
            min(unexpected), "is not a sensor field", "send extra fields in the generic form instead"
        )
    dims = values.dimensions({"sensor_id": document["sensor_id"], "status": document["status"]}, "sensor")
    temperature = values.double_value(document["temperature"], "temperature")
    time = values.epoch_time(document["event_time"], "event_time")
    record = values.single_measure(
        dims, names.SENSOR_TEMPERATURE_MEASURE, temperature, values.DOUBLE, time, "MILLISECONDS"
    )
    return [record]
