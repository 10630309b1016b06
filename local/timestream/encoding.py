"""Result columns in Timestream's wire format: ColumnInfo types and Datum values, from Arrow.

Types follow botocore's timestream-query model: `ScalarType`, `ArrayColumnInfo` (an element
ColumnInfo without a Name), `RowColumnInfo` (named fields) and `TimeSeriesMeasureValueColumnInfo` for
a time series, which the emulator holds as a list of {time, value} structs (see functions/timeseries.py).
Values: Java-style doubles, 9-digit fractions for TIMESTAMP/TIME, `D HH:MM:SS.nnnnnnnnn` for
INTERVAL_DAY_TO_SECOND and `Y-M` for INTERVAL_YEAR_TO_MONTH (an interval column whose values are all
whole months; DuckDB has one INTERVAL type for both).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa

from local.timestream.exceptions import ValidationException

_EPOCH = datetime(1970, 1, 1)
_NS_PER_DAY = 86_400 * 1_000_000_000
Encoder = Callable[[Any], dict[str, Any]]


def is_time_series(arrow_type: pa.DataType) -> bool:
    """A list of {time: timestamp, value} structs is a Timestream timeseries."""
    if not pa.types.is_list(arrow_type) or not pa.types.is_struct(arrow_type.value_type):
        return False
    fields = arrow_type.value_type
    return [f.name for f in fields] == ["time", "value"] and pa.types.is_timestamp(fields[0].type)


def column_type(arrow_type: pa.DataType, year_month: bool = False) -> dict[str, Any]:
    """Timestream's `Type` for an Arrow type."""
    if is_time_series(arrow_type):
        return {"TimeSeriesMeasureValueColumnInfo": {"Type": column_type(arrow_type.value_type[1].type)}}
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        return {"ArrayColumnInfo": {"Type": column_type(arrow_type.value_type)}}
    if pa.types.is_struct(arrow_type):
        return {"RowColumnInfo": [{"Name": f.name, "Type": column_type(f.type)} for f in arrow_type]}
    return {"ScalarType": _scalar_type(arrow_type, year_month)}


def _scalar_type(arrow_type: pa.DataType, year_month: bool) -> str:
    if pa.types.is_boolean(arrow_type):
        return "BOOLEAN"
    if pa.types.is_int64(arrow_type) or pa.types.is_uint64(arrow_type) or pa.types.is_uint32(arrow_type):
        return "BIGINT"
    if pa.types.is_integer(arrow_type):
        return "INTEGER"
    if pa.types.is_decimal(arrow_type):  # DuckDB's HUGEINT (sum of BIGINTs) arrives as DECIMAL(38, 0)
        return "BIGINT" if arrow_type.scale == 0 and arrow_type.precision == 38 else "DOUBLE"
    if pa.types.is_floating(arrow_type):
        return "DOUBLE"
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return "VARCHAR"
    if pa.types.is_timestamp(arrow_type):
        return "TIMESTAMP"
    if pa.types.is_date(arrow_type):
        return "DATE"
    if pa.types.is_time(arrow_type):
        return "TIME"
    if pa.types.is_interval(arrow_type) or pa.types.is_duration(arrow_type):
        return "INTERVAL_YEAR_TO_MONTH" if year_month else "INTERVAL_DAY_TO_SECOND"
    if pa.types.is_null(arrow_type):
        return "UNKNOWN"
    raise ValidationException(f"Result type {arrow_type} has no Timestream equivalent: cast it to VARCHAR.")


def encode_rows(names: list[str], table: pa.Table) -> tuple[list[dict], list[dict]]:
    """(ColumnInfo, Rows) for a result table."""
    infos, columns = [], []
    for i, name in enumerate(names):
        column = table.column(i)
        year_month = pa.types.is_interval(column.type) and whole_months(column)
        kind = column_type(column.type, year_month)
        infos.append({"Name": name, "Type": kind})
        encoder = encoder_for(kind)
        columns.append([encoder(v) for v in python_values(column)])
    rows = [{"Data": [column[r] for column in columns]} for r in range(table.num_rows)]
    return infos, rows


def python_values(column: pa.ChunkedArray) -> list[Any]:
    """Python values with timestamps (also nested ones) as int64 nanoseconds, which datetime cannot hold."""
    as_ns = _retype(column.type, lambda t: pa.timestamp("ns", tz=t.tz))
    as_int = _retype(as_ns, lambda t: pa.int64())
    if as_int != column.type:
        column = (column.cast(as_ns) if as_ns != column.type else column).cast(as_int)
    return column.to_pylist()


def _retype(arrow_type: pa.DataType, timestamp: Callable[[pa.DataType], pa.DataType]) -> pa.DataType:
    """`arrow_type` with every timestamp type (also inside lists and structs) replaced."""
    if pa.types.is_timestamp(arrow_type):
        return timestamp(arrow_type)
    if pa.types.is_list(arrow_type):
        return pa.list_(_retype(arrow_type.value_type, timestamp))
    if pa.types.is_struct(arrow_type):
        return pa.struct([pa.field(f.name, _retype(f.type, timestamp)) for f in arrow_type])
    return arrow_type


def whole_months(column: pa.ChunkedArray) -> bool:
    values = [v for v in column.to_pylist() if v is not None]
    return bool(values) and all(v.days == 0 and v.nanoseconds == 0 for v in values)


def encoder_for(kind: dict[str, Any]) -> Encoder:
    """A function Python value -> Datum for a column of Timestream type `kind`."""
    if "TimeSeriesMeasureValueColumnInfo" in kind:
        value = encoder_for(kind["TimeSeriesMeasureValueColumnInfo"]["Type"])
        return _nullable(
            lambda points: {
                "TimeSeriesValue": [
                    {"Time": timestamp_text(p["time"]), "Value": value(p["value"])} for p in points
                ]
            }
        )
    if "ArrayColumnInfo" in kind:
        item = encoder_for(kind["ArrayColumnInfo"]["Type"])
        return _nullable(lambda items: {"ArrayValue": [item(v) for v in items]})
    if "RowColumnInfo" in kind:
        fields = [(f["Name"], encoder_for(f["Type"])) for f in kind["RowColumnInfo"]]
        return _nullable(
            lambda row: {"RowValue": {"Data": [encode(row.get(name)) for name, encode in fields]}}
        )
    text = _SCALAR_TEXT[kind["ScalarType"]]
    return lambda value: {"NullValue": True} if value is None else {"ScalarValue": text(value)}


def _nullable(encode: Encoder) -> Encoder:
    return lambda value: {"NullValue": True} if value is None else encode(value)


def java_double(number: float) -> str:
    """Double.toString: plain between 1e-3 and 1e7, else scientific with 'E' (e.g. 1.0E7)."""
    number = float(number)
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    if number == 0 or 1e-3 <= abs(number) < 1e7:
        return repr(number)
    sign, digits, exponent = Decimal(repr(number)).normalize().as_tuple()
    text = "".join(map(str, digits))
    power = len(text) + int(exponent) - 1
    fraction = text[1:].rstrip("0") or "0"
    return f"{'-' if sign else ''}{text[0]}.{fraction}E{power}"


def timestamp_text(value: Any) -> str:
    """'YYYY-MM-DD HH:MM:SS.nnnnnnnnn' from epoch nanoseconds (or a datetime)."""
    if isinstance(value, datetime):
        value = (value.replace(tzinfo=None) - _EPOCH) // timedelta(microseconds=1) * 1000
    seconds, nanos = divmod(int(value), 1_000_000_000)
    return f"{_EPOCH + timedelta(seconds=seconds):%Y-%m-%d %H:%M:%S}.{nanos:09d}"


def _day_to_second(value: Any) -> str:
    if isinstance(value, timedelta):
        total = (value.days * 86_400 + value.seconds) * 1_000_000_000 + value.microseconds * 1000
    else:  # pyarrow MonthDayNano; a month counts 30 days only if DuckDB mixed both kinds
        total = (value.months * 30 + value.days) * _NS_PER_DAY + value.nanoseconds
    sign, total = ("-" if total < 0 else ""), abs(total)
    days, rest = divmod(total, _NS_PER_DAY)
    seconds, nanos = divmod(rest, 1_000_000_000)
    return f"{sign}{days} {seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}.{nanos:09d}"


def _year_to_month(value: Any) -> str:
    sign, months = ("-" if value.months < 0 else ""), abs(value.months)
    return f"{sign}{months // 12}-{months % 12}"


def _integer(value: Any) -> str:
    return str(int(value))


_SCALAR_TEXT: dict[str, Callable[[Any], str]] = {
    "BOOLEAN": lambda v: "true" if v else "false",
    "DOUBLE": java_double,
    "BIGINT": _integer,
    "INTEGER": _integer,
    "VARCHAR": str,
    "TIMESTAMP": timestamp_text,
    "DATE": lambda v: v.isoformat() if isinstance(v, date) else str(v),
    "TIME": lambda v: f"{v:%H:%M:%S}.{v.microsecond * 1000:09d}" if isinstance(v, time) else str(v),
    "INTERVAL_DAY_TO_SECOND": _day_to_second,
    "INTERVAL_YEAR_TO_MONTH": _year_to_month,
    "UNKNOWN": str,
}
