"""Read back what the pipeline left in the local data lake: quarantine, exported hours, files, tables."""

from __future__ import annotations

import io
import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pipeline_config.local_state import LocalStackState
from timestream_pipeline import names
from timestream_pipeline.exports import ExportSpec
from timestream_pipeline.iceberg_export import WINDOW_START_PROPERTY
from timestream_pipeline.iceberg_schema import hour_filter

if TYPE_CHECKING:
    from pyiceberg.table import Table


@dataclass(frozen=True)
class QuarantinedRecord:
    reason: str
    detail: str
    sequence_number: str
    payload_base64: str


def quarantined(s3: Any, bucket: str, prefix: str, since: datetime | None = None) -> list[QuarantinedRecord]:
    """Every line of every quarantine object (optionally only objects written since a moment)."""
    found = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix.rstrip("/") + "/"):
        for item in page.get("Contents", []):
            if since is not None and item["LastModified"] < since:
                continue
            body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read().decode("utf-8")
            for line in body.splitlines():
                entry = json.loads(line)
                found.append(
                    QuarantinedRecord(
                        entry["reason"],
                        entry.get("detail", ""),
                        entry["sequence_number"],
                        entry["payload_base64"],
                    )
                )
    return found


def reasons(records: list[QuarantinedRecord]) -> Counter[str]:
    return Counter(record.reason for record in records)


def success_marker(
    s3: Any, bucket: str, export_prefix: str, export: str, hour: datetime
) -> dict[str, Any] | None:
    """The `_SUCCESS` JSON of one exported hour, or None when the hour is not (completely) exported."""
    key = names.export_partition_prefix(export_prefix, export, hour) + names.SUCCESS_MARKER
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except s3.exceptions.NoSuchKey:
        return None
    return json.loads(body)


def snapshot(s3: Any, bucket: str, prefix: str) -> dict[str, tuple[str, bytes]]:
    """key -> (ETag, bytes) of every object under a prefix: what "unchanged" is checked against."""
    objects = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
            objects[item["Key"]] = (item["ETag"], body)
    return objects


def read_parquet(s3: Any, bucket: str, key: str) -> Any:
    """One exported Parquet file as a pyarrow Table."""
    import pyarrow.parquet as pq

    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    return pq.read_table(io.BytesIO(body))


def data_files(s3: Any, bucket: str, prefix: str) -> list[str]:
    """The data files of one exported hour (everything but the marker), sorted."""
    return sorted(key for key in snapshot_keys(s3, bucket, prefix) if not key.endswith(names.SUCCESS_MARKER))


def snapshot_keys(s3: Any, bucket: str, prefix: str) -> list[str]:
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys += [item["Key"] for item in page.get("Contents", [])]
    return keys


def export_table(state: LocalStackState, export: str) -> Table | None:
    """An Iceberg export's table in the local catalog, or None before its first export."""
    from pyiceberg.exceptions import NoSuchTableError

    from local.lake_catalog import lake_database, open_catalog

    try:
        return open_catalog(state.moto_endpoint).load_table((lake_database(state), export))
    except NoSuchTableError:
        return None


def exported_hour(
    s3: Any, state: LocalStackState, export_prefix: str, spec: ExportSpec, hour: datetime
) -> dict[str, Any] | None:
    """What an hour's export recorded (`rows`, `files`), or None if it was not (completely) exported.

    Plain formats: the `_SUCCESS` marker. Iceberg: a commit of that hour in the table's history, and
    the data files the current snapshot reads for it.
    """
    if not spec.is_iceberg:
        return success_marker(s3, state.bucket, export_prefix, spec.name, hour)
    table = export_table(state, spec.name)
    window = hour.isoformat()
    if table is None or not any(
        s.summary and s.summary[WINDOW_START_PROPERTY] == window for s in table.snapshots()
    ):
        return None
    tasks = list(table.scan(row_filter=hour_filter(hour)).plan_files())
    return {
        "rows": sum(task.file.record_count for task in tasks),
        "files": sorted(task.file.file_path.rsplit("/", 1)[-1] for task in tasks),
    }


def hour_rows(
    s3: Any, state: LocalStackState, export_prefix: str, spec: ExportSpec, hour: datetime
) -> list[dict]:
    """The exported rows of one hour, as a reader sees them (the declared columns only)."""
    if not spec.is_iceberg:
        prefix = names.export_partition_prefix(export_prefix, spec.name, hour)
        return [
            row
            for key in data_files(s3, state.bucket, prefix)
            for row in read_parquet(s3, state.bucket, key).to_pylist()
        ]
    table = export_table(state, spec.name)
    if table is None:
        return []
    columns = tuple(column.name for column in spec.columns)
    return table.scan(row_filter=hour_filter(hour), selected_fields=columns).to_arrow().to_pylist()


def hour_contents(
    s3: Any, state: LocalStackState, export_prefix: str, spec: ExportSpec, hour: datetime
) -> tuple[int, Any]:
    """(count, comparable) of one exported hour: its objects (plain formats) or its rows (iceberg).

    Two equal values mean a reader sees the same hour. An Iceberg re-run writes new files (the old ones
    stay until their snapshots expire), so for Iceberg the rows are what must not change.
    """
    if not spec.is_iceberg:
        objects = snapshot(s3, state.bucket, names.export_partition_prefix(export_prefix, spec.name, hour))
        return len(objects), objects
    rows = sorted(tuple(sorted(row.items())) for row in hour_rows(s3, state, export_prefix, spec, hour))
    return len(rows), rows
