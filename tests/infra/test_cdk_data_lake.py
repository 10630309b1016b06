"""The S3 data lake and its access-log bucket: private, TLS-only, encrypted, versioned, with lifecycle."""

from __future__ import annotations

from aws_cdk import assertions
from cdk_helpers import ACCOUNT, REGION, logical_id, only, resources

from infra.athena import RESULTS_PREFIX
from infra.data_lake import ABORT_INCOMPLETE_UPLOADS_DAYS, ACCESS_LOGS_PREFIX, ATHENA_RESULTS_DAYS
from infra.kept_records import ACCESS_LOGS_PREFIX as KEPT_LOGS_PREFIX
from pipeline_config.settings import Settings
from timestream_pipeline import names

DEFAULTS = Settings()
BLOCK_ALL = {
    "BlockPublicAcls": True,
    "BlockPublicPolicy": True,
    "IgnorePublicAcls": True,
    "RestrictPublicBuckets": True,
}
SSE_S3 = {
    "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
}


def _bucket(tpl: dict, prefix: str) -> dict:
    return tpl["Resources"][logical_id(tpl, "AWS::S3::Bucket", prefix)]


def test_both_buckets_block_public_access_and_are_encrypted(template: assertions.Template) -> None:
    """The data lake and its log bucket block every kind of public access and encrypt at rest."""
    # GIVEN the default stack
    tpl = template.to_json()
    # WHEN / THEN each bucket has BPA on and S3-managed encryption
    for prefix in ("DataLakeBucket", "DataLakeAccessLogs"):
        properties = _bucket(tpl, prefix)["Properties"]
        assert properties["PublicAccessBlockConfiguration"] == BLOCK_ALL
        assert properties["BucketEncryption"] == SSE_S3


def test_data_lake_is_named_versioned_and_logged(template: assertions.Template) -> None:
    """The bucket is named from the settings, versioned, and logs accesses to the separate bucket."""
    # GIVEN the default stack
    tpl = template.to_json()
    # WHEN the data lake bucket is read
    properties = _bucket(tpl, "DataLakeBucket")["Properties"]
    # THEN its name, versioning and logging target are the expected ones
    assert properties["BucketName"] == DEFAULTS.bucket_name(ACCOUNT, REGION)
    assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
    assert properties["LoggingConfiguration"] == {
        "DestinationBucketName": {"Ref": logical_id(tpl, "AWS::S3::Bucket", "DataLakeAccessLogs")},
        "LogFilePrefix": ACCESS_LOGS_PREFIX,
    }


def test_lifecycle_aborts_uploads_and_expires_staging_and_noncurrent_versions(
    template: assertions.Template,
) -> None:
    """Incomplete uploads, UNLOAD staging left by a killed worker, Athena results and old versions do not
    pile up."""
    # GIVEN the default stack
    # WHEN the data lake's lifecycle rules are read
    rules = _bucket(template.to_json(), "DataLakeBucket")["Properties"]["LifecycleConfiguration"]["Rules"]
    # THEN every rule is there with the configured days
    assert rules == [
        {
            "Id": "AbortIncompleteMultipartUploads",
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": ABORT_INCOMPLETE_UPLOADS_DAYS},
            "Status": "Enabled",
        },
        {
            "Id": "ExpireExportStaging",
            "Prefix": f"{DEFAULTS.export_prefix}/{names.STAGING_PREFIX}/",
            "ExpirationInDays": 1,
            "Status": "Enabled",
        },
        {
            "Id": "ExpireAthenaResults",
            "Prefix": f"{RESULTS_PREFIX}/",
            "ExpirationInDays": ATHENA_RESULTS_DAYS,
            "Status": "Enabled",
        },
        {
            "Id": "ExpireNoncurrentVersions",
            "ExpiredObjectDeleteMarker": True,
            "NoncurrentVersionExpiration": {"NoncurrentDays": DEFAULTS.noncurrent_version_expiration_days},
            "Status": "Enabled",
        },
    ]


def test_access_logs_expire_after_their_own_retention(template: assertions.Template) -> None:
    """Server access logs are deleted after access_logs_retention_days."""
    # GIVEN the default stack
    # WHEN the log bucket's lifecycle is read
    rules = _bucket(template.to_json(), "DataLakeAccessLogs")["Properties"]["LifecycleConfiguration"]["Rules"]
    # THEN it expires objects after the configured days
    assert rules == [
        {
            "Id": "ExpireAccessLogs",
            "ExpirationInDays": DEFAULTS.access_logs_retention_days,
            "Status": "Enabled",
        }
    ]


def test_bucket_policies_deny_every_request_without_tls(template: assertions.Template) -> None:
    """Each bucket policy starts with a Deny of s3:* on the bucket and its objects without TLS."""
    # GIVEN the default stack
    tpl = template.to_json()
    policies = {
        p["Properties"]["Bucket"]["Ref"]: p["Properties"]
        for p in resources(tpl, "AWS::S3::BucketPolicy").values()
    }
    # WHEN / THEN every bucket (lake, access logs, kept records) has the TLS-only deny
    assert len(policies) == 3
    for bucket_id, policy in policies.items():
        arn = {"Fn::GetAtt": [bucket_id, "Arn"]}
        assert policy["PolicyDocument"]["Statement"][0] == {
            "Action": "s3:*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Resource": [arn, {"Fn::Join": ["", [arn, "/*"]]}],
        }


def test_only_s3_logging_may_write_to_the_log_bucket(template: assertions.Template) -> None:
    """Besides the TLS deny, the log bucket admits S3's logging service for this stack's buckets only."""
    # GIVEN the default stack
    tpl = template.to_json()
    log_id = logical_id(tpl, "AWS::S3::Bucket", "DataLakeAccessLogs")
    policy = next(
        p
        for p in resources(tpl, "AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": log_id}
    )
    # WHEN the allow statements are read
    allows = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    # THEN each lets logging.s3 put objects under its prefix, conditioned on the source bucket and account
    sources = {"DataLakeBucket": ACCESS_LOGS_PREFIX, "KeptRecordsBucket": KEPT_LOGS_PREFIX}
    assert allows == [
        {
            "Action": "s3:PutObject",
            "Condition": {
                "ArnLike": {
                    "aws:SourceArn": {"Fn::GetAtt": [logical_id(tpl, "AWS::S3::Bucket", source), "Arn"]}
                },
                "StringEquals": {"aws:SourceAccount": ACCOUNT},
            },
            "Effect": "Allow",
            "Principal": {"Service": "logging.s3.amazonaws.com"},
            "Resource": {"Fn::Join": ["", [{"Fn::GetAtt": [log_id, "Arn"]}, f"/{prefix}*"]]},
        }
        for source, prefix in sources.items()
    ]


def test_buckets_are_retained_by_default(template: assertions.Template) -> None:
    """removal_policy=retain keeps the data when the stack is deleted, and nothing empties the bucket."""
    # GIVEN the default stack
    # WHEN / THEN both buckets are retained and no auto-delete custom resource exists
    template.all_resources("AWS::S3::Bucket", {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"})
    template.resource_count_is("Custom::S3AutoDeleteObjects", 0)


def test_destroy_removal_policy_deletes_and_empties_the_buckets(
    variant_template: assertions.Template,
) -> None:
    """removal_policy=destroy deletes every bucket with the stack, emptying it first."""
    # GIVEN the variant with removal_policy=destroy
    tpl = variant_template.to_json()
    # WHEN / THEN the three buckets are deleted and each has an auto-delete custom resource
    variant_template.all_resources("AWS::S3::Bucket", {"DeletionPolicy": "Delete"})
    assert len(resources(tpl, "Custom::S3AutoDeleteObjects")) == 3
    assert only(tpl, "AWS::Timestream::Database")["DatabaseName"] == DEFAULTS.database_name
