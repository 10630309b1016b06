"""The MWAA managed policy: exactly what the DAGs call, attached to the execution role when named."""

from __future__ import annotations

import dataclasses

from aws_cdk import App, Environment, Stack, assertions
from aws_cdk import aws_s3 as s3
from cdk_helpers import ACCOUNT, EXPORTS_FIXTURE, REGION, logical_id, only, statements

from infra.glue_catalog import GlueCatalog
from infra.mwaa_access import AIRFLOW_RBAC_ROLE, MwaaAccess
from pipeline_config.settings import Settings
from timestream_pipeline import names as dag_names
from timestream_pipeline.exports import load_exports

DEFAULTS = Settings()
TABLE_ARN = f"arn:aws:timestream:{REGION}:{ACCOUNT}:database/{DEFAULTS.database_name}/table/"
GLUE = f"arn:aws:glue:{REGION}:{ACCOUNT}:"


def _by_sid(tpl: dict) -> dict[str, dict]:
    policy = only(tpl, "AWS::IAM::ManagedPolicy")
    return {s["Sid"]: s for s in statements(policy)}


def test_policy_statements_are_exactly_what_the_dags_use(template: assertions.Template) -> None:
    """Query, UNLOAD and its bucket ACL check, endpoints, export objects, listing, key use, each scoped."""
    # GIVEN the default stack (customer-managed key, an UNLOAD export, no MWAA environment)
    tpl = template.to_json()
    bucket_arn = {"Fn::GetAtt": [logical_id(tpl, "AWS::S3::Bucket", "DataLakeBucket"), "Arn"]}
    key_arn = {"Fn::GetAtt": [logical_id(tpl, "AWS::KMS::Key", "TimeseriesKey"), "Arn"]}
    glue_db = dag_names.lake_database_name(DEFAULTS.database_name)
    tables = [TABLE_ARN + DEFAULTS.cep_table_name, TABLE_ARN + DEFAULTS.raw_table_name]
    # WHEN the policy's statements are read by Sid
    found = {sid: {k: v for k, v in s.items() if k != "Sid"} for sid, s in _by_sid(tpl).items()}
    # THEN they are exactly these (no Glue, no DescribeTable: no DAG calls them)
    assert found == {
        "QueryPipelineTables": {"Action": "timestream:Select", "Effect": "Allow", "Resource": tables},
        "UnloadPipelineTables": {"Action": "timestream:Unload", "Effect": "Allow", "Resource": tables},
        "UnloadDestinationAcl": {"Action": "s3:GetBucketAcl", "Effect": "Allow", "Resource": bucket_arn},
        "TimestreamEndpointDiscovery": {
            "Action": "timestream:DescribeEndpoints",
            "Effect": "Allow",
            "Resource": "*",
        },
        "ReadWriteExportObjects": {
            "Action": ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
            "Effect": "Allow",
            "Resource": {"Fn::Join": ["", [bucket_arn, f"/{DEFAULTS.export_prefix}/*"]]},
        },
        "ListExportPrefix": {
            "Action": "s3:ListBucket",
            "Condition": {"StringLike": {"s3:prefix": [f"{DEFAULTS.export_prefix}/*"]}},
            "Effect": "Allow",
            "Resource": bucket_arn,
        },
        "IcebergLakeDatabase": {
            "Action": "glue:GetDatabase",
            "Effect": "Allow",
            "Resource": [GLUE + "catalog", GLUE + f"database/{glue_db}"],
        },
        "IcebergExportTables": {
            "Action": ["glue:CreateTable", "glue:GetTable", "glue:UpdateTable"],
            "Effect": "Allow",
            "Resource": [
                GLUE + "catalog",
                GLUE + f"database/{glue_db}",
                GLUE + f"table/{glue_db}/sensor_readings",
            ],
        },
        "DecryptTimestreamData": {
            "Action": "kms:Decrypt",
            "Condition": {"StringEquals": {"kms:ViaService": f"timestream.{REGION}.amazonaws.com"}},
            "Effect": "Allow",
            "Resource": key_arn,
        },
    }


def test_policy_is_left_unattached_without_an_execution_role(template: assertions.Template) -> None:
    """With no mwaa_execution_role_name the policy is only created (its ARN is an output)."""
    # GIVEN the default stack
    # WHEN the managed policy is read
    policy = only(template.to_json(), "AWS::IAM::ManagedPolicy")
    # THEN it is attached to no role
    assert "Roles" not in policy


def test_named_environment_gets_rest_api_access_and_the_role_the_policy(
    variant_template: assertions.Template,
) -> None:
    """With an environment name the backfill DAG may call its REST API; the named role gets the policy."""
    # GIVEN the variant with an MWAA environment, execution role and the AWS-managed Timestream key
    tpl = variant_template.to_json()
    # WHEN the policy is read
    found = _by_sid(tpl)
    # THEN InvokeRestApi is granted on that environment's Airflow role only, and no KMS key is named
    assert found["StartBackfills"]["Action"] == "airflow:InvokeRestApi"
    assert found["StartBackfills"]["Resource"] == (
        f"arn:aws:airflow:{REGION}:{ACCOUNT}:role/analytics-env/{AIRFLOW_RBAC_ROLE}"
    )
    assert "DecryptTimestreamData" not in found
    assert only(tpl, "AWS::IAM::ManagedPolicy")["Roles"] == ["analytics-env-execution"]


def _bare_policy(**change: str) -> dict[str, dict]:
    """The MwaaAccess construct alone (with its Glue catalog), every fixture export changed as given."""
    exports = tuple(dataclasses.replace(spec, **change) for spec in load_exports(EXPORTS_FIXTURE))
    stack = Stack(App(), "Bare", env=Environment(account=ACCOUNT, region=REGION))
    bucket = s3.Bucket(stack, "Bucket")
    MwaaAccess(
        stack,
        "Access",
        settings=DEFAULTS,
        exports=exports,
        table_arns=["arn:aws:timestream:eu-west-1:123456789012:database/d/table/t"],
        bucket=bucket,
        lake=GlueCatalog(stack, "Catalog", settings=DEFAULTS, exports=exports, bucket=bucket),
        timestream_key=None,
    )
    return _by_sid(assertions.Template.from_stack(stack).to_json())


def test_unload_is_granted_only_when_an_export_uses_it() -> None:
    """With only query-mode exports the policy does not allow timestream:Unload."""
    # GIVEN every export switched to query mode  WHEN the policy is synthesized
    found = _bare_policy(mode="query")
    query = found["QueryPipelineTables"]["Action"]
    # THEN the tables may be queried but not unloaded, and the bucket's ACL is not readable
    assert query == "timestream:Select"
    assert "UnloadPipelineTables" not in found and "UnloadDestinationAcl" not in found


def test_iceberg_catalog_grants_exist_only_when_an_export_is_iceberg() -> None:
    """Without Iceberg exports the DAGs never write the Glue catalog, so nothing is granted for it."""
    # GIVEN every export switched to parquet  WHEN the policy is synthesized
    found = _bare_policy(format="parquet")
    # THEN neither Iceberg statement is there
    assert not {"IcebergLakeDatabase", "IcebergExportTables"} & set(found)
