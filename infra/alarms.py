"""Alarms on what fails silently: a stream falling behind, batches given up on, handler errors.

Records given up on are kept whole in S3 (`OnFailureDestinationDeliveredEventCount`, one of the
mappings' EventCount metrics) and wait for `replay`; records Lambda could not even keep (the S3
delivery failed) are lost (`DroppedEventCount`). Both alarm on the first record.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from pipeline_config.settings import Settings

PERIOD = Duration.minutes(1)
# Page well before records reach the mapping's maximum age and are kept for replay.
MAX_ITERATOR_AGE_MS = 5 * 60 * 1000
# Lambda's event source mapping metrics (opted in with MetricsConfig EventCount).
MAPPING_NAMESPACE = "AWS/Lambda"
MAPPING_DIMENSION = "EventSourceMappingUUID"
KEPT_METRIC = "OnFailureDestinationDeliveredEventCount"
DROPPED_METRIC = "DroppedEventCount"


def iterator_age_threshold_ms(settings: Settings) -> int:
    """Alarm at 5 minutes behind, or at half the maximum record age when that is shorter."""
    return min(MAX_ITERATOR_AGE_MS, settings.mapping_max_record_age_seconds * 1000 // 2)


def mapping_metric(metric_name: str, mapping_id: str) -> cloudwatch.Metric:
    """One of an event source mapping's EventCount metrics, summed per minute."""
    return cloudwatch.Metric(
        namespace=MAPPING_NAMESPACE,
        metric_name=metric_name,
        dimensions_map={MAPPING_DIMENSION: mapping_id},
        period=PERIOD,
        statistic="Sum",
    )


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
        mapping_ids: dict[str, str],
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
        for role, mapping_id in mapping_ids.items():
            self.alarms[f"{role}-kept"] = mapping_metric(KEPT_METRIC, mapping_id).create_alarm(
                self,
                f"{role.title()}RecordsKept",
                alarm_description=(
                    f"The {role} mapping gave up on records and kept them in the kept-records bucket: "
                    "fix the cause, then replay them (README, 'Replaying kept records')"
                ),
                threshold=0,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            self.alarms[f"{role}-dropped"] = mapping_metric(DROPPED_METRIC, mapping_id).create_alarm(
                self,
                f"{role.title()}RecordsDropped",
                alarm_description=(
                    f"The {role} mapping dropped records it could not even keep (S3 delivery failed): "
                    "they are still in the stream until its retention ends"
                ),
                threshold=0,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
