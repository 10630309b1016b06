"""The MWAA managed policy: exactly what the DAGs call, attached to the execution role when named."""

from __future__ import annotations

import dataclasses

from aws_cdk import App, Environment, Stack, assertions
from aws_cdk import aws_s3 as s3
from cdk_helpers import ACCOUNT, EXPORTS_FIXTURE, REGION, logical_id, only, statements

from infra.mwaa_access import AIRFLOW_RBAC_ROLE, MwaaAccess
from pipeline_config.settings import Settings
from timestream_pipeline.exports import load_exports

DEFAULTS = Settings()
TABLE_ARN = f"arn:aws:timestream:{REGION}:{ACCOUNT}:database/{DEFAULTS.database_name}/table/"


def _by_sid(tpl: dict) -> dict[str, dict]:
    policy = only(tpl, "AWS::IAM::ManagedPolicy")
    return {s["Sid"]: s for s in statements(policy)}


def test_policy_statements_are_exactly_what_the_dags_use(template: assertions.Template) -> None:
    """Query, UNLOAD and its bucket ACL check, endpoints, export objects, listing, key use, each scoped."""
    # GIVEN the default stack (customer-managed key, an UNLOAD export, no MWAA environment)
    tpl = template.to_json()
    bucket_arn = {"Fn::GetAtt": [logical_id(tpl, "AWS::S3::Bucket", "DataLakeBucket"), "Arn"]}
    key_arn = {"Fn::GetAtt": [logical_id(tpl, "AWS::KMS::Key", "TimeseriesKey"), "Arn"]}
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


def test_unload_is_granted_only_when_an_export_uses_it() -> None:
    """With only query-mode exports the policy does not allow timestream:Unload."""
    # GIVEN the MwaaAccess construct alone, with every export switched to query mode
    exports = tuple(dataclasses.replace(spec, mode="query") for spec in load_exports(EXPORTS_FIXTURE))
    stack = Stack(App(), "Bare", env=Environment(account=ACCOUNT, region=REGION))
    MwaaAccess(
        stack,
        "Access",
        settings=DEFAULTS,
        exports=exports,
        table_arns=["arn:aws:timestream:eu-west-1:123456789012:database/d/table/t"],
        bucket=s3.Bucket(stack, "Bucket"),
        timestream_key=None,
    )
    # WHEN the template is synthesized
    found = _by_sid(assertions.Template.from_stack(stack).to_json())
    # THEN the tables may be queried but not unloaded, and the bucket's ACL is not readable
    assert found["QueryPipelineTables"]["Action"] == "timestream:Select"
    assert "UnloadPipelineTables" not in found and "UnloadDestinationAcl" not in found
