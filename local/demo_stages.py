"""The demo's stages, each returning what it did so the summary can show it."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from local import airflow_env, lake
from local.cep import ROLE as CEP_STAGE
from local.demo_data import Window, demo_batches, send
from local.demo_log import captured_output
from local.deployed_config import DeployedFunction
from local.esm import MappingStats
from local.ingest import open_mappings
from local.resources import client
from pipeline_config.local_state import LocalStackState
from pipeline_config.settings import Settings
from timestream_pipeline import names
from timestream_pipeline.exports import load_exports

Progress = Any  # a callable taking one line of text
BACKFILL_EXPORT = "cpu_utilization"


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
    error: str = ""  # the exception that failed the run, from Airflow's log

    @property
    def failed(self) -> bool:
        return self.run_state != "success" or self.marker is None


@dataclass
class BackfillResult:
    dag_id: str
    hour: datetime
    refused_example: str
    planned: list[str] = field(default_factory=list)
    objects: int = 0
    unchanged: bool = False
    run_states: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return not self.planned or not self.unchanged or any(s != "success" for s in self.run_states)


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
    state: LocalStackState,
    checkpoints: Path,
    progress: Progress,
    functions: dict[str, DeployedFunction] | None = None,
) -> dict[str, MappingStats]:
    """Both local mappings, running the deployed functions (their output goes to .local/logs/)."""
    stats = {}
    with open_mappings(
        state, checkpoints, functions=functions, log_dir=checkpoints.parent / "logs"
    ) as mappings:
        for role, mapping in mappings.items():
            target = "CEP stage -> CEP stream" if role == CEP_STAGE else f"ingest Lambda -> table {role}"
            progress(f"local event source mapping -> {target} ...")
            done = stats[role] = mapping.run_until_idle()
            filtered = f", {done.records_filtered} filtered out" if mapping.config.filter_patterns else ""
            progress(
                f"  {done.records_succeeded} records delivered in {done.invocations} invocations{filtered}"
            )
    return stats


def read_quarantine(
    settings: Settings, state: LocalStackState, since: datetime
) -> list[lake.QuarantinedRecord]:
    s3 = client("s3", state.moto_endpoint)
    return lake.quarantined(s3, state.bucket, settings.quarantine_prefix, since=since - timedelta(seconds=1))


def export_hours(
    settings: Settings,
    state: LocalStackState,
    window: Window,
    airflow_home: Path,
    progress: Progress,
    log_path: Path,
) -> list[ExportedHour]:
    """Every export DAG for every hour; Airflow's output (tracebacks included) goes to `log_path`."""
    progress("Airflow: fresh metadata DB (SQLite) and the export DAGs ...")
    airflow_env.configure(settings, state, airflow_home)
    with captured_output(log_path):
        _quiet_airflow_warnings()
        airflow_env.reset_metadata_db()
        specs = load_exports()
        dags = airflow_env.load_dags([spec.dag_id for spec in specs])
    s3 = client("s3", state.moto_endpoint)
    results = []
    for spec in specs:
        for hour in window.hours:
            with captured_output(log_path) as airflow_said:
                run_state = airflow_env.run_dag(dags[spec.dag_id], logical_date=hour + timedelta(hours=1))
            marker = lake.exported_hour(s3, state, settings.export_prefix, spec, hour)
            exported = ExportedHour(spec.name, hour, run_state, marker, airflow_said.last_exception())
            results.append(exported)
            outcome = "FAILED (why: at the end)" if exported.failed else f"{run_state}, {marker['rows']} rows"
            progress(f"  {spec.dag_id} {hour:%Y-%m-%d %H:00}: {outcome}")
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
    log_path: Path,
) -> BackfillResult:
    """Validate a backfill conf as the backfill DAG does, plan it with Airflow, re-run it, compare hours."""
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
    spec = next(spec for spec in load_exports() if spec.name == BACKFILL_EXPORT)
    before = lake.hour_contents(s3, state, settings.export_prefix, spec, hour)
    with captured_output(log_path):
        dag = airflow_env.load_dags([dag_id])[dag_id]
        planned = airflow_env.planned_backfill_runs(dag_id, request.from_date, request.to_date)
        for interval_start, interval_end in planned:
            result.planned.append(f"{interval_start:%H:%M}-{interval_end:%H:%M}")
            result.run_states.append(airflow_env.run_dag(dag, logical_date=interval_end))
    after = lake.hour_contents(s3, state, settings.export_prefix, spec, hour)
    result.objects, result.unchanged = after[0], before == after
    what = "rows" if spec.is_iceberg else "objects"
    progress(f"  planned runs {result.planned}; {after[0]} {what}, unchanged: {result.unchanged}")
    return result
