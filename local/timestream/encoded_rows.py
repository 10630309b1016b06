"""A result's row texts, encoded a chunk at a time ahead of the pages that read them.

The first chunk (about the first page) is encoded before the first page is answered, the rest on a
background thread, from the moment that page is taken, while the client reads it (Arrow compute
releases the GIL; started earlier, the thread would slow the first answer down): a large result's
first page does not wait for every row to be encoded. The rest is prepared in blocks (each column's
distinct values encoded once per block: dimensions, time bins and rounded measures repeat), the first
of a page's rows (the second page: its client asks for it at once), then of four pages' rows, each
next one twice the last, and joined into rows a page's worth at a time: each page is ready soon.
Encoding each page's rows on their own would take 1.6x the CPU for the CPU export's result.
Each row is encoded with the comma that follows it in a page, so a page's Rows are copied straight
from the chunks' Arrow buffers (no Python string per row); the byte offset after each row is
computed once, as its chunk is added: a page's extent is a binary search over them.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Callable
from typing import Any, NamedTuple

import pyarrow as pa
import pyarrow.compute as pc

from local.timestream.column_encoding import join_rows, row_bytes, row_pieces
from local.timestream.exceptions import ValidationException

MAX_PAGE_BYTES = 1024 * 1024  # Timestream's page limit
SAMPLE_ROWS = 1024  # the rows that tell how many rows a 1 MB first page takes
LATER_CHUNK_ROWS = 262_144  # bounds the encoder's temporary arrays for a large result
# Rows encoded beyond those a 1 MB page is judged to take: the first rows' size (encoded) or the values'
# own lengths (`row_bytes`: within 0.1% on the CPU export) can differ from the page's. Too few cost
# another pass over the next rows before the first page goes out.
SAMPLE_MARGIN, ESTIMATE_MARGIN = 1.25, 1.1
REST_BLOCK_PAGES = 4  # the rest's first block (prepared in one pass): this many first pages' rows

# The texts of some rows, each with its ",": `prepare(start, stop)` does the work of rows [start, stop) that
# is cheaper in one pass (each column's distinct values), and returns `rows(first, last)`, which joins
# rows [start + first, start + last) of them.
Rows = Callable[[int, int], pa.Array]
Prepare = Callable[[int, int], Rows]


def _rows_in(page_bytes: int, each: float, margin: float) -> int:
    """Rows of `each` bytes that fill `page_bytes`, and `margin` times more: a page's rows vary in size."""
    return int(page_bytes / each * margin) + 1


class _Chunk(NamedTuple):
    first_row: int
    offsets: memoryview  # the rows' int64 offsets into `data`, one more than the rows
    data: memoryview


class EncodedRows:
    """`page(start, ...)` answers as soon as the rows of that page are encoded."""

    def __init__(
        self,
        total: int,
        prepare: Prepare,
        first_page_rows: int | None = None,
        mean_row_bytes: float | None = None,
    ) -> None:
        """Encodes the first page's rows (`first_page_rows`, or those of 1 MB) now, the others on a thread.
        `mean_row_bytes`, the rows' mean text length when it is known without encoding them, tells how many
        rows 1 MB takes: they are then encoded in one pass, not a sample first and the rest after it
        (each pass has a fixed cost of ~1.5 ms, a quarter of the first page's)."""
        self.total = total
        self._prepare = prepare
        self._chunks: list[_Chunk] = []
        self._ends: list[int] = []  # bytes of the rows up to and including each one, with commas
        self._error: BaseException | None = None
        self._stopped = False
        self._changed = threading.Condition()
        estimated = (
            _rows_in(MAX_PAGE_BYTES, mean_row_bytes, ESTIMATE_MARGIN) if mean_row_bytes else SAMPLE_ROWS
        )
        first = first_page_rows or estimated
        self._append(self._encode(0, min(total, first)))
        encoded = len(self._ends)
        if first_page_rows is None and encoded < total and self._ends[-1] <= MAX_PAGE_BYTES:
            # The rows a 1 MB page still needs, judged by the encoded rows' size.
            more = _rows_in(MAX_PAGE_BYTES - self._ends[-1], self._ends[-1] / encoded, SAMPLE_MARGIN)
            self._append(self._encode(encoded, min(total, encoded + more)))
        # The rest is encoded from the first page() call on: not while that page is still being answered.
        self._rest: threading.Thread | None = None
        if len(self._ends) < total:
            self._rest = threading.Thread(target=self._encode_rest, name="local-timestream-rows", daemon=True)

    @classmethod
    def of_table(cls, table: pa.Table, info: list[dict[str, Any]], max_rows: int | None) -> EncodedRows:
        """A query result's rows, typed as its ColumnInfo says; its first page asks for `max_rows` rows
        (None: as many as fit in 1 MB)."""

        def prepare(start: int, stop: int) -> Rows:
            pieces = row_pieces(table.slice(start, stop - start), info, suffix=",")
            return lambda first, last: join_rows(pieces, first, last)

        if max_rows is not None:
            return cls(table.num_rows, prepare, max(1, max_rows))
        return cls(
            table.num_rows, prepare, mean_row_bytes=row_bytes(table.slice(0, SAMPLE_ROWS), info, suffix=",")
        )

    @classmethod
    def of_texts(cls, texts: pa.Array) -> EncodedRows:
        """Rows already encoded (catalog answers, UNLOAD's summary)."""
        comma, nothing = pa.scalar(",", texts.type), pa.scalar("", texts.type)
        with_commas = pc.binary_join_element_wise(texts, comma, nothing)
        return cls(
            len(texts), lambda start, _: lambda first, last: with_commas.slice(start + first, last - first)
        )

    def stop(self) -> None:
        """The result is done with (read to its end, cancelled or expired): encode no more of it."""
        with self._changed:
            self._stopped = True
            self._changed.notify_all()

    def page(self, start: int, max_rows: int | None, max_bytes: int) -> tuple[list[Any], int]:
        """(the pieces of the `[row,...]` JSON text, end) of rows [start, end): at most `max_rows` rows and
        `max_bytes` bytes, yet at least one row, so that a row larger than `max_bytes` still comes, alone."""
        limit = self.total if max_rows is None else min(self.total, start + max_rows)
        with self._changed:
            if self._rest is not None:
                self._rest.start()
                self._rest = None
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
        pieces: list[Any] = [b"["]
        for chunk in chunks:
            count = len(chunk.offsets) - 1
            first, stop = max(start, chunk.first_row), min(end, chunk.first_row + count)
            if first < stop:
                low, high = chunk.offsets[first - chunk.first_row], chunk.offsets[stop - chunk.first_row]
                pieces.append(chunk.data[low : high - 1 if stop == end else high])  # no comma after the last
        pieces.append(b"]")
        return pieces, end

    def _page_known(self, limit: int, budget: int) -> bool:
        """Enough rows are encoded to tell where the page ends."""
        return len(self._ends) >= limit or self._ends[-1] > budget

    def _append(self, texts: pa.Array) -> None:
        if not len(texts):
            return
        texts = texts.cast(pa.large_binary())
        _, offsets, data = texts.buffers()
        chunk = _Chunk(
            len(self._ends),
            memoryview(offsets).cast("q")[texts.offset : texts.offset + len(texts) + 1],
            memoryview(data),
        )
        base = self._ends[-1] if self._ends else 0
        ends = pc.add(pc.cumulative_sum(pc.binary_length(texts)), base).to_pylist()
        with self._changed:
            self._chunks.append(chunk)
            self._ends += ends
            self._changed.notify_all()

    def _encode(self, start: int, stop: int) -> pa.Array:
        return self._prepare(start, stop)(0, stop - start)

    def _encode_rest(self) -> None:
        start = len(self._ends)
        chunk = start  # rows to a chunk: those encoded for the first page (a page's worth, with a margin)
        block = chunk  # the next page's rows on their own first: its client asks for it at once
        try:
            while start < self.total and not self._stopped:
                stop = min(self.total, start + min(block, LATER_CHUNK_ROWS))
                rows = self._prepare(start, stop)
                for first in range(start, stop, chunk):
                    if self._stopped:
                        return
                    self._append(rows(first - start, min(stop, first + chunk) - start))
                start, block = stop, REST_BLOCK_PAGES * chunk if block == chunk else 2 * block
        except BaseException as error:  # raised again by the page that needs these rows
            with self._changed:
                self._error = error
                self._changed.notify_all()
