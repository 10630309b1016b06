"""Create the pipeline's resources on the local endpoints from the same settings the CDK app deploys.

Every call is idempotent, so `up` and `demo` can run against a stack that already has them.
"""

from __future__ import annotations

from typing import Any

import boto3
from botocore.exceptions import ClientError

from local.cep import ensure_state_table
from local.lake_catalog import provision_lake
from pipeline_config import names
from pipeline_config.local_state import LOCAL_CREDENTIALS, LocalStackState
from pipeline_config.settings import Settings


def client(service: str, endpoint_url: str, region: str = names.LOCAL_REGION) -> Any:
    """A boto3 client for a local endpoint (explicit endpoint_url also turns off Timestream discovery)."""
    return boto3.client(
        service,
        endpoint_url=endpoint_url,
        region_name=region,
        **LOCAL_CREDENTIALS,
    )


def provision(settings: Settings, *, moto_endpoint: str, timestream_endpoint: str) -> LocalStackState:
    """Create the buckets (the lake with its catalog and reference data, the kept records), streams,
    the CEP stage's state table, database and tables; returns the address book (without pids)."""
    region, account = names.LOCAL_REGION, names.LOCAL_ACCOUNT
    bucket = settings.bucket_name(account, region)
    kept_bucket = settings.kept_records_bucket_name(account, region)
    s3 = client("s3", moto_endpoint)
    for name in (bucket, kept_bucket):
        s3.create_bucket(Bucket=name)
    provision_lake(s3, moto_endpoint=moto_endpoint, bucket=bucket, timestream_database=settings.database_name)
    raw_stream = names.stream_name(settings.stack_name, "raw")
    cep_stream = names.stream_name(settings.stack_name, "cep")
    kinesis = client("kinesis", moto_endpoint)
    for stream in (raw_stream, cep_stream):
        _create_stream(kinesis, stream, settings)
    ensure_state_table(client("dynamodb", moto_endpoint), names.cep_state_table_name(settings.stack_name))
    write = client("timestream-write", timestream_endpoint)
    _ignore_conflict(lambda: write.create_database(DatabaseName=settings.database_name))
    for table in (settings.raw_table_name, settings.cep_table_name):
        _create_table(write, settings, table, bucket)
    return LocalStackState(
        moto_endpoint=moto_endpoint,
        timestream_endpoint=timestream_endpoint,
        region=region,
        account=account,
        database=settings.database_name,
        raw_table=settings.raw_table_name,
        cep_table=settings.cep_table_name,
        raw_stream=raw_stream,
        cep_stream=cep_stream,
        bucket=bucket,
        kept_bucket=kept_bucket,
    )


def _create_stream(kinesis: Any, stream: str, settings: Settings) -> None:
    # moto, like Kinesis, gives an on-demand stream 4 shards; provisioned takes the configured count.
    arguments: dict[str, Any] = {
        "StreamName": stream,
        "StreamModeDetails": {"StreamMode": settings.kinesis_stream_mode},
    }
    if settings.provisioned_streams:
        arguments["ShardCount"] = settings.kinesis_shard_count
    try:
        kinesis.create_stream(**arguments)
    except kinesis.exceptions.ResourceInUseException:
        return
    kinesis.get_waiter("stream_exists").wait(
        StreamName=stream, WaiterConfig={"Delay": 0.1, "MaxAttempts": 50}
    )


def _create_table(write: Any, settings: Settings, table: str, bucket: str) -> None:
    properties: dict[str, Any] = {
        "RetentionProperties": {
            "MemoryStoreRetentionPeriodInHours": settings.memory_retention_hours,
            "MagneticStoreRetentionPeriodInDays": settings.magnetic_retention_days,
        },
        "MagneticStoreWriteProperties": {"EnableMagneticStoreWrites": settings.magnetic_writes_enabled},
    }
    if settings.magnetic_writes_enabled:
        properties["MagneticStoreWriteProperties"]["MagneticStoreRejectedDataLocation"] = {
            "S3Configuration": {
                "BucketName": bucket,
                "ObjectKeyPrefix": settings.rejected_data_prefix,
                "EncryptionOption": "SSE_S3",
            }
        }
    _ignore_conflict(
        lambda: write.create_table(DatabaseName=settings.database_name, TableName=table, **properties)
    )


def _ignore_conflict(create: Any) -> None:
    """Run a create call; an existing resource is fine (the stack may already be up)."""
    try:
        create()
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ConflictException":
            raise
