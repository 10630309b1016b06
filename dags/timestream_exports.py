"""Hourly Timestream -> S3 exports: one DAG `timestream_export_<name>` per entry of exports.toml.

Parsing reads only the local TOML file: no Variables, no network, no pandas/pyarrow/boto3 imports.
Everything deployment-specific is read inside the tasks (timestream_pipeline.runtime_settings).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from airflow.sdk import dag, get_current_context, task

from timestream_pipeline import names
from timestream_pipeline.airflow_compat import exponential_backoff, fail_now, hourly_timetable
from timestream_pipeline.exports import ExportSpec, load_exports

DAGS_DIR = Path(__file__).resolve().parent
EXPORTS_FILE = DAGS_DIR / names.EXPORTS_FILE
# Fixed, in the past, on an hour boundary. With catchup off it only bounds manual/backfill runs.
START_DATE = datetime(2026, 1, 1, tzinfo=UTC)
# catchup=False: enabling a DAG must not fire one Timestream query per hour since START_DATE (older
# hours may be past retention and would be "exported" empty). Gaps and history are re-exported on
# purpose with the scheduler-managed backfill (DAG timestream_backfill / `airflow backfill create`).
CATCHUP = False
# Two runs: a slow or retrying hour does not hold up the next one, while at most two queries per
# export hit Timestream at once. Different hours write different partitions, so they never collide.
MAX_ACTIVE_RUNS = 2
DEFAULT_ARGS = {
    "owner": "data-platform",
    "retries": 3,
    "retry_delay": timedelta(minutes=2),
    "retry_exponential_backoff": exponential_backoff(),
    "max_retry_delay": timedelta(minutes=20),
    # SLA-style bound per task: Timestream stops a query at 60 s per page and an UNLOAD at 60 min.
    "execution_timeout": timedelta(minutes=30),
}
EXPORT_TIMEOUT = timedelta(minutes=65)
# An hour not exported within 3 h of its run starting fails loudly instead of lingering.
DAGRUN_TIMEOUT = timedelta(hours=3)


def _doc(spec: ExportSpec) -> str:
    columns = ", ".join(f"`{column.name}` {column.type}" for column in spec.columns)
    if spec.is_iceberg:
        output = (
            f"- Output: the Iceberg table `<lake database>.{spec.name}` "
            f"(`s3://<bucket>/<export_prefix>/{spec.name}/`), partitioned by `dt` and `hour`; each run "
            "replaces its hour in one commit, then old snapshots are expired\n"
        )
    else:
        output = (
            f"- Output: `s3://<bucket>/<export_prefix>/{spec.name}/dt=YYYY-MM-DD/hour=HH/` "
            f"({spec.format}), then `{names.SUCCESS_MARKER}` (JSON: rows, files, query fingerprint)\n"
        )
    return (
        f"### Export `{spec.name}`\n\n{spec.description}\n\n"
        f"- SQL: `dags/{spec.sql_file}` over the `{spec.source_table}` table, mode `{spec.mode}`\n"
        f"- Window: the run's data interval, `time >= start AND time < end` (UTC)\n"
        f"{output}"
        f"- Columns: {columns}\n"
    )


def no_data_interval_message(spec: ExportSpec, run_id: str) -> str:
    """Why a run without a data interval cannot export, and the ways to name the hour that do work.

    Airflow 3 gives a manual run of this timetable the last whole hour before its logical date (REST);
    the CLI's `dags trigger --logical-date` takes the interval from the time of the trigger instead,
    so it cannot choose the hour. A backfill's logical date is the hour's start.
    """
    return (
        f"run {run_id} has no data interval (it was triggered without a logical date), so there is no "
        "hour to export; retrying cannot help. To export the hour [HH:00, HH+1:00) UTC, either "
        f"trigger {names.BACKFILL_DAG_ID} with "
        f'{{"dag_id": "{spec.dag_id}", "from_date": "<day>THH:00:00Z", "to_date": "<day>THH:00:00Z"}}, '
        f"or run `airflow backfill create --dag-id {spec.dag_id} --from-date <day>THH:00:00Z "
        "--to-date <day>THH:00:00Z`, or POST /api/v2/dags/"
        f'{spec.dag_id}/dagRuns with {{"logical_date": "<day>T(HH+1):00:00Z"}} (the hour before it). '
        "`airflow dags trigger --logical-date` does not choose the hour: Airflow 3 exports the last "
        "whole hour before the moment of the trigger"
    )


def build_export_dag(spec: ExportSpec) -> object:
    """plan_export (settings, window, SQL) -> export_rows -> mark_success (parquet, csv) or
    expire_snapshots (iceberg: export_rows already committed the hour atomically)."""

    @dag(
        dag_id=spec.dag_id,
        schedule=hourly_timetable(),
        start_date=START_DATE,
        catchup=CATCHUP,
        max_active_runs=MAX_ACTIVE_RUNS,
        dagrun_timeout=DAGRUN_TIMEOUT,
        default_args=DEFAULT_ARGS,
        tags=["timestream", "export", spec.mode, spec.format],
        doc_md=_doc(spec),
    )
    def export_dag() -> None:
        @task
        def plan_export() -> dict:
            from timestream_pipeline.export_job import make_plan

            context = get_current_context()
            start, end = context.get("data_interval_start"), context.get("data_interval_end")
            if start is None or end is None:
                raise fail_now(no_data_interval_message(spec, context["run_id"]))
            plan = make_plan(spec, DAGS_DIR, start=start, end=end, run_id=context["run_id"])
            return dict(plan)

        @task(execution_timeout=EXPORT_TIMEOUT)
        def export_rows(plan: dict) -> dict:
            from timestream_pipeline import export_job

            try_number = get_current_context()["ti"].try_number
            return dict(export_job.export_rows(plan, spec, try_number))  # type: ignore[arg-type]

        @task
        def mark_success(plan: dict, written: dict) -> list[str]:
            from timestream_pipeline import export_job

            return export_job.mark_success(plan, written)  # type: ignore[arg-type]

        @task
        def expire_snapshots(plan: dict) -> dict:
            from timestream_pipeline import export_job

            return export_job.expire_snapshots(plan)  # type: ignore[arg-type]

        plan = plan_export()
        written = export_rows(plan)
        if spec.is_iceberg:
            written >> expire_snapshots(plan)
        else:
            mark_success(plan, written)

    return export_dag()


for _spec in load_exports(EXPORTS_FILE):
    globals()[_spec.dag_id] = build_export_dag(_spec)
