"""WriteRecords input rules: record count, CommonAttributes, limits, values, types, time units."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from emulator_support import double_record, now_ms, query_all, scalar_rows


def _rejections(client: Any, database: str, table: str, records: list[dict], **kwargs: Any) -> list[dict]:
    with pytest.raises(client.exceptions.RejectedRecordsException) as caught:
        client.write_records(DatabaseName=database, TableName=table, Records=records, **kwargs)
    return caught.value.response["RejectedRecords"]


@pytest.mark.parametrize("count", [0, 101])
def test_record_count_outside_1_to_100_is_a_validation_error(
    unvalidated_write_client: Any, database: str, table: str, count: int
) -> None:
    """0 or 101 records in one call is a ValidationException for the whole call."""
    # GIVEN `count` records (botocore's own check is off, to reach the server)
    records = [double_record("h", i, now_ms() - i) for i in range(count)]
    # WHEN / THEN
    with pytest.raises(unvalidated_write_client.exceptions.ValidationException, match="1 to 100 records"):
        unvalidated_write_client.write_records(DatabaseName=database, TableName=table, Records=records)


def test_writing_to_a_missing_table_is_resource_not_found(write_client: Any, database: str) -> None:
    """WriteRecords to an unknown table raises ResourceNotFoundException."""
    # GIVEN / WHEN / THEN
    with pytest.raises(write_client.exceptions.ResourceNotFoundException):
        write_client.write_records(
            DatabaseName=database, TableName="missing_table", Records=[double_record("h", 1, now_ms())]
        )


def test_common_attributes_are_merged_into_each_record(
    write_client: Any, query_client: Any, database: str, table: str
) -> None:
    """Dimensions, measure name and type from CommonAttributes apply to every record."""
    # GIVEN records carrying only a host, value and time
    common = {
        "Dimensions": [{"Name": "region", "Value": "eu-west-1"}],
        "MeasureName": "cpu",
        "MeasureValueType": "DOUBLE",
    }
    stamp = now_ms()
    records = [
        {"Dimensions": [{"Name": "host", "Value": f"h{i}"}], "MeasureValue": str(i), "Time": str(stamp - i)}
        for i in range(3)
    ]
    # WHEN they are written with CommonAttributes
    write_client.write_records(
        DatabaseName=database, TableName=table, Records=records, CommonAttributes=common
    )
    # THEN every stored row has the common region and measure name
    rows = scalar_rows(
        query_all(
            query_client, f'SELECT region, measure_name, host FROM "{database}"."{table}" ORDER BY host'
        )
    )
    assert rows == [["eu-west-1", "cpu", "h0"], ["eu-west-1", "cpu", "h1"], ["eu-west-1", "cpu", "h2"]]


def test_a_dimension_both_in_common_attributes_and_record_is_a_validation_error(
    write_client: Any, database: str, table: str
) -> None:
    """The same dimension name in CommonAttributes and in a record fails the call."""
    # GIVEN a record repeating the common `host` dimension
    common = {"Dimensions": [{"Name": "host", "Value": "a"}]}
    # WHEN / THEN
    with pytest.raises(write_client.exceptions.ValidationException, match="CommonAttributes"):
        write_client.write_records(
            DatabaseName=database,
            TableName=table,
            Records=[double_record("b", 1, now_ms())],
            CommonAttributes=common,
        )


def test_more_than_128_dimensions_rejects_the_record(write_client: Any, database: str, table: str) -> None:
    """A record with 129 dimensions is rejected; the limit is named in the reason."""
    # GIVEN a record with 129 dimensions
    record = double_record("h", 1, now_ms())
    record["Dimensions"] = [{"Name": f"d{i}", "Value": "v"} for i in range(129)]
    # WHEN / THEN
    rejected = _rejections(write_client, database, table, [record])
    assert rejected[0]["RecordIndex"] == 0
    assert "128" in rejected[0]["Reason"]


@pytest.mark.parametrize("value", ["abc", "NaN", "-0.0", "inf"])
def test_invalid_double_values_are_rejected(write_client: Any, database: str, table: str, value: str) -> None:
    """Non-numeric, NaN, infinite and negative-zero DOUBLE values are rejected records."""
    # GIVEN a DOUBLE record with an invalid value
    record = dict(double_record("h", 1, now_ms()), MeasureValue=value)
    # WHEN / THEN
    rejected = _rejections(write_client, database, table, [record])
    assert rejected == [{"RecordIndex": 0, "Reason": rejected[0]["Reason"]}]
    assert value.lstrip("-").lower()[:2] in rejected[0]["Reason"].lower()


def test_a_measure_keeps_its_first_type(write_client: Any, database: str, table: str) -> None:
    """A measure first written as DOUBLE cannot later be written as BIGINT."""
    # GIVEN cpu_user stored as DOUBLE
    write_client.write_records(
        DatabaseName=database, TableName=table, Records=[double_record("h", 1, now_ms())]
    )
    # WHEN it is sent as BIGINT
    record = dict(double_record("h2", 1, now_ms()), MeasureValue="5", MeasureValueType="BIGINT")
    rejected = _rejections(write_client, database, table, [record])
    # THEN the record is rejected naming both types
    assert "DOUBLE" in rejected[0]["Reason"] and "BIGINT" in rejected[0]["Reason"]


def test_multi_measure_records_become_typed_columns(
    write_client: Any, query_client: Any, database: str, table: str
) -> None:
    """A MULTI record stores each MeasureValues entry in its own column of its own type."""
    # GIVEN a multi-measure record with DOUBLE, BIGINT, VARCHAR and BOOLEAN values
    record = {
        "Dimensions": [{"Name": "host", "Value": "h1"}],
        "MeasureName": "metrics_record",
        "MeasureValueType": "MULTI",
        "MeasureValues": [
            {"Name": "cpu_user", "Value": "12.5", "Type": "DOUBLE"},
            {"Name": "tasks", "Value": "7", "Type": "BIGINT"},
            {"Name": "state", "Value": "OK", "Type": "VARCHAR"},
            {"Name": "healthy", "Value": "true", "Type": "BOOLEAN"},
        ],
        "Time": str(now_ms()),
    }
    # WHEN it is written and read back
    write_client.write_records(DatabaseName=database, TableName=table, Records=[record])
    page = query_client.query(
        QueryString=f'SELECT cpu_user, tasks, state, healthy FROM "{database}"."{table}"'
    )
    # THEN the columns carry the declared types and values
    assert [c["Type"]["ScalarType"] for c in page["ColumnInfo"]] == ["DOUBLE", "BIGINT", "VARCHAR", "BOOLEAN"]
    assert scalar_rows([page]) == [["12.5", "7", "OK", "true"]]


def test_measure_value_on_a_multi_record_is_rejected(write_client: Any, database: str, table: str) -> None:
    """MULTI records carry MeasureValues, never MeasureValue."""
    # GIVEN a MULTI record with a MeasureValue
    record = dict(double_record("h", 1, now_ms()), MeasureValueType="MULTI")
    # WHEN / THEN
    rejected = _rejections(write_client, database, table, [record])
    assert "MeasureValues" in rejected[0]["Reason"]


@pytest.mark.parametrize(
    ("unit", "scale"),
    [("SECONDS", 1), ("MILLISECONDS", 10**3), ("MICROSECONDS", 10**6), ("NANOSECONDS", 10**9)],
)
def test_time_units_store_the_same_instant(
    write_client: Any, query_client: Any, database: str, make_table: Callable[..., str], unit: str, scale: int
) -> None:
    """Time in any TimeUnit is stored as the same instant (read back as epoch seconds)."""
    # GIVEN a whole-second instant expressed in `unit`
    table = make_table()
    seconds = now_ms() // 1000 - 60
    record = dict(double_record("h", 1, 0), Time=str(seconds * scale), TimeUnit=unit)
    # WHEN it is written
    write_client.write_records(DatabaseName=database, TableName=table, Records=[record])
    # THEN to_milliseconds(time) is that instant
    rows = scalar_rows(query_all(query_client, f'SELECT to_milliseconds(time) FROM "{database}"."{table}"'))
    assert rows == [[str(seconds * 1000)]]
