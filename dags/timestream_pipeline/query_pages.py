"""Timestream query results, page by page, as Arrow record batches with the export's declared schema.

Bounded memory: one page (at most 1 MB) is converted at a time while the next one is fetched; nothing
collects the hour.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from timestream_pipeline.exports import Column
from timestream_pipeline.next_token import listen

if TYPE_CHECKING:
    import pyarrow as pa


_LOOP_MESSAGE = "Timestream returned the same NextToken twice; stopping to avoid a loop"


class QueryResultError(RuntimeError):
    """The query's results do not match what exports.toml declares for the export."""


def iter_query_pages(client: Any, sql: str, *, max_rows: int | None = None) -> Iterator[dict]:
    """Every page of one query; the first page may hold only a NextToken (Timestream still working).

    Without `max_rows` Timestream fills each page up to its 1 MB limit: the fewest requests. The next
    page is requested (on a thread, with the same client) as soon as a page's NextToken is known, so
    fetching it overlaps the caller's work on the page just yielded: at most two pages are held at once
    (the caller's and the next). With `query_parser`'s client the token is known from the response's
    first bytes (`next_token`), before the page is parsed; that request is kept only if the parsed
    NextToken is the same. A failed request raises when its page is reached.
    """
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="timestream-pages") as fetcher:
        pending: _PageFetch | None = _PageFetch(fetcher, client, sql, max_rows, None)
        token: str | None = None
        while pending is not None:
            early = pending.early_token()
            ahead = _PageFetch(fetcher, client, sql, max_rows, early) if early and early != token else None
            page = pending.page.result()
            next_token = page.get("NextToken")
            if next_token and next_token == token:
                raise QueryResultError(_LOOP_MESSAGE)
            if ahead is not None and ahead.token != next_token:
                ahead = None  # the peek disagreed with the parse: that request's answer is never read
            if ahead is None and next_token:
                ahead = _PageFetch(fetcher, client, sql, max_rows, next_token)
            pending, token = ahead, next_token
            yield page


class _PageFetch:
    """One page's request on `fetcher`, and its NextToken as soon as the response shows it."""

    def __init__(
        self, fetcher: ThreadPoolExecutor, client: Any, sql: str, max_rows: int | None, token: str | None
    ) -> None:
        self.token = token
        self._early: str | None = None
        self._known = threading.Event()
        self.page: Future[dict] = fetcher.submit(self._fetch, client, sql, max_rows, token)

    def early_token(self) -> str | None:
        """The NextToken peeked from the response, or None once the page is done without one."""
        self._known.wait()
        return self._early

    def _fetch(self, client: Any, sql: str, max_rows: int | None, token: str | None) -> dict:
        try:
            with listen(self._peeked):
                return _query(client, sql, max_rows, token)
        finally:
            self._known.set()

    def _peeked(self, token: str) -> None:
        if not self._known.is_set():  # a retried request's answer does not change the first one's
            self._early = token
            self._known.set()


def _query(client: Any, sql: str, max_rows: int | None, token: str | None) -> dict:
    request: dict[str, Any] = {"QueryString": sql}
    if max_rows is not None:
        request["MaxRows"] = max_rows
    if token:
        request["NextToken"] = token
    return client.query(**request)


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


def _texts(rows: Sequence[dict], position: int, column: str, export: str) -> pa.Array:
    """Column `position`'s ScalarValue texts; a datum that is neither scalar nor null is an error."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from timestream_pipeline.query_parser import ScalarRows

    if isinstance(rows, ScalarRows):  # read straight from the response: already a column
        texts, row_number = rows.texts(position), -1
        if texts.null_count:
            flags = pc.fill_null(rows.null_flags(position), False)
            row_number = pc.index(pc.and_(pc.is_null(texts), pc.invert(flags)), True).as_py()
    else:
        data = [row["Data"][position] for row in rows]
        values = [datum.get("ScalarValue") for datum in data]
        nulls = (n for n, value in enumerate(values) if value is None and not data[n].get("NullValue"))
        row_number = next(nulls, -1) if None in values else -1
        texts = pa.array(values, pa.string())
    if row_number >= 0:
        raise QueryResultError(
            f"export {export}: column {column} row {row_number} is not a scalar "
            f"({rows[row_number]['Data'][position]}); select scalar values only"
        )
    return texts


def _convert(text: pa.Array, field: pa.Field, export: str) -> pa.Array:
    import pyarrow as pa
    import pyarrow.compute as pc

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
    """One result page as a record batch in the declared column order; None for a page without rows.

    Rows read by `query_parser` are Arrow already: each column is taken in one step. Rows parsed by
    botocore (or any list of {"Data": [...]}) are read a column at a time.
    """
    import pyarrow as pa

    rows = page.get("Rows") or []
    if not rows:
        return None
    positions = _column_positions(page, schema, export)
    arrays = [
        _convert(_texts(rows, position, field.name, export), field, export)
        for position, field in zip(positions, schema, strict=True)
    ]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)
