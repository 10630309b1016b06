"""Timestream's catalog statements: SHOW DATABASES / TABLES / MEASURES [LIKE 'x'], DESCRIBE db.table.

Answered with the service's columns: `Database`; `Table`; `measure_name`, `data_type` and
`dimensions` (an array of rows of `dimension_name`, `data_type`); `Column`, `Type`,
`Timestream Attribute Type` (DIMENSION, MEASURE_NAME, TIMESTAMP, MEASURE_VALUE, or MULTI for the
attributes of multi-measure records).
"""

from __future__ import annotations

import fnmatch
import re
from typing import Any

from local.timestream.exceptions import ValidationException
from local.timestream.models import DIMENSION, Catalog, Table
from local.timestream.storage import quote, view_name

_NAME = r'(?:"((?:[^"]|"")+)"|([\w.-]+))'
_SHOW_DATABASES = re.compile(r"^\s*SHOW\s+DATABASES(?:\s+LIKE\s+'([^']*)')?\s*;?\s*$", re.IGNORECASE)
_SHOW_TABLES = re.compile(
    rf"^\s*SHOW\s+TABLES(?:\s+(?:FROM|IN)\s+{_NAME})?(?:\s+LIKE\s+'([^']*)')?\s*;?\s*$", re.IGNORECASE
)
_DESCRIBE = re.compile(rf"^\s*DESCRIBE\s+{_NAME}\s*\.\s*{_NAME}\s*;?\s*$", re.IGNORECASE)
_SHOW_MEASURES = re.compile(
    rf"^\s*SHOW\s+MEASURES\s+FROM\s+{_NAME}\s*\.\s*{_NAME}(?:\s+LIKE\s+'([^']*)')?\s*;?\s*$", re.IGNORECASE
)
_MEASURE_VALUE_PREFIX = "measure_value::"
_DIMENSIONS_TYPE = {
    "ArrayColumnInfo": {
        "Type": {
            "RowColumnInfo": [
                {"Name": "dimension_name", "Type": {"ScalarType": "VARCHAR"}},
                {"Name": "data_type", "Type": {"ScalarType": "VARCHAR"}},
            ]
        }
    }
}
_VARCHAR = {"ScalarType": "VARCHAR"}
_ATTRIBUTE_TYPES = {"measure_name": "MEASURE_NAME", "time": "TIMESTAMP"}
_COLUMN_TYPES = {"DOUBLE": "double", "BIGINT": "bigint", "VARCHAR": "varchar", "BOOLEAN": "boolean",
                 "TIMESTAMP": "timestamp", DIMENSION: "varchar"}  # fmt: skip


def answer(sql: str, catalog: Catalog) -> tuple[list[dict[str, Any]], list[dict[str, Any]]] | None:
    """(ColumnInfo, Rows) for a catalog statement, or None when `sql` is not one."""
    if match := _SHOW_DATABASES.match(sql):
        names = _like(sorted(catalog.databases), match.group(1))
        return _table(["Database"], [[n] for n in names])
    if match := _SHOW_TABLES.match(sql):
        database = _name(match.group(1), match.group(2))
        if database is None:
            raise ValidationException('SHOW TABLES needs a database: SHOW TABLES FROM "database".')
        catalog.database(database)
        return _table(["Table"], [[n] for n in _like(catalog.table_names(database), match.group(3))])
    if match := _SHOW_MEASURES.match(sql):
        table = catalog.table(_name(match.group(1), match.group(2)), _name(match.group(3), match.group(4)))
        return _measures(catalog, table, match.group(5))
    if match := _DESCRIBE.match(sql):
        table = catalog.table(_name(match.group(1), match.group(2)), _name(match.group(3), match.group(4)))
        rows = []
        for column in table.view_columns():
            kind = table.columns.get(column)
            attribute = _ATTRIBUTE_TYPES.get(column) or (
                "DIMENSION" if kind == DIMENSION
                else "MEASURE_VALUE" if column.startswith(_MEASURE_VALUE_PREFIX) else "MULTI"
            )  # fmt: skip
            column_type = (
                "varchar" if column == "measure_name" else _COLUMN_TYPES.get(kind or "", "timestamp")
            )
            rows.append([column, column_type, attribute])
        return _table(["Column", "Type", "Timestream Attribute Type"], rows)
    return None


def _measures(catalog: Catalog, table: Table, pattern: str | None) -> tuple[list[dict], list[dict]]:
    """One row per measure name: its type (lower case, `multi`) and the dimensions written with it."""
    names = _like(sorted(table.measure_types), pattern)
    dimensions = [c for c, kind in table.columns.items() if kind == DIMENSION]
    present: dict[str, list[str]] = {name: [] for name in names}
    if names and dimensions:
        counts = ", ".join(f"count({quote(d)})" for d in dimensions)
        _, _, found = catalog.storage.run_query(
            f"SELECT measure_name, {counts} FROM {view_name(table.storage_id)} GROUP BY measure_name"
        )
        for row in found.to_pylist():
            values = list(row.values())
            if values[0] in present:
                present[values[0]] = [d for d, n in zip(dimensions, values[1:], strict=True) if n]
    infos = [
        {"Name": "measure_name", "Type": _VARCHAR},
        {"Name": "data_type", "Type": _VARCHAR},
        {"Name": "dimensions", "Type": _DIMENSIONS_TYPE},
    ]
    rows = []
    for name in names:
        pairs = [
            {"RowValue": {"Data": [{"ScalarValue": d}, {"ScalarValue": "varchar"}]}}
            for d in sorted(present[name])
        ]
        data = [
            {"ScalarValue": name},
            {"ScalarValue": table.measure_types[name].lower()},
            {"ArrayValue": pairs},
        ]
        rows.append({"Data": data})
    return infos, rows


def _name(quoted: str | None, bare: str | None) -> str | None:
    return quoted.replace('""', '"') if quoted else bare


def _like(names: list[str], pattern: str | None) -> list[str]:
    if pattern is None:
        return names
    return [n for n in names if fnmatch.fnmatchcase(n, pattern.replace("%", "*").replace("_", "?"))]


def _table(columns: list[str], rows: list[list[str]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    infos = [{"Name": name, "Type": _VARCHAR} for name in columns]
    return infos, [{"Data": [{"ScalarValue": value} for value in row]} for row in rows]
