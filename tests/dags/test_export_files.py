"""Result pages -> typed Arrow batches -> part files: types, nulls, rolling, determinism, CSV."""

from __future__ import annotations

import csv
import threading
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from timestream_pipeline.exports import Column
from timestream_pipeline.part_writer import RollingPartWriter
from timestream_pipeline.query_pages import QueryResultError, arrow_schema, iter_query_pages, page_to_batch

COLUMNS = (
    Column("host", "string"),
    Column("at", "timestamp"),
    Column("value", "double"),
    Column("count", "bigint"),
    Column("ok", "boolean"),
)
SCHEMA = arrow_schema(COLUMNS)


def page(rows: list[list[str | None]], names: tuple[str, ...] = tuple(c.name for c in COLUMNS)) -> dict:
    return {
        "ColumnInfo": [{"Name": name, "Type": {"ScalarType": "VARCHAR"}} for name in names],
        "Rows": [
            {"Data": [{"NullValue": True} if v is None else {"ScalarValue": v} for v in row]} for row in rows
        ],
    }


def row(i: int) -> list[str | None]:
    return [f"h-{i % 7}", f"2026-11-22 09:{i % 60:02d}:15.123456789", f"{i / 3:.4f}", str(i), "true"]


class PagedClient:
    """A stand-in for boto3's timestream-query client that serves pre-built pages by NextToken."""

    def __init__(self, pages: list[dict]) -> None:
        self.pages = pages
        self.requests: list[dict] = []

    def query(self, **request: Any) -> dict:
        self.requests.append(request)
        index = int(request.get("NextToken", "0"))
        result = dict(self.pages[index])
        if index + 1 < len(self.pages):
            result["NextToken"] = str(index + 1)
        return result


def test_a_page_converts_to_the_declared_types_with_nulls() -> None:
    """Every declared type parses from Timestream's strings; NullValue becomes null, not a default."""
    # GIVEN a page with one full row and one all-null row, columns in another order than declared
    names = ("value", "host", "at", "count", "ok")
    values = {
        "host": "h-1",
        "at": "2026-11-22 09:00:15.123456789",
        "value": "1.5",
        "count": "7",
        "ok": "false",
    }
    data = page([[values[n] for n in names], [None] * 5], names)
    # WHEN converted
    batch = page_to_batch(data, SCHEMA, "test")
    # THEN columns follow the declaration, typed, timestamps truncated to microseconds
    assert batch.schema == SCHEMA
    assert batch.to_pylist()[0]["at"].isoformat() == "2026-11-22T09:00:15.123456"
    assert batch.to_pylist()[0] | {"at": None} == {
        "host": "h-1",
        "at": None,
        "value": 1.5,
        "count": 7,
        "ok": False,
    }
    assert batch.to_pylist()[1] == dict.fromkeys(SCHEMA.names)


def test_result_columns_that_differ_from_the_declaration_are_an_error() -> None:
    """A SQL edit that forgets exports.toml fails loudly instead of writing a wrong table."""
    # GIVEN a page missing a declared column  WHEN converted  THEN the error names both lists
    with pytest.raises(QueryResultError, match="declares"):
        page_to_batch(page([["h", "1.0"]], ("host", "value")), SCHEMA, "test")


def test_a_value_that_does_not_fit_its_type_names_the_column() -> None:
    """A text where a number is declared is reported with the column and the fix."""
    # GIVEN a non-numeric count  WHEN converted  THEN the error names the column
    bad = row(1)
    bad[3] = "many"
    with pytest.raises(QueryResultError, match="column count"):
        page_to_batch(page([bad]), SCHEMA, "test")


def test_pagination_follows_next_token_from_a_first_page_without_rows() -> None:
    """Timestream may answer first with only a NextToken; every later page is still read."""
    # GIVEN an empty first page and two pages of rows
    client = PagedClient([page([]), page([row(1)]), page([row(2), row(3)])])
    # WHEN paginated
    pages = list(iter_query_pages(client, "SELECT 1"))
    # THEN all three pages were requested without MaxRows (1 MB pages), the later ones by token
    assert len(pages) == 3
    assert [r.get("NextToken") for r in client.requests] == [None, "1", "2"]
    assert all("MaxRows" not in r for r in client.requests)


class HeldClient(PagedClient):
    """Holds the request for page 2 until the test releases it; fails the request for page 3."""

    def __init__(self, pages: list[dict]) -> None:
        super().__init__(pages)
        self.second_requested, self.release = threading.Event(), threading.Event()

    def query(self, **request: Any) -> dict:
        if request.get("NextToken") == "1":
            self.second_requested.set()
            self.release.wait(timeout=30)
        if request.get("NextToken") == "2":
            raise ConnectionError("page 3 failed")
        return super().query(**request)


def test_the_next_page_is_requested_while_the_caller_holds_the_current_one() -> None:
    """Fetching page 2 overlaps the caller's work on page 1; a failed fetch raises when its page is due."""
    # GIVEN three pages, the third of which fails
    client = HeldClient([page([row(1)]), page([row(2)]), page([row(3)])])
    pages = iter_query_pages(client, "SELECT 1")
    # WHEN the caller takes page 1 (and does not ask for more yet)
    first = next(pages)
    # THEN page 2 is already being requested
    assert client.second_requested.wait(timeout=30)
    assert first["Rows"] == page([row(1)])["Rows"]
    # AND once page 2 arrives, the failure of page 3 is raised only when page 3 is asked for
    client.release.set()
    assert next(pages)["Rows"] == page([row(2)])["Rows"]
    with pytest.raises(ConnectionError, match="page 3"):
        next(pages)


class LoopingClient:
    """Answers every request with the same NextToken."""

    def query(self, **request: Any) -> dict:
        return {**page([row(1)]), "NextToken": "again"}


def test_a_repeated_next_token_stops_the_pages() -> None:
    """A NextToken equal to the previous one is reported instead of looping forever."""
    # GIVEN / WHEN / THEN
    with pytest.raises(QueryResultError, match="same NextToken twice"):
        list(iter_query_pages(LoopingClient(), "SELECT 1"))


def write_rows(directory: Path, fmt: str, page_size: int, total: int, **limits: int) -> list[Path]:
    directory.mkdir()
    writer = RollingPartWriter(directory, fmt, SCHEMA, **limits)
    for start in range(0, total, page_size):
        writer.write(
            page_to_batch(page([row(i) for i in range(start, min(total, start + page_size))]), SCHEMA, "t")
        )
    return writer.close()


def test_the_same_rows_give_identical_parquet_bytes_whatever_the_page_sizes(tmp_path: Path) -> None:
    """Re-running an hour rewrites identical files even if Timestream paged the result differently."""
    # GIVEN the same 2500 rows arriving in pages of 1000 and of 333
    first = write_rows(tmp_path / "a", "parquet", 1000, 2500, rows_per_row_group=700)
    second = write_rows(tmp_path / "b", "parquet", 333, 2500, rows_per_row_group=700)
    # THEN the files are byte-identical, with fixed-size row groups
    assert [p.name for p in first] == ["part-00000.parquet"]
    assert first[0].read_bytes() == second[0].read_bytes()
    assert pq.ParquetFile(first[0]).metadata.num_row_groups == 4


def test_files_roll_over_at_the_row_limit_with_numbered_names(tmp_path: Path) -> None:
    """Large hours become several bounded files: part-00000, part-00001, ..."""
    # GIVEN 2500 rows and at most 1000 rows per file  WHEN written
    files = write_rows(tmp_path / "p", "parquet", 400, 2500, rows_per_file=1000, rows_per_row_group=1000)
    # THEN three files hold 1000, 1000 and 500 rows, in order
    assert [p.name for p in files] == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    assert [pq.ParquetFile(p).metadata.num_rows for p in files] == [1000, 1000, 500]
    assert pq.read_table(files[1]).column("count")[0].as_py() == 1000


def test_csv_files_have_a_header_and_no_index(tmp_path: Path) -> None:
    """CSV output is the declared columns only, so Athena/Glue see the right names, no extra column."""
    # GIVEN two rows written as CSV
    files = write_rows(tmp_path / "c", "csv", 1000, 2)
    # THEN the first line is the header of declared columns and each row has exactly those fields
    with files[0].open(newline="") as handle:
        lines = list(csv.reader(handle))
    assert files[0].name == "part-00000.csv"
    assert lines[0] == list(SCHEMA.names)
    assert lines[1][0] == "h-0" and len(lines[1]) == len(SCHEMA.names)


def test_an_empty_result_writes_no_file(tmp_path: Path) -> None:
    """An empty hour has no data files (its marker says 0 rows)."""
    # GIVEN no batches  WHEN the writer closes  THEN nothing was written
    writer = RollingPartWriter(tmp_path, "parquet", SCHEMA)
    assert writer.close() == []
    assert writer.rows == 0
    assert isinstance(SCHEMA.field("at").type, pa.TimestampType)
