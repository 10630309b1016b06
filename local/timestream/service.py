"""The emulated service: the catalog, WriteRecords and Query (with UNLOAD) over one DuckDB storage."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

from local.timestream import column_encoding, metadata_queries
from local.timestream.commit_queue import COMMIT_INTERVAL_S
from local.timestream.encoded_rows import EncodedRows
from local.timestream.encoding import encode_rows
from local.timestream.errors import timestream_message
from local.timestream.exceptions import ValidationException
from local.timestream.models import Catalog
from local.timestream.results import ResultPages, new_query_id, row_texts
from local.timestream.storage import Storage, view_name
from local.timestream.translations import Translations
from local.timestream.unload import Unloader, UnloadSpec, parse_unload
from local.timestream.writes import RecordWriter

_UNLOAD_COLUMNS = [
    {"Name": "rows", "Type": {"ScalarType": "BIGINT"}},
    {"Name": "metadataFile", "Type": {"ScalarType": "VARCHAR"}},
    {"Name": "manifestFile", "Type": {"ScalarType": "VARCHAR"}},
]


class TimestreamService:
    """Everything the API operations do, independent of HTTP."""

    def __init__(
        self,
        db_path: str | Path | None = None,
        *,
        region: str = "us-east-1",
        account: str = "123456789012",
        s3_endpoint_url: str | None = None,
        clock_ns: Callable[[], int] = time.time_ns,
        commit_interval_s: float = COMMIT_INTERVAL_S,
    ) -> None:
        self.storage = Storage(db_path, commit_interval_s)
        self.catalog = Catalog(self.storage, region, account)
        self.writer = RecordWriter(self.catalog, clock_ns)
        self.pages = ResultPages()
        self.unloader = Unloader(s3_endpoint_url, region)
        self.translations = Translations()
        self.clock_ns = clock_ns

    def close(self) -> None:
        self.storage.close()

    def write_records(self, database: str, table: str, records: Any, common: dict | None) -> dict[str, Any]:
        return {"RecordsIngested": self.writer.write_records(database, table, records, common)}

    def query(
        self, query_string: str, max_rows: int | None = None, next_token: str | None = None
    ) -> dict[str, Any]:
        """Run a query (or fetch its next page): Timestream's Query response."""
        if not isinstance(query_string, str) or not query_string.strip():
            raise ValidationException("QueryString is empty: send a SELECT or UNLOAD statement.")
        if next_token:
            return self.pages.next_page(self.pages.resume(query_string, next_token), max_rows)
        catalog_answer = metadata_queries.answer(query_string, self.catalog)
        if catalog_answer is not None:
            column_info, rows = catalog_answer
            pending = self.pages.start(query_string, column_info, row_texts(rows), scanned=0)
            return self.pages.next_page(pending, max_rows)
        unload = parse_unload(query_string)
        names, _, table = self.execute(unload.select if unload else query_string)
        if unload:
            return self._unload(query_string, unload, names, table, max_rows)
        info = column_encoding.column_info(names, table)
        rows = EncodedRows.of_table(table, info, max_rows)
        pending = self.pages.start(query_string, info, rows, table.nbytes)
        return self.pages.next_page(pending, max_rows)

    def _unload(
        self, query_string: str, unload: UnloadSpec, names: list[str], table: Any, max_rows: int | None
    ) -> dict[str, Any]:
        """Write the files; the answer is one row: rows written, metadata and manifest files."""
        column_info, rows = encode_rows(names, table)
        query_id = new_query_id()
        written = self.unloader.write(unload, query_id, column_info, rows, table)
        summary = {"Data": [{"ScalarValue": str(written[c["Name"]])} for c in _UNLOAD_COLUMNS]}
        pending = self.pages.start(
            query_string, _UNLOAD_COLUMNS, row_texts([summary]), table.nbytes, query_id=query_id
        )
        return self.pages.next_page(pending, max_rows)

    def execute(self, timestream_sql: str) -> tuple[list[str], list[str], Any]:
        """Translate and run a SELECT: column names, DuckDB types and an Arrow table."""
        duck_sql = self.translations.translate(timestream_sql, self._resolve_table, self.clock_ns())
        try:
            return self.storage.run_query(duck_sql)
        except duckdb.Error as error:
            raise ValidationException(timestream_message(error, timestream_sql)) from None

    def cancel_query(self, query_id: str) -> dict[str, Any]:
        self.pages.cancel(query_id)
        return {"CancellationMessage": f"Query {query_id} is cancelled (or had already finished)."}

    def _resolve_table(self, database: str, table: str) -> str:
        if database not in self.catalog.databases:
            raise ValidationException(
                f"Requested database '{database}' not found for identifier '{database}.{table}'"
            )
        if (database, table) not in self.catalog.tables:
            raise ValidationException(f"Table '{database}.{table}' does not exist")
        return view_name(self.catalog.tables[(database, table)].storage_id)
