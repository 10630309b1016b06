"""SHOW DATABASES, SHOW TABLES and DESCRIBE through Query, as Timestream answers them."""

from __future__ import annotations

from typing import Any

import pytest
from emulator_support import double_record, now_ms, query_all, scalar_rows


def test_show_tables_lists_the_databases_tables(query_client: Any, database: str, table: str) -> None:
    """SHOW TABLES FROM db lists the tables of that database, LIKE filters them."""
    # GIVEN a table in the database / WHEN
    listed = scalar_rows(query_all(query_client, f'SHOW TABLES FROM "{database}"'))
    filtered = scalar_rows(query_all(query_client, f"SHOW TABLES FROM {database} LIKE '{table}'"))
    # THEN
    assert [table] in listed
    assert filtered == [[table]]


def test_show_databases_lists_the_database(query_client: Any, database: str) -> None:
    """SHOW DATABASES includes the test database."""
    assert [database] in scalar_rows(query_all(query_client, "SHOW DATABASES"))


def test_describe_lists_columns_with_their_timestream_attribute_types(
    write_client: Any, query_client: Any, database: str, table: str
) -> None:
    """DESCRIBE shows each dimension, measure_name, time and the typed measure column."""
    # GIVEN one DOUBLE record with a host dimension
    write_client.write_records(
        DatabaseName=database, TableName=table, Records=[double_record("h", 1, now_ms())]
    )
    # WHEN
    rows = scalar_rows(query_all(query_client, f'DESCRIBE "{database}"."{table}"'))
    # THEN
    assert rows == [
        ["host", "varchar", "DIMENSION"],
        ["measure_name", "varchar", "MEASURE_NAME"],
        ["time", "timestamp", "TIMESTAMP"],
        ["measure_value::double", "double", "MEASURE_VALUE"],
    ]


def test_show_measures_lists_each_measure_with_its_type_and_dimensions(
    write_client: Any, query_client: Any, database: str, table: str
) -> None:
    """SHOW MEASURES answers measure_name, data_type and an array of (dimension_name, data_type) rows."""
    # GIVEN a DOUBLE measure with a host dimension and a multi-measure record with host and rack
    stamp = now_ms()
    multi = {
        "Dimensions": [{"Name": "host", "Value": "h"}, {"Name": "rack", "Value": "r1"}],
        "MeasureName": "metrics",
        "MeasureValueType": "MULTI",
        "MeasureValues": [{"Name": "load", "Value": "0.5", "Type": "DOUBLE"}],
        "Time": str(stamp),
    }
    records = [double_record("h", 1, stamp), multi]
    write_client.write_records(DatabaseName=database, TableName=table, Records=records)
    # WHEN
    page = query_client.query(QueryString=f'SHOW MEASURES FROM "{database}"."{table}"')
    liked = scalar_rows(query_all(query_client, f"SHOW MEASURES FROM {database}.{table} LIKE 'met%'"))
    described = scalar_rows(query_all(query_client, f'DESCRIBE "{database}"."{table}"'))
    # THEN the columns, types and dimension rows are the service's
    assert [c["Name"] for c in page["ColumnInfo"]] == ["measure_name", "data_type", "dimensions"]
    assert (
        page["ColumnInfo"][2]["Type"]["ArrayColumnInfo"]["Type"]["RowColumnInfo"][0]["Name"]
        == "dimension_name"
    )
    rows = {r["Data"][0]["ScalarValue"]: r["Data"] for r in page["Rows"]}
    assert rows["cpu_user"][1] == {"ScalarValue": "double"}
    assert rows["metrics"][1] == {"ScalarValue": "multi"}
    dims = [[d["ScalarValue"] for d in v["RowValue"]["Data"]] for v in rows["metrics"][2]["ArrayValue"]]
    assert dims == [["host", "varchar"], ["rack", "varchar"]]
    assert [r[0] for r in liked] == ["metrics"]
    assert ["load", "double", "MULTI"] in described


def test_catalog_statements_on_a_missing_table_say_so(query_client: Any, database: str) -> None:
    """SHOW MEASURES on a table that does not exist is a ResourceNotFoundException naming it."""
    with pytest.raises(query_client.exceptions.ResourceNotFoundException, match="no_such_table"):
        query_client.query(QueryString=f"SHOW MEASURES FROM {database}.no_such_table")
