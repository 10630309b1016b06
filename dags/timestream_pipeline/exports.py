"""The declared exports (`dags/exports.toml`): one hourly DAG and one Glue table per entry."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from timestream_pipeline import names
from timestream_pipeline.errors import SettingsError

# The bundle's own exports.toml, found from this file (the DAG folder is this package's parent),
# so the path is the same in the repository, in a copy of dags/ and on MWAA.
DEFAULT_EXPORTS_FILE = Path(__file__).resolve().parent.parent / names.EXPORTS_FILE
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
COLUMN_TYPES = ("string", "double", "bigint", "boolean", "timestamp")
# iceberg: one Apache Iceberg table, each hour replaced in one atomic commit (the default);
# parquet / csv: plain Hive partitions with a `_SUCCESS` marker per hour.
FORMATS = ("iceberg", "parquet", "csv")
DEFAULT_FORMAT = "iceberg"
MODES = ("query", "unload")
SOURCE_TABLES = ("raw", "cep")


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # an Athena/Glue type from COLUMN_TYPES


@dataclass(frozen=True)
class ExportSpec:
    """One export: its SQL file (relative to the exports file), source table role, format and mode."""

    name: str
    sql_file: str
    source_table: str
    format: str
    mode: str
    columns: tuple[Column, ...]
    description: str = ""

    @property
    def dag_id(self) -> str:
        return names.export_dag_id(self.name)

    @property
    def is_iceberg(self) -> bool:
        return self.format == "iceberg"


def _require(condition: bool, where: str, message: str) -> None:
    if not condition:
        raise SettingsError(f"{where}: {message}")


def _parse_export(entry: dict, where: str, base: Path) -> ExportSpec:
    name = entry.get("name")
    _require(
        isinstance(name, str) and bool(_NAME.fullmatch(name)),
        where,
        f"name={name!r} must be lowercase letters, digits and _ (max 64)",
    )
    where = f"{where} ({name})"
    sql_file = entry.get("sql")
    _require(
        isinstance(sql_file, str) and (base / sql_file).is_file(),
        where,
        f"sql={sql_file!r} must name an existing SQL file relative to {base}",
    )
    source = entry.get("source_table", "raw")
    _require(source in SOURCE_TABLES, where, f"source_table={source!r} must be one of {SOURCE_TABLES}")
    fmt = entry.get("format", DEFAULT_FORMAT)
    _require(fmt in FORMATS, where, f"format={fmt!r} must be one of {FORMATS}")
    mode = entry.get("mode", "query")
    _require(mode in MODES, where, f"mode={mode!r} must be one of {MODES}")
    raw_columns = entry.get("columns", [])
    _require(
        isinstance(raw_columns, list) and bool(raw_columns),
        where,
        "columns must list the result columns as {name, type} tables",
    )
    columns = []
    for column in raw_columns:
        _require(
            isinstance(column, dict) and isinstance(column.get("name"), str),
            where,
            f"column {column!r} needs a name",
        )
        _require(
            column.get("type") in COLUMN_TYPES,
            where,
            f"column {column.get('name')!r} type={column.get('type')!r} must be one of {COLUMN_TYPES}",
        )
        _require(
            column["name"] not in names.PARTITION_COLUMNS,
            where,
            f"column {column['name']!r} is a partition column every export gets; rename it",
        )
        columns.append(Column(column["name"], column["type"]))
    return ExportSpec(name, sql_file, source, fmt, mode, tuple(columns), entry.get("description", ""))


def load_exports(path: Path | None = None) -> tuple[ExportSpec, ...]:
    """Every export in the file, sorted by name; errors name the file, the entry and the fix."""
    path = path or DEFAULT_EXPORTS_FILE
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise SettingsError(f"exports file {path} not found") from error
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"{path} is not valid TOML: {error}") from error
    entries = document.get("export", [])
    _require(isinstance(entries, list), str(path), "expected [[export]] tables")
    specs = [_parse_export(e, f"{path.name} export #{i + 1}", path.parent) for i, e in enumerate(entries)]
    seen = [s.name for s in specs]
    duplicates = sorted({n for n in seen if seen.count(n) > 1})
    _require(not duplicates, str(path), f"export names must be unique, repeated: {duplicates}")
    return tuple(sorted(specs, key=lambda s: s.name))
