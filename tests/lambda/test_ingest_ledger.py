"""The handled ledger: what a partly failed invocation wrote behind its first retried record."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from ingest_support import Event, dimensions, failed_sequences, kinesis_event, sensor_payloads, sequences
from ingest_timestream_rules import TimestreamRules

from timestream_ingest import names

Invoke = Callable[[Event], dict[str, Any]]
KEPT_BUCKET = "pipeline-kept-test"


@pytest.fixture
def kept_bucket(timestream: TimestreamRules, monkeypatch: pytest.MonkeyPatch) -> str:
    """The kept-records bucket exists and the function is told about it, as the CDK app does."""
    boto3.client("s3").create_bucket(Bucket=KEPT_BUCKET)
    monkeypatch.setenv(names.ENV_KEPT_RECORDS_BUCKET, KEPT_BUCKET)
    return KEPT_BUCKET


def _ledger() -> list[dict[str, Any]]:
    s3 = boto3.client("s3")
    listed = s3.list_objects_v2(Bucket=KEPT_BUCKET, Prefix=names.LEDGER_PREFIX + "/").get("Contents", [])
    return [json.loads(s3.get_object(Bucket=KEPT_BUCKET, Key=o["Key"])["Body"].read()) for o in listed]


def test_records_written_behind_a_retried_one_are_noted(
    invoke: Invoke, timestream: TimestreamRules, kept_bucket: str
) -> None:
    """Lambda will redeliver them; the ledger says they are stored, so nobody counts them as lost."""
    # GIVEN 150 readings in reverse sensor order: calls are planned by series, so the call of
    # sensors 100-149 holds the first 50 records of the shard; that call is throttled
    timestream.throttle = lambda record: dimensions(record).get("sensor_id") == "sensor-120"
    event = kinesis_event(sensor_payloads(150)[::-1])
    # WHEN the handler processes them
    response = invoke(event)
    # THEN the first 50 are retried, and the ledger notes that the 100 behind them were written
    assert failed_sequences(response) == sequences(event, *range(50))
    (entry,) = _ledger()
    assert entry["retried"] == sequences(event, *range(50))
    assert entry["handled"] == sequences(event, *range(50, 150))
    assert entry["shard_id"] == "shardId-000000000000"
    assert entry["stream_arn"] == event["Records"][0]["eventSourceARN"]


def test_a_fully_successful_invocation_writes_no_ledger(invoke: Invoke, kept_bucket: str) -> None:
    """The ledger costs nothing on the hot path: no failure, no object."""
    assert invoke(kinesis_event(sensor_payloads(20))) == {"batchItemFailures": []}
    assert _ledger() == []
