"""Query pagination: MaxRows, NextToken, and every row exactly once."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pytest
from emulator_support import double_record, now_ms, query_all, scalar_rows

from local.timestream.encoded_rows import EncodedRows
from local.timestream.results import MAX_PAGE_BYTES, ResultPages, row_texts


@pytest.fixture(scope="module")
def many_rows(write_client: Any, database: str) -> str:
    """A table with 1,050 rows (values 0..1049)."""
    write_client.create_table(DatabaseName=database, TableName="paged")
    stamp = now_ms() - 60_000
    for first in range(0, 1050, 100):
        records = [double_record(f"h{i % 7}", i, stamp - i) for i in range(first, min(first + 100, 1050))]
        write_client.write_records(DatabaseName=database, TableName="paged", Records=records)
    return f'"{database}"."paged"'


def test_small_pages_return_every_row_exactly_once(query_client: Any, many_rows: str) -> None:
    """With MaxRows=37 the pages together hold each of the 1,050 rows once, in query order."""
    # GIVEN / WHEN every page of 37 rows is read
    pages = query_all(
        query_client, f"SELECT measure_value::double AS v FROM {many_rows} ORDER BY v", MaxRows=37
    )
    values = [float(row[0]) for row in scalar_rows(pages)]
    # THEN no page exceeds 37 rows and the values are exactly 0..1049
    assert max(len(page["Rows"]) for page in pages) <= 37
    assert values == [float(i) for i in range(1050)]


def test_pages_share_the_query_id_and_column_info(query_client: Any, many_rows: str) -> None:
    """Every page of one query carries the same QueryId and ColumnInfo."""
    # GIVEN / WHEN
    pages = query_all(query_client, f"SELECT host, time FROM {many_rows}", MaxRows=500)
    # THEN
    assert len(pages) == 3
    assert len({page["QueryId"] for page in pages}) == 1
    assert all(page["ColumnInfo"] == pages[0]["ColumnInfo"] for page in pages)


def test_max_rows_above_1000_is_a_validation_error(unvalidated_query_client: Any, many_rows: str) -> None:
    """MaxRows is limited to 1..1000."""
    # GIVEN / WHEN / THEN
    with pytest.raises(unvalidated_query_client.exceptions.ValidationException, match="MaxRows"):
        unvalidated_query_client.query(QueryString=f"SELECT * FROM {many_rows}", MaxRows=1001)


def test_a_next_token_for_another_query_string_is_refused(query_client: Any, many_rows: str) -> None:
    """NextToken only continues the QueryString it was issued for."""
    # GIVEN a first page with a NextToken
    first = query_client.query(QueryString=f"SELECT host FROM {many_rows}", MaxRows=10)
    # WHEN / THEN continuing it with another statement fails
    with pytest.raises(query_client.exceptions.ValidationException, match="QueryString"):
        query_client.query(QueryString=f"SELECT time FROM {many_rows}", NextToken=first["NextToken"])


def test_cancel_query_ends_a_paged_query(query_client: Any, many_rows: str) -> None:
    """After CancelQuery, the query's NextToken no longer works."""
    # GIVEN a paged query
    sql = f"SELECT host FROM {many_rows}"
    first = query_client.query(QueryString=sql, MaxRows=10)
    # WHEN it is cancelled
    message = query_client.cancel_query(QueryId=first["QueryId"])["CancellationMessage"]
    # THEN its NextToken is refused
    assert first["QueryId"] in message
    with pytest.raises(query_client.exceptions.ValidationException, match="expired"):
        query_client.query(QueryString=sql, NextToken=first["NextToken"])


def test_pages_hold_at_most_one_megabyte_of_rows_and_at_least_one_row() -> None:
    """Rows of ~300 KB go three to a page; a row above 1 MB still comes, alone; none is lost."""
    # GIVEN a result of seven 300 KB rows, one 1.2 MB row and two small ones
    rows = [{"Data": [{"ScalarValue": f"{n}:" + "x" * 300_000}]} for n in range(7)]
    rows += [{"Data": [{"ScalarValue": "y" * 1_200_000}]}, {"Data": [{"NullValue": True}]}, {"Data": []}]
    pages = ResultPages()
    result = pages.start("SELECT big", [{"Name": "v", "Type": {"ScalarType": "VARCHAR"}}], row_texts(rows), 0)
    # WHEN every page is taken
    bodies = []
    while not bodies or "NextToken" in bodies[-1]:
        bodies.append(pages.next_page(result, None))
    texts = [body["Rows"].text for body in bodies]
    # THEN pages are 3, 3, 1 + nothing more (the next would pass 1 MB), the big row alone, then the rest
    assert [len(json.loads(text)) for text in texts] == [3, 3, 1, 1, 2]
    assert all(len(text) <= MAX_PAGE_BYTES for number, text in enumerate(texts) if number != 3)
    assert [row for text in texts for row in json.loads(text)] == rows


def test_a_result_larger_than_the_first_encoded_chunk_pages_every_row_once(query_client: Any) -> None:
    """Rows encoded on the background thread (beyond the first chunk) come in order, in pages of
    MaxRows and in pages filled to 1 MB, across every chunk boundary."""
    # GIVEN a result of 30,000 rows (a first chunk for the first page, then the rest)
    sql = "SELECT n, lpad('', 40, 'x') AS pad FROM UNNEST(sequence(1, 30000)) AS t(n) ORDER BY n"
    for options in ({"MaxRows": 1000}, {}):
        # WHEN every page is read
        pages = query_all(query_client, sql, **options)
        # THEN the rows are 1..30000 exactly once, each page within its limits
        assert [int(row[0]) for row in scalar_rows(pages)] == list(range(1, 30_001))
        assert max(len(page["Rows"]) for page in pages) <= options.get("MaxRows", 30_000)
        assert len(pages) == (30 if options else 3)


def test_one_megabyte_pages_of_an_encoded_result_are_full_across_chunk_boundaries() -> None:
    """Each 1 MB page holds every row that fits, whichever chunks the rows were encoded in."""
    # GIVEN 20,000 rows of 300 bytes (about 3,500 to a page: the second page spans both chunks)
    texts = [json.dumps({"Data": [{"ScalarValue": f"{n:06d}" + "x" * 270}]}) for n in range(20_000)]
    rows = EncodedRows.of_texts(pa.array(texts, pa.large_string()))
    # WHEN every page is taken
    pages, start = [], 0
    while start < len(texts):
        pieces, start = rows.page(start, None, MAX_PAGE_BYTES)
        pages.append(b"".join(pieces))
    # THEN every page is at most 1 MB, and one more row would not have fitted
    assert all(len(page) <= MAX_PAGE_BYTES < len(page) + len(texts[0]) + 1 for page in pages[:-1])
    assert [row for page in pages for row in json.loads(page)] == [json.loads(text) for text in texts]


@pytest.mark.parametrize("mean_row_bytes", [30_000.0, 300.0, 3.0])
def test_a_wrong_row_size_estimate_changes_no_page(mean_row_bytes: float) -> None:
    """The first page's rows are encoded in one pass when their size is estimated: an estimate too large
    (too few rows: another pass fills the page) or too small (more rows than the page): the same pages."""
    # GIVEN 20,000 rows of 300 bytes, each with its comma, and their pages as encoded without an estimate
    texts = [json.dumps({"Data": [{"ScalarValue": f"{n:06d}" + "x" * 270}]}) for n in range(20_000)]
    with_commas = pa.array([text + "," for text in texts], pa.large_string())

    def prepare(start: int, stop: int) -> Callable[[int, int], pa.Array]:
        return lambda first, last: with_commas.slice(start + first, last - first)

    def pages(rows: EncodedRows) -> list[bytes]:
        taken, start = [], 0
        while start < len(texts):
            pieces, start = rows.page(start, None, MAX_PAGE_BYTES)
            taken.append(b"".join(pieces))
        return taken

    expected = pages(EncodedRows(len(texts), prepare))
    # WHEN the rows are encoded with a wrong estimate THEN every page is the same
    assert pages(EncodedRows(len(texts), prepare, mean_row_bytes=mean_row_bytes)) == expected
    assert [row for page in expected for row in json.loads(page)] == [json.loads(text) for text in texts]


def test_a_failure_while_encoding_ahead_is_raised_by_the_page_that_needs_the_rows() -> None:
    """An encoding error on the background thread is not lost: the first page whose rows it held raises it."""
    # GIVEN rows whose first page (of 1000) is encoded, and whose later rows cannot be
    texts = pa.array(['{"Data":[]},'] * 5000, pa.large_string())  # each row with its comma

    def prepare(start: int, stop: int) -> Callable[[int, int], pa.Array]:
        if start:
            raise ValueError("cannot encode row 1000")
        return lambda first, last: texts.slice(start + first, last - first)

    rows = EncodedRows(len(texts), prepare, first_page_rows=1000)
    # WHEN the pages are read THEN the first page comes, and the next one raises the error
    assert rows.page(0, 1000, MAX_PAGE_BYTES)[1] == 1000
    with pytest.raises(ValueError, match="row 1000"):
        rows.page(1000, 1000, MAX_PAGE_BYTES)


def test_cancelling_a_query_whose_rows_are_still_being_encoded_ends_it(query_client: Any) -> None:
    """CancelQuery ends a paged query whose rows are still being encoded; its NextToken is refused."""
    # GIVEN the first page of a large result
    sql = "SELECT n FROM UNNEST(sequence(1, 200000)) AS t(n)"
    first = query_client.query(QueryString=sql, MaxRows=10)
    # WHEN it is cancelled  THEN its next page is refused
    query_client.cancel_query(QueryId=first["QueryId"])
    with pytest.raises(query_client.exceptions.ValidationException, match="expired"):
        query_client.query(QueryString=sql, NextToken=first["NextToken"])
