"""SHOW DATABASES, SHOW TABLES and DESCRIBE through Query, as Timestream answers them."""

from __future__ import annotations

from typing import Any

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
