"""Write record batches to numbered local part files (Parquet or CSV), rolling every N rows.

Deterministic: the same rows in the same order give byte-identical files (pinned writer options,
row groups of a fixed size whatever the page sizes were, no timestamps in the metadata).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

EXTENSIONS = {"parquet": ".parquet", "csv": ".csv"}
ROWS_PER_FILE = 1_000_000
ROWS_PER_ROW_GROUP = 100_000


def part_name(index: int, fmt: str) -> str:
    """`part-00000.parquet`: the same name for the same part on every run."""
    return f"part-{index:05d}{EXTENSIONS[fmt]}"


class RollingPartWriter:
    """Append batches; files appear in `directory` as part-00000, part-00001, ... ; close() lists them."""

    def __init__(
        self,
        directory: Path,
        fmt: str,
        schema: pa.Schema,
        *,
        rows_per_file: int = ROWS_PER_FILE,
        rows_per_row_group: int = ROWS_PER_ROW_GROUP,
    ) -> None:
        if fmt not in EXTENSIONS:
            raise ValueError(f"format {fmt!r} must be one of {sorted(EXTENSIONS)}")
        self._directory = directory
        self._format = fmt
        self._schema = schema
        self._rows_per_file = rows_per_file
        self._rows_per_group = min(rows_per_row_group, rows_per_file)
        self._pending: list[pa.RecordBatch] = []
        self._pending_rows = 0
        self._writer: Any = None
        self._rows_in_file = 0
        self.files: list[Path] = []
        self.rows = 0

    def write(self, batch: pa.RecordBatch) -> None:
        """Buffer a batch; full row groups are written as soon as they are complete."""
        if batch.num_rows == 0:
            return
        self._pending.append(batch)
        self._pending_rows += batch.num_rows
        while self._pending_rows >= self._rows_per_group:
            self._flush(self._rows_per_group)

    def close(self) -> list[Path]:
        """Write what is buffered and close the last file; returns every file written."""
        if self._pending_rows:
            self._flush(self._pending_rows)
        self._close_file()
        return self.files

    def _flush(self, rows: int) -> None:
        import pyarrow as pa

        table = pa.Table.from_batches(self._pending, schema=self._schema)
        head, rest = table.slice(0, rows), table.slice(rows)
        self._pending = rest.combine_chunks().to_batches() if rest.num_rows else []
        self._pending_rows = rest.num_rows
        offset = 0
        while offset < head.num_rows:
            if self._writer is None:
                self._open_file()
            take = min(head.num_rows - offset, self._rows_per_file - self._rows_in_file)
            self._write_table(head.slice(offset, take).combine_chunks())
            offset += take
            self._rows_in_file += take
            self.rows += take
            if self._rows_in_file >= self._rows_per_file:
                self._close_file()

    def _open_file(self) -> None:
        import pyarrow.csv as pa_csv
        import pyarrow.parquet as pq

        path = self._directory / part_name(len(self.files), self._format)
        if self._format == "parquet":
            self._writer = pq.ParquetWriter(
                path,
                self._schema,
                version="2.6",
                compression="snappy",
                use_dictionary=True,
                write_statistics=True,
                data_page_version="1.0",
            )
        else:
            self._writer = pa_csv.CSVWriter(
                path, self._schema, write_options=pa_csv.WriteOptions(include_header=True)
            )
        self.files.append(path)
        self._rows_in_file = 0

    def _write_table(self, table: pa.Table) -> None:
        if self._format == "parquet":
            self._writer.write_table(table, row_group_size=self._rows_per_group)
        else:
            self._writer.write_table(table)

    def _close_file(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
