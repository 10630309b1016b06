"""`python -m local lake`: Athena SQL over the local lake. The seed's join, run over a lake the pipeline
filled (generator -> Kinesis -> mapping -> Lambda -> local Timestream -> export DAG -> Iceberg), equals the
same join computed in Python from the generated readings and the reference CSVs."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from generators.sensors import SensorOptions
from lake.queries import readings_per_customer_minute
from lake.reference import CUSTOMER_DATA, SENSOR_MAPPING
from local import airflow_env, cli
from local.demo_data import Window, send, workload_records
from local.ingest import open_mappings
from local.lake_catalog import lake_database
from local.lake_query import LakeQueryError, run, translate
from local.resources import client
from local.stack import InProcessStack
from pipeline_config.local_state import LocalStackState
from pipeline_config.settings import Settings, load_settings
from timestream_pipeline import names

pytestmark = pytest.mark.slow
SEED = 14


@dataclass
class FilledLake:
    settings: Settings
    state: LocalStackState
    window: Window
    readings: list[dict[str, Any]]


@pytest.fixture(scope="module")
def filled(airflow_db: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FilledLake]:
    """Two hours of 10 sensors through the whole pipeline into the sensor_readings Iceberg table."""
    settings, window = load_settings(), Window.last_hours(2)
    records = workload_records("sensors", window, SensorOptions(sensors=10, tick_seconds=30), seed=SEED)
    with InProcessStack(settings) as state, pytest.MonkeyPatch.context() as patch:
        for key, value in airflow_env.pipeline_environment(settings, state).items():
            patch.setenv(key, value)
        patch.setenv("POWERTOOLS_LOG_LEVEL", "ERROR")
        send(client("kinesis", state.moto_endpoint), state, "raw", records)
        with open_mappings(state, tmp_path_factory.mktemp("esm")) as mappings:
            for mapping in mappings.values():
                mapping.run_until_idle()
        dag_id = names.export_dag_id("sensor_readings")
        dag = airflow_env.load_dags([dag_id])[dag_id]
        for hour in window.hours:
            assert airflow_env.run_dag(dag, logical_date=hour + timedelta(hours=1)) == "success"
        yield FilledLake(settings, state, window, [json.loads(record.data) for record in records])


def expected_join(lake: FilledLake) -> list[tuple[Any, ...]]:
    """The seed's join computed from the generated readings and the reference files, in Python."""
    with CUSTOMER_DATA.file.open(encoding="utf-8") as handle:
        companies = {int(row["customer_id"]): row["company_name"] for row in csv.DictReader(handle)}
    with SENSOR_MAPPING.file.open(encoding="utf-8") as handle:
        owner = {row["sensor_id"]: int(row["customer_id"]) for row in csv.DictReader(handle)}
    start_ms, end_ms = (int(moment.timestamp() * 1000) for moment in (lake.window.start, lake.window.end))
    groups: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
    for reading in lake.readings:
        if start_ms <= reading["event_time"] < end_ms:
            groups[(owner[reading["sensor_id"]], reading["event_time"] // 60_000)].append(reading)
    rows = []
    for (customer, minute), found in groups.items():
        temperatures = [r["temperature"] for r in found]
        rows.append(
            (
                customer,
                companies[customer],
                datetime.fromtimestamp(minute * 60, UTC).replace(tzinfo=None),
                len({r["sensor_id"] for r in found}),
                len(found),
                sum(r["status"] == "ERROR" for r in found),
                round(sum(temperatures) / len(temperatures), 2),
                float(max(temperatures)),
            )
        )
    return sorted(rows, key=lambda row: (row[2], row[0]))


def test_the_seeds_join_over_the_local_lake_equals_the_join_computed_from_the_generated_data(
    filled: FilledLake,
) -> None:
    """Readings per customer and minute: the saved Athena query, run by DuckDB, matches Python's."""
    # GIVEN the lake the pipeline filled, and the same join computed independently
    expected = expected_join(filled)
    # WHEN the saved query runs over the local lake
    query = readings_per_customer_minute(lake_database(filled.state))
    columns, rows = run(filled.state, filled.settings.export_prefix, query.sql)
    # THEN every customer-minute is there with the same counts and statistics
    assert columns == [
        "customer_id",
        "company_name",
        "minute",
        "sensors",
        "readings",
        "errors",
        "avg_temperature",
        "max_temperature",
    ]
    assert len(rows) == len(expected) > 100 and {row[0] for row in rows} == {1001, 1002, 1003, 1004, 1005}
    for actual, wanted in zip(rows, expected, strict=True):
        assert actual[:6] == wanted[:6]
        assert actual[6] == pytest.approx(wanted[6], abs=0.0101)  # 2-decimal rounding of a float sum
        assert actual[7] == wanted[7]


def test_the_cli_prints_a_table_for_athena_sql(filled: FilledLake, tmp_path: Path, capsys: Any) -> None:
    """`python -m local lake "SQL"` reads the state file and prints the result with the demo's renderer."""
    # GIVEN the running stack's address book
    state_file = tmp_path / "stack.json"
    filled.state.save(state_file)
    sql = (
        "SELECT c.company_name, count(*) AS sensors "
        "FROM awsdatacatalog.timeseries_pipeline_lake.sensor_mapping m "
        "JOIN customer_data c ON c.customer_id = m.customer_id GROUP BY 1 ORDER BY 1 LIMIT 2"
    )
    # WHEN the command runs
    status = cli.main(["--state-file", str(state_file), "lake", sql])
    # THEN it prints a table with the header and the two rows
    lines = capsys.readouterr().out.splitlines()
    assert status == 0
    assert lines[0].split() == ["company_name", "sensors"]
    assert lines[2].split() == ["Alpine", "Pharma", "Logistics", "20"]
    assert len(lines) == 4


def test_sql_naming_what_the_lake_does_not_have_is_refused_with_the_fix(filled: FilledLake) -> None:
    """Unknown tables and databases end as one message naming them and what exists."""
    # GIVEN the filled lake  WHEN / THEN an unknown table names the lake's tables
    with pytest.raises(
        LakeQueryError, match=r"no table 'sensor_reading' in the local lake; it has \[.*'sensor_readings'"
    ):
        run(filled.state, filled.settings.export_prefix, "SELECT * FROM sensor_reading")
    # AND an unknown database names the lake's database
    with pytest.raises(LakeQueryError, match=r"unknown database 'other'.*'timeseries_pipeline_lake'"):
        run(filled.state, filled.settings.export_prefix, "SELECT * FROM other.sensor_readings")


def test_the_cli_without_a_running_stack_says_how_to_start_one(tmp_path: Path) -> None:
    """No state file: a one-line error, not a traceback."""
    # GIVEN no local stack  WHEN the command runs  THEN it exits with the fix
    with pytest.raises(SystemExit, match="make demo KEEP=1"):
        cli.main(["--state-file", str(tmp_path / "none.json"), "lake"])


def test_athena_table_names_are_qualified_with_the_lake_database_and_ctes_are_left_alone() -> None:
    """Bare, database-qualified and catalog-qualified names all resolve to the lake database."""
    # GIVEN Athena SQL naming tables three ways, and a CTE
    sql = (
        "WITH recent AS (SELECT * FROM sensor_readings) "
        "SELECT * FROM recent JOIN db_lake.sensor_mapping USING (sensor_id) "
        'JOIN awsdatacatalog."db_lake".customer_data USING (customer_id)'
    )
    # WHEN it is translated for the lake database db_lake
    duck_sql, tables = translate(sql, "db_lake")
    # THEN the three tables are read from the lake, the CTE is not
    assert tables == ["customer_data", "sensor_mapping", "sensor_readings"]
    assert 'FROM "db_lake".sensor_readings' in duck_sql and "awsdatacatalog" not in duck_sql.lower()
    assert "FROM recent" in duck_sql
