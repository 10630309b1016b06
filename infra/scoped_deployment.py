"""A BucketDeployment whose copy function may write one prefix of its target bucket and nothing else.

CDK's BucketDeployment grants its copy function read, write and delete on the whole target bucket,
and a stack's BucketDeployments share ONE copy function (so one role) whenever their memory size,
storage and VPC are equal: a second deployment's `role` would be silently ignored, and the first
one's grants would cover both targets. So each scoped deployment gets an immutable role whose whole
policy is written here, and a memory size of its own, which gives it a copy function of its own.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from infra.nag import acknowledge, file_assets_bucket_objects, finding_text

REASON = "CDK's BucketDeployment copy function, run only during deployments"
_BASIC_EXECUTION = "service-role/AWSLambdaBasicExecutionRole"
_FUNCTION_ID_PREFIX = "Custom::CDKBucketDeployment"


class ScopedCopyRole(Construct):
    """`role`: read this stack's assets, list `list_prefix` of `target`, put (and delete) `keys` only."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        target: s3.IBucket,
        keys: Sequence[str],
        list_prefix: str | None,
        delete: bool,
        purpose: str,
    ) -> None:
        super().__init__(scope, id_)
        writable = [target.arn_for_objects(key) for key in keys]
        role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(_BASIC_EXECUTION)],
            description=purpose,
        )
        role.add_to_policy(
            iam.PolicyStatement(
                sid="ReadDeploymentAssets",
                actions=["s3:GetObject"],
                resources=[file_assets_bucket_objects(self)],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                sid="ListTarget",
                actions=["s3:ListBucket"],
                resources=[target.bucket_arn],
                conditions=None if list_prefix is None else {"StringLike": {"s3:prefix": [list_prefix]}},
            )
        )
        actions = ["s3:PutObject", "s3:DeleteObject"] if delete else ["s3:PutObject"]
        role.add_to_policy(iam.PolicyStatement(sid="WriteTarget", actions=actions, resources=writable))
        managed = f"arn:<AWS::Partition>:iam::aws:policy/{_BASIC_EXECUTION}"
        acknowledge(role, f"AwsSolutions-IAM4[Policy::{managed}]", REASON + "; it only logs")
        acknowledge(
            role,
            f"AwsSolutions-IAM5[Resource::{finding_text(self, file_assets_bucket_objects(self))}]",
            REASON + ": it reads this deployment's assets from the CDK assets bucket",
        )
        for key, arn in zip(keys, writable, strict=True):
            if key.endswith("*"):
                acknowledge(
                    role,
                    f"AwsSolutions-IAM5[Resource::{finding_text(self, arn)}]",
                    REASON + f": {purpose}; it writes under {key.rstrip('*')} and nowhere else",
                )
        self.role = role
        # CDK's BucketDeployment would add bucket-wide grants to the role it is given; this one is final.
        self.handler_role = role.without_policy_updates()


def acknowledge_copy_functions(stack: Stack) -> None:
    """Every copy function aws-cdk-lib created in the stack runs on the runtime it picks."""
    for child in stack.node.children:
        if child.node.id.startswith(_FUNCTION_ID_PREFIX):
            acknowledge(child, "AwsSolutions-L1", REASON + "; aws-cdk-lib picks its runtime")


def scoped_deployment(
    scope: Construct,
    id_: str,
    *,
    role: ScopedCopyRole,
    memory_mb: int,
    **props: object,
) -> s3deploy.BucketDeployment:
    """A BucketDeployment on its own copy function (`memory_mb` must differ from every other one's)."""
    return s3deploy.BucketDeployment(scope, id_, role=role.handler_role, memory_limit=memory_mb, **props)  # type: ignore[arg-type]
