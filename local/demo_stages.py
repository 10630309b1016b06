"""The demo's stages, each returning what it did so the summary can show it."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from local import airflow_env, lake
from local.demo_data import Window, demo_batches, send
from local.esm import MappingStats
from local.ingest import build_mappings
from local.query import query_rows
from local.resources import client
from local.table import render
from pipeline_config import names
from pipeline_config.exports import load_exports
from pipeline_config.local_state import LocalStackState
from pipeline_config.settings import Settings

Progress = Any  # a callable taking one line of text
BACKFILL_EXPORT = "cpu_utilization"
# In the demo a host reports once a minute (one sample per 15 s bin); sensors report several times
# a minute, so their file shows distinct min/avg/max. The end-to-end test checks the percentiles.
PREVIEW_EXPORT = "sensor_readings"


@dataclass(frozen=True)
class Generated:
    workload: str
    stream: str
    records: int


@dataclass(frozen=True)
class ExportedHour:
    export: str
    hour: datetime
    run_state: str
    marker: dict[str, Any] | None


@dataclass
class BackfillResult:
    dag_id: str
    hour: datetime
    refused_example: str
    planned: list[str] = field(default_factory=list)
    objects: int = 0
    unchanged: bool = False


def generate_and_send(state: LocalStackState, window: Window, progress: Progress) -> list[Generated]:
    kinesis = client("kinesis", state.moto_endpoint)
    generated = []
    for workload, role, records in demo_batches(window):
        stream = state.raw_stream if role == "raw" else state.cep_stream
        send(kinesis, state, role, records)
        generated.append(Generated(workload, stream, len(records)))
        progress(f"sent {len(records):>6} {workload} records to Kinesis stream {stream}")
    return generated


def ingest(
    settings: Settings, state: LocalStackState, checkpoints: Path, progress: Progress
) -> dict[str, MappingStats]:
    stats = {}
    for role, mapping in build_mappings(settings, state, checkpoints).items():
        progress(f"local event source mapping -> ingest Lambda -> Timestream table {role} ...")
        stats[role] = mapping.run_until_idle()
        progress(
            f"  {stats[role].records_succeeded} records delivered in {stats[role].invocations} invocations"
        )
    return stats


def read_quarantine(
    settings: Settings, state: LocalStackState, since: datetime
) -> list[lake.QuarantinedRecord]:
    s3 = client("s3", state.moto_endpoint)
    return lake.quarantined(s3, state.bucket, settings.quarantine_prefix, since=since - timedelta(seconds=1))


def export_hours(
    settings: Settings, state: LocalStackState, window: Window, airflow_home: Path, progress: Progress
) -> list[ExportedHour]:
    progress("Airflow: fresh metadata DB (SQLite) and the export DAGs ...")
    airflow_env.configure(settings, state, airflow_home)
    _quiet_airflow_warnings()
    airflow_env.reset_metadata_db()
    specs = load_exports()
    dags = airflow_env.load_dags([spec.dag_id for spec in specs])
    s3 = client("s3", state.moto_endpoint)
    results = []
    for spec in specs:
        for hour in window.hours:
            run_state = airflow_env.run_dag(dags[spec.dag_id], logical_date=hour + timedelta(hours=1))
            marker = lake.success_marker(s3, state.bucket, settings.export_prefix, spec.name, hour)
            results.append(ExportedHour(spec.name, hour, run_state, marker))
            rows = marker["rows"] if marker else "no"
            progress(f"  {spec.dag_id} {hour:%Y-%m-%d %H:00}: {run_state}, {rows} rows")
    return results


def _quiet_airflow_warnings() -> None:
    """Deprecations inside Airflow and its dependencies are not the newcomer's business in the demo
    (`make test` still turns deprecations in dags/ into errors).

    Importing airflow.configuration re-enables Airflow's own deprecation warnings, so filter after it.
    """
    import airflow.configuration  # noqa: F401

    warnings.simplefilter("ignore")


def backfill_one_hour(
    settings: Settings,
    state: LocalStackState,
    window: Window,
    exports: list[ExportedHour],
    progress: Progress,
) -> BackfillResult:
    """Validate a backfill conf as the backfill DAG does, plan it with Airflow, re-run it, compare objects."""
    from timestream_pipeline.backfill_request import BackfillConfError, validate_backfill_conf

    hour = window.hours[len(window.hours) // 2]
    dag_id = names.export_dag_id(BACKFILL_EXPORT)
    allowed = sorted({names.export_dag_id(e.export) for e in exports})
    progress(f"backfill: re-export {dag_id} for {hour:%Y-%m-%d %H:00} ...")
    try:
        validate_backfill_conf(
            {"dag_id": f"{dag_id}; rm -rf /", "from_date": "yesterday", "to_date": "2026-01-01T00:00:00Z"},
            allowed_dag_ids=allowed,
            max_span_days=settings.backfill_max_span_days,
        )
        refused = "(accepted?!)"
    except BackfillConfError as error:
        refused = error.problems[0]
    # Airflow backfills every logical date in [from_date, to_date], both ends included; an hourly
    # export's logical date is the start of its hour, so the hour alone is [H, H+59:59].
    conf = {
        "dag_id": dag_id,
        "from_date": f"{hour:%Y-%m-%dT%H:%M:%SZ}",
        "to_date": f"{hour + timedelta(hours=1, seconds=-1):%Y-%m-%dT%H:%M:%SZ}",
    }
    request = validate_backfill_conf(
        conf, allowed_dag_ids=allowed, max_span_days=settings.backfill_max_span_days
    )
    result = BackfillResult(dag_id, hour, refused)
    s3 = client("s3", state.moto_endpoint)
    prefix = names.export_partition_prefix(settings.export_prefix, BACKFILL_EXPORT, hour)
    before = lake.snapshot(s3, state.bucket, prefix)
    dag = airflow_env.load_dags([dag_id])[dag_id]
    for interval_start, interval_end in airflow_env.planned_backfill_runs(
        dag_id, request.from_date, request.to_date
    ):
        result.planned.append(f"{interval_start:%H:%M}-{interval_end:%H:%M}")
        airflow_env.run_dag(dag, logical_date=interval_end)
    after = lake.snapshot(s3, state.bucket, prefix)
    result.objects, result.unchanged = len(after), before == after
    progress(f"  planned runs {result.planned}; {len(after)} objects, unchanged: {result.unchanged}")
    return result


def summary(
    settings: Settings,
    state: LocalStackState,
    generated: list[Generated],
    ingested: dict[str, MappingStats],
    quarantine: list[lake.QuarantinedRecord],
    exports: list[ExportedHour],
    backfill: BackfillResult,
) -> str:
    s3 = client("s3", state.moto_endpoint)
    parts = [
        render(
            ("workload", "stream", "records"),
            [(g.workload, g.stream, g.records) for g in generated],
            "1. Generated and sent to Kinesis",
        )
    ]
    counts = {
        role: query_rows(state.timestream_endpoint, f'SELECT count(*) FROM "{state.database}"."{table}"')[1][
            0
        ][0]
        for role, table in (("raw", state.raw_table), ("cep", state.cep_table))
    }
    by_reason = lake.reasons(quarantine)
    parts.append(
        render(
            ("mapping", "delivered", "invocations", "on-failure queue", "Timestream rows"),
            [
                (role, s.records_succeeded, s.invocations, s.records_discarded, int(counts[role]))
                for role, s in ingested.items()
            ],
            "2. Ingested (local event source mapping -> ingest Lambda -> local Timestream)",
        )
    )
    examples = {q.reason: q.detail for q in quarantine}
    parts.append(
        render(
            ("reason", "records", "example"),
            [(reason, n, examples[reason][:90]) for reason, n in sorted(by_reason.items())],
            f"3. Quarantined (s3://{state.bucket}/{settings.quarantine_prefix}/...)",
        )
    )
    parts.append(
        render(
            ("export", "hour (UTC)", "run", "rows", "files"),
            [
                (
                    e.export,
                    f"{e.hour:%Y-%m-%d %H:00}",
                    e.run_state,
                    (e.marker or {}).get("rows", "-"),
                    len((e.marker or {}).get("files", [])),
                )
                for e in exports
            ],
            f"4. Exported (s3://{state.bucket}/{settings.export_prefix}/<export>/dt=.../hour=.../)",
        )
    )
    parts.append(
        render(
            ("DAG", "hour (UTC)", "runs planned by Airflow", "objects", "unchanged"),
            [
                (
                    backfill.dag_id,
                    f"{backfill.hour:%Y-%m-%d %H:00}",
                    ", ".join(backfill.planned),
                    backfill.objects,
                    "yes" if backfill.unchanged else "NO",
                )
            ],
            "5. Backfill (conf validated by the backfill DAG's rules, runs planned by Airflow, re-exported)",
        )
        + f"\n   a malicious conf is refused before anything runs: {backfill.refused_example}"
    )
    parts.append(_preview(s3, settings, state, backfill.hour))
    return "\n\n".join(parts)


def _preview(s3: Any, settings: Settings, state: LocalStackState, hour: datetime) -> str:
    prefix = names.export_partition_prefix(settings.export_prefix, PREVIEW_EXPORT, hour)
    files = lake.data_files(s3, state.bucket, prefix)
    if not files:
        return f"6. No data file under s3://{state.bucket}/{prefix}"
    table = lake.read_parquet(s3, state.bucket, files[0])
    rows = [list(row.values()) for row in table.slice(0, 5).to_pylist()]
    title = f"6. s3://{state.bucket}/{files[0]}\n   (the first 5 of {table.num_rows} rows)"
    return render(table.column_names, rows, title)
