"""CEP JSON from the Flink MATCH_RECOGNIZE job of time-series-and-data-lakes (the `cep_data` sink).

One MULTI record `names.CEP_MEASURE` per match with dimension sensor_id only: `history` and
`non_errors` are measures, not dimensions (the seed made them dimensions and so created a time
series per distinct history); elapsed and non_errors are BIGINT as a user would expect.
"""

from __future__ import annotations

from typing import Any

from timestream_ingest import names
from timestream_ingest.decoders import layouts, values
from timestream_ingest.exceptions import InvalidValueError

SIGNATURE = frozenset({"sensor_id", "event_time", "non_errors", "history"})
MEASURE_TYPES = {
    "non_errors": values.BIGINT,
    "history": values.VARCHAR,
    "min_temperature": values.DOUBLE,
    "avg_temperature": values.DOUBLE,
    "max_temperature": values.DOUBLE,
    "elapsed": values.BIGINT,
}
FIELDS = frozenset({"sensor_id", "event_time", *MEASURE_TYPES})


_DIMENSION_NAMES = ("sensor_id",)
# (keys, value types) -> the layout's measures; None: one rule at a time
_LAYOUTS: dict[tuple[Any, ...], Any] = {}


def decode(document: dict[str, Any]) -> list[values.TimestreamRecord]:
    """One MULTI record; documents of a known layout take its prepared path (layouts.py)."""
    key = (tuple(document), tuple(map(type, document.values())))
    slots = _LAYOUTS.get(key, layouts.UNKNOWN)
    if slots is layouts.UNKNOWN:
        slots = _learn(key, document)
    measures = slots.render(document) if slots is not None else None
    if measures is None:
        return decode_by_rules(document)
    dims = values.dimensions_of(_DIMENSION_NAMES, (document["sensor_id"],), "cep")
    time = values.epoch_time(document["event_time"], "event_time")
    return [values.multi_measure_of(dims, names.CEP_MEASURE, measures, time, "MILLISECONDS")]


def _learn(key: tuple[Any, ...], document: dict[str, Any]) -> layouts.MeasureSlots | None:
    """The measures of documents shaped like `document`, if it holds every field and no other."""
    slots = None
    if document.keys() <= FIELDS and document.keys() >= MEASURE_TYPES.keys():
        floats = [k for k, t in MEASURE_TYPES.items() if t == values.DOUBLE and type(document[k]) is float]
        slots = layouts.MeasureSlots(list(MEASURE_TYPES.items()), floats)
    return layouts.remember(_LAYOUTS, key, slots)


def decode_by_rules(document: dict[str, Any]) -> list[values.TimestreamRecord]:
    """One MULTI record, each field's rule applied in turn (and each problem worded)."""
    unexpected = document.keys() - FIELDS
    if unexpected:
        raise InvalidValueError(
            min(unexpected), "is not a CEP field", "send extra fields in the generic form instead"
        )
    missing = [field for field in MEASURE_TYPES if field not in document]
    if missing:
        raise InvalidValueError(missing[0], "is missing", f"a CEP match carries {', '.join(MEASURE_TYPES)}")
    measures = [
        (field, values.measure_value(document[field], kind, field), kind)
        for field, kind in MEASURE_TYPES.items()
    ]
    dims = values.dimensions({"sensor_id": document["sensor_id"]}, "cep")
    time = values.epoch_time(document["event_time"], "event_time")
    return [values.multi_measure(dims, names.CEP_MEASURE, measures, time, "MILLISECONDS")]
