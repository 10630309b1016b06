"""WriteRecords input rules: merge CommonAttributes, check limits and values, normalise each record.

Request-level mistakes (record count, overlapping CommonAttributes, unknown enum values) raise a
ValidationException for the whole call, as the service does; per-record problems (bad values, limits,
names) become a RecordProblem that ends up in RejectedRecordsException.RejectedRecords.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

from local.timestream.exceptions import ValidationException

MAX_RECORDS_PER_CALL = 100
MAX_DIMENSIONS = 128
MAX_DIMENSION_NAME_BYTES = 60
MAX_DIMENSION_VALUE_BYTES = 2048
MAX_MEASURE_NAME_BYTES = 256
MAX_VARCHAR_MEASURE_BYTES = 2048
MAX_MEASURES_PER_RECORD = 256
SCALAR_TYPES = ("DOUBLE", "BIGINT", "VARCHAR", "BOOLEAN", "TIMESTAMP")
TIME_UNIT_NANOS = {
    "NANOSECONDS": 1,
    "MICROSECONDS": 1_000,
    "MILLISECONDS": 1_000_000,
    "SECONDS": 1_000_000_000,
}
# Column names the query side owns; a dimension or measure may not take them.
RESERVED_NAMES = ("time", "measure_name")
RESERVED_PREFIXES = ("measure_value", "__ts_")
# json.dumps builds a new encoder on every call with non-default separators: build each once.
_COMPACT_JSON = json.JSONEncoder(separators=(",", ":")).encode
_PAYLOAD_JSON = json.JSONEncoder(separators=(",", ":"), default=str).encode
_MERGED_FIELDS = (
    "MeasureName",
    "MeasureValue",
    "MeasureValueType",
    "MeasureValues",
    "Time",
    "TimeUnit",
    "Version",
)


class RecordProblem(Exception):
    """Why one record is rejected; becomes its RejectedRecords entry."""


@dataclass(frozen=True)
class Record:
    """One record after merging and validation, ready for storage."""

    dimensions: dict[str, str]
    measure_name: str
    # Single-measure: {"measure_value::<type>": value}; multi-measure: {name: value}.
    values: dict[str, Any]
    # Column type of each entry of `values` (DOUBLE, BIGINT, VARCHAR, BOOLEAN, TIMESTAMP).
    types: dict[str, str]
    time_ns: int
    version: int
    is_multi: bool

    @cached_property
    def series_key(self) -> str:
        """Identity of the series: dimensions and measure name (time completes the record key)."""
        return series_key(dimensions_json(tuple(self.dimensions.items())), self.measure_name)

    @cached_property
    def payload(self) -> str:
        """The measure values as canonical text, to tell an identical re-write from a different value."""
        if not self.is_multi:
            [(column, value)] = self.values.items()
            return scalar_payload(column, value)
        return _PAYLOAD_JSON(sorted(self.values.items()))


def scalar_payload(column: str, value: Any) -> str:
    """A single-measure record's payload (Record.payload): `[[column, value]]` in compact JSON."""
    if type(value) is float or type(value) is int:  # json.dumps writes both as repr()
        return f'[["{column}",{value!r}]]'
    return _PAYLOAD_JSON([(column, value)])


def series_key(dimensions_json: str, measure_name: str) -> str:
    """`[[[name, value], ...], measure_name]` in compact JSON, dimensions sorted by name.

    Built from two cached halves: a fleet sends each host's dimensions with every one of its measures,
    so the dimensions half is encoded once per host and the measure half once per measure name.
    """
    return f"[{dimensions_json},{_name_json(measure_name)}]"


@lru_cache(maxsize=65_536)
def dimensions_json(dimensions: tuple[tuple[str, str], ...]) -> str:
    """The dimensions half of a series key: `[[name, value], ...]` sorted by name, compact JSON."""
    return _COMPACT_JSON(sorted(dimensions))


@lru_cache(maxsize=16_384)
def _name_json(name: str) -> str:
    return _COMPACT_JSON(name)


def check_record_count(records: Any) -> list[dict[str, Any]]:
    """1..100 records per call, each an object."""
    if not isinstance(records, list) or not 1 <= len(records) <= MAX_RECORDS_PER_CALL:
        count = len(records) if isinstance(records, list) else 0
        raise ValidationException(
            f"WriteRecords takes 1 to {MAX_RECORDS_PER_CALL} records per call, got {count}: "
            "split the batch into calls of at most 100 records."
        )
    return records


def merge_common(index: int, record: dict[str, Any], common: dict[str, Any]) -> dict[str, Any]:
    """Record fields win over CommonAttributes; dimensions are concatenated and may not overlap."""
    merged = {field: record.get(field, common.get(field)) for field in _MERGED_FIELDS}
    common_dims = common.get("Dimensions") or []
    record_dims = record.get("Dimensions") or []
    overlap = {d.get("Name") for d in common_dims} & {d.get("Name") for d in record_dims}
    if overlap:
        raise ValidationException(
            f"Records[{index}] repeats dimension(s) {sorted(overlap)} already given in CommonAttributes: "
            "a dimension goes either in CommonAttributes or in the record, not both."
        )
    merged["Dimensions"] = [*common_dims, *record_dims]
    value_type = merged.get("MeasureValueType") or "DOUBLE"
    if value_type not in (*SCALAR_TYPES, "MULTI"):
        raise ValidationException(
            f"Records[{index}].MeasureValueType {value_type!r} is not one of {[*SCALAR_TYPES, 'MULTI']}."
        )
    merged["MeasureValueType"] = value_type
    unit = merged.get("TimeUnit") or "MILLISECONDS"
    if unit not in TIME_UNIT_NANOS:
        raise ValidationException(
            f"Records[{index}].TimeUnit {unit!r} is not one of {list(TIME_UNIT_NANOS)}."
        )
    merged["TimeUnit"] = unit
    return merged


def parse_record(merged: dict[str, Any]) -> Record:
    """Check one merged record against the service's limits; RecordProblem names what is wrong."""
    dimensions = parse_dimensions(merged["Dimensions"])
    measure_name = merged.get("MeasureName")
    if not measure_name:
        raise RecordProblem("MeasureName is missing: every record needs a measure name.")
    check_name(measure_name, "Measure name", MAX_MEASURE_NAME_BYTES)
    unit_nanos = TIME_UNIT_NANOS[merged["TimeUnit"]]
    time_ns = parse_int(merged.get("Time"), "Time") * unit_nanos
    version = merged.get("Version")
    version = 1 if version is None else int(version)
    if version < 1:
        raise RecordProblem(f"Version {version} is invalid: versions start at 1.")
    if merged["MeasureValueType"] == "MULTI":
        values, types = _parse_multi(merged, unit_nanos, dimensions)
        return Record(dimensions, measure_name, values, types, time_ns, version, is_multi=True)
    if merged.get("MeasureValues"):
        raise RecordProblem("MeasureValues is only allowed with MeasureValueType MULTI.")
    value_type = merged["MeasureValueType"]
    column = f"measure_value::{value_type.lower()}"
    value = parse_value(merged.get("MeasureValue"), value_type, unit_nanos)
    return Record(dimensions, measure_name, {column: value}, {column: value_type}, time_ns, version, False)


def parse_value(text: Any, value_type: str, unit_nanos: int) -> Any:
    """A measure value string as its typed value (TIMESTAMP values use the record's TimeUnit)."""
    if not isinstance(text, str):
        raise RecordProblem(f"MeasureValue is missing for a {value_type} measure.")
    if value_type == "DOUBLE":
        try:
            number = float(text)
        except ValueError:
            raise RecordProblem(f"MeasureValue {text!r} is not a valid DOUBLE.") from None
        if not math.isfinite(number):
            raise RecordProblem(f"MeasureValue {text!r} is not a finite DOUBLE (NaN/Infinity are rejected).")
        if number == 0 and math.copysign(1.0, number) < 0:
            raise RecordProblem("MeasureValue -0.0 is rejected by Timestream: send 0.0.")
        return number
    if value_type == "BIGINT":
        number = parse_int(text, "MeasureValue")
        if not -(2**63) <= number < 2**63:
            raise RecordProblem(f"MeasureValue {text!r} is outside the BIGINT range.")
        return number
    if value_type == "BOOLEAN":
        if text.lower() not in ("true", "false"):
            raise RecordProblem(f"MeasureValue {text!r} is not a BOOLEAN (true/false).")
        return text.lower() == "true"
    if value_type == "TIMESTAMP":
        return parse_int(text, "MeasureValue") * unit_nanos
    if _utf8_length(text, "VARCHAR MeasureValue") > MAX_VARCHAR_MEASURE_BYTES:
        raise RecordProblem(f"VARCHAR MeasureValue is longer than {MAX_VARCHAR_MEASURE_BYTES} bytes.")
    return text


def parse_dimensions(raw: list[dict[str, Any]]) -> dict[str, str]:
    """A record's merged dimensions as {name: value}, checked against the service's limits."""
    if len(raw) > MAX_DIMENSIONS:
        raise RecordProblem(f"The record has {len(raw)} dimensions; the limit is {MAX_DIMENSIONS}.")
    dimensions: dict[str, str] = {}
    for dimension in raw:
        name, value = dimension.get("Name"), dimension.get("Value")
        if not name or not isinstance(value, str):
            raise RecordProblem("Every dimension needs a Name and a string Value.")
        if (dimension.get("DimensionValueType") or "VARCHAR") != "VARCHAR":
            raise RecordProblem(f"Dimension {name!r}: DimensionValueType must be VARCHAR.")
        check_name(name, "Dimension name", MAX_DIMENSION_NAME_BYTES)
        short_ascii = value.isascii() and len(value) <= MAX_DIMENSION_VALUE_BYTES  # most values: no encode
        if not short_ascii and _utf8_length(value, f"Dimension {name!r} value") > MAX_DIMENSION_VALUE_BYTES:
            raise RecordProblem(f"Dimension {name!r} value is longer than {MAX_DIMENSION_VALUE_BYTES} bytes.")
        if name in dimensions:
            raise RecordProblem(f"Dimension {name!r} appears twice in the record.")
        dimensions[name] = value
    return dimensions


def _parse_multi(
    merged: dict[str, Any], unit_nanos: int, dimensions: dict[str, str]
) -> tuple[dict[str, Any], dict[str, str]]:
    if merged.get("MeasureValue") is not None:
        raise RecordProblem("MeasureValue must not be set on a MULTI record: use MeasureValues.")
    measures = merged.get("MeasureValues") or []
    if not 1 <= len(measures) <= MAX_MEASURES_PER_RECORD:
        raise RecordProblem(f"A MULTI record needs 1 to {MAX_MEASURES_PER_RECORD} MeasureValues.")
    values: dict[str, Any] = {}
    types: dict[str, str] = {}
    for measure in measures:
        name, value_type = measure.get("Name"), measure.get("Type")
        if not name:
            raise RecordProblem("Every entry of MeasureValues needs a Name.")
        check_name(name, "Measure name", MAX_MEASURE_NAME_BYTES)
        if value_type not in SCALAR_TYPES:
            raise RecordProblem(f"Measure {name!r}: Type must be one of {list(SCALAR_TYPES)}.")
        if name in values or name in dimensions:
            raise RecordProblem(f"Measure {name!r} repeats a measure or dimension name of the record.")
        values[name] = parse_value(measure.get("Value"), value_type, unit_nanos)
        types[name] = value_type
    return values, types


@lru_cache(maxsize=16_384)
def check_name(name: str, what: str, max_bytes: int) -> None:
    """Names repeat on every record (a pure check: a name that passed once passes again, from cache)."""
    if _utf8_length(name, what) > max_bytes:
        raise RecordProblem(f"{what} {name[:40]!r}... is longer than {max_bytes} bytes.")
    if name in RESERVED_NAMES or name.startswith(RESERVED_PREFIXES):
        raise RecordProblem(f"{what} {name!r} is reserved: rename it.")


def _utf8_length(text: str, what: str) -> int:
    """Bytes of `text` in UTF-8; a lone surrogate (JSON `\\ud800`) is not text: the record is rejected."""
    if text.isascii():
        return len(text)
    try:
        return len(text.encode())
    except UnicodeEncodeError as error:
        raise RecordProblem(
            f"{what} is not valid Unicode: lone surrogate U+{ord(text[error.start]):04X} at character "
            f"{error.start}."
        ) from None


def parse_int(text: Any, field: str) -> int:
    """An integer field (Time, BIGINT and TIMESTAMP values) as the service reads it."""
    try:
        return int(str(text))
    except ValueError:
        raise RecordProblem(f"{field} {text!r} is not an integer.") from None
