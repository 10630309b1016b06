"""The S3 data lake (exports, quarantined records, Timestream rejected-data reports) and its log bucket.

Encryption is S3-managed (SSE-S3), a deliberate choice: Athena users, Timestream UNLOAD and the
rejected-data reports can then read and write without a KMS key grant each, the access-log bucket
cannot use SSE-KMS anyway, and who may read what is decided by IAM and the bucket policy.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.athena import RESULTS_PREFIX as ATHENA_RESULTS_PREFIX
from pipeline_config.settings import Settings
from timestream_pipeline import names

ACCESS_LOGS_PREFIX = "data-lake/"
ABORT_INCOMPLETE_UPLOADS_DAYS = 7
ATHENA_RESULTS_DAYS = 7


class DataLake(Construct):
    """`bucket` (versioned, TLS-only, private) and `log_bucket` (its server access logs)."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        settings: Settings,
        bucket_name: str,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, id_)
        destroy = removal_policy == RemovalPolicy.DESTROY
        self.log_bucket = s3.Bucket(
            self,
            "AccessLogs",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="ExpireAccessLogs", expiration=Duration.days(settings.access_logs_retention_days)
                )
            ],
            removal_policy=removal_policy,
            auto_delete_objects=destroy,
        )
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            bucket_name=bucket_name,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=self.log_bucket,
            server_access_logs_prefix=ACCESS_LOGS_PREFIX,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="AbortIncompleteMultipartUploads",
                    abort_incomplete_multipart_upload_after=Duration.days(ABORT_INCOMPLETE_UPLOADS_DAYS),
                ),
                s3.LifecycleRule(
                    # The export DAG removes UNLOAD staging even on failure; this catches a killed worker.
                    id="ExpireExportStaging",
                    prefix=f"{settings.export_prefix}/{names.STAGING_PREFIX}/",
                    expiration=Duration.days(1),
                ),
                s3.LifecycleRule(
                    # Athena writes every query's result here (the workgroup enforces it); keep a week.
                    id="ExpireAthenaResults",
                    prefix=f"{ATHENA_RESULTS_PREFIX}/",
                    expiration=Duration.days(ATHENA_RESULTS_DAYS),
                ),
                s3.LifecycleRule(
                    id="ExpireNoncurrentVersions",
                    noncurrent_version_expiration=Duration.days(settings.noncurrent_version_expiration_days),
                    expired_object_delete_marker=True,
                ),
            ],
            removal_policy=removal_policy,
            auto_delete_objects=destroy,
        )
