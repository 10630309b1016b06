"""Every export DAG parses cleanly and has the schedule, retries and limits the design calls for."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

from pipeline_config.settings import REPO_ROOT
from timestream_pipeline import names
from timestream_pipeline.exports import load_exports

DAGS_DIR = REPO_ROOT / "dags"
EXPORTS = load_exports(DAGS_DIR / names.EXPORTS_FILE)
SPECS = {spec.name: spec for spec in EXPORTS}


def test_the_dag_folder_imports_without_errors(dag_bag: Any) -> None:
    """A broken DAG file would silently drop every export from the scheduler."""
    # GIVEN the parsed dags/ folder  THEN no file failed to import
    assert dag_bag.import_errors == {}


def test_there_is_one_dag_per_declared_export(dag_bag: Any) -> None:
    """Exports are declared in exports.toml; each gets `timestream_export_<name>`."""
    # GIVEN the declared exports  WHEN the folder is parsed  THEN exactly those export DAGs exist
    export_dags = sorted(d for d in dag_bag.dag_ids if d.startswith(names.EXPORT_DAG_ID_PREFIX))
    assert export_dags == sorted(names.export_dag_id(spec.name) for spec in EXPORTS)
    assert {"cpu_utilization", "sensor_readings", "cep_events"} <= {spec.name for spec in EXPORTS}
    assert "unload" in {spec.mode for spec in EXPORTS}


def test_the_dag_files_raise_no_deprecation_warnings(airflow_db: None) -> None:
    """Airflow 3 APIs only: nothing in dags/ triggers a DeprecationWarning while parsing."""
    from airflow.models import DagBag

    # GIVEN every warning recorded  WHEN dags/ is parsed
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        DagBag(str(DAGS_DIR))
    # THEN none of the deprecations points into the DAG folder (Airflow's own are not ours to fix)
    ours = [
        w
        for w in caught
        if issubclass(w.category, DeprecationWarning) and Path(w.filename).is_relative_to(DAGS_DIR)
    ]
    assert ours == []


def cron_and_timezone(timetable: Any) -> tuple[str, str]:
    """Public on 3.2+'s SDK timetable; 3.0's core timetable keeps them as _expression and _timezone."""
    expression = getattr(timetable, "expression", None) or timetable._expression
    return expression, str(getattr(timetable, "timezone", None) or timetable._timezone)


@pytest.mark.parametrize("export", [spec.name for spec in EXPORTS])
def test_each_export_dag_is_scheduled_hourly_over_a_data_interval(dag_bag: Any, export: str) -> None:
    """An hourly CronDataIntervalTimetable in UTC gives each run the previous hour as its window."""
    # GIVEN the export's DAG
    dag = dag_bag.dags[names.export_dag_id(export)]
    # THEN its schedule, history and concurrency settings are the deliberate ones
    assert {
        "timetable": type(dag.timetable).__name__,
        "cron_and_timezone": cron_and_timezone(dag.timetable),
        "catchup": dag.catchup,
        "max_active_runs": dag.max_active_runs,
        "has_timeout": dag.dagrun_timeout is not None,
        "tags_include": {"timestream", "export"} <= set(dag.tags),
        "has_doc": bool(dag.doc_md),
    } == {
        "timetable": "CronDataIntervalTimetable",
        "cron_and_timezone": ("0 * * * *", "UTC"),
        "catchup": False,
        "max_active_runs": 2,
        "has_timeout": True,
        "tags_include": True,
        "has_doc": True,
    }


@pytest.mark.parametrize("export", [spec.name for spec in EXPORTS])
def test_each_task_retries_with_exponential_backoff_and_a_timeout(dag_bag: Any, export: str) -> None:
    """Transient AWS errors are retried with growing delays; no task can hang forever."""
    # GIVEN the export's DAG  THEN every task retries with backoff and has an execution timeout
    dag = dag_bag.dags[names.export_dag_id(export)]
    last = "expire_snapshots" if SPECS[export].is_iceberg else "mark_success"
    assert [task.task_id for task in dag.topological_sort()] == ["plan_export", "export_rows", last]
    for task in dag.tasks:
        assert task.retries == 3
        # A multiplier from Airflow 3.2 (True would mean 1.0, no growth); a bool (True doubles) before.
        backoff = task.retry_exponential_backoff
        assert backoff is True or (not isinstance(backoff, bool) and backoff > 1)
        assert task.max_retry_delay is not None
        assert task.execution_timeout is not None


def test_the_shipped_exports_are_iceberg_tables_and_plain_formats_end_with_the_marker(dag_bag: Any) -> None:
    """Iceberg is the default; a parquet or csv export still ends with the `_SUCCESS` marker task."""
    # GIVEN the shipped exports, and one of them built as a plain Parquet export
    from tests.dags.export_support import plain_export_dag

    plain = plain_export_dag("sensor_readings", "parquet")
    # WHEN / THEN every shipped export is Iceberg, and the plain DAG ends with mark_success
    assert {spec.format for spec in EXPORTS} == {"iceberg"}
    assert [task.task_id for task in plain.topological_sort()][-1] == "mark_success"
    assert {"export", "parquet"} <= set(plain.tags)


def test_parsing_the_dag_file_imports_no_heavy_library() -> None:
    """pandas/pyarrow/awswrangler/boto3 load inside tasks only, so parsing stays cheap."""
    # GIVEN a fresh interpreter  WHEN it imports the export DAG file
    code = (
        "import sys, runpy; sys.path[:0] = ['.', 'dags']; runpy.run_path('dags/timestream_exports.py'); "
        "print(sorted(m for m in ('pandas', 'pyarrow', 'awswrangler', 'boto3') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    # THEN none of them was imported
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_a_run_without_a_data_interval_is_told_the_ways_that_name_an_hour() -> None:
    """The no-interval failure names what works (backfill, REST logical date) and what does not (CLI)."""
    from timestream_exports import no_data_interval_message

    # GIVEN an export WHEN its run has no data interval
    spec = EXPORTS[0]
    message = no_data_interval_message(spec, "manual__x")
    # THEN one line, with the backfill DAG, the backfill CLI, the REST body, and the CLI trigger's catch
    assert "\n" not in message and "run manual__x has no data interval" in message
    assert f'"dag_id": "{spec.dag_id}"' in message and names.BACKFILL_DAG_ID in message
    assert f"airflow backfill create --dag-id {spec.dag_id}" in message
    assert f'POST /api/v2/dags/{spec.dag_id}/dagRuns with {{"logical_date"' in message
    assert "`airflow dags trigger --logical-date` does not choose the hour" in message
