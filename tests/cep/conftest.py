"""The CEP Lambda under test: moto for DynamoDB and Kinesis, the handler called as Lambda calls it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local.kinesis_event import FIRST_SEQUENCE_NUMBER, payload_event
from pipeline_config import names as repo_names
from tests.cep.cep_support import reading_json
from timestream_cep import handler, names
from timestream_cep.pattern import Reading

STATE_TABLE, RAW_STREAM, CEP_STREAM = "cep-state", "pipeline-raw", "pipeline-cep"
RAW_ARN = f"arn:aws:kinesis:{repo_names.LOCAL_REGION}:{repo_names.LOCAL_ACCOUNT}:stream/{RAW_STREAM}"
SHARD = "shardId-000000000000"
_SESSION = boto3.Session()


def create_state_table(dynamodb: Any, table: str) -> None:
    """The state table as the CDK app declares it: partition key `shard`, on demand."""
    dynamodb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": names.STATE_KEY, "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": names.STATE_KEY, "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


@pytest.fixture
def cep_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto with the state table, the raw stream and the CEP stream; the function's environment set."""
    monkeypatch.setenv(names.ENV_STATE_TABLE, STATE_TABLE)
    monkeypatch.setenv(names.ENV_CEP_STREAM, CEP_STREAM)
    with mock_aws():
        boto3.DEFAULT_SESSION = _SESSION
        create_state_table(boto3.client("dynamodb"), STATE_TABLE)
        kinesis = boto3.client("kinesis")
        for stream in (RAW_STREAM, CEP_STREAM):
            kinesis.create_stream(StreamName=stream, ShardCount=1)
        handler.reset()
        yield
        handler.reset()


def reading_event(readings: list[Reading], first: int = 0, shard_id: str = SHARD) -> dict[str, Any]:
    """A Kinesis event on the raw stream carrying sensor readings; `first` offsets the sequence numbers."""
    return payload_event(
        [reading_json(r) for r in readings],
        stream_arn=RAW_ARN,
        first_sequence=FIRST_SEQUENCE_NUMBER + first,
        shard_id=shard_id,
        first_arrival=1_800_000_000.0,
    )


def cep_stream_records() -> list[bytes]:
    """Every record on the CEP stream, oldest first."""
    kinesis = boto3.client("kinesis")
    found = []
    for shard in kinesis.list_shards(StreamName=CEP_STREAM)["Shards"]:
        iterator = kinesis.get_shard_iterator(
            StreamName=CEP_STREAM, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        found += [r["Data"] for r in kinesis.get_records(ShardIterator=iterator, Limit=10_000)["Records"]]
    return found


@pytest.fixture
def invoke(cep_aws: None) -> Callable[[dict[str, Any]], Any]:
    """Call the real handler as Lambda does."""
    return lambda event: handler.handler(event, None)
