"""The local event source mapping delivers Kinesis records with Lambda's semantics (moto Kinesis and S3)."""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local.esm import LocalEventSourceMapping, MappingConfig, MappingStats
from local.event_filter import UnsupportedFilterError

REGION = "us-east-1"
KEPT_BUCKET = "kept-records"


class RecordingFunction:
    """A test double of a Lambda function: records each event; fails the records it is told to."""

    def __init__(
        self,
        *,
        raise_on: set[bytes] = frozenset(),
        report_once: set[bytes] = frozenset(),
        bad_id: bool = False,
    ) -> None:
        self.raise_on, self.report_once, self.bad_id = raise_on, set(report_once), bad_id
        self.batches: list[list[tuple[str, bytes]]] = []
        self.events: list[dict[str, Any]] = []

    def __call__(self, event: dict[str, Any], context: Any) -> Mapping[str, Any]:
        self.events.append(event)
        batch = [
            (r["kinesis"]["sequenceNumber"], base64.b64decode(r["kinesis"]["data"])) for r in event["Records"]
        ]
        self.batches.append(batch)
        if any(data in self.raise_on for _, data in batch):
            raise RuntimeError("poison record in batch")
        if self.bad_id:
            self.bad_id = False
            return {"batchItemFailures": [{"itemIdentifier": ""}]}
        failed = [seq for seq, data in batch if data in self.report_once]
        self.report_once -= {data for _, data in batch}
        return {"batchItemFailures": [{"itemIdentifier": seq} for seq in failed]}

    def succeeded(self) -> list[bytes]:
        """Payloads of batches that returned without error, in delivery order."""
        return [
            data
            for batch in self.batches
            if not any(data in self.raise_on for _, data in batch)
            for _, data in batch
        ]


@pytest.fixture
def aws() -> Iterator[tuple[Any, Any, str]]:
    with mock_aws():
        kinesis = boto3.client("kinesis", region_name=REGION)
        s3 = boto3.client("s3", region_name=REGION)
        kinesis.create_stream(StreamName="events", ShardCount=1)
        s3.create_bucket(Bucket=KEPT_BUCKET)
        yield kinesis, s3, KEPT_BUCKET


def put(kinesis: Any, payloads: list[bytes], stream: str = "events") -> list[str]:
    return [
        kinesis.put_record(StreamName=stream, Data=data, PartitionKey=data.decode())["SequenceNumber"]
        for data in payloads
    ]


def mapping(
    aws: tuple[Any, Any, str],
    function: Any,
    tmp_path: Path,
    stream: str = "events",
    clock: Any = time.time,
    concurrency: int = 1,
    **overrides: Any,
) -> LocalEventSourceMapping:
    kinesis, s3, bucket = aws
    config = {
        "function_name": "ingest",
        "batch_size": 4,
        "retry_attempts": 5,
        "max_record_age_seconds": 3600,
        "on_failure_bucket": bucket,
    }
    return LocalEventSourceMapping(
        kinesis=kinesis,
        s3=s3,
        stream_name=stream,
        handler=function,
        config=MappingConfig(**{**config, **overrides}),
        checkpoint_path=tmp_path / "checkpoints.json",
        clock=clock,
        concurrency=concurrency,
    )


def failure_messages(aws: tuple[Any, Any, str]) -> list[dict[str, Any]]:
    """The on-failure records kept in the S3 destination, oldest first."""
    _, s3, bucket = aws
    listed = s3.list_objects_v2(Bucket=bucket).get("Contents", [])
    return [json.loads(s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read()) for o in listed]


PAYLOADS = [f"r{i:02d}".encode() for i in range(10)]


def test_every_record_is_delivered_once_in_order_per_shard(aws: tuple[Any, Any, str], tmp_path: Path) -> None:
    """Each record reaches the function exactly once, in sequence order within its shard."""
    # GIVEN a stream with three shards holding 60 records
    kinesis = aws[0]
    kinesis.create_stream(StreamName="wide", ShardCount=3)
    payloads = [f"key{i:03d}".encode() for i in range(60)]
    put(kinesis, payloads, stream="wide")
    function = RecordingFunction()
    # WHEN the mapping runs until idle with batches of 7
    mapping(aws, function, tmp_path, stream="wide", batch_size=7).run_until_idle()
    # THEN every payload arrived once, no batch exceeded 7, and each shard's sequence numbers increase
    delivered = [data for batch in function.batches for _, data in batch]
    assert sorted(delivered) == sorted(payloads)
    assert max(len(batch) for batch in function.batches) <= 7
    per_shard: dict[str, list[int]] = {}
    for event in function.events:
        for record in event["Records"]:
            shard = record["eventID"].split(":")[0]
            per_shard.setdefault(shard, []).append(int(record["kinesis"]["sequenceNumber"]))
    assert len(per_shard) > 1
    assert all(sequence == sorted(sequence) for sequence in per_shard.values())


def test_events_have_the_shape_lambda_delivers(aws: tuple[Any, Any, str], tmp_path: Path) -> None:
    """The handler receives a genuine Kinesis event: base64 data, sequence numbers, ARNs, event ids."""
    # GIVEN one record in the stream
    sequence = put(aws[0], [b'{"x": 1}'])[0]
    function = RecordingFunction()
    # WHEN it is delivered
    engine = mapping(aws, function, tmp_path)
    engine.run_until_idle()
    # THEN the event carries every field Lambda sets
    record = function.events[0]["Records"][0]
    assert base64.b64decode(record["kinesis"]["data"]) == b'{"x": 1}'
    assert record["kinesis"]["sequenceNumber"] == sequence
    assert record["kinesis"]["kinesisSchemaVersion"] == "1.0"
    assert isinstance(record["kinesis"]["approximateArrivalTimestamp"], float)
    assert record["eventSourceARN"] == engine.stream_arn
    assert record["eventID"] == f"shardId-000000000000:{sequence}"
    assert (record["eventSource"], record["eventName"], record["awsRegion"]) == (
        "aws:kinesis",
        "aws:kinesis:record",
        REGION,
    )


def test_partial_failure_is_redelivered_from_the_lowest_failed_sequence_number(
    aws: tuple[Any, Any, str], tmp_path: Path
) -> None:
    """batchItemFailures checkpoints before the lowest failed record and redelivers everything after it."""
    # GIVEN a batch of 4 whose 3rd and 2nd records are reported failed once
    put(aws[0], PAYLOADS[:4])
    function = RecordingFunction(report_once={PAYLOADS[2], PAYLOADS[1]})
    # WHEN the mapping runs
    mapping(aws, function, tmp_path).run_until_idle()
    # THEN the second invocation starts at the lowest failed record and carries the rest of the batch
    assert [[data for _, data in batch] for batch in function.batches] == [PAYLOADS[:4], PAYLOADS[1:4]]
    assert failure_messages(aws) == []


def test_an_item_identifier_not_in_the_batch_fails_the_whole_batch(
    aws: tuple[Any, Any, str], tmp_path: Path
) -> None:
    """An empty or unknown itemIdentifier makes Lambda redeliver the entire batch."""
    # GIVEN a function whose first response names an empty identifier
    put(aws[0], PAYLOADS[:3])
    function = RecordingFunction(bad_id=True)
    # WHEN the mapping runs
    mapping(aws, function, tmp_path).run_until_idle()
    # THEN the whole batch is delivered again
    assert [[data for _, data in batch] for batch in function.batches] == [PAYLOADS[:3], PAYLOADS[:3]]


def test_an_error_bisects_the_batch_until_the_poison_record_is_alone(
    aws: tuple[Any, Any, str], tmp_path: Path
) -> None:
    """With bisect on, the neighbours of a record that makes the function raise are all delivered."""
    # GIVEN 8 records, the 6th of which always makes the function raise
    sequences = put(aws[0], PAYLOADS[:8])
    function = RecordingFunction(raise_on={PAYLOADS[5]})
    # WHEN the mapping runs with batches of 8 and 5 retries
    mapping(aws, function, tmp_path, batch_size=8).run_until_idle()
    # THEN every other record succeeded in order and only the poison record was kept
    assert function.succeeded() == PAYLOADS[:5] + PAYLOADS[6:8]
    [message] = failure_messages(aws)
    info = message["KinesisBatchInfo"]
    assert (info["batchSize"], info["startSequenceNumber"], info["endSequenceNumber"]) == (
        1,
        sequences[5],
        sequences[5],
    )
    assert message["requestContext"]["condition"] == "RetryAttemptsExhausted"


def test_exhausted_retries_keep_the_whole_batch_and_move_past_it(
    aws: tuple[Any, Any, str], tmp_path: Path
) -> None:
    """After retry_attempts retries the batch is kept whole in S3 as Lambda's record; the shard moves on."""
    # GIVEN 8 records in batches of 4, the first batch poisoned, bisect off, 2 retries
    sequences = put(aws[0], PAYLOADS[:8])
    function = RecordingFunction(raise_on={PAYLOADS[1]})
    # WHEN the mapping runs
    engine = mapping(aws, function, tmp_path, bisect_batch_on_error=False, retry_attempts=2)
    engine.run_until_idle()
    # THEN the first batch was tried 3 times, kept with its metadata and records, the second delivered
    assert len(function.batches) == 4
    assert function.succeeded() == PAYLOADS[4:8]
    [message] = failure_messages(aws)
    info = message["KinesisBatchInfo"]
    assert info == {
        **info,
        "shardId": "shardId-000000000000",
        "startSequenceNumber": sequences[0],
        "endSequenceNumber": sequences[3],
        "batchSize": 4,
        "streamArn": engine.stream_arn,
    }
    assert message["requestContext"]["approximateInvokeCount"] == 3
    assert message["requestContext"]["condition"] == "RetryAttemptsExhausted"
    event = json.loads(message["payload"])  # Lambda's S3 record: the whole event as a JSON string
    assert event == function.events[2]  # the last invocation of that batch
    assert [base64.b64decode(r["kinesis"]["data"]) for r in event["Records"]] == PAYLOADS[:4]
    assert engine.stats.records_kept == 4


def test_kept_objects_are_named_as_lambda_names_them(aws: tuple[Any, Any, str], tmp_path: Path) -> None:
    """aws/lambda/<mapping UUID>/<shard>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<uuid>; the UUID is stable."""
    # GIVEN a batch that always fails, no retries
    put(aws[0], PAYLOADS[:2])
    engine = mapping(aws, RecordingFunction(raise_on={PAYLOADS[0]}), tmp_path, retry_attempts=0)
    # WHEN the mapping gives up on it
    engine.run_until_idle()
    # THEN the object's key follows Lambda's convention
    _, s3, bucket = aws
    (key,) = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert re.fullmatch(
        rf"aws/lambda/{engine.uuid}/shardId-000000000000/\d{{4}}/\d{{2}}/\d{{2}}/"
        r"\d{4}-\d{2}-\d{2}T\d{2}\.\d{2}\.\d{2}-[0-9a-f-]{36}",
        key,
    )
    assert engine.uuid == mapping(aws, RecordingFunction(), tmp_path).uuid


def test_splitting_a_batch_does_not_use_a_retry_attempt(aws: tuple[Any, Any, str], tmp_path: Path) -> None:
    """With bisect on and no retries at all, the poison record is still isolated from its neighbours."""
    # GIVEN 4 records, the 3rd always failing, and a mapping with 0 retry attempts
    put(aws[0], PAYLOADS[:4])
    function = RecordingFunction(raise_on={PAYLOADS[2]})
    # WHEN the mapping runs
    engine = mapping(aws, function, tmp_path, retry_attempts=0)
    engine.run_until_idle()
    # THEN the halves and quarters were tried without retrying: only the poison record is kept
    assert function.succeeded() == [PAYLOADS[0], PAYLOADS[1], PAYLOADS[3]]
    [message] = failure_messages(aws)
    assert message["KinesisBatchInfo"]["batchSize"] == 1
    assert engine.stats.records_kept == 1


def test_a_failed_delivery_to_the_destination_drops_the_records_as_lambda_does(
    aws: tuple[Any, Any, str], tmp_path: Path
) -> None:
    """If S3 refuses the kept batch, Lambda counts it as dropped and moves on; so does the local mapping."""
    # GIVEN a destination bucket that does not exist
    put(aws[0], PAYLOADS[:3])
    engine = mapping(
        aws,
        RecordingFunction(raise_on=set(PAYLOADS[:3])),
        tmp_path,
        retry_attempts=0,
        on_failure_bucket="gone",
    )
    # WHEN the mapping gives up on the batch
    stats = engine.run_until_idle()
    # THEN the records are counted as dropped, not kept, and the shard moved on
    assert (stats.records_kept, stats.records_dropped) == (0, 3)
    assert engine.run_until_idle().records_read == 3


def test_records_older_than_the_maximum_age_are_not_delivered(
    aws: tuple[Any, Any, str], tmp_path: Path
) -> None:
    """Records past max record age skip the function and are reported as RecordAgeExceeded."""
    # GIVEN records that, by the mapping's clock, arrived two hours ago
    put(aws[0], PAYLOADS[:3])
    function = RecordingFunction()
    # WHEN the mapping (max age one hour) runs
    mapping(aws, function, tmp_path, clock=lambda: time.time() + 7200).run_until_idle()
    # THEN the function was never invoked and the batch was kept with its records
    assert function.batches == []
    [message] = failure_messages(aws)
    assert message["requestContext"]["condition"] == "RecordAgeExceeded"
    assert message["KinesisBatchInfo"]["batchSize"] == 3
    assert len(json.loads(message["payload"])["Records"]) == 3


def test_a_restarted_mapping_resumes_from_its_checkpoints(aws: tuple[Any, Any, str], tmp_path: Path) -> None:
    """A new mapping on the same checkpoint file delivers only records it has not finished."""
    # GIVEN a mapping that has drained 5 records, then 3 more records arrive
    put(aws[0], PAYLOADS[:5])
    mapping(aws, RecordingFunction(), tmp_path).run_until_idle()
    put(aws[0], PAYLOADS[5:8])
    function = RecordingFunction()
    # WHEN a fresh mapping starts from the same checkpoint file
    mapping(aws, function, tmp_path).run_until_idle()
    # THEN it delivers exactly the 3 new records
    assert function.succeeded() == PAYLOADS[5:8]


def test_checkpoints_of_a_recreated_stream_are_ignored(aws: tuple[Any, Any, str], tmp_path: Path) -> None:
    """A stream deleted and re-created under the same name is read from its beginning."""
    # GIVEN a drained stream that is then deleted and re-created with new records
    kinesis = aws[0]
    put(kinesis, PAYLOADS[:5])
    mapping(aws, RecordingFunction(), tmp_path).run_until_idle()
    kinesis.delete_stream(StreamName="events")
    time.sleep(0.01)
    kinesis.create_stream(StreamName="events", ShardCount=1)
    put(kinesis, PAYLOADS[5:7])
    function = RecordingFunction()
    # WHEN a mapping starts with the old checkpoint file
    mapping(aws, function, tmp_path).run_until_idle()
    # THEN it delivers the new stream's records
    assert function.succeeded() == PAYLOADS[5:7]


def test_a_parent_shard_is_drained_before_its_children(aws: tuple[Any, Any, str], tmp_path: Path) -> None:
    """After a resharding, records of the closed parent reach the function before its children's."""
    # GIVEN 5 records in the original shard, a split, then 5 records in the child shards
    kinesis = aws[0]
    put(kinesis, PAYLOADS[:5])
    kinesis.split_shard(
        StreamName="events", ShardToSplit="shardId-000000000000", NewStartingHashKey=str(2**127)
    )
    put(kinesis, PAYLOADS[5:])
    function = RecordingFunction()
    # WHEN the mapping runs
    mapping(aws, function, tmp_path, batch_size=2).run_until_idle()
    # THEN all 10 arrived once, the parent's 5 first
    delivered = [data for batch in function.batches for _, data in batch]
    assert sorted(delivered) == PAYLOADS
    assert delivered[:5] == PAYLOADS[:5]


def test_concurrent_shards_keep_each_shards_order_and_deliver_once(
    aws: tuple[Any, Any, str], tmp_path: Path
) -> None:
    """With shards invoked side by side and reads ahead, each record still arrives once, in shard order."""
    # GIVEN a stream with three shards holding 60 records, one of which fails once
    kinesis = aws[0]
    kinesis.create_stream(StreamName="wide", ShardCount=3)
    payloads = [f"key{i:03d}".encode() for i in range(60)]
    put(kinesis, payloads, stream="wide")
    function = RecordingFunction(report_once={payloads[10]})
    # WHEN a concurrent mapping runs until idle with batches of 7
    concurrent = mapping(aws, function, tmp_path, stream="wide", batch_size=7, concurrency=3)
    try:
        concurrent.run_until_idle()
    finally:
        concurrent.close()
    # THEN every payload succeeded, only the failed batch's tail came twice, and shard order held
    delivered = [data for batch in function.batches for _, data in batch]
    assert sorted(set(delivered)) == sorted(payloads)
    assert len(delivered) - len(payloads) <= 7
    first_delivery: dict[str, list[int]] = {}
    for event in function.events:
        for record in event["Records"]:
            shard, sequence = record["eventID"].split(":")[0], int(record["kinesis"]["sequenceNumber"])
            if sequence not in first_delivery.setdefault(shard, []):
                first_delivery[shard].append(sequence)
    assert len(first_delivery) == 3
    assert all(sequence == sorted(sequence) for sequence in first_delivery.values())


def test_records_read_ahead_are_read_again_after_a_stop(aws: tuple[Any, Any, str], tmp_path: Path) -> None:
    """A batch read ahead but never delivered is not checkpointed: the next mapping delivers it."""
    # GIVEN a concurrent mapping stopped after one batch of 4, with the next batch read ahead
    payloads = [f"r{i:02d}".encode() for i in range(20)]
    put(aws[0], payloads)
    first_function = RecordingFunction()
    first = mapping(aws, first_function, tmp_path, concurrency=2)
    first.poll_once()
    first.close()
    # WHEN a fresh mapping resumes from the same checkpoint file
    second_function = RecordingFunction()
    mapping(aws, second_function, tmp_path).run_until_idle()
    # THEN together they delivered every record exactly once, in order
    assert first_function.succeeded() == payloads[:4]
    assert first_function.succeeded() + second_function.succeeded() == payloads


# The CEP stage's kind of filter: records whose data holds a "kind" field pass, the rest are dropped.
KIND_FILTER = ('{"data": {"kind": [{"exists": true}]}}',)
KEPT = [f'{{"kind": "k{i}"}}'.encode() for i in range(6)]
DROPPED = [f"other-{i}".encode() for i in range(6)]


def _saved_checkpoint(tmp_path: Path) -> str:
    return json.loads((tmp_path / "checkpoints.json").read_text())["sequence_numbers"]["shardId-000000000000"]


def test_filtered_records_are_never_delivered_and_count_as_processed(
    aws: tuple[Any, Any, str], tmp_path: Path
) -> None:
    """As on Lambda: batches are cut from the records that pass, and the checkpoint moves past the rest."""
    # GIVEN 12 records alternating kept and dropped, ending with a dropped one
    sequences = put(aws[0], [data for pair in zip(KEPT, DROPPED, strict=True) for data in pair])
    function = RecordingFunction()
    # WHEN a mapping filtering on "kind" runs with batches of 4
    engine = mapping(aws, function, tmp_path, filter_patterns=KIND_FILTER)
    stats = engine.run_until_idle()
    # THEN only the kept records arrived, in batches filled to 4 after filtering
    assert [[data for _, data in batch] for batch in function.batches] == [KEPT[:4], KEPT[4:]]
    assert (stats.records_read, stats.records_filtered, stats.records_succeeded) == (12, 6, 6)
    # AND the checkpoint is past the last record, a dropped one: a restarted mapping reads nothing
    assert _saved_checkpoint(tmp_path) == sequences[-1]
    restarted = mapping(aws, RecordingFunction(), tmp_path, filter_patterns=KIND_FILTER)
    assert restarted.run_until_idle() == MappingStats()


def test_a_batch_the_filters_leave_empty_is_not_invoked(aws: tuple[Any, Any, str], tmp_path: Path) -> None:
    """Records none of which pass make no invocation, and still move the checkpoint."""
    # GIVEN only records the filter drops
    sequences = put(aws[0], DROPPED)
    function = RecordingFunction()
    # WHEN the filtering mapping runs
    stats = mapping(aws, function, tmp_path, filter_patterns=KIND_FILTER).run_until_idle()
    # THEN the function never ran and the shard is done with every record
    assert function.batches == [] and stats.invocations == 0
    assert (stats.records_read, stats.records_filtered) == (6, 6)
    assert _saved_checkpoint(tmp_path) == sequences[-1]


def test_a_batch_given_up_moves_past_the_filtered_records_after_it(
    aws: tuple[Any, Any, str], tmp_path: Path
) -> None:
    """A kept batch accounts for the dropped records behind it, as a delivered one does."""
    # GIVEN two kept records that always fail, then dropped records, and no retries
    sequences = put(aws[0], [KEPT[0], DROPPED[0], KEPT[1], *DROPPED[1:3]])
    function = RecordingFunction(raise_on={KEPT[0]})
    # WHEN the filtering mapping (bisect off) gives up on the batch
    engine = mapping(
        aws, function, tmp_path, filter_patterns=KIND_FILTER, retry_attempts=0, bisect_batch_on_error=False
    )
    stats = engine.run_until_idle()
    # THEN the kept object holds the two records that passed, and the checkpoint is past the last record
    [message] = failure_messages(aws)
    records = json.loads(message["payload"])["Records"]
    assert [base64.b64decode(r["kinesis"]["data"]) for r in records] == [KEPT[0], KEPT[1]]
    assert (stats.records_kept, stats.records_filtered) == (2, 3)
    assert _saved_checkpoint(tmp_path) == sequences[-1]


def test_a_filter_it_cannot_evaluate_stops_the_mapping_before_it_reads(
    aws: tuple[Any, Any, str], tmp_path: Path
) -> None:
    """An operator the local mapping does not emulate is refused at start-up, naming it and the mapping."""
    put(aws[0], KEPT[:1])
    numeric = ('{"data": {"temperature": [{"numeric": [">", 100]}]}}',)
    with pytest.raises(UnsupportedFilterError, match=r"the ingest mapping's filter uses 'numeric'"):
        mapping(aws, RecordingFunction(), tmp_path, filter_patterns=numeric)
    assert not (tmp_path / "checkpoints.json").exists()
