"""DevOps wide JSON, as the Flink sample's kinesis_data_gen.py sends it: one object per host and tick.

`{"@type": "metrics"|"events", "time": <epoch seconds>, <dimension>: "<text>", <measure>: <number>}`
becomes one MULTI record `metrics_record` / `events_record` (TimeUnit SECONDS). Text keys are
dimensions, numeric keys DOUBLE measures, except the typed measures the Flink converter declares.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from timestream_ingest import names
from timestream_ingest.decoders import layouts, values
from timestream_ingest.exceptions import InvalidValueError

SIGNATURE = frozenset({"@type", "time"})
RECORD_NAME_BY_TYPE = {"metrics": names.DEVOPS_METRICS_RECORD, "events": names.DEVOPS_EVENTS_RECORD}
TYPED_MEASURES = {
    "metrics": {},
    "events": {"task_completed": values.BIGINT, "task_end_state": values.VARCHAR},
}


class _Layout(NamedTuple):
    record_name: str
    dimension_names: tuple[str, ...]
    dimension_values: layouts.Getter
    measures: layouts.MeasureSlots


# (keys, value types, @type) -> how such documents decode; None: one rule at a time
_LAYOUTS: dict[tuple[Any, ...], Any] = {}


def decode(document: dict[str, Any]) -> list[values.TimestreamRecord]:
    """One MULTI record; documents of a known layout take its prepared path (layouts.py)."""
    kind = document.get("@type")
    if type(kind) is str:
        key = (tuple(document), tuple(map(type, document.values())), kind)
        layout = _LAYOUTS.get(key, layouts.UNKNOWN)
        if layout is layouts.UNKNOWN:
            layout = _learn(key, document)
        if layout is not None:
            measures = layout.measures.render(document)
            if measures is not None:
                time = values.epoch_time(document["time"], "time")
                texts = layout.dimension_values(document)
                dims = values.dimensions_of(layout.dimension_names, texts, "dimensions")
                return [values.multi_measure_of(dims, layout.record_name, measures, time, "SECONDS")]
    return decode_by_rules(document)


def _learn(key: tuple[Any, ...], document: dict[str, Any]) -> _Layout | None:
    """The layout of documents shaped like `document` (as decode_by_rules classifies its keys)."""
    kind = document["@type"]
    layout = None
    if kind in RECORD_NAME_BY_TYPE:
        typed = TYPED_MEASURES[kind]
        keys = [k for k in document if k not in SIGNATURE]
        dims = [k for k in keys if k not in typed and type(document[k]) is str]
        slots = [(k, typed.get(k, values.DOUBLE)) for k in keys if k not in dims]
        floats = [k for k, measure_type in slots if k not in typed and type(document[k]) is float]
        if slots:
            measures = layouts.MeasureSlots(slots, floats)
            layout = _Layout(RECORD_NAME_BY_TYPE[kind], tuple(dims), layouts.getter(dims), measures)
    return layouts.remember(_LAYOUTS, key, layout)


def decode_by_rules(document: dict[str, Any]) -> list[values.TimestreamRecord]:
    """One MULTI record, each key's rule applied in turn (and each problem worded)."""
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
