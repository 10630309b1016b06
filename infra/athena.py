"""Athena over the lake: a workgroup whose results are encrypted and kept in the lake bucket (enforced,
so no user can send them elsewhere or unencrypted), and the lake's saved queries as named queries.

Engine version 3 reads the Iceberg export tables as they are (snapshot isolation: a query sees one
committed state of each hour) and the plain ones through partition projection.
"""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_athena as athena
from aws_cdk import aws_s3 as s3
from constructs import Construct

from lake.queries import saved_queries
from pipeline_config.settings import Settings
from timestream_pipeline.exports import ExportSpec

RESULTS_PREFIX = "athena-results"
ENGINE_VERSION = "Athena engine version 3"
BYTES_SCANNED_CUTOFF = 100 * 1024**3  # a runaway query stops at 100 GiB scanned


class LakeAthena(Construct):
    """`workgroup` and `named_queries` (by name) over `database_name`."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        settings: Settings,
        exports: tuple[ExportSpec, ...],
        bucket: s3.IBucket,
        database_name: str,
        destroy: bool,
    ) -> None:
        super().__init__(scope, id_)
        self.workgroup = athena.CfnWorkGroup(
            self,
            "WorkGroup",
            name=f"{settings.stack_name}-lake",
            description=f"Queries over the {settings.stack_name} data lake (results encrypted, in the lake)",
            recursive_delete_option=destroy,
            work_group_configuration=athena.CfnWorkGroup.WorkGroupConfigurationProperty(
                enforce_work_group_configuration=True,
                publish_cloud_watch_metrics_enabled=True,
                bytes_scanned_cutoff_per_query=BYTES_SCANNED_CUTOFF,
                engine_version=athena.CfnWorkGroup.EngineVersionProperty(
                    selected_engine_version=ENGINE_VERSION
                ),
                result_configuration=athena.CfnWorkGroup.ResultConfigurationProperty(
                    output_location=f"s3://{bucket.bucket_name}/{RESULTS_PREFIX}/",
                    encryption_configuration=athena.CfnWorkGroup.EncryptionConfigurationProperty(
                        encryption_option="SSE_S3"
                    ),
                    expected_bucket_owner=Stack.of(self).account,
                ),
            ),
        )
        self.named_queries: dict[str, athena.CfnNamedQuery] = {}
        for query in saved_queries(database_name, exports):
            self.named_queries[query.name] = athena.CfnNamedQuery(
                self,
                "Query" + query.name.title().replace("_", ""),
                name=query.name,
                description=query.description,
                database=database_name,
                query_string=query.sql,
                work_group=self.workgroup.ref,
            )
