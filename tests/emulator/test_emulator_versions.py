"""Version semantics: identical re-writes, higher versions, and partial success of a rejected call."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest
from emulator_support import double_record, now_ms, query_all, scalar_rows

from local.timestream import TimestreamServer


def _values(query_client: Any, database: str, table: str) -> list[list[str | None]]:
    sql = f'SELECT host, measure_value::double FROM "{database}"."{table}" ORDER BY host'
    return scalar_rows(query_all(query_client, sql))


def test_an_identical_rewrite_is_accepted(
    write_client: Any, query_client: Any, database: str, table: str
) -> None:
    """Sending the same record twice succeeds and stores it once."""
    # GIVEN a stored record
    record = double_record("h1", 10, now_ms())
    write_client.write_records(DatabaseName=database, TableName=table, Records=[record])
    # WHEN the identical record is sent again
    response = write_client.write_records(DatabaseName=database, TableName=table, Records=[record])
    # THEN it is counted as ingested and still stored once
    assert response["RecordsIngested"]["Total"] == 1
    assert _values(query_client, database, table) == [["h1", "10.0"]]


def test_a_different_value_without_a_higher_version_is_rejected_and_the_rest_stored(
    write_client: Any, query_client: Any, database: str, table: str
) -> None:
    """The conflict comes back with RecordIndex, Reason and ExistingVersion; the others are stored."""
    # GIVEN h1 stored with value 10 (version 1)
    stamp = now_ms()
    write_client.write_records(
        DatabaseName=database, TableName=table, Records=[double_record("h1", 10, stamp)]
    )
    # WHEN a call sends a new host h0, a different h1 value at the same time, and a new host h2
    call = [double_record("h0", 1, stamp), double_record("h1", 99, stamp), double_record("h2", 2, stamp)]
    with pytest.raises(write_client.exceptions.RejectedRecordsException) as caught:
        write_client.write_records(DatabaseName=database, TableName=table, Records=call)
    # THEN only index 1 is rejected, with the existing version
    [rejected] = caught.value.response["RejectedRecords"]
    assert (rejected["RecordIndex"], rejected["ExistingVersion"]) == (1, 1)
    assert "higher Version" in rejected["Reason"]
    # AND h0 and h2 were stored while h1 kept its value
    assert _values(query_client, database, table) == [["h0", "1.0"], ["h1", "10.0"], ["h2", "2.0"]]


def test_a_higher_version_replaces_the_value(
    write_client: Any, query_client: Any, database: str, table: str
) -> None:
    """Version 2 with a different value updates the stored record in place."""
    # GIVEN h1 = 10 at version 1
    stamp = now_ms()
    write_client.write_records(
        DatabaseName=database, TableName=table, Records=[double_record("h1", 10, stamp)]
    )
    # WHEN h1 = 20 is sent with Version 2
    write_client.write_records(
        DatabaseName=database, TableName=table, Records=[double_record("h1", 20, stamp, Version=2)]
    )
    # THEN one row holds the new value
    assert _values(query_client, database, table) == [["h1", "20.0"]]


def test_an_equal_version_with_a_different_value_is_rejected(
    write_client: Any, database: str, table: str
) -> None:
    """Version 3 over an existing version 3 with another value is rejected (not higher)."""
    # GIVEN h1 = 10 at version 3
    stamp = now_ms()
    write_client.write_records(
        DatabaseName=database, TableName=table, Records=[double_record("h1", 10, stamp, Version=3)]
    )
    # WHEN / THEN a different value at version 3 is rejected with ExistingVersion 3
    with pytest.raises(write_client.exceptions.RejectedRecordsException) as caught:
        write_client.write_records(
            DatabaseName=database, TableName=table, Records=[double_record("h1", 11, stamp, Version=3)]
        )
    assert caught.value.response["RejectedRecords"][0]["ExistingVersion"] == 3


def test_duplicates_within_one_call_follow_the_same_rules(
    write_client: Any, query_client: Any, database: str, table: str
) -> None:
    """Within a call, a later record conflicting with an earlier one is rejected like a stored one."""
    # GIVEN / WHEN one call holds h1=1 then h1=2 at the same time and version
    stamp = now_ms()
    with pytest.raises(write_client.exceptions.RejectedRecordsException) as caught:
        write_client.write_records(
            DatabaseName=database,
            TableName=table,
            Records=[double_record("h1", 1, stamp), double_record("h1", 2, stamp)],
        )
    # THEN the second is rejected and the first stored
    assert [r["RecordIndex"] for r in caught.value.response["RejectedRecords"]] == [1]
    assert _values(query_client, database, table) == [["h1", "1.0"]]


def test_a_call_colliding_with_itself_and_with_stored_rows_after_newer_points(
    write_client: Any, query_client: Any, database: str, table: str
) -> None:
    """Out-of-order records meet stored rows even when their series already has later points."""
    # GIVEN h1 stored at t and t+1s, so the series' latest point is after t
    stamp = now_ms() - 60_000
    stored = [double_record("h1", 10, stamp), double_record("h1", 11, stamp + 1000)]
    write_client.write_records(DatabaseName=database, TableName=table, Records=stored)
    # WHEN one call sends: h1 at t with another value (stored conflict), h1 at t again with Version 2
    # (an upsert of the stored row), a new h2 point twice with different values (a conflict within the
    # call), and an identical re-send of h1 at t+1s
    call = [
        double_record("h1", 99, stamp),
        double_record("h1", 12, stamp, Version=2),
        double_record("h2", 1, stamp),
        double_record("h2", 2, stamp),
        double_record("h1", 11, stamp + 1000),
    ]
    with pytest.raises(write_client.exceptions.RejectedRecordsException) as caught:
        write_client.write_records(DatabaseName=database, TableName=table, Records=call)
    # THEN the stored conflict (ExistingVersion 1) and the in-call conflict are rejected
    rejected = {r["RecordIndex"]: r.get("ExistingVersion") for r in caught.value.response["RejectedRecords"]}
    assert rejected == {0: 1, 3: 1}
    # AND the upsert replaced the stored value, the first h2 point and the re-send are stored once
    sql = f'SELECT host, measure_value::double FROM "{database}"."{table}" ORDER BY host, time'
    assert scalar_rows(query_all(query_client, sql)) == [["h1", "12.0"], ["h1", "11.0"], ["h2", "1.0"]]


def test_rows_stored_before_a_restart_still_collide(tmp_path: Path) -> None:
    """After a restart on the same file, a different value for a stored point is still rejected."""
    # GIVEN a record stored in an emulator on a DuckDB file, which is then stopped
    path, stamp = tmp_path / "timestream.duckdb", now_ms()
    with TimestreamServer(db_path=path) as url:
        write = boto3.client("timestream-write", endpoint_url=url, region_name="us-east-1")
        write.create_database(DatabaseName="kept_db")
        write.create_table(DatabaseName="kept_db", TableName="kept_table")
        write.write_records(
            DatabaseName="kept_db", TableName="kept_table", Records=[double_record("h", 7, stamp)]
        )
    # WHEN a new emulator on the same file receives a different value for that point
    with TimestreamServer(db_path=path) as url:
        write = boto3.client("timestream-write", endpoint_url=url, region_name="us-east-1")
        with pytest.raises(write.exceptions.RejectedRecordsException) as caught:
            write.write_records(
                DatabaseName="kept_db", TableName="kept_table", Records=[double_record("h", 8, stamp)]
            )
    # THEN it is rejected with the stored version
    assert caught.value.response["RejectedRecords"][0]["ExistingVersion"] == 1
