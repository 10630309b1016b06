"""Where the ingest mappings keep what they give up on: the whole invocation record, payloads included.

An SQS or SNS on-failure destination receives only the batch's coordinates, useless once the stream
has trimmed the records; an S3 destination receives the invocation record with the event itself
(`payload`), so the records outlive the stream and `replay` can put them back. The bucket also holds
the ingest handler's ledger (`ingest-ledger/`) and replay's markers (`replayed/`).
"""

from __future__ import annotations

import math
from typing import Any

import jsii
from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.nag import acknowledge, finding_text
from pipeline_config import names
from pipeline_config.settings import Settings

ACCESS_LOGS_PREFIX = "kept-records/"
# Kept records stay this long after the stream would have dropped them: time to notice and replay.
DAYS_AFTER_RETENTION = 30
MINIMUM_DAYS = 90
NONCURRENT_VERSION_DAYS = 7


def kept_records_days(settings: Settings) -> int:
    """How long a kept batch stays: always well beyond the stream's retention."""
    retention_days = math.ceil(settings.kinesis_retention_hours / 24)
    return max(MINIMUM_DAYS, retention_days + DAYS_AFTER_RETENTION)


class KeptRecords(Construct):
    """`bucket`: SSE-S3, versioned, TLS-only, private, access-logged, expiring after `kept_records_days`."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        settings: Settings,
        bucket_name: str,
        log_bucket: s3.IBucket,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, id_)
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            bucket_name=bucket_name,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=log_bucket,
            server_access_logs_prefix=ACCESS_LOGS_PREFIX,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="ExpireKeptRecords",
                    expiration=Duration.days(kept_records_days(settings)),
                    noncurrent_version_expiration=Duration.days(NONCURRENT_VERSION_DAYS),
                    expired_object_delete_marker=False,
                ),
            ],
            removal_policy=removal_policy,
            auto_delete_objects=removal_policy == RemovalPolicy.DESTROY,
        )

    def on_failure_destination(self) -> lambda_.IEventSourceDlq:
        return KeptRecordsDestination(self.bucket)


@jsii.implements(lambda_.IEventSourceDlq)
class KeptRecordsDestination:
    """The bucket as a mapping's on-failure destination, granting only what Lambda's delivery needs.

    CDK's own `S3OnFailureDestination` grants the function read, write and delete on the whole bucket;
    Lambda needs `s3:PutObject` (it writes under `aws/lambda/`) and `s3:ListBucket` (Lambda developer
    guide, "Retain discarded batch records for a Kinesis Data Streams event source").
    """

    def __init__(self, bucket: s3.IBucket) -> None:
        self._bucket = bucket

    def bind(self, _target: Any, target_handler: lambda_.IFunction) -> lambda_.DlqDestinationConfig:
        kept_objects = self._bucket.arn_for_objects(names.KEPT_RECORDS_PREFIX + "*")
        target_handler.add_to_role_policy(
            iam.PolicyStatement(actions=["s3:PutObject"], resources=[kept_objects])
        )
        if target_handler.role is not None:  # every function bound here gets the same reasoned finding
            acknowledge(
                target_handler.role,
                f"AwsSolutions-IAM5[Resource::{finding_text(self._bucket, kept_objects)}]",
                "Lambda writes each batch it gives up on as a new object under aws/lambda/, "
                "named by the service",
            )
        target_handler.add_to_role_policy(
            iam.PolicyStatement(actions=["s3:ListBucket"], resources=[self._bucket.bucket_arn])
        )
        return lambda_.DlqDestinationConfig(destination=self._bucket.bucket_arn)
