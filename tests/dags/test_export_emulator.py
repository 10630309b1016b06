"""The export DAGs against the local Timestream emulator: real SQL over real records, real UNLOAD.

Where the moto tests replay canned pages, these prove the shipped SQL runs, that the half-open
window keeps a record stamped exactly on the next hour out, and that UNLOAD output reaches the
shipped exports' Iceberg tables (through the local stack's catalog).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from pipeline_config import names
from tests.dags import export_support as support
from tests.dags.moto_connection import aws_connection_uri
from tests.dags.timestream_records import cep_event, reading
from timestream_pipeline import names as dag_names
from timestream_pipeline.iceberg_export import ROWS_PROPERTY
from timestream_pipeline.iceberg_schema import hour_filter

# Recent enough for the table's memory store, whatever day the suite runs.
HOUR_START = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
HOUR_END = HOUR_START + timedelta(hours=1)
RETENTION = {"MemoryStoreRetentionPeriodInHours": 48, "MagneticStoreRetentionPeriodInDays": 7}


@pytest.fixture
def emulator(moto: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The local Timestream (UNLOAD writes to moto) with the settings' database and tables."""
    from local.timestream.server import TimestreamServer

    server = TimestreamServer(s3_endpoint_url=moto)
    url = server.start()
    monkeypatch.setenv(
        f"AIRFLOW_CONN_{dag_names.DEFAULT_AWS_CONN_ID.upper()}",
        aws_connection_uri({"s3": moto, "timestream-query": url}),
    )
    support.set_settings(monkeypatch)
    write = boto3.client("timestream-write", endpoint_url=url, region_name=names.LOCAL_REGION)
    write.create_database(DatabaseName=support.SETTINGS.database)
    for table in (support.SETTINGS.raw_table, support.SETTINGS.cep_table):
        write.create_table(
            DatabaseName=support.SETTINGS.database, TableName=table, RetentionProperties=RETENTION
        )
    yield write
    server.stop()


def hour_rows(catalog: Any, export: str) -> list[dict[str, Any]]:
    """The exported hour as a reader of the Iceberg table sees it (declared columns only)."""
    columns = tuple(column.name for column in support.export_spec(export).columns)
    scan = support.lake_table(catalog, export).scan(
        row_filter=hour_filter(HOUR_START), selected_fields=columns
    )
    return scan.to_arrow().to_pylist()


def test_sensor_readings_from_real_records_keep_the_next_hours_first_record_out(
    emulator: Any, moto: str, dag_bag: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Aggregates come from the stored readings; a reading at exactly HOUR_END belongs to the next hour."""
    # GIVEN readings at the hour's first instant, inside it, and exactly at its end
    support.create_bucket(moto)
    catalog = support.lake_catalog(moto, monkeypatch)
    emulator.write_records(
        DatabaseName=support.SETTINGS.database,
        TableName=support.SETTINGS.raw_table,
        Records=[
            reading("sensor-01", "OK", 20.0, HOUR_START),
            reading("sensor-01", "ERROR", 170.0, HOUR_START + timedelta(seconds=30)),
            reading("sensor-01", "OK", 99.0, HOUR_END),
        ],
    )
    # WHEN the hour is exported in query mode
    run = support.run_hour(dag_bag.dags[dag_names.export_dag_id("sensor_readings")], HOUR_END)
    # THEN the table's hour holds one minute row with the two in-window readings only
    assert run.state == "success"
    assert hour_rows(catalog, "sensor_readings") == [
        {
            "sensor_id": "sensor-01",
            "minute": HOUR_START.replace(tzinfo=None),
            "avg_temperature": 95.0,
            "min_temperature": 20.0,
            "max_temperature": 170.0,
            "ok_count": 1,
            "warning_count": 0,
            "error_count": 1,
        }
    ]
    assert support.lake_table(catalog, "sensor_readings").current_snapshot().summary[ROWS_PROPERTY] == "1"


def test_cep_events_are_unloaded_committed_and_staging_is_removed(
    emulator: Any, moto: str, dag_bag: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real UNLOAD writes into staging; the hour's staged Parquet is committed, staging ends empty."""
    # GIVEN one CEP event in the hour and one after it
    lake = support.create_bucket(moto)
    catalog = support.lake_catalog(moto, monkeypatch)
    emulator.write_records(
        DatabaseName=support.SETTINGS.database,
        TableName=support.SETTINGS.cep_table,
        Records=[
            cep_event("sensor-07", HOUR_START + timedelta(minutes=15)),
            cep_event("sensor-08", HOUR_END),
        ],
    )
    # WHEN the hour is exported in unload mode
    run = support.run_hour(dag_bag.dags[dag_names.export_dag_id("cep_events")], HOUR_END)
    # THEN the table's hour holds the in-window event, with UNLOAD's nanoseconds cut to microseconds
    assert run.state == "success"
    rows = hour_rows(catalog, "cep_events")
    assert [(row["sensor_id"], row["non_errors"], row["history"]) for row in rows] == [
        ("sensor-07", 2, "OK-WARNING")
    ]
    assert rows[0]["event_time"] == (HOUR_START + timedelta(minutes=15)).replace(tzinfo=None)
    # AND nothing is left in staging
    assert support.objects(lake, f"{support.SETTINGS.export_prefix}/{dag_names.STAGING_PREFIX}/") == {}
