"""The local Kinesis (moto with linear shards and direct responses) answers exactly as stock moto does."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import moto
import pytest
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.kinesis import models
from moto.kinesis.responses import KinesisResponse

from local import kinesis_responses, linear_kinesis, moto_server

STOCK = {
    "Shard": linear_kinesis.LinearShard.__bases__[0],
    "put_record": linear_kinesis.STOCK_PUT_RECORD,
    **kinesis_responses.STOCK_METHODS,
}
VOLATILE = {
    "ResponseMetadata",
    "ApproximateArrivalTimestamp",
    "MillisBehindLatest",
    "StreamCreationTimestamp",
}


def use(monkeypatch: pytest.MonkeyPatch, *, linear: bool) -> None:
    """Stock moto or ours for this test only, whatever another test of the session installed."""
    monkeypatch.setattr(models, "Shard", linear_kinesis.LinearShard if linear else STOCK["Shard"])
    put_record = linear_kinesis.put_record_within_retention if linear else STOCK["put_record"]
    monkeypatch.setattr(models.Stream, "put_record", put_record)
    for name in kinesis_responses.STOCK_METHODS:
        method = getattr(kinesis_responses, name) if linear else STOCK[name]
        monkeypatch.setattr(KinesisResponse, name, method)


def stable(document: Any) -> Any:
    """A response without what differs from run to run (request ids, arrival times)."""
    if isinstance(document, dict):
        return {key: stable(value) for key, value in document.items() if key not in VOLATILE}
    if isinstance(document, list):
        return [stable(item) for item in document]
    return document


def read_all(kinesis: Any, shard_id: str, limit: int, **position: Any) -> list[Any]:
    iterator = kinesis.get_shard_iterator(StreamName="s", ShardId=shard_id, **position)["ShardIterator"]
    responses = []
    while True:
        response = kinesis.get_records(ShardIterator=iterator, Limit=limit)
        responses.append(stable(response))
        iterator = response["NextShardIterator"]
        if not response["Records"]:
            return responses


def scenario(kinesis: Any) -> list[Any]:
    """Puts of varied payloads and keys, every iterator type, a split and a merge; every answer kept."""
    answers: list[Any] = []
    kinesis.create_stream(StreamName="s", ShardCount=2)
    payloads = [
        {"Data": bytes([n % 256]) * (1 + n % 40), "PartitionKey": f"key-{n % 13}"} for n in range(300)
    ]
    answers.append(stable(kinesis.put_records(StreamName="s", Records=payloads)))
    answers.append(stable(kinesis.put_record(StreamName="s", Data=b"\x00\xff", PartitionKey="one")))
    shards = kinesis.list_shards(StreamName="s")["Shards"]
    answers.append(stable(shards))
    first = shards[0]["ShardId"]
    answers.append(read_all(kinesis, first, 7, ShardIteratorType="TRIM_HORIZON"))
    answers.append(
        read_all(kinesis, first, 50, ShardIteratorType="AT_SEQUENCE_NUMBER", StartingSequenceNumber="20")
    )
    answers.append(
        read_all(kinesis, first, 50, ShardIteratorType="AFTER_SEQUENCE_NUMBER", StartingSequenceNumber="20")
    )
    answers.append(
        read_all(kinesis, first, 50, ShardIteratorType="AT_TIMESTAMP", Timestamp=datetime(2000, 1, 1))
    )
    answers.append(
        read_all(kinesis, first, 50, ShardIteratorType="AT_TIMESTAMP", Timestamp=datetime(2999, 1, 1))
    )
    latest = kinesis.get_shard_iterator(StreamName="s", ShardId=first, ShardIteratorType="LATEST")[
        "ShardIterator"
    ]
    kinesis.put_records(StreamName="s", Records=payloads[:40])
    answers.append(stable(kinesis.get_records(ShardIterator=latest)))
    kinesis.split_shard(StreamName="s", ShardToSplit=first, NewStartingHashKey=str(2**126))
    kinesis.merge_shards(
        StreamName="s", ShardToMerge="shardId-000000000002", AdjacentShardToMerge="shardId-000000000003"
    )
    answers.append(stable(kinesis.describe_stream(StreamName="s")["StreamDescription"]["Shards"]))
    for shard in kinesis.list_shards(StreamName="s")["Shards"]:
        answers.append(read_all(kinesis, shard["ShardId"], 64, ShardIteratorType="TRIM_HORIZON"))
    return answers


def only_shard(stream: str) -> Any:
    return (
        models.kinesis_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
        .streams[stream]
        .shards["shardId-000000000000"]
    )


@pytest.fixture
def kinesis() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("kinesis", region_name="us-east-1")


def test_the_installed_moto_is_the_one_the_replacements_were_checked_against() -> None:
    """A moto upgrade fails here first: re-read moto/kinesis/{models,responses}.py, then bump the version."""
    assert moto.__version__ == moto_server.CHECKED_MOTO_VERSION, moto_server.CHECKED_MOTO_VERSION


def test_install_refuses_a_moto_it_was_not_checked_against(monkeypatch: pytest.MonkeyPatch) -> None:
    """The server does not start on an unchecked moto: it says which file to compare and what to update."""
    # GIVEN another moto version
    monkeypatch.setattr(moto, "__version__", "9.9.9")
    # WHEN the replacements are installed THEN the message names the versions and the fix
    with pytest.raises(
        RuntimeError, match=r"moto 5\.2\.5, but moto 9\.9\.9 is installed.*CHECKED_MOTO_VERSION"
    ):
        moto_server.install()


def test_every_answer_equals_stock_motos(monkeypatch: pytest.MonkeyPatch) -> None:
    """Same sequence numbers, shards, payloads, iterators and resharding results as stock moto."""
    results = []
    for linear in (False, True):
        # GIVEN stock moto, then ours
        use(monkeypatch, linear=linear)
        # WHEN the same scenario runs on each
        with mock_aws():
            results.append(scenario(boto3.client("kinesis", region_name="us-east-1")))
    # THEN every answer is the same
    assert results[0] == results[1]
    assert sum(len(response["Records"]) for response in results[1][3]) > 100  # the scenario read records


def test_puts_and_reads_never_list_the_whole_shard(monkeypatch: pytest.MonkeyPatch, kinesis: Any) -> None:
    """The constant cost per record, checked without a clock: the hot path never builds `records`."""
    # GIVEN linear shards whose full listing (O(n), only for split and merge) raises
    use(monkeypatch, linear=True)

    def refuse(_: Any) -> None:
        raise AssertionError("the whole shard was listed")

    monkeypatch.setattr(
        linear_kinesis.LinearShard, "records", property(refuse, linear_kinesis.LinearShard.records.fset)
    )
    kinesis.create_stream(StreamName="s", ShardCount=1)
    assert isinstance(only_shard("s"), linear_kinesis.LinearShard)
    # WHEN 2,000 records are put and read back in batches, with ListShards between the batches
    for start in range(0, 2000, 500):
        batch = [{"Data": f"{n}".encode(), "PartitionKey": "k"} for n in range(start, start + 500)]
        kinesis.put_records(StreamName="s", Records=batch)
        kinesis.list_shards(StreamName="s")
    responses = read_all(kinesis, "shardId-000000000000", 300, ShardIteratorType="TRIM_HORIZON")
    # THEN every record came back, in order
    data = [record["Data"] for response in responses for record in response["Records"]]
    assert data == [f"{n}".encode() for n in range(2000)]


def test_records_older_than_the_retention_period_are_gone(
    monkeypatch: pytest.MonkeyPatch, kinesis: Any
) -> None:
    """As in Kinesis, records past the stream's retention are trimmed; sequence numbers keep increasing."""
    # GIVEN a 24-hour stream holding 3 records
    use(monkeypatch, linear=True)
    kinesis.create_stream(StreamName="s", ShardCount=1)
    old = [
        kinesis.put_record(StreamName="s", Data=b"old", PartitionKey="k")["SequenceNumber"] for _ in range(3)
    ]
    # WHEN one more record arrives 25 hours later
    later = linear_kinesis.time.time() + 25 * 3600
    clock: Callable[[], float] = lambda: later  # noqa: E731
    monkeypatch.setattr(linear_kinesis.time, "time", clock)
    new = kinesis.put_record(StreamName="s", Data=b"new", PartitionKey="k")["SequenceNumber"]
    # THEN only the new record is left, numbered after the trimmed ones
    records = read_all(kinesis, "shardId-000000000000", 10, ShardIteratorType="TRIM_HORIZON")[0]["Records"]
    assert [record["Data"] for record in records] == [b"new"]
    assert int(new) == int(old[-1]) + 1
    starting = kinesis.list_shards(StreamName="s")["Shards"][0]["SequenceNumberRange"][
        "StartingSequenceNumber"
    ]
    assert starting == new


def test_records_carry_their_arrival_time(monkeypatch: pytest.MonkeyPatch, kinesis: Any) -> None:
    """GetRecords carries each record's arrival time, in UTC, as stock moto does."""
    # GIVEN a record put now
    use(monkeypatch, linear=True)
    kinesis.create_stream(StreamName="s", ShardCount=1)
    before = datetime.now(UTC)
    kinesis.put_record(StreamName="s", Data=b"x", PartitionKey="k")
    # WHEN it is read
    iterator = kinesis.get_shard_iterator(
        StreamName="s", ShardId="shardId-000000000000", ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    arrival = kinesis.get_records(ShardIterator=iterator)["Records"][0]["ApproximateArrivalTimestamp"]
    # THEN its arrival time is the moment of the put (to moto's millisecond)
    assert abs((arrival - before).total_seconds()) < 5
