"""Rendering an export's SQL: safe identifiers, the half-open window, clear errors for bad templates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from pipeline_config.settings import REPO_ROOT, SettingsError
from timestream_ingest import names as ingest_names
from timestream_pipeline import names as dag_names
from timestream_pipeline.exports import load_exports
from timestream_pipeline.sql_render import Window, render_sql, render_sql_file

START = datetime(2026, 11, 22, 9, tzinfo=UTC)
WINDOW = Window(START, START + timedelta(hours=1))


def render(text: str, database: str = "db_name", table: str = "raw_t") -> str:
    return render_sql(text, database=database, table=table, window=WINDOW, where="test.sql")


def test_the_window_is_half_open_in_utc() -> None:
    """Start included, end excluded, whatever zone the data interval came in."""
    # GIVEN a window given in UTC+2
    plus_two = timezone(timedelta(hours=2))
    window = Window(START.astimezone(plus_two), (START + timedelta(hours=1)).astimezone(plus_two))
    # WHEN a template uses $time_filter
    sql = render_sql(
        "SELECT 1 FROM $source WHERE $time_filter", database="db_x", table="t_x", window=window, where="t.sql"
    )
    # THEN it is rendered as >= start AND < end, both in UTC
    assert sql == (
        'SELECT 1 FROM "db_x"."t_x" WHERE time >= from_iso8601_timestamp(\'2026-11-22T09:00:00Z\') '
        "AND time < from_iso8601_timestamp('2026-11-22T10:00:00Z')"
    )


def test_an_identifier_that_could_break_out_of_its_quotes_is_refused() -> None:
    """A table name from settings can never inject SQL."""
    # GIVEN a table name carrying a quote  WHEN rendered  THEN a SettingsError names it
    with pytest.raises(SettingsError, match="table="):
        render("SELECT * FROM $source WHERE $time_filter", table='raw" OR 1=1 --')


def test_an_unknown_placeholder_names_the_file_and_the_allowed_ones() -> None:
    """A typo in a SQL file fails the run with a message that says how to fix it."""
    # GIVEN a template with an unknown placeholder  WHEN rendered  THEN the error names file and choices
    with pytest.raises(SettingsError, match=r"test.sql: unknown placeholder \$tabel; use one of \$source"):
        render("SELECT * FROM $tabel WHERE $time_filter")


def test_a_query_without_the_time_filter_is_refused() -> None:
    """Without $time_filter an export would re-export everything every hour."""
    # GIVEN a template without the window  WHEN rendered  THEN it is refused
    with pytest.raises(SettingsError, match=r"must filter on \$time_filter"):
        render("SELECT * FROM $source WHERE time > ago(1h)")


def test_comment_lines_are_not_sent() -> None:
    """Comments document the file; the query (and its fingerprint) is the SQL alone."""
    # GIVEN a template with a comment line  WHEN rendered  THEN the comment is gone
    assert render("-- about\nSELECT 1 FROM $source WHERE $time_filter;").startswith("SELECT 1")


@pytest.mark.parametrize(
    "spec", load_exports(REPO_ROOT / "dags" / dag_names.EXPORTS_FILE), ids=lambda s: s.name
)
def test_every_shipped_sql_file_renders_and_selects_its_declared_columns(spec: object) -> None:
    """Each shipped export's SQL renders and names every column exports.toml declares, as an alias."""
    # GIVEN a shipped export  WHEN its SQL is rendered
    sql = render_sql_file(REPO_ROOT / "dags" / spec.sql_file, database="db_x", table="t_x", window=WINDOW)
    # THEN the source is quoted, the window is there and every declared column is selected
    assert 'FROM "db_x"."t_x"' in sql
    assert "time < from_iso8601_timestamp('2026-11-22T10:00:00Z')" in sql
    select_list = sql.split("FROM", 1)[0]
    for column in spec.columns:
        assert column.name in select_list


def test_cpu_utilization_groups_by_every_host_dimension() -> None:
    """Instance names repeat across silos: a host is all eight dimensions, and the query groups by them."""
    # GIVEN the cpu_utilization SQL
    sql = render_sql_file(
        REPO_ROOT / "dags" / "sql" / "cpu_utilization.sql", database="db_x", table="t_x", window=WINDOW
    )
    group_by = sql.split("GROUP BY", 1)[1].split("ORDER BY", 1)[0]
    # THEN each dimension is in the GROUP BY
    for dimension in ingest_names.DEVOPS_HOST_DIMENSIONS:
        assert dimension in group_by
