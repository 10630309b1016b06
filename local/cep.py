"""The CEP stage on the local stack: the deployed processor behind a local mapping on the raw stream.

Like the deployed stage it reads the raw stream shard by shard, keeps its per-shard state in a
DynamoDB table (moto's) and puts matches on the CEP stream, where the CEP ingest mapping stores
them in the CEP table. Its checkpoints are its own: the raw ingest mapping reads the same stream.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from local.esm import LocalEventSourceMapping, MappingConfig
from local.resources import client
from pipeline_config.local_state import LocalStackState
from pipeline_config.settings import Settings
from timestream_cep import names
from timestream_cep.processor import CepProcessor
from timestream_cep.publisher import MatchPublisher
from timestream_cep.state_store import StateStore

ROLE = "cep-stage"


def state_table_name(settings: Settings) -> str:
    """The local state table (the deployed one's name is chosen by CloudFormation)."""
    return f"{settings.stack_name}-cep-state"


def ensure_state_table(dynamodb: Any, table: str) -> None:
    """Create the state table as the CDK app declares it (key `shard`, on demand) unless it exists."""
    try:
        dynamodb.create_table(
            TableName=table,
            KeySchema=[{"AttributeName": names.STATE_KEY, "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": names.STATE_KEY, "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    except dynamodb.exceptions.ResourceInUseException:
        pass


class LocalCepStage:
    """The deployed processor on local endpoints, called as the mapping calls the handler."""

    def __init__(self, settings: Settings, state: LocalStackState) -> None:
        dynamodb = client("dynamodb", state.moto_endpoint)
        kinesis = client("kinesis", state.moto_endpoint)
        table = state_table_name(settings)
        ensure_state_table(dynamodb, table)
        store = StateStore(dynamodb, table)
        self._processor = CepProcessor(store, MatchPublisher(kinesis, state.cep_stream), kinesis)

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, list[Any]]:
        self._processor.process(event)
        return {"batchItemFailures": []}


def cep_mapping(
    settings: Settings, state: LocalStackState, checkpoints: Path, kinesis: Any, sqs: Any
) -> LocalEventSourceMapping:
    """The stage's mapping on the raw stream, with the deployed mapping's retry settings."""
    return LocalEventSourceMapping(
        kinesis=kinesis,
        sqs=sqs,
        stream_name=state.raw_stream,
        handler=LocalCepStage(settings, state),
        config=MappingConfig.from_settings(settings, f"{settings.stack_name}-{ROLE}"),
        on_failure_queue_url=state.dlq_url,
        checkpoint_path=checkpoints / f"{state.raw_stream}.{ROLE}.json",
    )
