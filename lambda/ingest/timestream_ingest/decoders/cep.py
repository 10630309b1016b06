"""CEP JSON from the Flink MATCH_RECOGNIZE job of time-series-and-data-lakes (the `cep_data` sink).

One MULTI record `names.CEP_MEASURE` per match with dimension sensor_id only: `history` and
`non_errors` are measures, not dimensions (the seed made them dimensions and so created a time
series per distinct history); elapsed and non_errors are BIGINT as a user would expect.
"""

from __future__ import annotations

from typing import Any

from timestream_ingest import names
from timestream_ingest.decoders import values
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


def decode(document: dict[str, Any]) -> list[values.TimestreamRecord]:
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
