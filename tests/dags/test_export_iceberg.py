"""The Iceberg export DAGs through `dag.test()` on SQLite: S3 and Timestream Query on moto, and the local
stack's SQLite catalog found through pyiceberg's configuration, as the demo and the local stack run them."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.dags import export_support as support
from tests.dags.moto_connection import aws_connection_uri, free_port
from tests.dags.test_export_run import SENSOR_ROWS
from tests.dags.unload_support import (
    cep_parquet_bytes,
    first_attempt_staging,
    stage_unload_output,
    unload_answer,
)
from timestream_pipeline import names
from timestream_pipeline.iceberg_export import ROWS_PROPERTY, WINDOW_START_PROPERTY
from timestream_pipeline.iceberg_schema import hour_filter
from timestream_pipeline.unload import unload_statement

SENSORS, CEP = "sensor_readings", "cep_events"


@pytest.fixture
def catalog(aws_default_conn: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """An empty lake bucket and the local catalog, with the runtime settings pointing at them."""
    support.set_settings(monkeypatch)
    support.create_bucket(aws_default_conn)
    return support.lake_catalog(aws_default_conn, monkeypatch)


def no_retries(dag: Any) -> Any:
    for task in dag.tasks:
        task.retries = 0
    return dag


def queue_sensor_pages(moto_url: str, times: int = 1) -> None:
    spec = support.export_spec(SENSORS)
    pages = [support.page(spec, SENSOR_ROWS[:2], next_token="t"), support.page(spec, SENSOR_ROWS[2:])]
    support.queue_query_results(moto_url, {support.expected_sql(SENSORS): pages * times})


def hour_rows(catalog: Any, export: str) -> list[dict[str, Any]]:
    scan = support.lake_table(catalog, export).scan(row_filter=hour_filter(support.HOUR_START))
    return scan.to_arrow().to_pylist()


def test_query_mode_commits_the_hour_to_the_iceberg_table(
    catalog: Any, aws_default_conn: str, dag_bag: Any
) -> None:
    """The hour's rows are in the table, typed and partitioned; the commit records the hour; no marker."""
    # GIVEN three result rows over two pages
    queue_sensor_pages(aws_default_conn)
    # WHEN the hour is exported
    run = support.run_hour(dag_bag.dags[names.export_dag_id(SENSORS)])
    # THEN the table holds them with the hour's partition values
    assert run.state == "success"
    rows = hour_rows(catalog, SENSORS)
    assert [(r["sensor_id"], r["avg_temperature"], r["error_count"]) for r in rows] == [
        ("sensor-01", 20.5, 0),
        ("sensor-02", 150.25, 4),
        ("sensor-01", None, 0),
    ]
    assert {(r["dt"], r["hour"]) for r in rows} == {("2026-11-22", "09")}
    # AND the commit records the window and the row count
    summary = support.lake_table(catalog, SENSORS).current_snapshot().summary
    assert (summary[WINDOW_START_PROPERTY], summary[ROWS_PROPERTY]) == ("2026-11-22T09:00:00+00:00", "3")
    # AND its data file sits in the hour's folder under a name new to this run, with no _SUCCESS marker
    prefix = support.partition_prefix(SENSORS)
    keys = [key.removeprefix(prefix) for key in support.objects(support.s3_client(aws_default_conn), prefix)]
    assert len(keys) == 1 and re.fullmatch(r"part-00000-[0-9a-f]{16}\.parquet", keys[0])


def test_rerunning_an_hour_commits_the_same_rows_again(
    catalog: Any, aws_default_conn: str, dag_bag: Any
) -> None:
    """A re-run is a new commit whose hour holds exactly the rows the first one held."""
    # GIVEN the same results for two runs of the hour
    queue_sensor_pages(aws_default_conn, times=2)
    dag = dag_bag.dags[names.export_dag_id(SENSORS)]
    # WHEN the hour runs twice
    support.run_hour(dag)
    first, first_snapshot = (
        hour_rows(catalog, SENSORS),
        support.lake_table(catalog, SENSORS).current_snapshot(),
    )
    support.run_hour(dag)
    second, second_snapshot = (
        hour_rows(catalog, SENSORS),
        support.lake_table(catalog, SENSORS).current_snapshot(),
    )
    # THEN the rows are identical, and the second run did commit
    assert second == first and len(second) == 3
    assert second_snapshot.snapshot_id != first_snapshot.snapshot_id


def test_a_failing_re_export_leaves_the_committed_hour_readable(
    catalog: Any, aws_default_conn: str, dag_bag: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unlike the plain formats (the marker goes first), a failed re-run takes nothing away from readers."""
    # GIVEN an hour exported once, then Timestream becomes unreachable
    queue_sensor_pages(aws_default_conn)
    dag = no_retries(support.plain_export_dag(SENSORS, "iceberg"))
    support.run_hour(dag)
    before = hour_rows(catalog, SENSORS)
    dead = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv(
        "AIRFLOW_CONN_AWS_DEFAULT", aws_connection_uri({"s3": aws_default_conn, "timestream-query": dead})
    )
    # WHEN the hour is exported again
    run = support.run_hour(dag)
    # THEN the run failed and readers still see the hour as it was
    assert run.state == "failed"
    assert hour_rows(catalog, SENSORS) == before and len(before) == 3


def test_the_expire_snapshots_task_follows_every_commit(
    catalog: Any, aws_default_conn: str, dag_bag: Any
) -> None:
    """Each run ends with the maintenance task; fresh snapshots are younger than the 24 h it keeps."""
    # GIVEN one hour of results  WHEN the hour is exported
    queue_sensor_pages(aws_default_conn)
    run = support.run_hour(dag_bag.dags[names.export_dag_id(SENSORS)])
    # THEN expire_snapshots ran last, and had nothing old enough to expire
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states == {"plan_export": "success", "export_rows": "success", "expire_snapshots": "success"}
    expire = next(ti for ti in run.get_task_instances() if ti.task_id == "expire_snapshots")
    assert expire.xcom_pull(task_ids="expire_snapshots") == {"expired_snapshots": 0, "deleted_files": 0}


def test_unload_mode_commits_the_staged_parquet_and_clears_staging(
    catalog: Any, aws_default_conn: str, dag_bag: Any
) -> None:
    """UNLOAD stages Parquet; the DAG reads it back batch by batch and commits it; staging is emptied."""
    # GIVEN Timestream's UNLOAD output for the hour (two files of two rows) in the attempt's staging
    lake = support.s3_client(aws_default_conn)
    staging = first_attempt_staging()
    manifest = stage_unload_output(
        lake, staging, {"a.parquet": cep_parquet_bytes(2), "b.parquet": cep_parquet_bytes(2)}
    )
    statement = unload_statement(support.expected_sql(CEP), support.BUCKET, staging, "iceberg")
    support.queue_query_results(aws_default_conn, {statement: unload_answer(manifest)})
    # WHEN the hour is exported
    run = support.run_hour(dag_bag.dags[names.export_dag_id(CEP)])
    # THEN it was staged as Parquet, all four rows are in the table, and staging is empty
    assert run.state == "success"
    assert "format = 'PARQUET'" in statement and support.unanswered_queries() == {}
    rows = hour_rows(catalog, CEP)
    assert sorted(r["sensor_id"] for r in rows) == ["sensor-00", "sensor-00", "sensor-01", "sensor-01"]
    assert support.objects(lake, f"{support.SETTINGS.export_prefix}/{names.STAGING_PREFIX}/") == {}


def test_unload_rows_that_disagree_with_the_manifest_commit_nothing(
    catalog: Any, aws_default_conn: str, dag_bag: Any
) -> None:
    """A staged file holding other rows than the manifest counts fails the hour before any commit."""
    # GIVEN a manifest counting 2 rows for a file that holds 3
    lake = support.s3_client(aws_default_conn)
    staging = first_attempt_staging()
    manifest = stage_unload_output(lake, staging, {"a.parquet": cep_parquet_bytes(3)})
    statement = unload_statement(support.expected_sql(CEP), support.BUCKET, staging, "iceberg")
    support.queue_query_results(aws_default_conn, {statement: unload_answer(manifest)})
    # WHEN the hour is exported
    run = support.run_hour(no_retries(support.plain_export_dag(CEP, "iceberg")))
    # THEN it failed, the table has no row, no data file was uploaded, and staging is empty
    assert run.state == "failed"
    assert hour_rows(catalog, CEP) == []
    assert support.objects(lake, support.partition_prefix(CEP)) == {}
    assert support.objects(lake, f"{support.SETTINGS.export_prefix}/{names.STAGING_PREFIX}/") == {}


def test_a_declared_column_named_like_a_partition_column_is_refused(tmp_path: Any) -> None:
    """`dt` and `hour` are every export's partition columns; declaring one is an error naming the fix."""
    # GIVEN an export declaring a column `hour`
    from timestream_pipeline.errors import SettingsError
    from timestream_pipeline.exports import load_exports

    (tmp_path / "q.sql").write_text("SELECT 1 FROM $source WHERE $time_filter", encoding="utf-8")
    (tmp_path / "exports.toml").write_text(
        '[[export]]\nname = "x"\nsql = "q.sql"\ncolumns = [{ name = "hour", type = "bigint" }]\n',
        encoding="utf-8",
    )
    # WHEN it is loaded  THEN the message names the file, the export, the column and the fix
    with pytest.raises(
        SettingsError, match=r"exports.toml export #1 \(x\): column 'hour' is a partition column"
    ):
        load_exports(tmp_path / "exports.toml")
    # AND without a format an export is Iceberg
    (tmp_path / "exports.toml").write_text(
        '[[export]]\nname = "x"\nsql = "q.sql"\ncolumns = [{ name = "n", type = "bigint" }]\n',
        encoding="utf-8",
    )
    assert load_exports(tmp_path / "exports.toml")[0].format == "iceberg"
