"""DevOps wide JSON, as the Flink sample's kinesis_data_gen.py sends it: one object per host and tick.

`{"@type": "metrics"|"events", "time": <epoch seconds>, <dimension>: "<text>", <measure>: <number>}`
becomes one MULTI record `metrics_record` / `events_record` (TimeUnit SECONDS). Text keys are
dimensions, numeric keys DOUBLE measures, except the typed measures the Flink converter declares.
"""

from __future__ import annotations

from typing import Any

from timestream_ingest import names
from timestream_ingest.decoders import values
from timestream_ingest.exceptions import InvalidValueError

SIGNATURE = frozenset({"@type", "time"})
RECORD_NAME_BY_TYPE = {"metrics": names.DEVOPS_METRICS_RECORD, "events": names.DEVOPS_EVENTS_RECORD}
TYPED_MEASURES = {
    "metrics": {},
    "events": {"task_completed": values.BIGINT, "task_end_state": values.VARCHAR},
}


def decode(document: dict[str, Any]) -> list[values.TimestreamRecord]:
    kind = document["@type"]
    if kind not in RECORD_NAME_BY_TYPE:
        raise InvalidValueError("@type", f"{kind!r} is unknown", f"use one of {sorted(RECORD_NAME_BY_TYPE)}")
    typed = TYPED_MEASURES[kind]
    dims: dict[str, Any] = {}
    measures: list[tuple[str, str, str]] = []
    for key, raw in document.items():
        if key in SIGNATURE:
            continue
        if key in typed:
            measures.append((key, values.measure_value(raw, typed[key], key), typed[key]))
        elif isinstance(raw, str):
            dims[key] = raw
        else:
            measures.append((key, values.double_value(raw, key), values.DOUBLE))
    if not measures:
        raise InvalidValueError("measures", "the object holds no numeric measure", "send at least one number")
    time = values.epoch_time(document["time"], "time")
    dimensions = values.dimensions(dims, "dimensions")
    return [values.multi_measure(dimensions, RECORD_NAME_BY_TYPE[kind], measures, time, "SECONDS")]
