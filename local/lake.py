"""Read back what the pipeline left in the local data lake: quarantine, export markers, files."""

from __future__ import annotations

import io
import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from timestream_pipeline import names


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
