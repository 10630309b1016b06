"""What Timestream's UNLOAD leaves in an attempt's staging prefix, written through real S3 calls.

moto answers the UNLOAD statement (a queued result naming the manifest) but cannot run it, so the tests
stage its output themselves: data files, a manifest and a metadata file.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from tests.dags import export_support as support
from timestream_pipeline import names
from timestream_pipeline.unload import attempt_prefix, staging_prefix

EXPORT = "cep_events"


def first_attempt_staging() -> str:
    """Where attempt 1 of the dag.test run for HOUR_END stages (its run id is derived from the date)."""
    from airflow.models.dagrun import DagRun
    from airflow.utils.types import DagRunType

    run_id = DagRun.generate_run_id(
        run_type=DagRunType.MANUAL, logical_date=support.HOUR_END, run_after=support.HOUR_END
    )
    run_staging = staging_prefix(support.SETTINGS.export_prefix, names.STAGING_PREFIX, EXPORT, run_id)
    return attempt_prefix(run_staging, 1)


def parquet_bytes(rows: int) -> bytes:
    sink = io.BytesIO()
    pq.write_table(pa.table({"sensor_id": [f"sensor-{i:02d}" for i in range(rows)]}), sink)
    return sink.getvalue()


def stage_unload_output(s3: Any, staging: str, files: dict[str, bytes]) -> str:
    """Write what UNLOAD leaves behind; returns the manifest's URI."""
    base = f"s3://{support.BUCKET}/"
    for name, body in files.items():
        s3.put_object(Bucket=support.BUCKET, Key=staging + "results/" + name, Body=body)
    manifest = {
        "result_files": [
            {"url": base + staging + "results/" + name, "file_metadata": {"row_count": 2}} for name in files
        ],
        "query_metadata": {"total_row_count": 2 * len(files), "result_format": "PARQUET"},
        "author": {"name": "Amazon Timestream", "manifest_file_version": "1.0"},
    }
    s3.put_object(Bucket=support.BUCKET, Key=staging + "Q1_manifest.json", Body=json.dumps(manifest))
    s3.put_object(Bucket=support.BUCKET, Key=staging + "Q1_metadata.json", Body=b"{}")
    return base + staging + "Q1_manifest.json"


def unload_answer(manifest_uri: str | None) -> list[dict[str, Any]]:
    """The one-row result Timestream gives for an UNLOAD."""
    columns = ["rows", "metadataFile", "manifestFile"]
    if manifest_uri is None:
        return [{"QueryId": "u", "ColumnInfo": [], "Rows": []}]
    values = ["4", manifest_uri.replace("manifest", "metadata"), manifest_uri]
    return [
        {
            "QueryId": "u",
            "ColumnInfo": [{"Name": name, "Type": {"ScalarType": "VARCHAR"}} for name in columns],
            "Rows": [{"Data": [{"ScalarValue": value} for value in values]}],
        }
    ]


def cep_parquet_bytes(rows: int) -> bytes:
    """A staged file with every cep_events column, typed as UNLOAD writes them (nanosecond timestamps)."""
    table = pa.table(
        {
            "sensor_id": [f"sensor-{i:02d}" for i in range(rows)],
            "event_time": pa.array([1_795_000_000_000_000_000 + i for i in range(rows)], pa.timestamp("ns")),
            "non_errors": pa.array([2] * rows, pa.int64()),
            "history": ["OK-WARNING"] * rows,
            "min_temperature": [120.0] * rows,
            "avg_temperature": [150.5] * rows,
            "max_temperature": [171.0] * rows,
            "elapsed": pa.array([12] * rows, pa.int64()),
        }
    )
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="gzip")
    return sink.getvalue()
