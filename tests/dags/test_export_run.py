"""A plain-format (Parquet) export DAG end to end through `dag.test()` on SQLite, with S3 and Timestream
Query on moto: Hive partition, `_SUCCESS` marker, identical re-runs (Iceberg: test_export_iceberg.py)."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.dags import export_support as support
from tests.dags.moto_connection import aws_connection_uri, free_port

SENSOR_ROWS = [
    ["sensor-01", "2026-11-22 09:00:00.000000000", "20.5", "10.0", "31.0", "3", "1", "0"],
    ["sensor-02", "2026-11-22 09:00:00.000000000", "150.25", "141.0", "170.0", "0", "2", "4"],
    ["sensor-01", "2026-11-22 09:59:00.000000000", None, None, None, "0", "0", "0"],
]


@pytest.fixture
def sensor_dag(dag_bag: Any) -> Any:
    """The sensor_readings export in the plain Parquet format."""
    return support.plain_export_dag("sensor_readings", "parquet")


@pytest.fixture
def lake(aws_default_conn: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """An empty data-lake bucket on a fresh moto, with the runtime settings pointing at it."""
    support.set_settings(monkeypatch)
    return support.create_bucket(aws_default_conn)


@pytest.fixture
def no_retries(sensor_dag: Any) -> Iterator[Any]:
    """The sensor DAG with retries off, so a failure is final at once instead of waiting for backoff."""
    saved = {task.task_id: task.retries for task in sensor_dag.tasks}
    for task in sensor_dag.tasks:
        task.retries = 0
    yield sensor_dag
    for task in sensor_dag.tasks:
        task.retries = saved[task.task_id]


def queue_sensor_pages(moto_url: str, times: int = 1) -> None:
    spec = support.export_spec("sensor_readings")
    pages = [
        support.page(spec, [], next_token="t1"),  # Timestream may answer first with only a token
        support.page(spec, SENSOR_ROWS[:2], next_token="t2"),
        support.page(spec, SENSOR_ROWS[2:]),
    ]
    support.queue_query_results(moto_url, {support.expected_sql("sensor_readings"): pages * times})


def test_query_mode_sends_the_half_open_window_of_the_data_interval(
    lake: Any, aws_default_conn: str, sensor_dag: Any
) -> None:
    """The run for 10:00 queries exactly [09:00, 10:00): a row on the hour belongs to one export only."""
    # GIVEN pages queued under the SQL rendered for [09:00, 10:00) only
    queue_sensor_pages(aws_default_conn)
    # WHEN the 10:00 run executes
    run = support.run_hour(sensor_dag)
    # THEN it succeeded, sent that exact query (its pages were all consumed), whose window is half-open
    assert run.state == "success"
    assert support.unanswered_queries() == {}
    assert (
        "time >= from_iso8601_timestamp('2026-11-22T09:00:00Z') "
        "AND time < from_iso8601_timestamp('2026-11-22T10:00:00Z')"
    ) in support.expected_sql("sensor_readings")


def test_query_mode_writes_typed_parquet_and_the_success_marker(
    lake: Any, aws_default_conn: str, sensor_dag: Any
) -> None:
    """The hour's partition holds one Parquet file with the declared columns and types, then _SUCCESS."""
    # GIVEN three result rows over three pages
    queue_sensor_pages(aws_default_conn)
    # WHEN the hour is exported
    support.run_hour(sensor_dag)
    # THEN the partition has the data file and the marker, nothing else
    prefix = support.partition_prefix("sensor_readings")
    assert prefix == "exports/sensor_readings/dt=2026-11-22/hour=09/"
    stored = support.objects(lake, prefix)
    assert sorted(stored) == [prefix + "_SUCCESS", prefix + "part-00000.parquet"]
    table = pq.read_table(io.BytesIO(stored[prefix + "part-00000.parquet"]["body"]))
    assert table.schema.names == [column.name for column in support.export_spec("sensor_readings").columns]
    assert table.schema.field("minute").type == pa.timestamp("us")
    assert table.schema.field("ok_count").type == pa.int64()
    assert table.column("sensor_id").to_pylist() == ["sensor-01", "sensor-02", "sensor-01"]
    assert table.column("avg_temperature").to_pylist() == [20.5, 150.25, None]
    assert table.column("error_count").to_pylist() == [0, 4, 0]
    # AND the marker describes the hour
    assert support.marker(lake, prefix) == {
        "export": "sensor_readings",
        "window_start": "2026-11-22T09:00:00+00:00",
        "window_end": "2026-11-22T10:00:00+00:00",
        "rows": 3,
        "files": ["part-00000.parquet"],
        "query_fingerprint": hashlib.sha256(support.expected_sql("sensor_readings").encode()).hexdigest(),
    }


def test_running_the_same_hour_twice_gives_identical_objects(
    lake: Any, aws_default_conn: str, sensor_dag: Any
) -> None:
    """A re-run rewrites the same bytes under the same keys: downstream sees no change."""
    # GIVEN the same results for two runs of the hour
    queue_sensor_pages(aws_default_conn, times=2)
    prefix = support.partition_prefix("sensor_readings")
    # WHEN the hour runs twice
    support.run_hour(sensor_dag)
    first = support.objects(lake, prefix)
    support.run_hour(sensor_dag)
    second = support.objects(lake, prefix)
    # THEN keys, ETags and bytes are identical
    assert first == second
    assert len(second) == 2


def test_a_stale_file_from_an_earlier_run_is_removed(
    lake: Any, aws_default_conn: str, sensor_dag: Any
) -> None:
    """Files a previous run left in the hour (e.g. when it had more parts) do not survive a re-run."""
    # GIVEN a partition holding an extra part and a stray object from an earlier run
    prefix = support.partition_prefix("sensor_readings")
    lake.put_object(Bucket=support.BUCKET, Key=prefix + "part-00001.parquet", Body=b"old")
    lake.put_object(Bucket=support.BUCKET, Key=prefix + "my_file.csv", Body=b"old")
    queue_sensor_pages(aws_default_conn)
    # WHEN the hour is exported again
    support.run_hour(sensor_dag)
    # THEN only this run's file and marker remain
    assert sorted(support.objects(lake, prefix)) == [prefix + "_SUCCESS", prefix + "part-00000.parquet"]


def test_an_empty_hour_gives_a_zero_row_marker_and_no_data_files(
    lake: Any, aws_default_conn: str, sensor_dag: Any
) -> None:
    """ "No data" is recorded as such, so nobody mistakes it for "not run"."""
    # GIVEN the hour's query returns no rows
    spec = support.export_spec("sensor_readings")
    support.queue_query_results(
        aws_default_conn, {support.expected_sql("sensor_readings"): [support.page(spec, [])]}
    )
    prefix = support.partition_prefix("sensor_readings")
    # WHEN it is exported
    run = support.run_hour(sensor_dag)
    # THEN the run succeeds with only a marker saying 0 rows
    assert run.state == "success"
    assert sorted(support.objects(lake, prefix)) == [prefix + "_SUCCESS"]
    assert support.marker(lake, prefix)["rows"] == 0
    assert support.marker(lake, prefix)["files"] == []


def test_a_failing_query_leaves_no_marker(
    lake: Any, aws_default_conn: str, no_retries: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A re-run that fails takes the old marker away: the hour no longer reads as complete."""
    # GIVEN an hour exported once, then Timestream becomes unreachable
    queue_sensor_pages(aws_default_conn)
    support.run_hour(no_retries)
    prefix = support.partition_prefix("sensor_readings")
    assert prefix + "_SUCCESS" in support.objects(lake, prefix)
    dead_endpoint = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv(
        "AIRFLOW_CONN_AWS_DEFAULT",
        aws_connection_uri({"s3": aws_default_conn, "timestream-query": dead_endpoint}),
    )
    # WHEN the hour is exported again
    run = support.run_hour(no_retries)
    # THEN the run failed and the partition carries no _SUCCESS
    assert run.state == "failed"
    assert prefix + "_SUCCESS" not in support.objects(lake, prefix)
