"""The CEP stage: a Lambda on the raw stream that finds the seed's pattern and puts matches on the CEP stream.

Why a Lambda with DynamoDB state rather than a Managed Flink application running cep.sql: at the
seed's rates it costs a fraction of Managed Flink's two-KPU minimum, runs on the local stack and in
tests as deployed, and fails per shard rather than per application (README, "Complex event
processing"). What Flink keeps in its checkpoints, the function keeps in one DynamoDB item per
shard, written conditionally after the batch's matches are on the CEP stream.

The mapping reads each shard in order, one batch at a time (parallelization factor 1: the state is
per shard), passes only sensor readings to the function (event filtering: the rest is not CEP input
and would only cost invocations), and shares the ingest mappings' retry settings and on-failure
destination, so a batch the stage cannot process is kept and replayed the same way as one the
ingest function cannot.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.alarms import PERIOD, iterator_age_threshold_ms
from infra.file_tree import collect_tree
from infra.ingest_function import ARCHITECTURE, RUNTIME
from infra.local_bundling import copy_files_bundling
from pipeline_config import names as pipeline_names
from pipeline_config.bundles import CEP_LAMBDA_DIR
from pipeline_config.settings import Settings
from timestream_cep import names
from timestream_cep.readings import mapping_filter_pattern

HANDLER = "timestream_cep.handler.handler"
# One batch per shard at a time: the state of a shard is one item, applied in sequence order.
PARALLELIZATION_FACTOR = 1


class CepStage(Construct):
    """`function` reading `raw_stream`, `state_table` (one item per shard), matches onto `cep_stream`."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        settings: Settings,
        raw_stream: kinesis.IStream,
        cep_stream: kinesis.IStream,
        on_failure: lambda_.IEventSourceDlq,
        layers: list[lambda_.ILayerVersion],
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, id_)
        self.state_table = dynamodb.Table(
            self,
            "State",
            table_name=pipeline_names.cep_state_table_name(settings.stack_name),
            partition_key=dynamodb.Attribute(name=names.STATE_KEY, type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute=names.STATE_EXPIRES,
            removal_policy=removal_policy,
        )
        self.log_group = logs.LogGroup(self, "Logs", removal_policy=removal_policy)
        # LogGroup's `retention` is an enum; the setting is validated against CloudWatch's allowed days.
        self.log_group.node.default_child.retention_in_days = settings.log_retention_days  # type: ignore[union-attr]
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="CEP stage: reads the raw stream, keeps per-shard state, writes the CEP stream",
        )
        self._grant(cep_stream)
        self.function = lambda_.Function(
            self,
            "Function",
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=HANDLER,
            code=lambda_.Code.from_asset(str(CEP_LAMBDA_DIR), **copy_files_bundling(cep_asset_files())),
            memory_size=settings.lambda_memory_mb,
            timeout=Duration.seconds(settings.lambda_timeout_seconds),
            role=self.role,
            log_group=self.log_group,
            layers=layers,
            description=f"CEP: Kinesis {raw_stream.stream_name} -> matches -> {cep_stream.stream_name}",
            environment={
                names.ENV_STATE_TABLE: self.state_table.table_name,
                names.ENV_CEP_STREAM: cep_stream.stream_name,
                names.ENV_POWERTOOLS_SERVICE_NAME: names.SERVICE_NAME,
                names.ENV_POWERTOOLS_METRICS_NAMESPACE: names.METRICS_NAMESPACE,
            },
        )
        # Binding grants the role read on the raw stream (ListShards included, which finds a new
        # shard's parents) and the on-failure destination's send.
        # Retries last as long as the stream keeps a record, as the ingest mappings' do
        # (pipeline_config/mapping_retries.py); EventCount metrics feed the kept-records alarm.
        # Only sensor readings reach the function (the filter is defined beside `sensor_reading`): the
        # raw stream's DevOps and other records would each cost billed duration for nothing, and
        # dropping them changes no match, as the stage's watermark advances on readings alone.
        self.event_source = sources.KinesisEventSource(
            raw_stream,
            starting_position=lambda_.StartingPosition.TRIM_HORIZON,
            batch_size=settings.lambda_batch_size,
            max_batching_window=Duration.seconds(settings.lambda_batching_window_seconds),
            parallelization_factor=PARALLELIZATION_FACTOR,
            retry_attempts=settings.mapping_retry_attempts,
            max_record_age=Duration.seconds(settings.mapping_max_record_age_seconds),
            bisect_batch_on_error=True,
            on_failure=on_failure,
            metrics_config=lambda_.MetricsConfig(metrics=[lambda_.MetricType.EVENT_COUNT]),
            filters=[lambda_.FilterCriteria.filter(mapping_filter_pattern())],
        )
        self.function.add_event_source(self.event_source)

        self.alarms = self._alarms(settings)

    def _alarms(self, settings: Settings) -> dict[str, cloudwatch.Alarm]:
        """A failed batch (retried, then kept for replay) and a stage falling behind its stream."""
        common = {
            "comparison_operator": cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            "treat_missing_data": cloudwatch.TreatMissingData.NOT_BREACHING,
        }
        errors = self.function.metric_errors(period=PERIOD, statistic="Sum").create_alarm(
            self,
            "Errors",
            alarm_description="The CEP stage failed a batch (retried, bisected, then sent to the on-failure "
            "destination with the ingest functions' failed batches)",
            threshold=0,
            evaluation_periods=1,
            **common,
        )
        behind = self.function.metric("IteratorAge", period=PERIOD, statistic="Maximum").create_alarm(
            self,
            "IteratorAge",
            alarm_description="The CEP stage is falling behind the raw stream: matches come late",
            threshold=iterator_age_threshold_ms(settings),
            evaluation_periods=5,
            **common,
        )
        return {"cep-errors": errors, "cep-iterator-age": behind}

    def _grant(self, cep_stream: kinesis.IStream) -> None:
        """Exactly the calls the handler makes, each on its one resource."""
        statements = (
            (["logs:CreateLogStream", "logs:PutLogEvents"], self.log_group.log_group_arn),
            (["dynamodb:GetItem", "dynamodb:PutItem"], self.state_table.table_arn),
            (["kinesis:PutRecords"], cep_stream.stream_arn),
        )
        for actions, resource in statements:
            self.role.add_to_policy(iam.PolicyStatement(actions=actions, resources=[resource]))


def cep_asset_files() -> dict[str, Path]:
    """The asset: the `lambda/cep/` folder as it is (its Python package, without caches or tests)."""
    return collect_tree(CEP_LAMBDA_DIR, "", suffixes=(".py",))
