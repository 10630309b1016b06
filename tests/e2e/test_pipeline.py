"""End to end on the local stack: nothing lost, hours exported exactly, statistics right, re-runs harmless."""

from __future__ import annotations

import base64
import json
import math
import statistics
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from e2e_pipeline import PipelineRun

from local import airflow_env, lake
from local.query import query_rows
from timestream_ingest import names as ingest_names
from timestream_pipeline import names as dag_names
from timestream_pipeline.backfill_request import validate_backfill_conf
from timestream_pipeline.exports import load_exports

pytestmark = pytest.mark.slow
CPU_EXPORT, SENSOR_EXPORT = "cpu_utilization", "sensor_readings"
UNLOAD_EXPORT = next(spec.name for spec in load_exports() if spec.mode == "unload")
HOST_COLUMNS = ingest_names.DEVOPS_HOST_DIMENSIONS
BIN_MS = 15_000


def rows(run: PipelineRun, sql: str) -> list[list[Any]]:
    return query_rows(run.state.timestream_endpoint, sql)[1]


def table(run: PipelineRun, role: str) -> str:
    name = run.state.raw_table if role == "raw" else run.state.cep_table
    return f'"{run.state.database}"."{name}"'


def payloads(records: list[Any]) -> list[dict[str, Any]]:
    return [json.loads(record.data) for record in records]


SPECS = {spec.name: spec for spec in load_exports()}


def exported_rows(run: PipelineRun, export: str, hour: datetime) -> list[dict[str, Any]]:
    """The hour as a reader sees it (through the Iceberg table, or the plain files)."""
    return lake.hour_rows(run.s3, run.state, run.settings.export_prefix, SPECS[export], hour)


def epoch_ms(moment: datetime) -> int:
    return int((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp() * 1000)


def lake_snapshot(run: PipelineRun) -> dict[tuple[str, datetime], Any]:
    """What a reader sees of every exported hour: rows of Iceberg tables, objects of plain formats."""
    return {
        (name, hour): lake.hour_contents(run.s3, run.state, run.settings.export_prefix, spec, hour)
        for name, spec in SPECS.items()
        for hour in run.window.hours
    }


def nearest_rank(values: list[float], fraction: float) -> float:
    """The emulator's documented approx_percentile: the ceil(p * n)-th smallest value."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


def test_every_generated_record_is_in_timestream_or_quarantined_with_a_reason(pipeline: PipelineRun) -> None:
    """No record is lost: each workload's records are all stored, or quarantined with a reason."""
    # GIVEN the records sent per workload and the quarantine objects the ingest Lambda wrote
    quarantine = lake.quarantined(pipeline.s3, pipeline.state.bucket, pipeline.settings.quarantine_prefix)
    quarantined = Counter(base64.b64decode(q.payload_base64) for q in quarantine)
    # WHEN the records each workload has in Timestream are read back
    raw, cep_table = table(pipeline, "raw"), table(pipeline, "cep")
    devops = rows(
        pipeline,
        f"SELECT instance_name, silo, measure_name, to_milliseconds(time) FROM {raw} WHERE silo IS NOT NULL",
    )
    sensors = rows(
        pipeline,
        f"SELECT sensor_id, to_milliseconds(time) FROM {raw} WHERE measure_name = 'temperature'",
    )
    cep = rows(pipeline, f"SELECT sensor_id, to_milliseconds(time) FROM {cep_table}")
    stored = {"devops": len(devops), "sensors": len(sensors), "cep": len(cep), "bad": 0}
    # THEN per workload: stored + quarantined == generated, and the stored ones are the generated ones
    for workload, records in pipeline.generated.items():
        in_quarantine = sum(quarantined[record.data] for record in records)
        assert stored[workload] + in_quarantine == len(records), workload
    assert all(q.reason and q.detail for q in quarantine)
    assert Counter(q.reason for q in quarantine) == {
        "undecodable": 2,
        "invalid_value": 1,
        "future_timestamp": 1,
    }
    expected_devops = {
        (p["instance_name"], p["silo"], p["MeasureName"], int(p["Time"]))
        for p in payloads(pipeline.generated["devops"])
    }
    assert {(r[0], r[1], r[2], int(r[3])) for r in devops} == expected_devops
    assert {(r[0], int(r[1])) for r in sensors} == {
        (p["sensor_id"], p["event_time"]) for p in payloads(pipeline.generated["sensors"])
    }
    assert sum(s.records_kept + s.records_dropped for s in pipeline.mapping_stats.values()) == 0


def test_each_exported_hour_holds_exactly_the_readings_of_its_hour(pipeline: PipelineRun) -> None:
    """Per hour, the status counts add up to the sensor readings with start <= time < end."""
    # GIVEN the generated sensor readings, some of them exactly on the inner hour boundary
    readings = payloads(pipeline.generated["sensors"])
    assert any(p["event_time"] == epoch_ms(pipeline.boundary) for p in readings)
    for hour in pipeline.window.hours:
        start, end = epoch_ms(hour), epoch_ms(hour + timedelta(hours=1))
        # WHEN the hour's exported rows are read
        exported = exported_rows(pipeline, SENSOR_EXPORT, hour)
        # THEN they count exactly the readings of [start, end), and every minute lies in it
        counted = sum(row["ok_count"] + row["warning_count"] + row["error_count"] for row in exported)
        assert counted == sum(1 for p in readings if start <= p["event_time"] < end)
        assert all(start <= epoch_ms(row["minute"]) < end for row in exported)


def test_records_on_the_hour_boundary_are_exported_in_exactly_one_hour(pipeline: PipelineRun) -> None:
    """The 15 s bin that starts on the boundary is in the later hour's CPU export and not the earlier one."""
    # GIVEN DevOps records generated exactly on the boundary
    boundary_ms = epoch_ms(pipeline.boundary)
    assert any(int(p["Time"]) == boundary_ms for p in payloads(pipeline.generated["devops"]))
    # WHEN both hours' CPU exports are read
    earlier, later = (exported_rows(pipeline, CPU_EXPORT, hour) for hour in pipeline.window.hours)
    # THEN the boundary bin is only in the later hour
    assert boundary_ms not in {epoch_ms(row["binned_timestamp"]) for row in earlier}
    assert boundary_ms in {epoch_ms(row["binned_timestamp"]) for row in later}
    assert max(epoch_ms(row["binned_timestamp"]) for row in earlier) == boundary_ms - BIN_MS


def test_exported_cpu_statistics_equal_values_computed_from_the_generated_records(
    pipeline: PipelineRun,
) -> None:
    """avg and p90/p95/p99 per host and 15 s bin match Python statistics over the generated payloads."""
    # GIVEN cpu_user per host and 15 s bin, computed from the generated payloads alone
    samples: dict[tuple[Any, ...], list[float]] = defaultdict(list)
    for p in payloads(pipeline.generated["devops"]):
        if p["MeasureName"] == "cpu_user":
            bin_ms = int(p["Time"]) // BIN_MS * BIN_MS
            samples[(*(p[c] for c in HOST_COLUMNS), bin_ms)].append(float(p["MeasureValue"]))
    # WHEN the exported rows of both hours are read
    exported = [row for hour in pipeline.window.hours for row in exported_rows(pipeline, CPU_EXPORT, hour)]
    actual = {(*(row[c] for c in HOST_COLUMNS), epoch_ms(row["binned_timestamp"])): row for row in exported}
    # THEN every bin is there once with the same statistics (to the 2 decimals the export rounds to)
    assert len(actual) == len(exported) == len(samples)
    assert max(len(values) for values in samples.values()) == 3
    for key, values in samples.items():
        row = actual[key]
        assert row["avg_cpu_utilization"] == pytest.approx(statistics.fmean(values), abs=0.0051)
        for fraction, column in ((0.9, "p90"), (0.95, "p95"), (0.99, "p99")):
            assert row[f"{column}_cpu_utilization"] == pytest.approx(
                nearest_rank(values, fraction), abs=0.0051
            )


def test_rerunning_an_export_changes_nothing_a_reader_sees(pipeline: PipelineRun) -> None:
    """A second run of an already exported hour leaves every hour's rows (or objects) as they were."""
    # GIVEN the data lake after the first export of every hour
    before = lake_snapshot(pipeline)
    # WHEN an hour of the UNLOAD-mode export runs again (the backfill test re-runs a query-mode one)
    dag = pipeline.dags[dag_names.export_dag_id(UNLOAD_EXPORT)]
    assert airflow_env.run_dag(dag, logical_date=pipeline.boundary) == "success"
    # THEN no row (or object) changed, appeared or disappeared
    assert lake_snapshot(pipeline) == before


def test_a_backfill_of_an_exported_hour_changes_nothing_a_reader_sees(pipeline: PipelineRun) -> None:
    """The backfill path (conf rules, Airflow's run plan, the runs) re-exports the hour identically."""
    # GIVEN a backfill conf for the first hour, checked by the backfill DAG's own rules
    hour, dag_id = pipeline.window.hours[0], dag_names.export_dag_id(CPU_EXPORT)
    conf = {
        "dag_id": dag_id,
        "from_date": f"{hour:%Y-%m-%dT%H:%M:%SZ}",
        "to_date": f"{hour + timedelta(minutes=59):%Y-%m-%dT%H:%M:%SZ}",
    }
    request = validate_backfill_conf(conf, allowed_dag_ids=list(pipeline.dags), max_span_days=1)
    before = lake_snapshot(pipeline)
    # WHEN Airflow plans the backfill and each planned run is executed
    planned = airflow_env.planned_backfill_runs(dag_id, request.from_date, request.to_date)
    for _, interval_end in planned:
        assert airflow_env.run_dag(pipeline.dags[dag_id], logical_date=interval_end) == "success"
    # THEN exactly that hour was re-run and the data lake is unchanged
    assert planned == [(hour, hour + timedelta(hours=1))]
    assert lake_snapshot(pipeline) == before
