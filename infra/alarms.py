"""Alarms on what fails silently: a stream falling behind, batches given up on, handler errors."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from pipeline_config.settings import Settings

PERIOD = Duration.minutes(1)
# Page well before records reach the mapping's maximum age and are sent to the failure queue.
MAX_ITERATOR_AGE_MS = 5 * 60 * 1000


def iterator_age_threshold_ms(settings: Settings) -> int:
    """Alarm at 5 minutes behind, or at half the maximum record age when that is shorter."""
    return min(MAX_ITERATOR_AGE_MS, settings.lambda_max_record_age_seconds * 1000 // 2)


class PipelineAlarms(Construct):
    """`alarms` by name; they have no actions: wire them to your paging topic (see README)."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        settings: Settings,
        streams: dict[str, kinesis.IStream],
        functions: dict[str, lambda_.IFunction],
        failure_queue: sqs.IQueue,
    ) -> None:
        super().__init__(scope, id_)
        self.alarms: dict[str, cloudwatch.Alarm] = {}
        for role, stream in streams.items():
            self.alarms[f"{role}-iterator-age"] = stream.metric_get_records_iterator_age_milliseconds(
                period=PERIOD, statistic="Maximum"
            ).create_alarm(
                self,
                f"{role.title()}IteratorAge",
                alarm_description=f"The {role} ingest Lambda is falling behind its stream",
                threshold=iterator_age_threshold_ms(settings),
                evaluation_periods=5,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
        for role, function in functions.items():
            self.alarms[f"{role}-errors"] = function.metric_errors(
                period=PERIOD, statistic="Sum"
            ).create_alarm(
                self,
                f"{role.title()}IngestErrors",
                alarm_description=f"The {role} ingest Lambda failed a batch (it is retried, then bisected)",
                threshold=0,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
        self.alarms["failure-queue"] = failure_queue.metric_approximate_number_of_messages_visible(
            period=PERIOD, statistic="Maximum"
        ).create_alarm(
            self,
            "IngestFailures",
            alarm_description="Kinesis batches were given up on: their shard ranges are in the failure queue",
            threshold=0,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
