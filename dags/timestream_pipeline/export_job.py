"""What each task of an export DAG does; the DAG file only wires these together.

The plan (settings, window, rendered SQL, target partition) is made once per run by the first task
and passed on through XCom, so every later task and retry works on exactly the same hour and query.
"""

from __future__ import annotations

import logging
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any, TypedDict

from timestream_pipeline import names
from timestream_pipeline.exports import ExportSpec
from timestream_pipeline.hour_partition import HourPartition
from timestream_pipeline.sql_render import Window, fingerprint, render_sql_file

log = logging.getLogger(__name__)


class ExportPlan(TypedDict):
    export: str
    mode: str
    format: str
    aws_conn_id: str
    region: str
    bucket: str
    partition_prefix: str
    staging_prefix: str
    namespace: str  # the lake database (Glue) holding the export's table
    table_location: str  # an Iceberg table's location
    window_start: str
    window_end: str
    sql: str
    fingerprint: str


class Written(TypedDict):
    files: list[str]
    rows: int


def make_plan(
    spec: ExportSpec, exports_dir: Path, *, start: datetime, end: datetime, run_id: str
) -> ExportPlan:
    """Settings are read here, at run time (Variable first, then the deployed file)."""
    from timestream_pipeline.runtime_settings import load_runtime_settings
    from timestream_pipeline.unload import staging_prefix

    settings = load_runtime_settings()
    window = Window(start, end)
    sql = render_sql_file(
        exports_dir / spec.sql_file,
        database=settings.database,
        table=settings.table(spec.source_table),
        window=window,
    )
    return ExportPlan(
        export=spec.name,
        mode=spec.mode,
        format=spec.format,
        aws_conn_id=settings.aws_conn_id or names.DEFAULT_AWS_CONN_ID,
        region=settings.region,
        bucket=settings.bucket,
        partition_prefix=names.export_partition_prefix(settings.export_prefix, spec.name, window.start_utc),
        staging_prefix=staging_prefix(settings.export_prefix, names.STAGING_PREFIX, spec.name, run_id),
        namespace=names.lake_database_name(settings.database),
        table_location=names.export_table_location(settings.bucket, settings.export_prefix, spec.name),
        window_start=window.start_utc.isoformat(),
        window_end=window.end_utc.isoformat(),
        sql=sql,
        fingerprint=fingerprint(sql),
    )


def partition_of(plan: ExportPlan) -> HourPartition:
    return HourPartition(bucket=plan["bucket"], prefix=plan["partition_prefix"])


def s3_client(plan: ExportPlan) -> Any:
    """boto3 S3 client of the plan's Airflow connection (its extra may carry per-service endpoints)."""
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook

    return S3Hook(aws_conn_id=plan["aws_conn_id"], region_name=plan["region"] or None).get_conn()


def timestream_client(plan: ExportPlan) -> Any:
    """timestream-query client; with an endpoint_url in the connection botocore skips endpoint discovery.

    Its Query pages are read straight into Arrow (`query_parser`), not by botocore's generic parser.
    """
    from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook

    from timestream_pipeline.query_parser import read_pages_directly

    hook = AwsBaseHook(
        aws_conn_id=plan["aws_conn_id"], client_type="timestream-query", region_name=plan["region"] or None
    )
    return read_pages_directly(hook.get_conn())


def export_query(plan: ExportPlan, spec: ExportSpec, s3: Any) -> Written:
    """query mode: stream result pages into rolling part files, upload them; memory stays two pages."""
    from timestream_pipeline.hour_partition import upload_files
    from timestream_pipeline.part_writer import RollingPartWriter
    from timestream_pipeline.query_pages import arrow_schema, iter_query_pages, page_to_batch

    schema = arrow_schema(spec.columns)
    client = timestream_client(plan)
    with tempfile.TemporaryDirectory(prefix=f"export-{spec.name}-") as directory:
        writer = RollingPartWriter(Path(directory), spec.format, schema)
        try:
            for page in iter_query_pages(client, plan["sql"]):
                batch = page_to_batch(page, schema, spec.name)
                if batch is not None:
                    writer.write(batch)
        finally:
            files = writer.close()
        names_written = upload_files(s3, partition_of(plan), files)
    return Written(files=names_written, rows=writer.rows)


def export_unload(plan: ExportPlan, try_number: int, s3: Any) -> Written:
    """unload mode: Timestream writes the files; they are promoted from this attempt's staging prefix."""
    from timestream_pipeline.unload import attempt_prefix, unload_and_promote

    result = unload_and_promote(
        client=timestream_client(plan),
        s3=s3,
        sql=plan["sql"],
        fmt=plan["format"],
        partition=partition_of(plan),
        staging=attempt_prefix(plan["staging_prefix"], try_number),
    )
    return Written(files=result.files, rows=result.rows)


def export_rows(plan: ExportPlan, spec: ExportSpec, try_number: int) -> Written:
    """Take the hour's marker away, then write its data files (fixed names) in the export's mode.

    From the first write on, the hour reads as "not exported" until mark_success runs.
    """
    from timestream_pipeline import hour_partition

    s3 = s3_client(plan)
    if plan["format"] == "iceberg":
        return export_iceberg(plan, spec, try_number, s3)
    hour_partition.clear_marker(s3, partition_of(plan))
    if plan["mode"] == "unload":
        written = export_unload(plan, try_number, s3)
    else:
        written = export_query(plan, spec, s3)
    log.info(
        "%s: %d rows in %d file(s) under %s",
        plan["export"],
        written["rows"],
        len(written["files"]),
        partition_of(plan).uri,
    )
    return written


def export_iceberg(plan: ExportPlan, spec: ExportSpec, try_number: int, s3: Any) -> Written:
    """iceberg format: the hour's rows replace the hour in the export's table, in one commit."""
    from timestream_pipeline import iceberg_job

    client = timestream_client(plan)
    files, rows, snapshot_id = iceberg_job.export_hour(
        plan, spec, s3=s3, timestream=client, partition=partition_of(plan), try_number=try_number
    )
    log.info(
        "%s: %d rows in %d file(s) committed to %s.%s as snapshot %s",
        plan["export"],
        rows,
        len(files),
        plan["namespace"],
        plan["export"],
        snapshot_id,
    )
    return Written(files=files, rows=rows)


def expire_snapshots(plan: ExportPlan) -> dict[str, int]:
    """iceberg format: drop snapshots past the table's max age and the files only they used."""
    from timestream_pipeline import iceberg_job

    return iceberg_job.expire(plan, s3_client(plan))


def mark_success(plan: ExportPlan, written: Written) -> list[str]:
    """Delete what this run did not write (earlier runs' files), then write `_SUCCESS` last."""
    from timestream_pipeline import hour_partition

    s3 = s3_client(plan)
    partition = partition_of(plan)
    removed = hour_partition.remove_leftovers(s3, partition, written["files"])
    if removed:
        log.info("%s: removed %d object(s) an earlier run left: %s", plan["export"], len(removed), removed)
    body = hour_partition.marker_body(
        export=plan["export"],
        window_start=plan["window_start"],
        window_end=plan["window_end"],
        rows=written["rows"],
        files=written["files"],
        fingerprint=plan["fingerprint"],
    )
    hour_partition.write_marker(s3, partition, body)
    return removed
