"""Databases and tables: names, retention, magnetic-store writes, column schema; persisted in storage."""

from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from local.timestream.exceptions import ConflictException, ResourceNotFoundException, ValidationException
from local.timestream.storage import Storage

_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9_.-]{3,256}$")
DEFAULT_MEMORY_HOURS = 6
DEFAULT_MAGNETIC_DAYS = 73000
MEMORY_HOURS_RANGE = (1, 8766)
MAGNETIC_DAYS_RANGE = (1, 73000)
DIMENSION = "DIMENSION"


@dataclass
class Database:
    name: str
    arn: str
    kms_key_id: str
    created: float = field(default_factory=time.time)
    updated: float = field(default_factory=time.time)

    def describe(self, table_count: int) -> dict[str, Any]:
        return {
            "Arn": self.arn,
            "DatabaseName": self.name,
            "TableCount": table_count,
            "KmsKeyId": self.kms_key_id,
            "CreationTime": self.created,
            "LastUpdatedTime": self.updated,
        }


@dataclass
class Table:
    database: str
    name: str
    arn: str
    storage_id: int
    memory_hours: int = DEFAULT_MEMORY_HOURS
    magnetic_days: int = DEFAULT_MAGNETIC_DAYS
    magnetic_writes: dict[str, Any] = field(default_factory=lambda: {"EnableMagneticStoreWrites": False})
    # Column name -> DIMENSION or the measure's scalar type, in first-written order.
    columns: dict[str, str] = field(default_factory=dict)
    # measure_name -> the value type it was first written with (a scalar type or MULTI).
    measure_types: dict[str, str] = field(default_factory=dict)
    created: float = field(default_factory=time.time)
    updated: float = field(default_factory=time.time)

    @property
    def magnetic_writes_enabled(self) -> bool:
        return bool(self.magnetic_writes.get("EnableMagneticStoreWrites"))

    def view_columns(self) -> list[str]:
        """Timestream's column order: dimensions, measure_name, time, then measure columns."""
        dimensions = [name for name, kind in self.columns.items() if kind == DIMENSION]
        measures = [name for name, kind in self.columns.items() if kind != DIMENSION]
        return [*dimensions, "measure_name", "time", *measures]

    def describe(self) -> dict[str, Any]:
        return {
            "Arn": self.arn,
            "TableName": self.name,
            "DatabaseName": self.database,
            "TableStatus": "ACTIVE",
            "RetentionProperties": {
                "MemoryStoreRetentionPeriodInHours": self.memory_hours,
                "MagneticStoreRetentionPeriodInDays": self.magnetic_days,
            },
            "MagneticStoreWriteProperties": self.magnetic_writes,
            "Schema": {"CompositePartitionKey": [{"Type": "MEASURE", "EnforcementInRecord": "OPTIONAL"}]},
            "CreationTime": self.created,
            "LastUpdatedTime": self.updated,
        }


class Catalog:
    """Every database and table, loaded from and saved to the storage's catalog."""

    def __init__(self, storage: Storage, region: str, account: str) -> None:
        self.storage = storage
        self.region = region
        self.account = account
        self.databases: dict[str, Database] = {}
        self.tables: dict[tuple[str, str], Table] = {}
        for kind, doc in storage.load_catalog():
            if kind == "database":
                self.databases[doc["name"]] = Database(**doc)
            else:
                self.tables[(doc["database"], doc["name"])] = Table(**doc)

    # --- databases -----------------------------------------------------------------------
    def create_database(self, name: str, kms_key_id: str | None) -> Database:
        _check_name(name, "DatabaseName")
        if name in self.databases:
            raise ConflictException(f"The database {name} already exists.")
        arn = f"arn:aws:timestream:{self.region}:{self.account}:database/{name}"
        key = kms_key_id or f"arn:aws:kms:{self.region}:{self.account}:key/local-timestream-default"
        database = self.databases[name] = Database(name, arn, key)
        self._save_database(database)
        return database

    def database(self, name: str) -> Database:
        if name not in self.databases:
            raise ResourceNotFoundException(f"The database {name} does not exist.")
        return self.databases[name]

    def update_database(self, name: str, kms_key_id: str) -> Database:
        database = self.database(name)
        database.kms_key_id, database.updated = kms_key_id, time.time()
        self._save_database(database)
        return database

    def delete_database(self, name: str) -> None:
        self.database(name)
        if self.table_names(name):
            raise ValidationException(f"The database {name} still has tables: delete them first.")
        del self.databases[name]
        self.storage.delete_entry("database", name, name)

    def table_count(self, name: str) -> int:
        return len(self.table_names(name))

    # --- tables --------------------------------------------------------------------------
    def create_table(
        self, database: str, name: str, retention: dict[str, Any], magnetic: dict[str, Any]
    ) -> Table:
        self.database(database)
        _check_name(name, "TableName")
        if (database, name) in self.tables:
            raise ConflictException(f"The table {name} already exists in database {database}.")
        storage_id = max((t.storage_id for t in self.tables.values()), default=0) + 1
        arn = f"arn:aws:timestream:{self.region}:{self.account}:database/{database}/table/{name}"
        table = Table(database, name, arn, storage_id)
        _apply_properties(table, retention, magnetic)
        self.storage.create_data_table(storage_id)
        self.tables[(database, name)] = table
        self.save_table(table)
        return table

    def table(self, database: str, name: str) -> Table:
        self.database(database)
        if (database, name) not in self.tables:
            raise ResourceNotFoundException(f"The table {name} does not exist in database {database}.")
        return self.tables[(database, name)]

    def table_names(self, database: str) -> list[str]:
        return sorted(name for db, name in self.tables if db == database)

    def update_table(
        self, database: str, name: str, retention: dict[str, Any], magnetic: dict[str, Any]
    ) -> Table:
        table = self.table(database, name)
        _apply_properties(table, retention, magnetic)
        table.updated = time.time()
        self.save_table(table)
        return table

    def delete_table(self, database: str, name: str) -> None:
        table = self.table(database, name)
        self.storage.drop_data_table(table.storage_id)
        del self.tables[(database, name)]
        self.storage.delete_entry("table", database, name)

    def save_table(self, table: Table) -> None:
        """Persist the table and rebuild its query view (columns or retention may have changed)."""
        self.storage.refresh_view(table.storage_id, table.view_columns(), table.magnetic_days)
        self.storage.save_entry("table", table.database, table.name, asdict(table))

    def _save_database(self, database: Database) -> None:
        self.storage.save_entry("database", database.name, database.name, asdict(database))


def _apply_properties(
    table: Table, retention: dict[str, Any] | None, magnetic: dict[str, Any] | None
) -> None:
    if retention:
        hours = retention.get("MemoryStoreRetentionPeriodInHours", table.memory_hours)
        days = retention.get("MagneticStoreRetentionPeriodInDays", table.magnetic_days)
        table.memory_hours = _in_range(hours, MEMORY_HOURS_RANGE, "MemoryStoreRetentionPeriodInHours")
        table.magnetic_days = _in_range(days, MAGNETIC_DAYS_RANGE, "MagneticStoreRetentionPeriodInDays")
    if magnetic:
        if "EnableMagneticStoreWrites" not in magnetic:
            raise ValidationException(
                "MagneticStoreWriteProperties needs EnableMagneticStoreWrites (true/false)."
            )
        table.magnetic_writes = dict(magnetic)


def _in_range(value: Any, bounds: tuple[int, int], field_name: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationException(f"{field_name} must be an integer, got {value!r}.") from None
    if not bounds[0] <= number <= bounds[1]:
        raise ValidationException(f"{field_name} must be between {bounds[0]} and {bounds[1]}, got {number}.")
    return number


def _check_name(name: Any, field_name: str) -> None:
    if not isinstance(name, str) or not _NAME_PATTERN.match(name):
        raise ValidationException(
            f"{field_name} {name!r} is invalid: use 3 to 256 characters among letters, digits, '_', '.', '-'."
        )
