"""Transient errors are retried inside the invocation; a record that makes the service fail stands alone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ingest_support import (
    Event,
    dimensions,
    failed_sequences,
    kinesis_event,
    quarantine_objects,
    sensor_payloads,
    sequences,
    stored,
)
from ingest_timestream_rules import TimestreamRules

from local.kinesis_event import LocalLambdaContext
from timestream_ingest import handler

InvokeWithin = Callable[[Event, int], dict[str, Any]]


def _sensor(record: dict[str, Any]) -> str:
    return dimensions(record).get("sensor_id", "")


def test_throttling_shorter_than_the_invocation_is_outlasted(
    invoke_within: InvokeWithin, timestream: TimestreamRules
) -> None:
    """Throttled calls wait and retry within the invocation: nothing is left for Lambda to redeliver."""
    # GIVEN 250 readings (3 calls) and a Timestream that throttles its first 6 calls
    timestream.throttle_first = 6
    event = kinesis_event(sensor_payloads(250))
    # WHEN a 2-second invocation processes them
    response = invoke_within(event, 2)
    # THEN all are written, none retried, after the 6 throttled calls were repeated
    assert response == {"batchItemFailures": []}
    assert len(stored()) == 250
    assert len(timestream.calls) == 3 + 6


def test_an_outage_longer_than_the_invocation_returns_the_records_before_the_timeout(
    timestream: TimestreamRules,
) -> None:
    """Retries stop in time to answer: every unwritten record is reported, none quarantined."""
    # GIVEN a Timestream that answers 500 to every call
    timestream.server_error = lambda _record: True
    event = kinesis_event(sensor_payloads(30))
    # WHEN a 2-second invocation processes 30 readings
    context = LocalLambdaContext("ingest", "arn:aws:lambda:us-east-1:123456789012:function:ingest", 2)
    response = handler.handler(event, context)
    # THEN it answered before its timeout, after retrying, with every record to retry and none quarantined
    assert context.get_remaining_time_in_millis() > 0
    assert len(timestream.calls) > 3
    assert failed_sequences(response) == sequences(event, *range(30))
    assert quarantine_objects() == {}


def test_an_outage_does_not_split_calls_beyond_one_probe(
    invoke_within: InvokeWithin, timestream: TimestreamRules
) -> None:
    """When every call fails with 5xx, a call is split once to probe, not down to single records."""
    # GIVEN a Timestream down with 500 for everything
    timestream.server_error = lambda _record: True
    # WHEN one planned call of 40 readings is processed for a second
    invoke_within(kinesis_event(sensor_payloads(40)), 1)
    # THEN no call carried fewer than 20 records
    assert min(len(call["Records"]) for call in timestream.calls) == 20


def test_a_record_that_makes_timestream_fail_with_500_is_isolated(
    invoke_within: InvokeWithin, timestream: TimestreamRules
) -> None:
    """A call that keeps failing with 5xx is split until the record causing it stands alone."""
    # GIVEN 100 readings, one of which makes every call holding it fail with HTTP 500
    timestream.server_error = lambda record: _sensor(record) == "sensor-061"
    event = kinesis_event(sensor_payloads(100))
    # WHEN a 2-second invocation processes them
    response = invoke_within(event, 2)
    # THEN the 99 others are written and only that record's source is left for Lambda to retry
    assert sorted(_sensor(r) for r in stored()) == sorted(f"sensor-{n:03d}" for n in range(100) if n != 61)
    assert failed_sequences(response) == sequences(event, 61)
    assert quarantine_objects() == {}


def test_a_quarantine_write_that_fails_briefly_is_retried_within_the_invocation(
    invoke_within: InvokeWithin, monkeypatch: Any
) -> None:
    """S3 failing for a moment does not send the poison record back to the stream."""
    # GIVEN an S3 client that fails its first two PutObject calls
    import botocore.client

    real_make_api_call = botocore.client.BaseClient._make_api_call
    failures = {"left": 2}

    def flaky(self: Any, operation: str, params: dict[str, Any]) -> Any:
        if operation == "PutObject" and failures["left"]:
            failures["left"] -= 1
            from botocore.exceptions import EndpointConnectionError

            raise EndpointConnectionError(endpoint_url="http://s3")
        return real_make_api_call(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", flaky)
    event = kinesis_event([sensor_payloads(1)[0], "not a record"])
    # WHEN a 2-second invocation processes a good record and a poison one
    response = invoke_within(event, 2)
    # THEN nothing is retried: the poison record was quarantined on the third try
    assert response == {"batchItemFailures": []}
    ((line,),) = quarantine_objects().values()
    assert line["sequence_number"] == sequences(event, 1)[0]
