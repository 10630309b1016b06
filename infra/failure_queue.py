"""The ingest mappings' on-failure destination: metadata of batches Lambda gave up on, kept 14 days."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.nag import acknowledge
from pipeline_config import names
from pipeline_config.settings import Settings

# SQS's maximum: the longest time to notice the alarm and replay the shard range from the stream.
RETENTION = Duration.days(14)


class FailureQueue(Construct):
    """`queue`: SQS-managed encryption (senders need no KMS grant), TLS-only queue policy."""

    def __init__(
        self, scope: Construct, id_: str, *, settings: Settings, removal_policy: RemovalPolicy
    ) -> None:
        super().__init__(scope, id_)
        self.queue = sqs.Queue(
            self,
            "Queue",
            queue_name=names.ingest_dlq_name(settings.stack_name),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=RETENTION,
            removal_policy=removal_policy,
        )
        acknowledge(
            self.queue,
            "AwsSolutions-SQS3",
            "This queue IS the dead-letter destination of the Kinesis mappings; nothing consumes it "
            "automatically, so a further DLQ would never receive anything",
        )
