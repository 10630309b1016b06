"""Query results in Timestream's wire format: ColumnInfo types, Datum rows, MaxRows/NextToken pages."""

from __future__ import annotations

import base64
import json
import math
import re
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa

from local.timestream.exceptions import ValidationException

MAX_PAGE_BYTES = 1024 * 1024
MAX_ROWS_RANGE = (1, 1000)
MAX_PENDING_QUERIES = 200
_EPOCH = datetime(1970, 1, 1)
_SCALAR_TYPES = [
    (re.compile(r"^(BIGINT|HUGEINT|UBIGINT|UINTEGER|UHUGEINT)$"), "BIGINT"),
    (re.compile(r"^(INTEGER|SMALLINT|TINYINT|USMALLINT|UTINYINT)$"), "INTEGER"),
    (re.compile(r"^(DOUBLE|FLOAT|REAL|DECIMAL.*)$"), "DOUBLE"),
    (re.compile(r"^(VARCHAR|UUID|JSON)$"), "VARCHAR"),
    (re.compile(r"^BOOLEAN$"), "BOOLEAN"),
    (re.compile(r"^TIMESTAMP.*$"), "TIMESTAMP"),
    (re.compile(r"^DATE$"), "DATE"),
    (re.compile(r"^TIME$"), "TIME"),
    (re.compile(r"^INTERVAL$"), "INTERVAL_DAY_TO_SECOND"),
    (re.compile(r"^\"?NULL\"?$"), "UNKNOWN"),
]


def column_type(arrow_type: pa.DataType, duck_type: str) -> dict[str, Any]:
    """Timestream's `Type` for a DuckDB/Arrow column (ARRAY and ROW for nested values)."""
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        inner = duck_type[:-2] if duck_type.endswith("[]") else "VARCHAR"
        return {"ArrayColumnInfo": {"Type": column_type(arrow_type.value_type, inner)}}
    if pa.types.is_struct(arrow_type):
        return {
            "RowColumnInfo": [
                {"Name": child.name, "Type": column_type(child.type, _duck_name(child.type))}
                for child in arrow_type
            ]
        }
    for pattern, scalar in _SCALAR_TYPES:
        if pattern.match(duck_type.upper()):
            return {"ScalarType": scalar}
    raise ValidationException(f"Result type {duck_type} has no Timestream equivalent: cast it to VARCHAR.")


def _duck_name(arrow_type: pa.DataType) -> str:
    if pa.types.is_timestamp(arrow_type):
        return "TIMESTAMP"
    if pa.types.is_floating(arrow_type) or pa.types.is_decimal(arrow_type):
        return "DOUBLE"
    if pa.types.is_integer(arrow_type):
        return "BIGINT"
    if pa.types.is_boolean(arrow_type):
        return "BOOLEAN"
    return "VARCHAR"


def encode_rows(names: list[str], duck_types: list[str], table: pa.Table) -> tuple[list[dict], list[dict]]:
    """(ColumnInfo, Rows) for a result table."""
    infos = [
        {"Name": name, "Type": column_type(table.schema.field(i).type, duck)}
        for i, (name, duck) in enumerate(zip(names, duck_types, strict=True))
    ]
    columns = []
    for i, info in enumerate(infos):
        column = table.column(i)
        if pa.types.is_timestamp(column.type):
            column = column.cast(pa.timestamp("ns", tz=column.type.tz)).cast(pa.int64())
        columns.append([encode_datum(v, info["Type"]) for v in column.to_pylist()])
    rows = [{"Data": [column[r] for column in columns]} for r in range(table.num_rows)]
    return infos, rows


def encode_datum(value: Any, column: dict[str, Any]) -> dict[str, Any]:
    """One Datum: ScalarValue text, NullValue, ArrayValue or RowValue."""
    if value is None:
        return {"NullValue": True}
    if "ArrayColumnInfo" in column:
        return {"ArrayValue": [encode_datum(v, column["ArrayColumnInfo"]["Type"]) for v in value]}
    if "RowColumnInfo" in column:
        fields = column["RowColumnInfo"]
        return {"RowValue": {"Data": [encode_datum(value.get(f["Name"]), f["Type"]) for f in fields]}}
    return {"ScalarValue": scalar_text(value, column["ScalarType"])}


def scalar_text(value: Any, scalar_type: str) -> str:
    """Timestream's text for a scalar: Java-style doubles, nanosecond timestamps, lower-case booleans."""
    if scalar_type == "BOOLEAN":
        return "true" if value else "false"
    if scalar_type == "DOUBLE":
        return java_double(float(value))
    if scalar_type == "TIMESTAMP":
        if isinstance(value, datetime):
            value = _micros(value) * 1000
        seconds, nanos = divmod(int(value), 1_000_000_000)
        return f"{_EPOCH + timedelta(seconds=seconds):%Y-%m-%d %H:%M:%S}.{nanos:09d}"
    if scalar_type == "DATE" and isinstance(value, date):
        return value.isoformat()
    if scalar_type == "TIME" and isinstance(value, time):
        return f"{value:%H:%M:%S}.{value.microsecond * 1000:09d}"
    if scalar_type == "INTERVAL_DAY_TO_SECOND":
        return _interval_text(value)
    if isinstance(value, Decimal):
        return str(int(value)) if scalar_type in ("BIGINT", "INTEGER") else java_double(float(value))
    return str(value)


def java_double(number: float) -> str:
    """Double.toString: plain between 1e-3 and 1e7, else scientific with 'E' (e.g. 1.0E7)."""
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


def _micros(value: datetime) -> int:
    value = value.replace(tzinfo=None) if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)
    return (value - _EPOCH) // timedelta(microseconds=1)


def _interval_text(value: Any) -> str:
    if isinstance(value, timedelta):
        days, nanos = value.days, (value.seconds * 1_000_000 + value.microseconds) * 1000
    else:  # pyarrow MonthDayNano
        days, nanos = value.months * 30 + value.days, value.nanoseconds
    seconds, nanos = divmod(nanos, 1_000_000_000)
    hours, rest = divmod(seconds, 3600)
    return f"{days} {hours:02d}:{rest // 60:02d}:{rest % 60:02d}.{nanos:09d}"


@dataclass
class PendingResult:
    """A finished query whose pages have not all been fetched yet."""

    query_id: str
    query_string: str
    column_info: list[dict[str, Any]]
    rows: list[dict[str, Any]]
    position: int = 0
    scanned_bytes: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class ResultPages:
    """Splits results into pages of at most MaxRows rows and 1 MB, served through NextToken."""

    def __init__(self) -> None:
        self._pending: OrderedDict[str, PendingResult] = OrderedDict()
        self._lock = threading.Lock()

    def start(
        self, query_string: str, column_info: list[dict], rows: list[dict], scanned: int
    ) -> PendingResult:
        result = PendingResult(
            f"local-{uuid.uuid4().hex}", query_string, column_info, rows, scanned_bytes=scanned
        )
        with self._lock:
            self._pending[result.query_id] = result
            while len(self._pending) > MAX_PENDING_QUERIES:
                self._pending.popitem(last=False)
        return result

    def resume(self, query_string: str, token: str) -> PendingResult:
        try:
            query_id, position = base64.urlsafe_b64decode(token.encode()).decode().split(":")
        except (ValueError, UnicodeDecodeError):
            raise ValidationException(
                "The NextToken is malformed: pass the NextToken of the previous page."
            ) from None
        with self._lock:
            result = self._pending.get(query_id)
        if result is None or result.position != int(position):
            raise ValidationException("The NextToken is invalid or expired: run the query again without it.")
        if result.query_string != query_string:
            raise ValidationException("NextToken belongs to another QueryString: send the same QueryString.")
        return result

    def cancel(self, query_id: str) -> bool:
        with self._lock:
            return self._pending.pop(query_id, None) is not None

    def next_page(self, result: PendingResult, max_rows: int | None) -> dict[str, Any]:
        """The next page of `result` as a Query response."""
        if max_rows is not None and not MAX_ROWS_RANGE[0] <= max_rows <= MAX_ROWS_RANGE[1]:
            raise ValidationException(f"MaxRows must be between 1 and 1000, got {max_rows}.")
        with result.lock:
            end, size = result.position, 0
            while end < len(result.rows) and (max_rows is None or end - result.position < max_rows):
                size += len(json.dumps(result.rows[end]))
                if size > MAX_PAGE_BYTES and end > result.position:
                    break
                end += 1
            page = result.rows[result.position : end]
            result.position = end
            response: dict[str, Any] = {
                "QueryId": result.query_id,
                "Rows": page,
                "ColumnInfo": result.column_info,
                "QueryStatus": {
                    "ProgressPercentage": 100.0,
                    "CumulativeBytesScanned": result.scanned_bytes,
                    "CumulativeBytesMetered": max(result.scanned_bytes, 10 * 1024 * 1024),
                },
            }
            if end < len(result.rows):
                token = f"{result.query_id}:{end}"
                response["NextToken"] = base64.urlsafe_b64encode(token.encode()).decode()
            else:
                self.cancel(result.query_id)
        return response
