"""One exported hour in S3 and the order of writes that makes a re-run safe.

1. delete `_SUCCESS` first, so a half-rewritten hour is never marked done;
2. write the data files under fixed names (a re-run overwrites them);
3. delete every other object under the prefix (files a previous run left);
4. write `_SUCCESS` last. A run that fails anywhere leaves no marker.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from timestream_pipeline import names

_DELETE_BATCH = 1000  # DeleteObjects limit


@dataclass(frozen=True)
class HourPartition:
    bucket: str
    prefix: str  # ends with "/"

    @property
    def marker_key(self) -> str:
        return self.prefix + names.SUCCESS_MARKER

    def key(self, file_name: str) -> str:
        return self.prefix + file_name

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"


def list_keys(s3: Any, bucket: str, prefix: str) -> list[str]:
    """Every key under `prefix`, sorted."""
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys.extend(item["Key"] for item in page.get("Contents", []))
    return sorted(keys)


def delete_keys(s3: Any, bucket: str, keys: Iterable[str]) -> list[str]:
    """Delete keys in batches; raise if S3 reports any object it could not delete."""
    keys = sorted(keys)
    for start in range(0, len(keys), _DELETE_BATCH):
        batch = [{"Key": key} for key in keys[start : start + _DELETE_BATCH]]
        response = s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
        if response.get("Errors"):
            raise RuntimeError(f"could not delete from s3://{bucket}: {response['Errors'][:5]}")
    return keys


def clear_marker(s3: Any, partition: HourPartition) -> None:
    """Step 1: from now on the hour reads as "not exported" until step 4."""
    s3.delete_object(Bucket=partition.bucket, Key=partition.marker_key)


def upload_files(s3: Any, partition: HourPartition, files: Iterable[Path], token: str = "") -> list[str]:
    """Step 2: upload local part files under their own (deterministic) names; returns the names.

    With a `token` the names become `part-00000-<token>.parquet`: an Iceberg export must never
    overwrite a file the table's current snapshot still reads.
    """
    uploaded = []
    for path in files:
        stem, dot, extension = path.name.partition(".")
        name = f"{stem}-{token}{dot}{extension}" if token else path.name
        s3.upload_file(str(path), partition.bucket, partition.key(name))
        uploaded.append(name)
    return uploaded


def remove_leftovers(s3: Any, partition: HourPartition, written: Iterable[str]) -> list[str]:
    """Step 3: delete what this run did not write (the marker is already gone); returns the keys."""
    keep = {partition.key(name) for name in written}
    stale = [key for key in list_keys(s3, partition.bucket, partition.prefix) if key not in keep]
    return delete_keys(s3, partition.bucket, stale)


def marker_body(
    *, export: str, window_start: str, window_end: str, rows: int, files: list[str], fingerprint: str
) -> bytes:
    """The `_SUCCESS` JSON: deterministic (sorted keys, no run time), so a re-run writes the same bytes."""
    document = {
        "export": export,
        "window_start": window_start,
        "window_end": window_end,
        "rows": rows,
        "files": sorted(files),
        "query_fingerprint": fingerprint,
    }
    return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode("utf-8")


def write_marker(s3: Any, partition: HourPartition, body: bytes) -> None:
    """Step 4: the hour is complete."""
    s3.put_object(
        Bucket=partition.bucket, Key=partition.marker_key, Body=body, ContentType="application/json"
    )
