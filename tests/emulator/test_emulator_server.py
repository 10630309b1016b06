"""The server itself: DescribeEndpoints, no endpoint discovery, persistence, bad requests."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import boto3
import pytest
from emulator_support import double_record, now_ms, query_all, scalar_rows

from local.timestream import TimestreamServer


def test_describe_endpoints_returns_the_servers_own_address(write_client: Any, endpoint: str) -> None:
    """DescribeEndpoints answers with host:port of the emulator and a cache period."""
    # GIVEN / WHEN
    [entry] = write_client.describe_endpoints()["Endpoints"]
    # THEN
    assert f"http://{entry['Address']}" == endpoint
    assert entry["CachePeriodInMinutes"] > 0


@pytest.mark.parametrize("service", ["timestream-write", "timestream-query"])
def test_clients_with_endpoint_url_never_discover_endpoints(endpoint: str, service: str) -> None:
    """With endpoint_url set, boto3 sends the call straight to it: no DescribeEndpoints to real AWS first."""
    # GIVEN a client that records every operation it calls
    client = boto3.client(service, endpoint_url=endpoint, region_name="us-east-1")
    called: list[str] = []
    client.meta.events.register("before-call", lambda model, **_: called.append(model.name))
    # WHEN one ordinary operation runs
    if service == "timestream-write":
        client.list_databases()
    else:
        client.query(QueryString="SELECT 1")
    # THEN it was the only call, sent to the emulator
    assert called == ["ListDatabases" if service == "timestream-write" else "Query"]


def test_data_survives_a_restart_with_a_database_file(tmp_path: Path) -> None:
    """With db_path, tables and rows written before a stop are there after a new start."""
    # GIVEN an emulator on a DuckDB file with one record
    path = tmp_path / "timestream.duckdb"
    with TimestreamServer(db_path=path) as url:
        write = boto3.client("timestream-write", endpoint_url=url, region_name="us-east-1")
        write.create_database(DatabaseName="kept_db")
        write.create_table(DatabaseName="kept_db", TableName="kept_table")
        write.write_records(
            DatabaseName="kept_db", TableName="kept_table", Records=[double_record("h", 7, now_ms())]
        )
    # WHEN a new emulator opens the same file
    with TimestreamServer(db_path=path) as url:
        query = boto3.client("timestream-query", endpoint_url=url, region_name="us-east-1")
        rows = scalar_rows(query_all(query, 'SELECT host, measure_value::double FROM "kept_db"."kept_table"'))
        described = boto3.client(
            "timestream-write", endpoint_url=url, region_name="us-east-1"
        ).describe_table(DatabaseName="kept_db", TableName="kept_table")
    # THEN the row and the table are back
    assert rows == [["h", "7.0"]]
    assert described["Table"]["TableName"] == "kept_table"


def test_an_unknown_operation_is_an_error_naming_it(endpoint: str) -> None:
    """A target the emulator does not implement gets a 400 whose message names it."""
    # GIVEN a raw request for an unimplemented operation
    request = urllib.request.Request(  # noqa: S310 - the local http URL
        endpoint,
        data=b"{}",
        headers={
            "X-Amz-Target": "Timestream_20181101.CreateScheduledQuery",
            "Content-Type": "application/x-amz-json-1.0",
        },
    )
    # WHEN / THEN
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=5)  # noqa: S310 - the local http URL
    body = json.loads(caught.value.read())
    assert caught.value.code == 400
    assert "CreateScheduledQuery" in body["message"]


def test_a_query_on_a_missing_table_names_it(query_client: Any) -> None:
    """Querying an unknown table is a ValidationException naming database and table."""
    with pytest.raises(query_client.exceptions.ValidationException, match=r"nope_db\.nope_table"):
        query_client.query(QueryString='SELECT * FROM "nope_db"."nope_table"')


def test_statements_other_than_select_are_refused(query_client: Any, database: str, table: str) -> None:
    """DDL/DML never reaches DuckDB: only SELECT and UNLOAD are accepted."""
    with pytest.raises(query_client.exceptions.ValidationException, match="SELECT"):
        query_client.query(QueryString=f'DELETE FROM "{database}"."{table}"')
