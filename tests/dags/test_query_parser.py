"""Query pages read by `query_parser` are the pages botocore gives, and errors stay botocore's.

The pages come from the local Timestream over HTTP, read once by a stock boto3 client (botocore's
generic parser) and once by a client set up as the export tasks set theirs up: every member and
every datum must be equal, the Arrow batches the exports write too. Throttling and validation errors
are answered on botocore's `before-send` event and must raise botocore's ClientError, after
botocore's own retries.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from botocore.exceptions import ClientError

from timestream_pipeline.exports import Column
from timestream_pipeline.query_pages import QueryResultError, arrow_schema, iter_query_pages, page_to_batch
from timestream_pipeline.query_parser import ScalarRows, parse_page, read_pages_directly

REGION = "us-east-1"
SCALARS = (
    "SELECT * FROM (VALUES (BIGINT '9223372036854775807', 'é \"q\" \\ 🚀', 1.2345678901234567E0, "
    "TIMESTAMP '2026-11-22 09:00:15.123456', true), (NULL, NULL, NULL, NULL, NULL), "
    "(-1, '', 1.0E-7, TIMESTAMP '1970-01-01 00:00:00', false)) AS t(n, s, d, ts, b)"
)
COLUMNS = (Column("n", "bigint"), Column("s", "string"), Column("d", "double"), Column("ts", "timestamp"),
           Column("b", "boolean"))  # fmt: skip
NOT_SCALAR = {
    "arrays": "SELECT ARRAY[1, NULL] AS a, 'x' AS s",
    "rows": "SELECT CAST(ROW(1, 'x') AS ROW(id BIGINT, tag VARCHAR)) AS r",
    "time series": "SELECT CREATE_TIME_SERIES(t, v) AS series FROM (VALUES (TIMESTAMP '2024-01-01 00:00:00', "
    "1.5E0)) AS x(t, v)",
}


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    from local.timestream.server import TimestreamServer

    server = TimestreamServer()
    yield server.start()
    server.stop()


def query_client(endpoint: str, **config: Any) -> Any:
    return boto3.client(
        "timestream-query",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",  # the local endpoint checks none
        config=Config(**config) if config else None,
    )


def comparable(pages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pages without what differs between two runs of one query (its id, token and request metadata)."""
    drop = {"QueryId", "NextToken", "ResponseMetadata"}
    return [{key: list(value) if key == "Rows" else value for key, value in page.items() if key not in drop}
            for page in pages]  # fmt: skip


def test_scalar_pages_equal_botocores_and_convert_to_the_same_batches(endpoint: str) -> None:
    """Nulls, unicode, escapes, the largest bigint, many decimals, timestamps: datum for datum."""
    # GIVEN the same query read by botocore's parser and by the direct parser, in pages of 2 rows
    stock = list(iter_query_pages(query_client(endpoint), SCALARS, max_rows=2))
    direct = list(iter_query_pages(read_pages_directly(query_client(endpoint)), SCALARS, max_rows=2))
    # THEN the direct pages hold Arrow rows, and every member and datum equals botocore's
    assert [type(page["Rows"]) for page in direct] == [ScalarRows, ScalarRows]
    assert comparable(direct) == comparable(stock)
    assert [set(page) for page in direct] == [set(page) for page in stock]
    assert direct[0]["Rows"][1]["Data"][1] == {"NullValue": True}
    # AND the export's batches are the same whichever parser read the pages
    schema = arrow_schema(COLUMNS)
    for ours, theirs in zip(direct, stock, strict=True):
        assert page_to_batch(ours, schema, "t").equals(page_to_batch(theirs, schema, "t"))


@pytest.mark.parametrize("sql", NOT_SCALAR.values(), ids=NOT_SCALAR.keys())
def test_pages_with_nested_values_are_left_to_botocore(endpoint: str, sql: str) -> None:
    """Arrays, rows and time series are parsed by botocore itself, so they are exactly its pages."""
    direct = list(iter_query_pages(read_pages_directly(query_client(endpoint)), sql))
    assert all(isinstance(page["Rows"], list) for page in direct)
    assert comparable(direct) == comparable(list(iter_query_pages(query_client(endpoint), sql)))


def test_catalog_answers_and_empty_results_equal_botocores(endpoint: str) -> None:
    """SHOW DATABASES and a query without rows have botocore's members (an empty Rows list)."""
    for sql in ("SHOW DATABASES", "SELECT 1 AS one WHERE 1 = 0"):
        direct = list(iter_query_pages(read_pages_directly(query_client(endpoint)), sql))
        assert comparable(direct) == comparable(list(iter_query_pages(query_client(endpoint), sql)))


def test_a_datum_that_is_neither_scalar_nor_null_names_its_column_and_row() -> None:
    """A datum without ScalarValue and NullValue fails the export with the column and the row."""
    body = {"QueryId": "q", "ColumnInfo": [{"Name": "s", "Type": {"ScalarType": "VARCHAR"}}],
            "Rows": [{"Data": [{"ScalarValue": "a"}]}, {"Data": [{"NullValue": False}]}]}  # fmt: skip
    page = parse_page(json.dumps(body).encode())
    assert page is not None and isinstance(page["Rows"], ScalarRows)
    with pytest.raises(QueryResultError, match=r"column s row 1 is not a scalar \({'NullValue': False}\)"):
        page_to_batch(page, arrow_schema([Column("s", "string")]), "t")


@pytest.mark.parametrize(
    "body",
    [
        {"Rows": [{"Data": [{"ScalarValue": "a"}]}, {"Data": [{"ScalarValue": "b"}, {"NullValue": True}]}]},
        {"Rows": [{"Data": [{"ScalarValue": 1}]}]},
        {"Rows": [{"Data": []}]},
        {"Rows": [{"Data": [{"ScalarValue": "a"}]}], "QueryInsightsResponse": {"QuerySpatialCoverage": {}}},
        {"Rows": [{"Data": [{"ScalarValue": "a", "ArrayValue": []}]}]},
    ],
    ids=["rows of different lengths", "a number", "no datums", "an unknown member", "a nested datum"],
)
def test_pages_this_parser_cannot_take_as_columns_are_left_to_botocore(body: dict[str, Any]) -> None:
    """Anything but equal rows of scalar or null datums, with known members of the model's types."""
    assert parse_page(json.dumps({"QueryId": "q", **body}).encode()) is None


def test_the_services_validation_error_is_botocores_client_error(endpoint: str) -> None:
    """A failing query raises the modelled ValidationException, with the service's message."""
    client = read_pages_directly(query_client(endpoint))
    with pytest.raises(client.exceptions.ValidationException, match="database 'nodb' not found"):
        client.query(QueryString='SELECT * FROM "nodb"."notable"')


class Answers:
    """A `before-send` handler answering Query with the given (status, body) pairs in turn."""

    def __init__(self, *answers: tuple[int, dict[str, Any]]) -> None:
        self.answers = list(answers)
        self.sent = 0

    def __call__(self, request: Any, **_: Any) -> AWSResponse:
        status, body = self.answers[min(self.sent, len(self.answers) - 1)]
        self.sent += 1
        raw = json.dumps(body).encode()
        headers = {"Content-Type": "application/x-amz-json-1.0", "Content-Length": str(len(raw))}
        return AWSResponse(request.url, status, headers, _Raw(raw))


class _Raw:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.data


THROTTLED = (
    400,
    {"__type": "com.amazonaws.timestream.v20181101#ThrottlingException", "Message": "Rate exceeded"},
)
PAGE = (200, {"QueryId": "q", "Rows": [{"Data": [{"ScalarValue": "1"}]}],
              "ColumnInfo": [{"Name": "one", "Type": {"ScalarType": "BIGINT"}}]})  # fmt: skip


def test_throttling_is_retried_by_botocore_then_the_page_is_read() -> None:
    """A throttled Query is sent again by botocore's retry logic; the next answer is parsed directly."""
    answers = Answers(THROTTLED, PAGE)
    client = read_pages_directly(query_client("http://127.0.0.1:9", retries={"mode": "standard"}))
    client.meta.events.register("before-send.timestream-query.Query", answers)
    page = client.query(QueryString="SELECT 1")
    assert answers.sent == 2
    assert list(page["Rows"]) == [{"Data": [{"ScalarValue": "1"}]}]


def test_throttling_that_outlasts_the_retries_is_botocores_client_error() -> None:
    """When every attempt is throttled, the caller gets ClientError with the service's code."""
    answers = Answers(THROTTLED)
    client = read_pages_directly(
        query_client("http://127.0.0.1:9", retries={"mode": "standard", "total_max_attempts": 2})
    )
    client.meta.events.register("before-send.timestream-query.Query", answers)
    with pytest.raises(ClientError) as raised:
        client.query(QueryString="SELECT 1")
    assert raised.value.response["Error"] == {"Code": "ThrottlingException", "Message": "Rate exceeded"}
    assert isinstance(raised.value, client.exceptions.ThrottlingException)
    assert answers.sent == 2
