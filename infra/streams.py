"""The two Kinesis streams: raw records and CEP matches, encrypted, each feeding one table."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_kinesis as kinesis
from constructs import Construct

from pipeline_config import names
from pipeline_config.settings import Settings

ROLES = ("raw", "cep")


class Streams(Construct):
    """`raw` and `cep` streams named `<stack>-raw` / `<stack>-cep` (the generators find them by name)."""

    def __init__(
        self, scope: Construct, id_: str, *, settings: Settings, removal_policy: RemovalPolicy
    ) -> None:
        super().__init__(scope, id_)
        self.raw = self._stream("Raw", "raw", settings, removal_policy)
        self.cep = self._stream("Cep", "cep", settings, removal_policy)

    def by_role(self) -> dict[str, kinesis.Stream]:
        return {"raw": self.raw, "cep": self.cep}

    def _stream(
        self, id_: str, role: str, settings: Settings, removal_policy: RemovalPolicy
    ) -> kinesis.Stream:
        mode = (
            kinesis.StreamMode.PROVISIONED if settings.provisioned_streams else kinesis.StreamMode.ON_DEMAND
        )
        stream = kinesis.Stream(
            self,
            id_,
            stream_name=names.stream_name(settings.stack_name, role),
            encryption=kinesis.StreamEncryption.MANAGED,
            stream_mode=mode,
            shard_count=settings.kinesis_shard_count if settings.provisioned_streams else None,
            retention_period=Duration.hours(settings.kinesis_retention_hours),
            removal_policy=removal_policy,
        )
        return stream
