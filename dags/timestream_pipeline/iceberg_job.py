"""The export DAG's Iceberg tasks: export one hour into the table, and expire the table's old snapshots.

`unload` mode stages the hour with UNLOAD as Parquet (`exports/_staging/...`, as for the plain
formats), reads the staged files back batch by batch, and commits them like a query-mode hour; the
staging prefix is cleared afterwards whatever happened. The staged row count must match what was
read, or nothing is committed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from timestream_pipeline.exports import ExportSpec
from timestream_pipeline.hour_partition import HourPartition


def export_hour(
    plan: Mapping[str, Any],
    spec: ExportSpec,
    *,
    s3: Any,
    timestream: Any,
    partition: HourPartition,
    try_number: int,
) -> tuple[list[str], int, int | None]:
    """(file names, rows, snapshot id) of the committed hour."""
    from timestream_pipeline import iceberg_export
    from timestream_pipeline.iceberg_catalog import open_catalog
    from timestream_pipeline.iceberg_table import ensure_table
    from timestream_pipeline.unload import attempt_prefix, staged_unload

    table = ensure_table(
        open_catalog(plan["aws_conn_id"], plan["region"]), plan["namespace"], spec, plan["table_location"]
    )
    arguments: dict[str, Any] = {
        "spec": spec,
        "hour_start": datetime.fromisoformat(plan["window_start"]),
        "summary": iceberg_export.snapshot_summary(plan),
    }
    if plan["mode"] != "unload":
        batches = iceberg_export.query_batches(timestream, plan["sql"], spec)
        return iceberg_export.write_hour(table, s3, partition, batches, **arguments)
    staging = attempt_prefix(plan["staging_prefix"], try_number)
    with staged_unload(
        client=timestream, s3=s3, sql=plan["sql"], fmt="iceberg", bucket=plan["bucket"], staging=staging
    ) as staged:
        batches = iceberg_export.staged_batches(s3, plan["bucket"], staged.keys, spec)
        return iceberg_export.write_hour(
            table, s3, partition, batches, expected_rows=staged.rows, **arguments
        )


def expire(plan: Mapping[str, Any], s3: Any) -> dict[str, int]:
    """Expire the export table's old snapshots; returns how many, and how many files went with them."""
    from timestream_pipeline.iceberg_catalog import load_export_table, open_catalog
    from timestream_pipeline.iceberg_maintenance import expire_snapshots, s3_deleter

    catalog = open_catalog(plan["aws_conn_id"], plan["region"])
    table = load_export_table(catalog, plan["namespace"], plan["export"])
    expiry = expire_snapshots(table, s3_deleter(s3))
    return {"expired_snapshots": expiry.expired_snapshots, "deleted_files": expiry.deleted_files}
