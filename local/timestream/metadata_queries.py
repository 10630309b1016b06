"""Timestream's catalog statements: SHOW DATABASES, SHOW TABLES [FROM db] [LIKE 'x'], DESCRIBE db.table."""

from __future__ import annotations

import fnmatch
import re
from typing import Any

from local.timestream.exceptions import ValidationException
from local.timestream.models import DIMENSION, Catalog

_NAME = r'(?:"((?:[^"]|"")+)"|([\w.-]+))'
_SHOW_DATABASES = re.compile(r"^\s*SHOW\s+DATABASES(?:\s+LIKE\s+'([^']*)')?\s*;?\s*$", re.IGNORECASE)
_SHOW_TABLES = re.compile(
    rf"^\s*SHOW\s+TABLES(?:\s+(?:FROM|IN)\s+{_NAME})?(?:\s+LIKE\s+'([^']*)')?\s*;?\s*$", re.IGNORECASE
)
_DESCRIBE = re.compile(rf"^\s*DESCRIBE\s+{_NAME}\s*\.\s*{_NAME}\s*;?\s*$", re.IGNORECASE)
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
    if match := _DESCRIBE.match(sql):
        table = catalog.table(_name(match.group(1), match.group(2)), _name(match.group(3), match.group(4)))
        rows = []
        for column in table.view_columns():
            kind = table.columns.get(column)
            attribute = _ATTRIBUTE_TYPES.get(column) or (
                "DIMENSION" if kind == DIMENSION else "MEASURE_VALUE"
            )
            column_type = (
                "varchar" if column == "measure_name" else _COLUMN_TYPES.get(kind or "", "timestamp")
            )
            rows.append([column, column_type, attribute])
        return _table(["Column", "Type", "Timestream Attribute Type"], rows)
    return None


def _name(quoted: str | None, bare: str | None) -> str | None:
    return quoted.replace('""', '"') if quoted else bare


def _like(names: list[str], pattern: str | None) -> list[str]:
    if pattern is None:
        return names
    return [n for n in names if fnmatch.fnmatchcase(n, pattern.replace("%", "*").replace("_", "?"))]


def _table(columns: list[str], rows: list[list[str]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    infos = [{"Name": name, "Type": _VARCHAR} for name in columns]
    return infos, [{"Data": [{"ScalarValue": value} for value in row]} for row in rows]
