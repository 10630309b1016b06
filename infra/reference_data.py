"""The reference tables of the lake: their CSV files uploaded under `reference/`, and a Glue table each.

The files are the project's (`lake/reference_tables/`); the deployment prunes the prefix, so what is
in S3 is exactly what is checked in. The Glue tables read them as CSV with their header skipped.
"""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_glue as glue
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from infra.scoped_deployment import ScopedCopyRole, scoped_deployment
from lake.reference import FILES_DIR, REFERENCE_PREFIX, TABLES, ReferenceTable

# Its own copy function (see infra/scoped_deployment.py): a memory size no other deployment uses.
COPY_FUNCTION_MEMORY_MB = 384
_TEXT = {
    "input_format": "org.apache.hadoop.mapred.TextInputFormat",
    "output_format": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
    "serde": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",  # typed columns (OpenCSVSerde: strings)
}


class ReferenceData(Construct):
    """`deployment` (the files) and `tables` (Glue, by name) in `database`."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        bucket: s3.IBucket,
        database: glue.CfnDatabase,
        database_name: str,
    ) -> None:
        super().__init__(scope, id_)
        copy_role = ScopedCopyRole(
            self,
            "Copy",
            target=bucket,
            keys=[f"{REFERENCE_PREFIX}/*"],
            list_prefix=f"{REFERENCE_PREFIX}/*",
            delete=True,  # the prefix is pruned: S3 holds exactly the checked-in files
            purpose="Uploads the lake's reference tables: writes under reference/ only",
        )
        self.deployment = scoped_deployment(
            self,
            "Files",
            role=copy_role,
            memory_mb=COPY_FUNCTION_MEMORY_MB,
            destination_bucket=bucket,
            destination_key_prefix=f"{REFERENCE_PREFIX}/",
            sources=[s3deploy.Source.asset(str(FILES_DIR))],
        )
        self.tables: dict[str, glue.CfnTable] = {}
        for table in TABLES:
            resource = self._table(table, bucket, database_name)
            resource.add_resource_dependency(database)
            self.tables[table.name] = resource

    def _table(self, table: ReferenceTable, bucket: s3.IBucket, database_name: str) -> glue.CfnTable:
        return glue.CfnTable(
            self,
            "Table" + table.name.title().replace("_", ""),
            catalog_id=Stack.of(self).account,
            database_name=database_name,
            table_input=glue.CfnTable.TableInputProperty(
                name=table.name,
                description=table.description,
                table_type="EXTERNAL_TABLE",
                parameters={"classification": "csv", "skip.header.line.count": "1", "EXTERNAL": "TRUE"},
                storage_descriptor=glue.CfnTable.StorageDescriptorProperty(
                    location=f"s3://{bucket.bucket_name}/{table.key_prefix}",
                    input_format=_TEXT["input_format"],
                    output_format=_TEXT["output_format"],
                    serde_info=glue.CfnTable.SerdeInfoProperty(
                        serialization_library=_TEXT["serde"],
                        parameters={"field.delim": ",", "serialization.format": ","},
                    ),
                    columns=[glue.CfnTable.ColumnProperty(name=n, type=t) for n, t in table.columns],
                ),
            ),
        )
