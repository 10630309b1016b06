"""Write and read export hours with the project's own Iceberg code (no DAG): the table, the hour's files,
the one commit; and the rows a reader of the table sees."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from timestream_pipeline import names
from timestream_pipeline.exports import ExportSpec, load_exports
from timestream_pipeline.hour_partition import HourPartition, list_keys
from timestream_pipeline.iceberg_export import write_hour
from timestream_pipeline.iceberg_schema import hour_filter
from timestream_pipeline.iceberg_table import ensure_table
from timestream_pipeline.query_pages import arrow_schema

SPEC: ExportSpec = next(spec for spec in load_exports() if spec.name == "sensor_readings")
HOUR = datetime(2026, 11, 22, 9, tzinfo=UTC)


@dataclass
class Lake:
    BUCKET = "lake-test"
    TIMESTREAM_DATABASE = "timeseries_test"
    NAMESPACE = names.lake_database_name(TIMESTREAM_DATABASE)  # what the DAG derives from its settings
    PREFIX = "exports"

    s3: Any
    catalog: Any
    endpoint: str

    def table(self) -> Any:
        location = names.export_table_location(self.BUCKET, self.PREFIX, SPEC.name)
        return ensure_table(self.catalog, self.NAMESPACE, SPEC, location)

    def partition(self, hour: datetime = HOUR) -> HourPartition:
        return HourPartition(self.BUCKET, names.export_partition_prefix(self.PREFIX, SPEC.name, hour))

    def keys(self, hour: datetime = HOUR) -> list[str]:
        return list_keys(self.s3, self.BUCKET, self.partition(hour).prefix)


def readings(count: int, version: float) -> list[pa.RecordBatch]:
    """`count` sensor-minute rows of one hour; every row of one export carries `version` as its average."""
    rows = [
        {
            "sensor_id": f"sensor-{i:04d}",
            "minute": HOUR.replace(tzinfo=None),
            "avg_temperature": version,
            "min_temperature": 10.0,
            "max_temperature": 180.0,
            "ok_count": 1,
            "warning_count": 0,
            "error_count": i % 2,
        }
        for i in range(count)
    ]
    table = pa.Table.from_pylist(rows, schema=arrow_schema(SPEC.columns))
    return table.to_batches(max_chunksize=1000)  # pages, as Timestream would deliver them


def export_hour(
    lake: Lake, batches: list[pa.RecordBatch], *, rows_per_file: int | None = None, hour: datetime = HOUR
) -> tuple[list[str], int, int | None]:
    """The export job's Iceberg step for one hour: new part files, then one commit."""
    summary = {"test.window-start": hour.isoformat()}
    stream: Iterator[pa.RecordBatch] = iter(batches)
    return write_hour(
        lake.table(),
        lake.s3,
        lake.partition(hour),
        stream,
        spec=SPEC,
        hour_start=hour,
        summary=summary,
        rows_per_file=rows_per_file,
    )


def read_hour(lake: Lake, hour: datetime = HOUR) -> pa.Table:
    """The hour as a reader sees it: the table's current snapshot, filtered to the partition."""
    table = lake.catalog.load_table((Lake.NAMESPACE, SPEC.name))
    return table.scan(row_filter=hour_filter(hour)).to_arrow()
