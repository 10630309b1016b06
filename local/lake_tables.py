"""The tables of the local lake as Arrow data, read the way Athena reads them on AWS.

- Iceberg exports: through the catalog (pyiceberg plans the current snapshot's files, pyarrow reads).
- Parquet/CSV exports: the Hive partitions `dt=/hour=` under the export's folder, with the declared
  column types (the Glue table's definition); `_SUCCESS` and other `_` files are skipped as Athena does.
- Reference tables: their CSV file with the declared column types (the Glue table's definition).

Everything comes from the local S3 through pyarrow; nothing is downloaded at run time.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from lake.reference import TABLES, ReferenceTable
from local.lake import export_table
from local.lake_catalog import file_properties
from pipeline_config.local_state import LocalStackState
from timestream_pipeline import names
from timestream_pipeline.exports import Column, ExportSpec, load_exports
from timestream_pipeline.query_pages import arrow_schema

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.fs as pa_fs


def table_names() -> list[str]:
    """Every table the local lake offers: the declared exports and the reference tables."""
    return sorted([spec.name for spec in load_exports()] + [table.name for table in TABLES])


def load_table(state: LocalStackState, export_prefix: str, name: str) -> pa.Table:
    """One table of the lake, in full; KeyError for a name the lake does not have."""
    exports = {spec.name: spec for spec in load_exports()}
    references = {table.name: table for table in TABLES}
    if name in exports:
        return _export(state, export_prefix, exports[name])
    if name in references:
        return _reference(state, references[name])
    raise KeyError(name)


def _column_types(columns: Iterable[Column]) -> dict[str, pa.DataType]:
    """Declared (Athena) column types as Arrow types, as the export files are written."""
    schema = arrow_schema(tuple(columns))
    return dict(zip(schema.names, schema.types, strict=True))


def _filesystem(state: LocalStackState) -> pa_fs.S3FileSystem:
    import pyarrow.fs as pa_fs

    properties = file_properties(state.moto_endpoint)
    return pa_fs.S3FileSystem(
        endpoint_override=properties["s3.endpoint"],
        access_key=properties["s3.access-key-id"],
        secret_key=properties["s3.secret-access-key"],
        region=properties["s3.region"],
    )


def _export(state: LocalStackState, export_prefix: str, spec: ExportSpec) -> pa.Table:
    import pyarrow as pa
    import pyarrow.csv as pa_csv
    import pyarrow.dataset as ds

    from timestream_pipeline.iceberg_schema import arrow_table_schema

    schema = arrow_table_schema(spec)
    if spec.is_iceberg:
        table = export_table(state, spec.name)
        return schema.empty_table() if table is None else table.scan().to_arrow()
    partitioning = ds.partitioning(
        pa.schema([pa.field(column, pa.string()) for column in names.PARTITION_COLUMNS]), flavor="hive"
    )
    file_format: ds.FileFormat = ds.ParquetFileFormat()
    if spec.format == "csv":
        column_types = _column_types(spec.columns)
        file_format = ds.CsvFileFormat(convert_options=pa_csv.ConvertOptions(column_types=column_types))
    filesystem = _filesystem(state)
    folder = f"{state.bucket}/{names.export_table_prefix(export_prefix, spec.name)}"
    if filesystem.get_file_info(folder).type.name == "NotFound":
        return schema.empty_table()
    dataset = ds.dataset(
        folder, schema=schema, filesystem=filesystem, format=file_format, partitioning=partitioning
    )
    return dataset.to_table()


def _reference(state: LocalStackState, table: ReferenceTable) -> pa.Table:
    import pyarrow.csv as pa_csv

    column_types = _column_types(Column(name, athena_type) for name, athena_type in table.columns)
    path = f"{state.bucket}/{table.key_prefix}{table.file.name}"
    with _filesystem(state).open_input_stream(path) as stream:
        return pa_csv.read_csv(stream, convert_options=pa_csv.ConvertOptions(column_types=column_types))
