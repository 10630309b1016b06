"""Helpers for the export DAG tests: settings, moto-queued Timestream pages, running one hour."""

from __future__ import annotations

import dataclasses
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import requests

from pipeline_config import names
from timestream_pipeline import names as dag_names
from timestream_pipeline.exports import ExportSpec, load_exports
from timestream_pipeline.runtime_settings import RuntimeSettings
from timestream_pipeline.sql_render import Window, render_sql_file

DAGS_DIR = Path(__file__).resolve().parents[2] / "dags"
SETTINGS_ENV = f"AIRFLOW_VAR_{dag_names.RUNTIME_SETTINGS_VARIABLE.upper()}"
BUCKET = "export-test-lake"
SETTINGS = RuntimeSettings(database="timeseries_test", raw_table="raw_t", cep_table="cep_t", bucket=BUCKET)
# The run at 10:00 exports [09:00, 10:00).
HOUR_START = datetime(2026, 11, 22, 9, tzinfo=UTC)
HOUR_END = HOUR_START + timedelta(hours=1)
_SCALAR_TYPES = {
    "string": "VARCHAR",
    "double": "DOUBLE",
    "bigint": "BIGINT",
    "boolean": "BOOLEAN",
    "timestamp": "TIMESTAMP",
}


def export_spec(name: str) -> ExportSpec:
    return next(spec for spec in load_exports(DAGS_DIR / dag_names.EXPORTS_FILE) if spec.name == name)


def expected_sql(name: str, start: datetime = HOUR_START, end: datetime = HOUR_END) -> str:
    """The SQL the DAG must send for this hour, rendered by the same module from the same file."""
    spec = export_spec(name)
    return render_sql_file(
        DAGS_DIR / spec.sql_file,
        database=SETTINGS.database,
        table=SETTINGS.table(spec.source_table),
        window=Window(start, end),
    )


def partition_prefix(name: str, start: datetime = HOUR_START) -> str:
    return dag_names.export_partition_prefix(SETTINGS.export_prefix, name, start)


def page(spec: ExportSpec, rows: list[list[str | None]], next_token: str | None = None) -> dict[str, Any]:
    """A Timestream Query response page as moto returns it (None becomes a NullValue datum)."""
    result: dict[str, Any] = {
        "QueryId": "test-query",
        "ColumnInfo": [
            {"Name": column.name, "Type": {"ScalarType": _SCALAR_TYPES[column.type]}}
            for column in spec.columns
        ],
        "Rows": [
            {"Data": [{"NullValue": True} if value is None else {"ScalarValue": value} for value in row]}
            for row in rows
        ],
    }
    if next_token:
        result["NextToken"] = next_token
    return result


def queue_query_results(moto_url: str, results: dict[str, list[dict[str, Any]]]) -> None:
    """Queue pages per exact query string: moto answers each call with the next page."""
    response = requests.post(
        f"{moto_url}/moto-api/static/timestream/query-results",
        json={"region": names.LOCAL_REGION, "results": results},
        timeout=10,
    )
    response.raise_for_status()


def unanswered_queries() -> dict[str, int]:
    """Queued pages nobody asked for: proves the DAG sent exactly the expected query strings."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.timestreamquery.models import timestreamquery_backends

    queue = timestreamquery_backends[DEFAULT_ACCOUNT_ID][names.LOCAL_REGION].query_result_queue
    return {query: len(pages) for query, pages in queue.items() if pages}


def s3_client(moto_url: str) -> Any:
    return boto3.client("s3", endpoint_url=moto_url, region_name=names.LOCAL_REGION)


def create_bucket(moto_url: str) -> Any:
    s3 = s3_client(moto_url)
    s3.create_bucket(Bucket=BUCKET)
    return s3


def objects(s3: Any, prefix: str) -> dict[str, dict[str, Any]]:
    """`{key: {"etag", "body"}}` of every object under prefix."""
    found = {}
    for item in s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", []):
        body = s3.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read()
        found[item["Key"]] = {"etag": item["ETag"], "body": body}
    return found


def marker(s3: Any, prefix: str) -> dict[str, Any]:
    return json.loads(s3.get_object(Bucket=BUCKET, Key=prefix + dag_names.SUCCESS_MARKER)["Body"].read())


def run_hour(dag: Any, hour_end: datetime = HOUR_END) -> Any:
    """One `dag.test()` run whose data interval is the hour before `hour_end`; returns the DagRun."""
    return dag.test(logical_date=hour_end, run_after=hour_end)


def set_settings(monkeypatch: Any, settings: RuntimeSettings = SETTINGS) -> None:
    monkeypatch.setenv(SETTINGS_ENV, settings.to_json())


def plain_export_dag(name: str, fmt: str = "parquet") -> Any:
    """The shipped export DAG built for a plain format (the shipped exports are Iceberg tables)."""
    from timestream_exports import build_export_dag

    return build_export_dag(dataclasses.replace(export_spec(name), format=fmt))


def lake_catalog(moto_url: str, monkeypatch: Any) -> Any:
    """The lake's Iceberg catalog as MWAA opens it: Glue (moto's, beside the lake bucket), no pyiceberg
    configuration. What the CDK app deploys is provisioned first, as the local stack does it."""
    from local.lake_catalog import provision_lake
    from timestream_pipeline.iceberg_catalog import open_catalog

    for key in [key for key in os.environ if key.startswith("PYICEBERG_")]:
        monkeypatch.delenv(key)
    provision_lake(
        s3_client(moto_url), moto_endpoint=moto_url, bucket=BUCKET, timestream_database=SETTINGS.database
    )
    return open_catalog(dag_names.DEFAULT_AWS_CONN_ID)


def lake_table(catalog: Any, name: str) -> Any:
    return catalog.load_table((dag_names.lake_database_name(SETTINGS.database), name))
