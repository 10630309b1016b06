"""Query result pages: MaxRows/NextToken paging with Timestream's 1 MB page limit."""

from __future__ import annotations

import base64
import json
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from local.timestream.exceptions import ValidationException

MAX_PAGE_BYTES = 1024 * 1024
MAX_ROWS_RANGE = (1, 1000)
MAX_PENDING_QUERIES = 200


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
