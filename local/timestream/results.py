"""Query result pages: MaxRows/NextToken paging with Timestream's 1 MB page limit.

A result is held as one JSON text per row (`encoded_rows`, encoded ahead of the pages); a page's Rows
are its rows' texts joined. A query runs once: its later pages come from the held result by QueryId.
"""

from __future__ import annotations

import base64
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from local.timestream.column_encoding import compact
from local.timestream.encoded_rows import MAX_PAGE_BYTES, EncodedRows
from local.timestream.exceptions import ValidationException
from local.timestream.wire import RawJSON

MAX_ROWS_RANGE = (1, 1000)
MAX_PENDING_QUERIES = 200


def new_query_id() -> str:
    return f"local-{uuid.uuid4().hex}"


def row_texts(rows: list[dict[str, Any]]) -> EncodedRows:
    """Row texts for a small answer built as dictionaries (catalog statements, UNLOAD's summary)."""
    return EncodedRows.of_texts(pa.array([compact(row) for row in rows], pa.large_string()))


@dataclass
class PendingResult:
    """A finished query whose pages have not all been fetched yet."""

    query_id: str
    query_string: str
    column_info: list[dict[str, Any]]
    rows: EncodedRows  # one `{"Data":[...]}` JSON text per row
    position: int = 0
    scanned_bytes: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class ResultPages:
    """Splits results into pages of at most MaxRows rows and 1 MB, served through NextToken."""

    def __init__(self) -> None:
        self._pending: OrderedDict[str, PendingResult] = OrderedDict()
        self._lock = threading.Lock()

    def start(
        self,
        query_string: str,
        column_info: list[dict],
        rows: EncodedRows,
        scanned: int,
        *,
        query_id: str | None = None,
    ) -> PendingResult:
        result = PendingResult(
            query_id or new_query_id(), query_string, column_info, rows, scanned_bytes=scanned
        )
        with self._lock:
            self._pending[result.query_id] = result
            while len(self._pending) > MAX_PENDING_QUERIES:
                self._pending.popitem(last=False)[1].rows.stop()
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
            result = self._pending.pop(query_id, None)
        if result is not None:
            result.rows.stop()
        return result is not None

    def next_page(self, result: PendingResult, max_rows: int | None) -> dict[str, Any]:
        """The next page of `result` as a Query response (its Rows as JSON text)."""
        if max_rows is not None and not MAX_ROWS_RANGE[0] <= max_rows <= MAX_ROWS_RANGE[1]:
            raise ValidationException(f"MaxRows must be between 1 and 1000, got {max_rows}.")
        with result.lock:
            rows, end = result.rows.page(result.position, max_rows, MAX_PAGE_BYTES)
            result.position = end
            # NextToken right after QueryId, as the API model orders them: a client can read it from the
            # body's first bytes and ask for the next page before parsing this one (`next_token`).
            response: dict[str, Any] = {"QueryId": result.query_id}
            if end < result.rows.total:
                token = f"{result.query_id}:{end}"
                response["NextToken"] = base64.urlsafe_b64encode(token.encode()).decode()
            else:
                self.cancel(result.query_id)
            response["Rows"] = RawJSON(*rows)
            response["ColumnInfo"] = result.column_info
            response["QueryStatus"] = {
                "ProgressPercentage": 100.0,
                "CumulativeBytesScanned": result.scanned_bytes,
                "CumulativeBytesMetered": max(result.scanned_bytes, 10 * 1024 * 1024),
            }
        return response
