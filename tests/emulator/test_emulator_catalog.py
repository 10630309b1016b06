"""Databases and tables: create, describe, list, update, delete, with the service's error codes."""

from __future__ import annotations

from typing import Any

import pytest


def test_create_and_describe_database_returns_its_arn_and_table_count(write_client: Any) -> None:
    """A new database is described with an ARN in the server's region/account and zero tables."""
    # GIVEN / WHEN a database is created
    write_client.create_database(DatabaseName="catalog_db_a")
    # THEN DescribeDatabase returns it
    described = write_client.describe_database(DatabaseName="catalog_db_a")["Database"]
    assert described["Arn"] == "arn:aws:timestream:us-east-1:123456789012:database/catalog_db_a"
    assert described["TableCount"] == 0


def test_creating_an_existing_database_is_a_conflict(write_client: Any) -> None:
    """A second CreateDatabase with the same name raises ConflictException."""
    # GIVEN an existing database
    write_client.create_database(DatabaseName="catalog_db_b")
    # WHEN / THEN creating it again conflicts
    with pytest.raises(write_client.exceptions.ConflictException):
        write_client.create_database(DatabaseName="catalog_db_b")


def test_describing_a_missing_table_is_resource_not_found(write_client: Any, database: str) -> None:
    """An unknown table raises ResourceNotFoundException naming it."""
    # GIVEN / WHEN / THEN
    with pytest.raises(write_client.exceptions.ResourceNotFoundException, match="no_such_table"):
        write_client.describe_table(DatabaseName=database, TableName="no_such_table")


def test_table_keeps_its_retention_and_magnetic_write_settings(write_client: Any, database: str) -> None:
    """CreateTable's retention and magnetic-store properties come back from DescribeTable."""
    # GIVEN a table with 12 h memory, 30 d magnetic and magnetic writes on
    write_client.create_table(
        DatabaseName=database,
        TableName="catalog_retention",
        RetentionProperties={
            "MemoryStoreRetentionPeriodInHours": 12,
            "MagneticStoreRetentionPeriodInDays": 30,
        },
        MagneticStoreWriteProperties={"EnableMagneticStoreWrites": True},
    )
    # WHEN it is described
    table = write_client.describe_table(DatabaseName=database, TableName="catalog_retention")["Table"]
    # THEN the settings are those given
    assert table["RetentionProperties"] == {
        "MemoryStoreRetentionPeriodInHours": 12,
        "MagneticStoreRetentionPeriodInDays": 30,
    }
    assert table["MagneticStoreWriteProperties"]["EnableMagneticStoreWrites"] is True
    assert table["TableStatus"] == "ACTIVE"


def test_update_table_changes_retention(write_client: Any, database: str, table: str) -> None:
    """UpdateTable replaces the retention properties."""
    # GIVEN a table / WHEN its memory retention is set to 48 h
    write_client.update_table(
        DatabaseName=database,
        TableName=table,
        RetentionProperties={
            "MemoryStoreRetentionPeriodInHours": 48,
            "MagneticStoreRetentionPeriodInDays": 7,
        },
    )
    # THEN DescribeTable shows 48 h
    described = write_client.describe_table(DatabaseName=database, TableName=table)["Table"]
    assert described["RetentionProperties"]["MemoryStoreRetentionPeriodInHours"] == 48


def test_retention_outside_the_service_range_is_rejected(write_client: Any, database: str) -> None:
    """Memory retention above 8766 h is a ValidationException naming the property."""
    # GIVEN / WHEN / THEN
    with pytest.raises(
        write_client.exceptions.ValidationException, match="MemoryStoreRetentionPeriodInHours"
    ):
        write_client.create_table(
            DatabaseName=database,
            TableName="catalog_bad_retention",
            RetentionProperties={
                "MemoryStoreRetentionPeriodInHours": 9000,
                "MagneticStoreRetentionPeriodInDays": 1,
            },
        )


def test_list_tables_pages_through_every_table(write_client: Any) -> None:
    """ListTables with MaxResults=2 returns every table of the database exactly once across pages."""
    # GIVEN a database with five tables
    write_client.create_database(DatabaseName="catalog_db_list")
    names = [f"listed_{i}" for i in range(5)]
    for name in names:
        write_client.create_table(DatabaseName="catalog_db_list", TableName=name)
    # WHEN all pages of two are read, following NextToken
    listed: list[str] = []
    token: dict[str, str] = {}
    while True:
        page = write_client.list_tables(DatabaseName="catalog_db_list", MaxResults=2, **token)
        listed.extend(table["TableName"] for table in page["Tables"])
        if "NextToken" not in page:
            break
        token = {"NextToken": page["NextToken"]}
    # THEN each table appears once
    assert sorted(listed) == names


def test_a_database_with_tables_cannot_be_deleted(write_client: Any) -> None:
    """DeleteDatabase refuses while tables remain, and succeeds once they are deleted."""
    # GIVEN a database with one table
    write_client.create_database(DatabaseName="catalog_db_delete")
    write_client.create_table(DatabaseName="catalog_db_delete", TableName="only_table")
    # WHEN / THEN deleting the database first fails
    with pytest.raises(write_client.exceptions.ValidationException, match="still has tables"):
        write_client.delete_database(DatabaseName="catalog_db_delete")
    # WHEN the table is deleted, THEN the database can be deleted
    write_client.delete_table(DatabaseName="catalog_db_delete", TableName="only_table")
    write_client.delete_database(DatabaseName="catalog_db_delete")
    with pytest.raises(write_client.exceptions.ResourceNotFoundException):
        write_client.describe_database(DatabaseName="catalog_db_delete")
