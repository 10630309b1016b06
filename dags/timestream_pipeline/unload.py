"""`unload` mode: Timestream writes the files (UNLOAD) into a staging prefix; we promote them.

The staging prefix is scoped to the run and the attempt, and is removed afterwards whatever
happened. Which files belong to the result comes from the UNLOAD manifest (a failed UNLOAD leaves
partial files and no manifest), never from listing the prefix. Plain formats copy the staged files
into the hour; an Iceberg export reads the staged Parquet back and commits it (`iceberg_export`).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from timestream_pipeline.hour_partition import HourPartition, delete_keys, list_keys
from timestream_pipeline.query_pages import QueryResultError, iter_query_pages
from timestream_pipeline.sql_render import quote_string

log = logging.getLogger(__name__)
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
# UNLOAD options per export format; CSV gets a header so Glue/Athena can skip it by count.
_OPTIONS = {
    "parquet": "format = 'PARQUET', compression = 'GZIP'",
    "csv": "format = 'CSV', compression = 'GZIP', include_header = 'true'",
}
_OPTIONS["iceberg"] = _OPTIONS["parquet"]  # staged as Parquet, read back with pyarrow, then committed
# Suffixes UNLOAD gives its files; a promoted file keeps its suffix, so readers know its encoding.
_SUFFIXES = (".parquet.gz", ".csv.gz", ".parquet", ".csv", ".gz")
_DEFAULT_SUFFIX = {"parquet": ".parquet", "csv": ".csv.gz"}


@dataclass(frozen=True)
class UnloadResult:
    files: list[str]
    rows: int


@dataclass(frozen=True)
class StagedUnload:
    """The staged result files (keys in the lake bucket) the UNLOAD manifest lists, and its row count."""

    keys: list[str]
    rows: int


def staging_prefix(export_prefix: str, staging: str, export: str, run_id: str) -> str:
    """`exports/_staging/<export>/<run id>/`: the run's staging area (outside every export's table)."""
    return f"{export_prefix}/{staging}/{export}/{_UNSAFE.sub('_', run_id)}/"


def attempt_prefix(run_staging: str, try_number: int) -> str:
    """`.../<run id>/try-<n>/`: no two attempts ever share a staging prefix."""
    return f"{run_staging}try-{try_number}/"


def unload_statement(sql: str, bucket: str, prefix: str, fmt: str) -> str:
    """`UNLOAD (<sql>) TO 's3://bucket/prefix/' WITH (...)`."""
    options = _OPTIONS[fmt]
    return f"UNLOAD ({sql}) TO {quote_string(f's3://{bucket}/{prefix}')} WITH ({options})"


def promoted_name(index: int, staged_key: str, fmt: str) -> str:
    """`part-00000` plus the staged file's suffix (e.g. `.parquet.gz`): fixed names, honest encodings."""
    base = staged_key.rsplit("/", 1)[-1].lower()
    suffix = next((s for s in _SUFFIXES if base.endswith(s)), _DEFAULT_SUFFIX[fmt])
    return f"part-{index:05d}{suffix}"


def _split_uri(uri: str) -> tuple[str, str]:
    if not uri.startswith("s3://") or "/" not in uri[5:]:
        raise QueryResultError(f"UNLOAD returned {uri!r}, which is not an s3://bucket/key URI")
    bucket, key = uri[5:].split("/", 1)
    return bucket, key


def _manifest_uri(client: Any, statement: str) -> str:
    """Run the UNLOAD to completion; its one result row names the manifest file."""
    for page in iter_query_pages(client, statement):
        names = [info["Name"] for info in page.get("ColumnInfo", [])]
        for row in page.get("Rows") or []:
            if "manifestFile" in names:
                return row["Data"][names.index("manifestFile")]["ScalarValue"]
    raise QueryResultError("UNLOAD finished without naming a manifestFile; the staged files are not trusted")


def _read_manifest(s3: Any, uri: str, bucket: str, prefix: str) -> tuple[list[str], int]:
    manifest_bucket, manifest_key = _split_uri(uri)
    body = s3.get_object(Bucket=manifest_bucket, Key=manifest_key)["Body"].read()
    manifest = json.loads(body)
    keys, rows = [], 0
    for entry in manifest.get("result_files", []):
        file_bucket, key = _split_uri(entry["url"])
        if file_bucket != bucket or not key.startswith(prefix):
            raise QueryResultError(
                f"UNLOAD manifest lists {entry['url']} outside the staging prefix {prefix}"
            )
        keys.append(key)
        rows += int(entry.get("file_metadata", {}).get("row_count", 0))
    total = manifest.get("query_metadata", {}).get("total_row_count")
    return sorted(keys), int(total) if total is not None else rows


@contextmanager
def staged_unload(
    *, client: Any, s3: Any, sql: str, fmt: str, bucket: str, staging: str
) -> Iterator[StagedUnload]:
    """UNLOAD into `staging` and yield the manifest's files; staging is cleared afterwards, always."""
    try:
        statement = unload_statement(sql, bucket, staging, fmt)
        keys, rows = _read_manifest(s3, _manifest_uri(client, statement), bucket, staging)
        yield StagedUnload(keys=keys, rows=rows)
    except BaseException:
        _clear_staging(s3, bucket, staging, failing=True)
        raise
    _clear_staging(s3, bucket, staging, failing=False)


def unload_and_promote(
    *, client: Any, s3: Any, sql: str, fmt: str, partition: HourPartition, staging: str
) -> UnloadResult:
    """UNLOAD into `staging`, copy the manifest's files into the partition, always clear staging."""
    bucket = partition.bucket
    with staged_unload(client=client, s3=s3, sql=sql, fmt=fmt, bucket=bucket, staging=staging) as staged:
        files = []
        for index, key in enumerate(staged.keys):
            name = promoted_name(index, key, fmt)
            s3.copy({"Bucket": bucket, "Key": key}, bucket, partition.key(name))
            files.append(name)
    return UnloadResult(files=files, rows=staged.rows)


def _clear_staging(s3: Any, bucket: str, staging: str, *, failing: bool) -> None:
    """Delete the attempt's staging objects; while already failing, a cleanup error must not hide why."""
    try:
        delete_keys(s3, bucket, list_keys(s3, bucket, staging))
    except Exception:
        if not failing:
            raise
        log.exception(
            "could not clear staging s3://%s/%s (the bucket's lifecycle rule expires it)", bucket, staging
        )
