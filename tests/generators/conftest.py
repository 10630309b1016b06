"""Fixtures for the generators' tests: moto Kinesis/Timestream, a failure-injecting client wrapper."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

REPO_ROOT = Path(__file__).resolve().parents[2]

REGION = "us-east-1"
STREAM = "generators-test"
START = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture
def kinesis(aws: None) -> Any:
    """A real (moto) Kinesis client with a 4-shard stream named STREAM."""
    client = boto3.client("kinesis", region_name=REGION)
    client.create_stream(StreamName=STREAM, ShardCount=4)
    return client


def read_stream(client: Any, stream: str = STREAM) -> list[dict[str, Any]]:
    """Every record in the stream, shard by shard, oldest first."""
    records: list[dict[str, Any]] = []
    for shard in client.list_shards(StreamName=stream)["Shards"]:
        iterator = client.get_shard_iterator(
            StreamName=stream, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        while True:
            page = client.get_records(ShardIterator=iterator, Limit=10_000)
            records.extend({**record, "ShardId": shard["ShardId"]} for record in page["Records"])
            if not page["Records"]:
                break
            iterator = page["NextShardIterator"]
    return records


class FlakyKinesis:
    """The real client, except that entries chosen by `fails(data, attempt)` come back failed.

    Chosen entries are not forwarded; the others go through the real PutRecords, and the response
    is stitched back in the caller's order, as Kinesis answers a partially failed call.
    """

    def __init__(self, client: Any, fails: Callable[[bytes, int], bool]) -> None:
        self.client = client
        self.fails = fails
        self.attempts: dict[bytes, int] = {}
        self.calls: list[list[bytes]] = []
        self.exceptions = client.exceptions
        self.meta = client.meta

    def put_records(self, **kwargs: Any) -> dict[str, Any]:
        entries = kwargs.pop("Records")
        self.calls.append([entry["Data"] for entry in entries])
        failing = set()
        for index, entry in enumerate(entries):
            attempt = self.attempts[entry["Data"]] = self.attempts.get(entry["Data"], 0) + 1
            if self.fails(entry["Data"], attempt):
                failing.add(index)
        forwarded = [entry for index, entry in enumerate(entries) if index not in failing]
        answers = iter(self.client.put_records(Records=forwarded, **kwargs)["Records"] if forwarded else [])
        results = [
            {"ErrorCode": "ProvisionedThroughputExceededException", "ErrorMessage": "Rate exceeded for shard"}
            if index in failing
            else next(answers)
            for index in range(len(entries))
        ]
        return {"FailedRecordCount": len(failing), "Records": results}
