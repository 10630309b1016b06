"""A result's row texts, encoded a chunk at a time ahead of the pages that read them.

The first chunk is encoded before the first page is answered, the rest on a background thread while
the client reads that page (Arrow compute releases the GIL): a large result's first page does not wait
for every row to be encoded, and a later page waits only for the chunk that holds its last row. Chunks
double in size, so their fixed cost (a few dozen Arrow calls each) stays small against the rows'.
The byte offset after each row is computed once, as its chunk is added: a page's extent is a binary
search over them.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from local.timestream.column_encoding import encode_row_texts
from local.timestream.exceptions import ValidationException

FIRST_CHUNK_ROWS = 4096  # about one 1 MB page of an export's rows (and more than MaxRows' 1000)

Encode = Callable[[int, int], pa.Array]  # (start, stop) -> the texts of rows [start, stop)


class EncodedRows:
    """`page(start, ...)` answers as soon as the rows of that page are encoded."""

    def __init__(self, total: int, encode: Encode) -> None:
        self.total = total
        self._encode = encode
        self._chunks: list[pa.Array] = []
        self._ends: list[int] = []  # bytes of the rows up to and including each one, with commas
        self._error: BaseException | None = None
        self._stopped = False
        self._changed = threading.Condition()
        self._append(encode(0, min(total, FIRST_CHUNK_ROWS)))
        if len(self._ends) < total:
            threading.Thread(target=self._encode_rest, name="local-timestream-rows", daemon=True).start()

    @classmethod
    def of_table(cls, table: pa.Table, column_info: list[dict[str, Any]]) -> EncodedRows:
        """A query result's rows, typed as its ColumnInfo says."""

        def encode(start: int, stop: int) -> pa.Array:
            return encode_row_texts(table.slice(start, stop - start), column_info)

        return cls(table.num_rows, encode)

    @classmethod
    def of_texts(cls, texts: pa.Array) -> EncodedRows:
        """Rows already encoded (catalog answers, UNLOAD's summary)."""
        return cls(len(texts), lambda start, stop: texts.slice(start, stop - start))

    def stop(self) -> None:
        """The result is done with (read to its end, cancelled or expired): encode no more of it."""
        with self._changed:
            self._stopped = True
            self._changed.notify_all()

    def page(self, start: int, max_rows: int | None, max_bytes: int) -> tuple[str, int]:
        """(`[row,...]` JSON text, end) of rows [start, end): at most `max_rows` rows and `max_bytes`
        bytes, yet at least one row, so that a row larger than `max_bytes` still comes, alone."""
        limit = self.total if max_rows is None else min(self.total, start + max_rows)
        with self._changed:
            budget = (self._ends[start - 1] if start else 0) + max_bytes
            self._changed.wait_for(
                lambda: self._page_known(limit, budget) or self._error is not None or self._stopped
            )
            if not self._page_known(limit, budget):
                if self._error is not None:
                    raise self._error
                raise ValidationException("The query was cancelled: run it again.")
            end = min(max(bisect.bisect_right(self._ends, budget, lo=start), start + 1), limit)
            chunks = list(self._chunks)
        texts = pa.chunked_array(chunks, pa.large_string()).slice(start, end - start).to_pylist()
        return f"[{','.join(texts)}]", end

    def _page_known(self, limit: int, budget: int) -> bool:
        """Enough rows are encoded to tell where the page ends."""
        return len(self._ends) >= limit or self._ends[-1] > budget

    def _append(self, texts: pa.Array) -> None:
        offset = self._ends[-1] if self._ends else 0
        sizes = pc.add(pc.binary_length(texts).cast(pa.int64()), 1)
        ends = pc.add(pc.cumulative_sum(sizes), offset).to_pylist() if len(texts) else []
        with self._changed:
            self._chunks.append(texts.cast(pa.large_string()))
            self._ends += ends
            self._changed.notify_all()

    def _encode_rest(self) -> None:
        start, size = len(self._ends), FIRST_CHUNK_ROWS
        try:
            while start < self.total and not self._stopped:
                size *= 2
                stop = min(self.total, start + size)
                self._append(self._encode(start, stop))
                start = stop
        except BaseException as error:  # raised again by the page that needs these rows
            with self._changed:
                self._error = error
                self._changed.notify_all()
