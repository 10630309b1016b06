"""Ship the DAG bundle (and, when asked, the workers' requirements) to an existing MWAA source bucket.

The bucket belongs to the user's environment and may hold other teams' DAGs, so the deployment may
only write: objects under `dags/`, and the bucket-root `requirements.txt` (shared by every DAG of the
environment) only with `mwaa_replace_requirements`. CDK's BucketDeployment would grant its copy
function read/write/delete (and object lock) on the whole bucket; it gets an immutable role instead,
whose one policy is written here. `prune=False` and `retain_on_delete` (the default): nothing is ever
deleted. MWAA installs a new requirements.txt only after the environment is updated to its version.
"""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
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

_HANDLER_REASON = "CDK's BucketDeployment copy function, run only during deployments"
_BASIC_EXECUTION = "service-role/AWSLambdaBasicExecutionRole"


class DagDeployment(Construct):
    """`dags/` (bundle + pipeline_settings.json), and requirements.txt when asked, in the MWAA bucket."""

    def __init__(
        self, scope: Construct, id_: str, *, settings: Settings, data_lake_bucket: s3.IBucket
    ) -> None:
        super().__init__(scope, id_)
        stack = Stack.of(self)
        target = s3.Bucket.from_bucket_name(self, "SourceBucket", settings.mwaa_source_bucket)
        self.role = iam.Role(
            self,
            "CopyRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(_BASIC_EXECUTION)],
            description="Copies the DAG bundle into the MWAA bucket: writes under dags/ only",
        )
        self._grant_copy(target, replace_requirements=settings.mwaa_replace_requirements)
        handler_role = self.role.without_policy_updates()  # CDK's own grants would be bucket-wide
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
            role=handler_role,
        )
        if settings.mwaa_replace_requirements:
            requirements = MWAA_REQUIREMENTS_FILE.read_text(encoding="utf-8")
            self.requirements = s3deploy.BucketDeployment(
                self,
                "Requirements",
                destination_bucket=target,
                sources=[s3deploy.Source.data(REQUIREMENTS_KEY, requirements)],
                prune=False,
                role=handler_role,
            )
        self._acknowledge(target)

    def _grant_copy(self, target: s3.IBucket, *, replace_requirements: bool) -> None:
        """Read the CDK assets; list, then put, only the allowed keys (what `aws s3 sync` does)."""
        statements = [
            iam.PolicyStatement(
                sid="ReadDeploymentAssets",
                actions=["s3:GetObject"],
                resources=[file_assets_bucket_objects(self)],
            ),
            iam.PolicyStatement(
                sid="ListTarget",
                actions=["s3:ListBucket"],
                resources=[target.bucket_arn],
                # syncing to the bucket root (requirements.txt) lists from the root
                conditions=None
                if replace_requirements
                else {"StringLike": {"s3:prefix": [f"{DAGS_PREFIX}/*"]}},
            ),
            iam.PolicyStatement(
                sid="WriteDags",
                actions=["s3:PutObject"],
                resources=[target.arn_for_objects(f"{DAGS_PREFIX}/*")],
            ),
        ]
        if replace_requirements:
            statements.append(
                iam.PolicyStatement(
                    sid="ReplaceRequirements",
                    actions=["s3:PutObject"],
                    resources=[target.arn_for_objects(REQUIREMENTS_KEY)],
                )
            )
        for statement in statements:
            self.role.add_to_policy(statement)

    def _acknowledge(self, target: s3.IBucket) -> None:
        managed = f"arn:<AWS::Partition>:iam::aws:policy/{_BASIC_EXECUTION}"
        acknowledge(self.role, f"AwsSolutions-IAM4[Policy::{managed}]", _HANDLER_REASON + "; it only logs")
        acknowledge(
            self.role,
            f"AwsSolutions-IAM5[Resource::{finding_text(self, file_assets_bucket_objects(self))}]",
            _HANDLER_REASON + ": it reads this deployment's assets from the CDK assets bucket",
        )
        acknowledge(
            self.role,
            f"AwsSolutions-IAM5[Resource::{finding_text(self, target.arn_for_objects(f'{DAGS_PREFIX}/*'))}]",
            _HANDLER_REASON + f": it writes the DAG bundle under {DAGS_PREFIX}/ and nowhere else",
        )
        acknowledge(_singleton_function(self), "AwsSolutions-L1", _HANDLER_REASON + "; aws-cdk-lib picks it")


def _singleton_function(scope: Construct) -> Construct:
    """The copy function CDK shares between every BucketDeployment of the stack."""
    stack = Stack.of(scope)
    found = [
        child for child in stack.node.children if child.node.id.startswith("Custom::CDKBucketDeployment")
    ]
    return found[0]
