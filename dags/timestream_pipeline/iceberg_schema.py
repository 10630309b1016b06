"""An export as an Iceberg table: its schema, hour partitioning, table properties and an hour's filter.

The table holds the declared columns plus `dt` and `hour` (strings, as in the Hive-style formats), and
is identity-partitioned on those two, so an hour is exactly one partition: replacing it drops whole
files and never rewrites another hour's data.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from timestream_pipeline import names
from timestream_pipeline.exports import Column, ExportSpec

if TYPE_CHECKING:
    import pyarrow as pa
    from pyiceberg.expressions import BooleanExpression
    from pyiceberg.partitioning import PartitionSpec
    from pyiceberg.schema import Schema

SNAPSHOT_MAX_AGE_HOURS = 24
# Set on every export table (and re-applied when one drifts). Why each:
TABLE_PROPERTIES = {
    # Two hours committing at once: pyiceberg retries the loser against the new metadata, bounded,
    # with exponential backoff (0.2 s doubling up to 10 s, 10 tries, at most 10 min in all).
    "commit.retry.num-retries": "10",
    "commit.retry.min-wait-ms": "200",
    "commit.retry.max-wait-ms": "10000",
    "commit.retry.total-timeout-ms": "600000",
    # One commit per hour adds one manifest; merging keeps the manifest count (and planning) bounded.
    "commit.manifest-merge.enabled": "true",
    # Each commit writes a metadata JSON; keep the last 48 and delete older ones on commit.
    "write.metadata.delete-after-commit.enabled": "true",
    "write.metadata.previous-versions-max": "48",
    # Read by the expire_snapshots task: snapshots older than this go, with the files only they used.
    "history.expire.max-snapshot-age-ms": str(SNAPSHOT_MAX_AGE_HOURS * 3600 * 1000),
}
_PARTITION_FIELD_ID_START = 1000  # Iceberg's convention for partition field ids


def table_columns(spec: ExportSpec) -> tuple[Column, ...]:
    """The declared columns, then the partition columns `dt` and `hour`."""
    return (*spec.columns, *(Column(name, "string") for name in names.PARTITION_COLUMNS))


def arrow_table_schema(spec: ExportSpec) -> pa.Schema:
    """The Arrow schema of the data files: what `query_pages` produces plus `dt` and `hour`."""
    from timestream_pipeline.query_pages import arrow_schema

    return arrow_schema(table_columns(spec))


def iceberg_schema(spec: ExportSpec) -> Schema:
    """Every column optional (a result may hold NULLs), field ids in declaration order from 1."""
    from pyiceberg.schema import Schema
    from pyiceberg.types import BooleanType, DoubleType, LongType, NestedField, StringType, TimestampType

    types = {
        "string": StringType,
        "double": DoubleType,
        "bigint": LongType,
        "boolean": BooleanType,
        "timestamp": TimestampType,  # without zone, microseconds: what the Parquet files hold
    }
    fields = [
        NestedField(field_id=index, name=column.name, field_type=types[column.type](), required=False)
        for index, column in enumerate(table_columns(spec), start=1)
    ]
    return Schema(*fields)


def partition_spec(schema: Schema) -> PartitionSpec:
    """Identity partitions on `dt` and `hour`."""
    from pyiceberg.partitioning import PartitionField, PartitionSpec
    from pyiceberg.transforms import IdentityTransform

    return PartitionSpec(
        *(
            PartitionField(
                source_id=schema.find_field(name).field_id,
                field_id=_PARTITION_FIELD_ID_START + offset,
                transform=IdentityTransform(),
                name=name,
            )
            for offset, name in enumerate(names.PARTITION_COLUMNS)
        )
    )


def hour_filter(hour_start: datetime) -> BooleanExpression:
    """`dt = 'YYYY-MM-DD' AND hour = 'HH'`: exactly one partition."""
    from pyiceberg.expressions import And, EqualTo

    dt, hour = (EqualTo(name, value) for name, value in names.hour_partition_values(hour_start).items())
    return And(dt, hour)


def with_partition_columns(batch: pa.RecordBatch, hour_start: datetime) -> pa.RecordBatch:
    """The batch with constant `dt` and `hour` columns appended."""
    import pyarrow as pa

    values = names.hour_partition_values(hour_start)
    arrays = [*batch.columns, *(pa.array([values[n]] * batch.num_rows, pa.string()) for n in values)]
    return pa.RecordBatch.from_arrays(arrays, names=[*batch.schema.names, *values])
