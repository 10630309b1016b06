"""`python -m local lake "SQL"`: Athena (Trino) SQL over the local data lake, printed as a table.

The SQL is parsed as Trino with sqlglot, its table names are resolved in the lake database (bare
`sensor_readings`, `<database>.sensor_readings` and `awsdatacatalog.<database>.sensor_readings` all
work, as in Athena), only the tables it reads are loaded (`local.lake_tables`), and DuckDB runs the
translation over that Arrow data. DuckDB needs no extension for this, so nothing is downloaded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lake.queries import readings_per_customer_minute
from local.lake_catalog import lake_database
from local.lake_tables import load_table, table_names
from local.table import render_at_most
from pipeline_config.local_state import LocalStackState
from pipeline_config.settings import Settings


class LakeQueryError(ValueError):
    """The SQL cannot run over the local lake; the message says why and what to change."""


def translate(sql: str, database: str) -> tuple[str, list[str]]:
    """The DuckDB SQL and the lake tables it reads (every table qualified with the lake database)."""
    import sqlglot
    from sqlglot import exp

    try:
        tree = sqlglot.parse_one(sql, read="trino")
    except sqlglot.errors.ParseError as error:
        raise LakeQueryError(f"the SQL does not parse as Athena (Trino) SQL: {error}") from None
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    tables = set()
    for table in tree.find_all(exp.Table):
        if not table.db and table.name in ctes:
            continue
        if table.db and table.db != database:
            raise LakeQueryError(
                f"unknown database {table.db!r} in {table.sql(dialect='trino')}: "
                f"the local lake's database is {database!r}"
            )
        table.set("catalog", None)
        table.set("db", exp.to_identifier(database, quoted=True))
        tables.add(table.name)
    return tree.sql(dialect="duckdb"), sorted(tables)


def run(
    state: LocalStackState, export_prefix: str, sql: str, max_rows: int | None = None
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Column names and rows of `sql` over the local lake."""
    import duckdb

    database = lake_database(state)
    duck_sql, tables = translate(sql, database)
    connection = duckdb.connect()
    connection.execute(f'CREATE SCHEMA "{database}"')
    for name in tables:
        try:
            data = load_table(state, export_prefix, name)
        except KeyError:
            raise LakeQueryError(f"no table {name!r} in the local lake; it has {table_names()}") from None
        connection.register("lake_table", data)
        connection.execute(f'CREATE TABLE "{database}"."{name}" AS SELECT * FROM lake_table')
        connection.unregister("lake_table")
    try:
        result = connection.execute(duck_sql)
    except duckdb.Error as error:
        raise LakeQueryError(f"the query failed: {error}") from None
    columns = [column[0] for column in result.description]
    rows = result.fetchmany(max_rows) if max_rows is not None else result.fetchall()
    return columns, rows


def run_lake_query(settings: Settings, sql: str | None, max_rows: int, state_path: Path) -> int:
    """The CLI command: the seed's join when no SQL is given."""
    state = LocalStackState.load(state_path)
    if state is None:
        raise SystemExit(
            "error: the local stack is not running: `make demo KEEP=1` starts it and fills the lake"
        )
    sql = sql or readings_per_customer_minute(lake_database(state)).sql
    try:
        columns, rows = run(state, settings.export_prefix, sql, max_rows + 1)
    except LakeQueryError as error:
        raise SystemExit(f"error: {error}") from None
    except OSError as error:
        raise SystemExit(
            f"error: cannot read the local lake at {state.moto_endpoint} ({error}): is the stack up?"
        ) from None
    print(render_at_most(columns, rows, max_rows))
    return 0
