"""Export one hour into the export's Iceberg table: new data files, then one commit replacing the hour.

1. Rows arrive as Arrow batches: query pages (`query` mode) or the staged UNLOAD Parquet read back
   batch by batch (`unload` mode). Either way memory holds one page or one batch, never the hour.
2. They stream into rolling Parquet part files (the same deterministic writer as the plain formats),
   with `dt` and `hour` columns, uploaded under the hour's folder with names new to this attempt.
3. One commit deletes the hour and adds the files (`iceberg_table.replace_hour`). A commit that
   certainly did not land (conflict or validation failure) has its files deleted again.
"""

from __future__ import annotations

import gzip
import shutil
import tempfile
import uuid
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from timestream_pipeline import names
from timestream_pipeline.exports import ExportSpec
from timestream_pipeline.hour_partition import HourPartition, delete_keys, upload_files
from timestream_pipeline.iceberg_schema import arrow_table_schema, with_partition_columns
from timestream_pipeline.query_pages import QueryResultError

if TYPE_CHECKING:
    import pyarrow as pa
    from pyiceberg.table import Table

STAGED_BATCH_ROWS = 65_536
# Snapshot summary keys each commit records about its hour (`<catalog name>.<key>`).
ROWS_PROPERTY = f"{names.ICEBERG_CATALOG_NAME}.rows"
WINDOW_START_PROPERTY = f"{names.ICEBERG_CATALOG_NAME}.window-start"
_GZIP_MAGIC = b"\x1f\x8b"


def query_batches(client: Any, sql: str, spec: ExportSpec) -> Iterator[pa.RecordBatch]:
    """The query's result pages as batches of the declared columns."""
    from timestream_pipeline.query_pages import arrow_schema, iter_query_pages, page_to_batch

    schema = arrow_schema(spec.columns)
    for page in iter_query_pages(client, sql):
        batch = page_to_batch(page, schema, spec.name)
        if batch is not None:
            yield batch


def staged_batches(s3: Any, bucket: str, keys: list[str], spec: ExportSpec) -> Iterator[pa.RecordBatch]:
    """UNLOAD's staged Parquet files, one at a time on local disk, as batches of the declared columns."""
    import pyarrow.parquet as pq

    from timestream_pipeline.query_pages import arrow_schema

    schema = arrow_schema(spec.columns)
    with tempfile.TemporaryDirectory(prefix=f"staged-{spec.name}-") as directory:
        for key in keys:
            path = Path(directory) / "staged.parquet"
            s3.download_file(bucket, key, str(path))
            with pq.ParquetFile(_parquet_path(path)) as staged:
                for batch in staged.iter_batches(batch_size=STAGED_BATCH_ROWS):
                    yield conform(batch, schema, f"{spec.name} (s3://{bucket}/{key})")


def _parquet_path(path: Path) -> Path:
    """The Parquet file itself, should UNLOAD have gzipped the whole file rather than its pages."""
    with path.open("rb") as handle:
        if handle.read(2) != _GZIP_MAGIC:
            return path
    plain = path.with_suffix(".plain.parquet")
    with gzip.open(path, "rb") as source, plain.open("wb") as target:
        shutil.copyfileobj(source, target)
    return plain


def conform(batch: pa.RecordBatch, schema: pa.Schema, where: str) -> pa.RecordBatch:
    """The declared columns, by name and in order, cast to the declared types (ns timestamps -> us)."""
    import pyarrow as pa

    missing = [name for name in schema.names if name not in batch.schema.names]
    if missing:
        raise QueryResultError(
            f"export {where}: the staged file has columns {batch.schema.names} but lacks {missing}; make "
            "the SQL's SELECT list and the [[export]] columns agree"
        )
    try:
        arrays = [batch.column(field.name).cast(field.type, safe=False) for field in schema]
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
        raise QueryResultError(
            f"export {where}: a column does not convert to its declared type ({error}); fix its type in "
            "exports.toml or cast it in the SQL"
        ) from error
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def write_hour(
    table: Table,
    s3: Any,
    partition: HourPartition,
    batches: Iterator[pa.RecordBatch],
    *,
    spec: ExportSpec,
    hour_start: datetime,
    summary: dict[str, str],
    rows_per_file: int | None = None,
    expected_rows: int | None = None,
) -> tuple[list[str], int, int | None]:
    """Write the batches as new part files of the hour and commit them: (file names, rows, snapshot id).

    With `expected_rows` (UNLOAD's own count) a mismatch fails the hour before anything is uploaded.
    """
    from pyiceberg.exceptions import CommitFailedException, ValidationException

    from timestream_pipeline.iceberg_table import replace_hour
    from timestream_pipeline.part_writer import ROWS_PER_FILE, RollingPartWriter

    with tempfile.TemporaryDirectory(prefix=f"export-{spec.name}-") as directory:
        writer = RollingPartWriter(
            Path(directory), "parquet", arrow_table_schema(spec), rows_per_file=rows_per_file or ROWS_PER_FILE
        )
        try:
            for batch in batches:
                writer.write(with_partition_columns(batch, hour_start))
        finally:
            files = writer.close()
        if expected_rows is not None and writer.rows != expected_rows:
            raise QueryResultError(
                f"export {spec.name}: UNLOAD reported {expected_rows} rows but its files hold {writer.rows}; "
                "nothing was committed, the task's retry runs the UNLOAD again"
            )
        written = upload_files(s3, partition, files, token=uuid.uuid4().hex[:16])
    uris = [f"s3://{partition.bucket}/{partition.key(name)}" for name in written]
    try:
        snapshot_id = replace_hour(table, hour_start, uris, {**summary, ROWS_PROPERTY: str(writer.rows)})
    except (CommitFailedException, ValidationException):
        # Certainly not committed: nothing references these files, so they go (a commit whose outcome
        # is unknown keeps its files; expire_snapshots never deletes a file a snapshot still reads).
        delete_keys(s3, partition.bucket, [partition.key(name) for name in written])
        raise
    return written, writer.rows, snapshot_id


def snapshot_summary(plan: Mapping[str, Any]) -> dict[str, str]:
    """What the commit records about the hour (visible in the table's snapshot history)."""
    prefix = names.ICEBERG_CATALOG_NAME
    return {
        f"{prefix}.export": plan["export"],
        WINDOW_START_PROPERTY: plan["window_start"],
        f"{prefix}.window-end": plan["window_end"],
        f"{prefix}.query-fingerprint": plan["fingerprint"],
    }
