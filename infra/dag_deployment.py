"""Ship the DAG bundle and the workers' requirements to an existing MWAA source bucket.

`prune=False`: the bucket belongs to the user's environment and may hold other teams' DAGs, which a
pruning deployment would delete. `retain_on_delete` (the default) keeps the DAGs when the stack goes.
MWAA installs a new requirements.txt only after the environment is updated to its new version.
"""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from infra.dag_bundle import (
    DAGS_PREFIX,
    MWAA_REQUIREMENTS_FILE,
    REQUIREMENTS_KEY,
    dag_bundle_files,
    relative_to_prefix,
)
from infra.local_bundling import copy_files_bundling
from infra.nag import acknowledge, file_assets_bucket_objects, finding_text
from pipeline_config.settings import REPO_ROOT, Settings, runtime_settings
from timestream_pipeline import names

_HANDLER_REASON = "CDK's BucketDeployment custom resource, run only during deployments"
_HANDLER_WILDCARD_ACTIONS = ("s3:GetBucket*", "s3:GetObject*", "s3:List*", "s3:Abort*", "s3:DeleteObject*")


class DagDeployment(Construct):
    """`dags/` (bundle + pipeline_settings.json) and `requirements.txt` in `settings.mwaa_source_bucket`."""

    def __init__(
        self, scope: Construct, id_: str, *, settings: Settings, data_lake_bucket: s3.IBucket
    ) -> None:
        super().__init__(scope, id_)
        stack = Stack.of(self)
        target = s3.Bucket.from_bucket_name(self, "SourceBucket", settings.mwaa_source_bucket)
        runtime = runtime_settings(settings, bucket=data_lake_bucket.bucket_name, region=stack.region)
        bundle = relative_to_prefix(dag_bundle_files(), DAGS_PREFIX)
        self.dags = s3deploy.BucketDeployment(
            self,
            "Dags",
            destination_bucket=target,
            destination_key_prefix=f"{DAGS_PREFIX}/",
            sources=[
                s3deploy.Source.asset(str(REPO_ROOT / DAGS_PREFIX), **copy_files_bundling(bundle)),
                s3deploy.Source.data(names.RUNTIME_SETTINGS_FILE, runtime.to_json() + "\n"),
            ],
            prune=False,
        )
        self.requirements = s3deploy.BucketDeployment(
            self,
            "Requirements",
            destination_bucket=target,
            sources=[
                s3deploy.Source.data(REQUIREMENTS_KEY, MWAA_REQUIREMENTS_FILE.read_text(encoding="utf-8"))
            ],
            prune=False,
        )
        acknowledge_deployment_handler(self.dags, target)


def acknowledge_deployment_handler(deployment: s3deploy.BucketDeployment, target: s3.IBucket) -> None:
    """CDK's singleton copy function (shared by every BucketDeployment) carries CDK's own grants."""
    role = deployment.handler_role
    handler = role.node.scope
    managed = "arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    acknowledge(role, f"AwsSolutions-IAM4[Policy::{managed}]", _HANDLER_REASON + "; it only writes its logs")
    for action in _HANDLER_WILDCARD_ACTIONS:
        acknowledge(
            role, f"AwsSolutions-IAM5[Action::{action}]", _HANDLER_REASON + "; CDK's read/write grant"
        )
    for objects in (file_assets_bucket_objects(role), target.arn_for_objects("*")):
        acknowledge(
            role,
            f"AwsSolutions-IAM5[Resource::{finding_text(role, objects)}]",
            _HANDLER_REASON + ": it copies objects out of the CDK asset bucket into its target bucket",
        )
    acknowledge(handler, "AwsSolutions-L1", _HANDLER_REASON + "; its runtime is chosen by aws-cdk-lib")
