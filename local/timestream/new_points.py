"""WriteRecords' fast path: a call of valid new points of known columns, read column-wise from its body.

A stream's usual call is decoded by msgspec into typed structs (no dict per record or dimension), each
distinct dimension list is checked and encoded once (cached by its JSON text: a host sends the same
one with every measure), and the call's columns are built in one pass. Any other call returns None
before a row is queued and goes through RecordWriter, which answers it exactly as it always has: a
request-level mistake or a record the rules reject, MULTI records, a point at or before its series'
latest stored time (the version rules must read the stored record), a column or measure name the table
does not have yet, a body that msgspec does not read as the API's shape.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, NamedTuple

import msgspec
from msgspec import UNSET, Raw, UnsetType

from local.timestream.models import DIMENSION, Table
from local.timestream.record_columns import rows_table
from local.timestream.records import (
    MAX_MEASURE_NAME_BYTES,
    MAX_RECORDS_PER_CALL,
    SCALAR_TYPES,
    TIME_UNIT_NANOS,
    RecordProblem,
    check_name,
    dimensions_json,
    parse_dimensions,
    parse_int,
    parse_value,
    scalar_payload,
    series_key,
)
from local.timestream.writes import IngestionWindow, RecordWriter

_VALUE_COLUMNS = {value_type: f"measure_value::{value_type.lower()}" for value_type in SCALAR_TYPES}
_MAX_VERSION = 2**63  # __ts_version is a BIGINT


class _Fields(msgspec.Struct, gc=False):
    """A record or CommonAttributes: UNSET when absent (an explicit null is None, as in the dict)."""

    Dimensions: Raw | UnsetType = UNSET
    MeasureName: Any = UNSET
    MeasureValue: Any = UNSET
    MeasureValueType: Any = UNSET
    MeasureValues: Any = UNSET
    Time: Any = UNSET
    TimeUnit: Any = UNSET
    Version: Any = UNSET


class _Request(msgspec.Struct, gc=False):
    DatabaseName: Any = None
    TableName: Any = None
    Records: list[_Fields] = []
    CommonAttributes: _Fields | None = None


_DECODE = msgspec.json.Decoder(_Request).decode
_NO_FIELDS = _Fields()


class _Dimensions(NamedTuple):
    """One distinct merged dimension list, checked: names and values in order, the series key's half."""

    names: tuple[str, ...]
    values: tuple[str, ...]
    by_name: dict[str, str]
    key_json: str
    series: dict[str, str]  # measure name -> series key, filled as the names come


class _Columns(NamedTuple):
    series: list[str]
    times: list[int]
    dimensions: list[_Dimensions]
    measures: set[tuple[str, str]]  # (measure name, scalar type)
    rows: Any  # the Arrow table
    magnetic: int


class NewPoints:
    """Stores a WriteRecords call's body if the fast path applies; else returns None (nothing stored)."""

    def __init__(self, writer: RecordWriter) -> None:
        self.writer = writer  # its catalog and clock: the rules' own
        self.stored_calls = 0  # calls this path stored (the others went to the rules)

    def write(self, body: bytes) -> dict[str, Any] | None:
        try:
            request = _DECODE(body)
        except (msgspec.DecodeError, UnicodeDecodeError):
            return None
        database, table_name = request.DatabaseName, request.TableName
        if type(database) is not str or type(table_name) is not str or not database or not table_name:
            return None
        catalog = self.writer.catalog
        table = catalog.tables.get((database, table_name))
        if table is None or database not in catalog.databases:
            return None
        storage = catalog.storage
        try:
            columns = _read_columns(request, IngestionWindow(table, self.writer.clock_ns()))
        except RecordProblem:
            return None
        if columns is None:
            return None
        with storage.lock:  # the schema may grow under the lock: read it there
            if not _schema_has(table, columns) or not storage.append_new_points(
                table.storage_id, columns.series, columns.times, columns.rows
            ):
                return None
        self.stored_calls += 1
        total = len(columns.times)
        return {
            "RecordsIngested": {
                "Total": total,
                "MemoryStore": total - columns.magnetic,
                "MagneticStore": columns.magnetic,
            }
        }


def _read_columns(request: _Request, window: IngestionWindow) -> _Columns | None:
    """The call's rows if every record is a valid single-measure point; None if any needs the rules."""
    records = request.Records
    if not 1 <= len(records) <= MAX_RECORDS_PER_CALL:
        return None
    common = request.CommonAttributes or _NO_FIELDS
    common_dimensions = b"" if common.Dimensions is UNSET else bytes(common.Dimensions)
    common_name, common_value, common_type, common_values, common_time, common_unit, common_version = (
        None if value is UNSET else value
        for value in (
            common.MeasureName,
            common.MeasureValue,
            common.MeasureValueType,
            common.MeasureValues,
            common.Time,
            common.TimeUnit,
            common.Version,
        )
    )
    series, times, versions, payloads, names, values, value_columns = [], [], [], [], [], [], []
    all_dimensions: list[_Dimensions] = []
    measures: set[tuple[str, str]] = set()
    floor, ceiling, memory_floor = window.floor, window.ceiling, window.memory_floor
    magnetic = 0
    for record in records:
        dimensions = _merged_dimensions(
            common_dimensions, b"" if record.Dimensions is UNSET else bytes(record.Dimensions)
        )
        name = common_name if record.MeasureName is UNSET else record.MeasureName
        value_type = common_type if record.MeasureValueType is UNSET else record.MeasureValueType
        value_type = value_type or "DOUBLE"  # merge_common's defaults
        unit = (common_unit if record.TimeUnit is UNSET else record.TimeUnit) or "MILLISECONDS"
        if (
            dimensions is None
            or type(name) is not str
            or not name
            or type(value_type) is not str
            or value_type not in _VALUE_COLUMNS
            or type(unit) is not str
            or unit not in TIME_UNIT_NANOS
            or (common_values if record.MeasureValues is UNSET else record.MeasureValues)
        ):
            return None
        unit_nanos = TIME_UNIT_NANOS[unit]
        time_ns = parse_int(common_time if record.Time is UNSET else record.Time, "Time") * unit_nanos
        version = common_version if record.Version is UNSET else record.Version
        if version is None:
            version = 1
        elif type(version) is not int or not 1 <= version < _MAX_VERSION:
            return None
        if not floor <= time_ns <= ceiling:
            return None
        value = parse_value(
            common_value if record.MeasureValue is UNSET else record.MeasureValue, value_type, unit_nanos
        )
        column = _VALUE_COLUMNS[value_type]
        if (name, value_type) not in measures:
            check_name(name, "Measure name", MAX_MEASURE_NAME_BYTES)
            measures.add((name, value_type))
        magnetic += time_ns < memory_floor
        key = dimensions.series.get(name)
        if key is None:
            key = dimensions.series[name] = series_key(dimensions.key_json, name)
        series.append(key)
        times.append(time_ns)
        versions.append(version)
        payloads.append(scalar_payload(column, value))
        names.append(name)
        all_dimensions.append(dimensions)
        values.append(value)
        value_columns.append(column)
    rows = rows_table(
        series,
        times,
        versions,
        payloads,
        names,
        _dimension_columns(all_dimensions),
        _measure_columns(values, value_columns, measures),
    )
    return _Columns(series, times, all_dimensions, measures, rows, magnetic)


@lru_cache(maxsize=16_384)
def _merged_dimensions(common_json: bytes, record_json: bytes) -> _Dimensions | None:
    """CommonAttributes' and the record's dimension lists (JSON text) merged and checked, or None."""
    try:
        common = (json.loads(common_json) if common_json else None) or []
        own = (json.loads(record_json) if record_json else None) or []
        if {d.get("Name") for d in common} & {d.get("Name") for d in own}:
            return None  # a ValidationException: RecordWriter words it
        by_name = parse_dimensions([*common, *own])
    except Exception:  # a RecordProblem, or a shape the rules answer with an error: RecordWriter's
        return None
    key_json = dimensions_json(tuple(by_name.items()))
    return _Dimensions(tuple(by_name), tuple(by_name.values()), by_name, key_json, {})


def _dimension_columns(all_dimensions: list[_Dimensions]) -> dict[str, list[str | None]]:
    first = all_dimensions[0].names
    if all(dimensions.names == first for dimensions in all_dimensions):  # the usual call: one layout
        return dict(zip(first, map(list, zip(*(d.values for d in all_dimensions), strict=True)), strict=True))
    # Several layouts (a fleet's hosts differ in their dimensions): each distinct list (a host's, sent
    # with each of its measures) is spread over the call's columns once, then the rows are transposed.
    distinct = {id(dimensions): dimensions for dimensions in all_dimensions}
    names = tuple(dict.fromkeys(name for dimensions in distinct.values() for name in dimensions.names))
    spread = {key: tuple(map(dimensions.by_name.get, names)) for key, dimensions in distinct.items()}
    columns = zip(*(spread[id(dimensions)] for dimensions in all_dimensions), strict=True)
    return dict(zip(names, map(list, columns), strict=True))


def _measure_columns(
    values: list[Any], value_columns: list[str], measures: set[tuple[str, str]]
) -> dict[str, tuple[str, list[Any]]]:
    types = {_VALUE_COLUMNS[value_type]: value_type for _, value_type in measures}
    if len(types) == 1:
        [(column, value_type)] = types.items()
        return {column: (value_type, values)}
    return {
        column: (value_type, [v if c == column else None for v, c in zip(values, value_columns, strict=True)])
        for column, value_type in types.items()
    }


def _schema_has(table: Table, columns: _Columns) -> bool:
    """Every column and measure name of the call already in the table, with the same kind."""
    known = table.columns
    for names in {dimensions.names for dimensions in columns.dimensions}:
        if any(known.get(name) != DIMENSION for name in names):
            return False
    return all(
        table.measure_types.get(name) == value_type and known.get(_VALUE_COLUMNS[value_type]) == value_type
        for name, value_type in columns.measures
    )
