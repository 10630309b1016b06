"""What the Airflow DAGs may do, as one managed policy for an existing MWAA execution role.

Exactly what the DAG code calls (tests/infra/test_cdk_mwaa_calls.py ties each statement to the calls
in dags/ that need it, tests/lake records pyiceberg's Glue calls): query the two tables (and UNLOAD them,
with UNLOAD's S3 prerequisites), read, write and delete objects under the export prefix, list that
prefix, write the Iceberg export tables through pyiceberg's Glue catalog, and, when the environment is
named, start backfills through its REST API. One small statement per purpose.
"""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.glue_catalog import GlueCatalog
from infra.ingest_function import DESCRIBE_ENDPOINTS_REASON
from infra.nag import acknowledge, finding_text
from pipeline_config.settings import Settings
from timestream_pipeline.exports import ExportSpec

# The Apache Airflow role MWAA maps the caller to for InvokeRestApi; "User" may create DAG runs and
# backfills but not change connections, variables or roles.
AIRFLOW_RBAC_ROLE = "User"
# What pyiceberg 0.12's GlueCatalog calls for the export DAG (tests/lake records the calls against moto):
# load -> GetTable; first run -> GetDatabase (its S3 Tables check), CreateTable; every commit (an hour, a
# schema or property change, a snapshot expiry) -> GetTable, GetDatabase, UpdateTable with the table's
# VersionId (Glue's optimistic lock).
ICEBERG_DATABASE_ACTIONS = ("glue:GetDatabase",)
ICEBERG_TABLE_ACTIONS = ("glue:GetTable", "glue:CreateTable", "glue:UpdateTable")


def iceberg_catalog_statements(lake: GlueCatalog) -> list[iam.PolicyStatement]:
    """The Iceberg export tables' catalog calls, on the lake database and those tables only."""
    if not lake.iceberg_table_arns:
        return []
    return [
        iam.PolicyStatement(
            sid="IcebergLakeDatabase",
            actions=list(ICEBERG_DATABASE_ACTIONS),
            resources=[lake.catalog_arn, lake.database_arn],
        ),
        iam.PolicyStatement(
            sid="IcebergExportTables",
            actions=list(ICEBERG_TABLE_ACTIONS),
            resources=[lake.catalog_arn, lake.database_arn, *lake.iceberg_table_arns],
        ),
    ]


class MwaaAccess(Construct):
    """`policy`: attached to `settings.mwaa_execution_role_name` when given, else left for the user."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        settings: Settings,
        exports: tuple[ExportSpec, ...],
        table_arns: list[str],
        bucket: s3.IBucket,
        lake: GlueCatalog,
        timestream_key: kms.IKey | None,
    ) -> None:
        super().__init__(scope, id_)
        stack = Stack.of(self)
        export_objects = bucket.arn_for_objects(f"{settings.export_prefix}/*")
        statements = [
            _allow("QueryPipelineTables", ["timestream:Select"], table_arns),
            _allow("TimestreamEndpointDiscovery", ["timestream:DescribeEndpoints"], ["*"]),
            # put/copy (multipart beyond 8 MB, aborted on failure), read manifests and copies, delete
            # an hour's marker and leftovers; UNLOAD writes its staging files here too.
            _allow(
                "ReadWriteExportObjects",
                ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
                [export_objects],
            ),
            iam.PolicyStatement(
                sid="ListExportPrefix",
                actions=["s3:ListBucket"],
                resources=[bucket.bucket_arn],
                conditions={"StringLike": {"s3:prefix": [f"{settings.export_prefix}/*"]}},
            ),
        ]
        if any(spec.mode == "unload" for spec in exports):
            statements += [
                _allow("UnloadPipelineTables", ["timestream:Unload"], table_arns),
                # UNLOAD's prerequisite: Timestream checks the destination bucket's ACL.
                _allow("UnloadDestinationAcl", ["s3:GetBucketAcl"], [bucket.bucket_arn]),
            ]
        statements += iceberg_catalog_statements(lake)
        if timestream_key is not None:
            statements.append(
                iam.PolicyStatement(
                    sid="DecryptTimestreamData",
                    actions=["kms:Decrypt"],
                    resources=[timestream_key.key_arn],
                    conditions={
                        "StringEquals": {"kms:ViaService": f"timestream.{stack.region}.amazonaws.com"}
                    },
                )
            )
        if settings.mwaa_environment_name:
            role_arn = stack.format_arn(
                service="airflow",
                resource="role",
                resource_name=f"{settings.mwaa_environment_name}/{AIRFLOW_RBAC_ROLE}",
            )
            statements.append(_allow("StartBackfills", ["airflow:InvokeRestApi"], [role_arn]))
        self.policy = iam.ManagedPolicy(
            self,
            "Policy",
            description=f"Timestream pipeline DAGs ({settings.stack_name}): exactly what they call",
            statements=statements,
        )
        acknowledge(self.policy, "AwsSolutions-IAM5[Resource::*]", DESCRIBE_ENDPOINTS_REASON)
        acknowledge(
            self.policy,
            f"AwsSolutions-IAM5[Resource::{finding_text(self, export_objects)}]",
            "The export DAGs create, overwrite and delete one hour's objects under the export prefix only",
        )
        if settings.mwaa_execution_role_name:
            role = iam.Role.from_role_name(self, "ExecutionRole", settings.mwaa_execution_role_name)
            self.policy.attach_to_role(role)


def _allow(sid: str, actions: list[str], resources: list[str]) -> iam.PolicyStatement:
    return iam.PolicyStatement(sid=sid, actions=actions, resources=resources)
