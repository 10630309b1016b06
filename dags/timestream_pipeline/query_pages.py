"""Timestream query results, page by page, as Arrow record batches with the export's declared schema.

Bounded memory: one page (at most 1000 rows / 1 MB) is converted at a time; nothing collects the hour.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from timestream_pipeline.exports import Column

if TYPE_CHECKING:
    import pyarrow as pa

MAX_ROWS_PER_PAGE = 1000  # Timestream's maximum MaxRows


class QueryResultError(RuntimeError):
    """The query's results do not match what exports.toml declares for the export."""


def iter_query_pages(client: Any, sql: str, *, max_rows: int = MAX_ROWS_PER_PAGE) -> Iterator[dict]:
    """Every page of one query; the first page may hold only a NextToken (Timestream still working)."""
    token: str | None = None
    while True:
        request: dict[str, Any] = {"QueryString": sql, "MaxRows": max_rows}
        if token:
            request["NextToken"] = token
        page = client.query(**request)
        yield page
        next_token = page.get("NextToken")
        if not next_token:
            return
        if next_token == token:
            raise QueryResultError("Timestream returned the same NextToken twice; stopping to avoid a loop")
        token = next_token


def arrow_schema(columns: Sequence[Column]) -> pa.Schema:
    """The Arrow schema of an export: timestamps are UTC without zone, microseconds (Athena-friendly)."""
    import pyarrow as pa

    types = {
        "string": pa.string(),
        "double": pa.float64(),
        "bigint": pa.int64(),
        "boolean": pa.bool_(),
        "timestamp": pa.timestamp("us"),
    }
    return pa.schema([pa.field(column.name, types[column.type]) for column in columns])


def _column_positions(page: dict, schema: pa.Schema, export: str) -> list[int]:
    returned = [info["Name"] for info in page.get("ColumnInfo", [])]
    if sorted(returned) != sorted(schema.names):
        raise QueryResultError(
            f"export {export}: the query returned columns {returned} but exports.toml declares "
            f"{schema.names}; make the SQL's SELECT list and the [[export]] columns agree"
        )
    return [returned.index(name) for name in schema.names]


def _scalars(data: tuple[dict, ...], column: str, export: str) -> list[str | None]:
    """One column's values as strings; a datum that is neither scalar nor null is an error."""
    values = [datum.get("ScalarValue") for datum in data]
    if None in values:
        for row_number, (value, datum) in enumerate(zip(values, data, strict=True)):
            if value is None and not datum.get("NullValue"):
                raise QueryResultError(
                    f"export {export}: column {column} row {row_number} is not a scalar ({datum}); "
                    "select scalar values only"
                )
    return values


def _convert(values: list[str | None], field: pa.Field, export: str) -> pa.Array:
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pa.array(values, pa.string())
    try:
        if pa.types.is_string(field.type):
            return text
        if pa.types.is_timestamp(field.type):
            # Timestream renders nanoseconds ("2026-11-22 09:00:15.000000000"); parse, then truncate.
            return pc.cast(text, pa.timestamp("ns")).cast(field.type, safe=False)
        return pc.cast(text, field.type)
    except pa.ArrowInvalid as error:
        raise QueryResultError(
            f"export {export}: column {field.name} is declared {field.type} but a value does not convert "
            f"({error}); fix its type in exports.toml or cast it in the SQL"
        ) from error


def page_to_batch(page: dict, schema: pa.Schema, export: str) -> pa.RecordBatch | None:
    """One result page as a record batch in the declared column order; None for a page without rows."""
    import pyarrow as pa

    rows = page.get("Rows") or []
    if not rows:
        return None
    positions = _column_positions(page, schema, export)
    by_column = list(zip(*(row["Data"] for row in rows), strict=True))  # one pass over the rows
    arrays = [
        _convert(_scalars(by_column[position], field.name, export), field, export)
        for position, field in zip(positions, schema, strict=True)
    ]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)
