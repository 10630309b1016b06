"""`python -m replay` against AWS (moto): a dry run by default, exact counts, idempotent, clear errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local.kinesis_event import StreamRecord, kept_object_key, kinesis_event, on_failure_record
from pipeline_config import names
from replay.cli import main
from timestream_ingest import names as ingest_names

REGION, ACCOUNT = "us-east-1", "123456789012"
BUCKET, STREAM = "pipeline-kept", "pipeline-raw"
STREAM_ARN = f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{STREAM}"


@pytest.fixture
def aws() -> Iterator[Any]:
    with mock_aws():
        boto3.client("s3", region_name=REGION).create_bucket(Bucket=BUCKET)
        kinesis = boto3.client("kinesis", region_name=REGION)
        kinesis.create_stream(StreamName=STREAM, ShardCount=1)
        yield kinesis


def _keep(records: list[StreamRecord], payload_as_object: bool = False) -> str:
    """A batch kept by Lambda in its S3 on-failure destination, as the service writes it."""
    event = kinesis_event(
        records, stream_arn=STREAM_ARN, region=REGION, account=ACCOUNT, function_name="ingest"
    )
    document = on_failure_record(
        records,
        stream_arn=STREAM_ARN,
        condition="RecordAgeExceeded",
        function_arn=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:ingest",
        invoke_count=3,
        function_error=None,
        event=event,
    )
    if payload_as_object:  # how some emulators write it; AWS documents an escaped JSON string
        document["payload"] = event
    key = kept_object_key("mapping-uuid", records[0].shard_id, datetime.now(UTC))
    boto3.client("s3", region_name=REGION).put_object(Bucket=BUCKET, Key=key, Body=json.dumps(document))
    return key


def _record(n: int, shard: str = "shardId-000000000000") -> StreamRecord:
    return StreamRecord(shard, str(1000 + n), f"pk-{n}", f"payload-{n}".encode(), datetime.now(UTC))


def _stream_payloads(kinesis: Any) -> list[bytes]:
    iterator = kinesis.get_shard_iterator(
        StreamName=STREAM, ShardId="shardId-000000000000", ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    return [r["Data"] for r in kinesis.get_records(ShardIterator=iterator)["Records"]]


def test_a_dry_run_reports_exactly_and_puts_nothing(aws: Any, capsys: pytest.CaptureFixture[str]) -> None:
    """Kept records the ledger says were stored are counted apart, and nothing reaches the stream."""
    # GIVEN a kept batch of 3, the 2nd of which the handler's ledger notes as written
    _keep([_record(0), _record(1), _record(2)])
    ledger = {
        "stream_arn": STREAM_ARN,
        "shard_id": "shardId-000000000000",
        "handled": ["1001"],
        "retried": ["1000"],
    }
    key = ingest_names.ledger_object_key(STREAM, "shardId-000000000000", "1000", "x")
    boto3.client("s3", region_name=REGION).put_object(Bucket=BUCKET, Key=key, Body=json.dumps(ledger))
    # WHEN replay runs without --apply
    status = main(["--bucket", BUCKET, "--region", REGION])
    # THEN it reports 1 already stored and 2 to replay, and the stream is still empty
    output = capsys.readouterr().out
    assert status == 0
    assert "1 kept batches, 3 records" in output
    assert "already stored (written before Lambda gave up, per the ledger): 1" in output
    assert f"to replay: 2; 2 to {STREAM}" in output
    assert "dry run" in output
    assert _stream_payloads(aws) == []


def test_apply_puts_each_record_back_once_however_often_it_runs(
    aws: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """Records go back in order with their partition keys; a second run, or a second copy, adds nothing."""
    # GIVEN two kept batches, one holding a record of the other again (kept twice), one in object form
    _keep([_record(0), _record(1)])
    _keep([_record(1), _record(2)], payload_as_object=True)
    # WHEN replay is applied twice
    first = main(["--bucket", BUCKET, "--region", REGION, "--apply"])
    second = main(["--bucket", BUCKET, "--region", REGION, "--apply"])
    # THEN the three distinct records are on the stream once each, and the second run replayed none
    assert (first, second) == (0, 0)
    assert _stream_payloads(aws) == [b"payload-0", b"payload-1", b"payload-2"]
    output = capsys.readouterr().out
    assert "replayed 3 records" in output
    assert "already replayed: 4" in output and "replayed 0 records" in output
    marks = boto3.client("s3", region_name=REGION).list_objects_v2(
        Bucket=BUCKET, Prefix=names.REPLAYED_PREFIX
    )
    assert len(marks["Contents"]) == 2


def test_without_a_bucket_the_stack_outputs_are_read_and_a_missing_stack_is_explained(
    aws: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """No --bucket and no deployed stack: one line saying what to do, not a traceback."""
    assert main(["--region", REGION]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: cannot read stack 'TimestreamPipeline'")
    assert "pass --bucket" in error


def test_kept_records_keep_their_bytes_exactly(aws: Any) -> None:
    """The payload Lambda kept (base64 in the event) is what goes back, byte for byte."""
    binary = StreamRecord("shardId-000000000000", "2000", "pk", bytes(range(256)), datetime.now(UTC))
    _keep([binary])
    assert main(["--bucket", BUCKET, "--region", REGION, "--apply"]) == 0
    assert _stream_payloads(aws) == [bytes(range(256))]
