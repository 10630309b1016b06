"""The ingest Lambda: one function per stream, each writing to exactly one Timestream table.

Why one function per stream rather than one function with two mappings: the handler writes to the
single table named by `TIMESTREAM_TABLE`, and separate functions give each stream its own role
(write access to its own table only, read access to its own stream only), its own error alarm and
its own scaling and throttling metrics, so a failing or flooded raw path is visible apart from CEP.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from infra.file_tree import collect_tree
from infra.kept_records import KeptRecords
from infra.local_bundling import copy_files_bundling
from infra.nag import acknowledge, finding_text
from pipeline_config.bundles import INGEST_LAMBDA_DIR
from pipeline_config.settings import Settings
from timestream_ingest import names

RUNTIME = lambda_.Runtime.PYTHON_3_14  # the newest Python runtime aws-cdk-lib 2.275 knows
ARCHITECTURE = lambda_.Architecture.ARM_64
HANDLER = "timestream_ingest.handler.handler"
# The official public Powertools layer, resolved at deploy time from AWS's public SSM parameter;
# keep the version equal to the aws-lambda-powertools pin in requirements-dev.txt (a test checks).
POWERTOOLS_VERSION = "3.37.0"
POWERTOOLS_LAYER_PARAMETER = f"/aws/service/powertools/python/arm64/{RUNTIME.name}/{POWERTOOLS_VERSION}"
DESCRIBE_ENDPOINTS_REASON = (
    "timestream:DescribeEndpoints supports only Resource '*': every Timestream SDK call starts with "
    "endpoint discovery"
)


def ingest_asset_files(source: Path = INGEST_LAMBDA_DIR) -> dict[str, Path]:
    """The asset: the `lambda/ingest/` folder as it is (its Python package, without caches or tests)."""
    return collect_tree(source, "", suffixes=(".py",))


def powertools_layer(scope: Construct) -> lambda_.ILayerVersion:
    """The public Powertools layer for this runtime and architecture, pinned to POWERTOOLS_VERSION."""
    arn = ssm.StringParameter.value_for_string_parameter(scope, POWERTOOLS_LAYER_PARAMETER)
    return lambda_.LayerVersion.from_layer_version_arn(scope, "PowertoolsLayer", arn)


class IngestFunction(Construct):
    """`function` reading `stream` into one table; batches given up on are kept whole in `kept_records`."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        settings: Settings,
        stream: kinesis.IStream,
        table_name: str,
        table_arn: str,
        quarantine_bucket: s3.IBucket,
        kept_records: KeptRecords,
        layers: list[lambda_.ILayerVersion],
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, id_)
        self.log_group = logs.LogGroup(self, "Logs", removal_policy=removal_policy)
        # LogGroup's `retention` is an enum; the setting is validated against CloudWatch's allowed days.
        self.log_group.node.default_child.retention_in_days = settings.log_retention_days  # type: ignore[union-attr]
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Ingest Lambda for {table_name}: writes that table, reads its stream",
        )
        self._grant(self.role, table_arn, quarantine_bucket, settings.quarantine_prefix, kept_records.bucket)
        self.function = lambda_.Function(
            self,
            "Function",
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=HANDLER,
            code=lambda_.Code.from_asset(str(INGEST_LAMBDA_DIR), **copy_files_bundling(ingest_asset_files())),
            memory_size=settings.lambda_memory_mb,
            timeout=Duration.seconds(settings.lambda_timeout_seconds),
            role=self.role,
            log_group=self.log_group,
            layers=layers,
            description=f"Kinesis {stream.stream_name} -> Timestream {settings.database_name}.{table_name}",
            environment={
                names.ENV_TIMESTREAM_DATABASE: settings.database_name,
                names.ENV_TIMESTREAM_TABLE: table_name,
                names.ENV_QUARANTINE_BUCKET: quarantine_bucket.bucket_name,
                names.ENV_QUARANTINE_PREFIX: settings.quarantine_prefix,
                names.ENV_KEPT_RECORDS_BUCKET: kept_records.bucket.bucket_name,
                names.ENV_POWERTOOLS_SERVICE_NAME: names.SERVICE_NAME,
                names.ENV_POWERTOOLS_METRICS_NAMESPACE: names.METRICS_NAMESPACE,
            },
        )
        # Binding grants the role read on this stream and the on-failure destination's writes.
        # Retries last as long as the stream keeps a record (pipeline_config/mapping_retries.py);
        # EventCount metrics include OnFailureDestinationDeliveredEventCount, the kept-records alarm.
        self.event_source = sources.KinesisEventSource(
            stream,
            starting_position=lambda_.StartingPosition.TRIM_HORIZON,
            batch_size=settings.lambda_batch_size,
            max_batching_window=Duration.seconds(settings.lambda_batching_window_seconds),
            parallelization_factor=settings.lambda_parallelization_factor,
            retry_attempts=settings.mapping_retry_attempts,
            max_record_age=Duration.seconds(settings.mapping_max_record_age_seconds),
            bisect_batch_on_error=True,
            report_batch_item_failures=True,
            on_failure=kept_records.on_failure_destination(),
            metrics_config=lambda_.MetricsConfig(metrics=[lambda_.MetricType.EVENT_COUNT]),
        )
        self.function.add_event_source(self.event_source)

    def _grant(
        self,
        role: iam.Role,
        table_arn: str,
        bucket: s3.IBucket,
        quarantine_prefix: str,
        kept_bucket: s3.IBucket,
    ) -> None:
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[self.log_group.log_group_arn],
            )
        )
        role.add_to_policy(iam.PolicyStatement(actions=["timestream:WriteRecords"], resources=[table_arn]))
        role.add_to_policy(iam.PolicyStatement(actions=["timestream:DescribeEndpoints"], resources=["*"]))
        quarantine_objects = bucket.arn_for_objects(f"{quarantine_prefix}/*")
        ledger_objects = kept_bucket.arn_for_objects(f"{names.LEDGER_PREFIX}/*")
        role.add_to_policy(
            iam.PolicyStatement(actions=["s3:PutObject"], resources=[quarantine_objects, ledger_objects])
        )
        acknowledge(role, "AwsSolutions-IAM5[Resource::*]", DESCRIBE_ENDPOINTS_REASON)
        acknowledge(
            role,
            f"AwsSolutions-IAM5[Resource::{finding_text(self, quarantine_objects)}]",
            "Quarantined records are written as new objects under the quarantine prefix only",
        )
        acknowledge(
            role,
            f"AwsSolutions-IAM5[Resource::{finding_text(self, ledger_objects)}]",
            "The handled ledger is written as new objects under its prefix of the kept-records bucket only",
        )
