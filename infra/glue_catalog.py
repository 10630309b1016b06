"""The lake database in Glue, and a table with partition projection per plain (parquet/csv) export.

Projection computes the partitions `dt=YYYY-MM-DD/hour=HH/` from the query itself, so new hours are
queryable the moment the export DAG writes them, with no crawler and no MSCK REPAIR.

Iceberg exports get no table here: the export DAG creates each one with pyiceberg on its first run,
from the same exports.toml (schema, `dt`/`hour` partition spec, commit-retry and cleanup properties),
through the same code that creates it in the local stack's catalog. A CloudFormation-created Iceberg
table (`OpenTableFormatInput`) could set neither the partition spec nor the table properties, and would
be a second definition of the table to keep in step. `iceberg_table_arns` scopes the DAG's grants.
"""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_glue as glue
from aws_cdk import aws_s3 as s3
from constructs import Construct

from pipeline_config.settings import Settings
from timestream_pipeline import names as dag_names
from timestream_pipeline.exports import ExportSpec

PROJECTION_START = "2020-01-01"
PARTITION_KEYS = tuple((name, "string") for name in dag_names.PARTITION_COLUMNS)
_PARQUET = {
    "input_format": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
    "output_format": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
    "serde": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
    "serde_parameters": {"serialization.format": "1"},
    "table_parameters": {"classification": "parquet"},
}
_CSV = {
    "input_format": "org.apache.hadoop.mapred.TextInputFormat",
    "output_format": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
    "serde": "org.apache.hadoop.hive.serde2.OpenCSVSerde",
    "serde_parameters": {"separatorChar": ",", "quoteChar": '"', "escapeChar": "\\"},
    "table_parameters": {"classification": "csv", "skip.header.line.count": "1"},
}
_FORMATS = {"parquet": _PARQUET, "csv": _CSV}


class GlueCatalog(Construct):
    """`database` and `tables` (plain exports, by name) over `s3://<bucket>/<export_prefix>/<export>/`."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        settings: Settings,
        exports: tuple[ExportSpec, ...],
        bucket: s3.IBucket,
    ) -> None:
        super().__init__(scope, id_)
        stack = Stack.of(self)
        self.database_name = dag_names.lake_database_name(settings.database_name)
        self.database = glue.CfnDatabase(
            self,
            "Database",
            catalog_id=stack.account,
            database_input=glue.CfnDatabase.DatabaseInputProperty(
                name=self.database_name,
                description="The Timestream pipeline's data lake: hourly exports and reference tables",
            ),
        )
        self.tables: dict[str, glue.CfnTable] = {}
        for spec in exports:
            if spec.is_iceberg:
                continue
            table = self._table(spec, settings, bucket)
            table.add_resource_dependency(self.database)
            self.tables[spec.name] = table
        self.catalog_arn = stack.format_arn(service="glue", resource="catalog")
        self.database_arn = stack.format_arn(
            service="glue", resource="database", resource_name=self.database_name
        )
        self.table_arns = [self.table_arn(name) for name in self.tables]
        self.iceberg_table_arns = [self.table_arn(spec.name) for spec in exports if spec.is_iceberg]

    def table_arn(self, export: str) -> str:
        """The ARN of one table of the lake database."""
        return Stack.of(self).format_arn(
            service="glue",
            resource="table",
            resource_name=f"{self.database_name}/{dag_names.glue_table_name(export)}",
        )

    def _table(self, spec: ExportSpec, settings: Settings, bucket: s3.IBucket) -> glue.CfnTable:
        storage = _FORMATS[spec.format]
        location = (
            f"s3://{bucket.bucket_name}/{dag_names.export_table_prefix(settings.export_prefix, spec.name)}"
        )
        projection = {
            "projection.enabled": "true",
            "projection.dt.type": "date",
            "projection.dt.format": "yyyy-MM-dd",
            "projection.dt.range": f"{PROJECTION_START},NOW",
            "projection.dt.interval": "1",
            "projection.dt.interval.unit": "DAYS",
            "projection.hour.type": "integer",
            "projection.hour.range": "0,23",
            "projection.hour.digits": "2",
            "storage.location.template": location + "dt=${dt}/hour=${hour}/",
        }
        return glue.CfnTable(
            self,
            f"Table{spec.name.title().replace('_', '')}",
            catalog_id=Stack.of(self).account,
            database_name=self.database_name,
            table_input=glue.CfnTable.TableInputProperty(
                name=dag_names.glue_table_name(spec.name),
                description=spec.description
                or f"Export {spec.name} ({spec.format}, from the {spec.source_table} table)",
                table_type="EXTERNAL_TABLE",
                parameters={**storage["table_parameters"], **projection, "EXTERNAL": "TRUE"},
                partition_keys=[glue.CfnTable.ColumnProperty(name=n, type=t) for n, t in PARTITION_KEYS],
                storage_descriptor=glue.CfnTable.StorageDescriptorProperty(
                    location=location,
                    input_format=storage["input_format"],
                    output_format=storage["output_format"],
                    serde_info=glue.CfnTable.SerdeInfoProperty(
                        serialization_library=storage["serde"], parameters=storage["serde_parameters"]
                    ),
                    columns=[glue.CfnTable.ColumnProperty(name=c.name, type=c.type) for c in spec.columns],
                ),
            ),
        )
