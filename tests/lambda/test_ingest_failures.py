"""Failure semantics: each record is written, quarantined with a reason, or retried: exactly one."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest
from ingest_support import (
    BUCKET,
    PREFIX,
    Event,
    dimensions,
    failed_sequences,
    kinesis_event,
    load_event,
    quarantine_objects,
    sensor_payloads,
    sequences,
    stored,
)
from ingest_timestream_rules import TimestreamRules, merge_common

from timestream_ingest import names

Invoke = Callable[[Event], dict[str, Any]]


def _sensor(record: dict[str, Any]) -> str:
    return dimensions(record).get("sensor_id", "")


def test_poison_records_are_quarantined_with_reasons_while_neighbours_are_written(invoke: Invoke) -> None:
    """Undecodable and invalid payloads go to one quarantine object; the good ones around them are written."""
    # GIVEN three good sensor readings interleaved with non-UTF-8 bytes, a NaN, free text and unknown JSON
    event = load_event("poison")
    # WHEN the handler processes the batch
    response = invoke(event)
    # THEN nothing is retried, the 3 good readings are written, the 4 others quarantined with reasons
    assert response == {"batchItemFailures": []}
    assert sorted(_sensor(r) for r in stored()) == ["sensor-07", "sensor-07", "sensor-42"]
    first = event["Records"][0]["kinesis"]["sequenceNumber"]
    key = names.quarantine_object_key(PREFIX, "pipeline-raw", "shardId-000000000000", first)
    lines = quarantine_objects()[key]
    assert {line["sequence_number"]: line["reason"] for line in lines} == dict(
        zip(
            sequences(event, 1, 3, 4, 5),
            ["undecodable", "invalid_value", "undecodable", "undecodable"],
            strict=True,
        )
    )


def test_a_quarantine_line_holds_the_raw_payload_and_where_it_came_from(invoke: Invoke) -> None:
    """A quarantine line allows replay: the original data, stream, shard, sequence and arrival time."""
    # GIVEN a batch whose second record is free text
    event = kinesis_event([sensor_payloads(1)[0], "not a record"])
    # WHEN the handler processes it
    invoke(event)
    # THEN the line carries the Kinesis data unchanged, with its origin and a reason saying what was wrong
    ((line,),) = quarantine_objects().values()
    source = event["Records"][1]
    assert base64.b64decode(line["payload_base64"]) == b"not a record"
    assert line["stream_arn"] == source["eventSourceARN"]
    assert (line["shard_id"], line["sequence_number"]) == (
        "shardId-000000000000",
        source["kinesis"]["sequenceNumber"],
    )
    assert line["arrival_time"].startswith("2023-11-14T22:13:21")
    assert "neither a JSON object" in line["detail"]


def test_records_timestream_rejects_are_quarantined_by_record_index(
    invoke: Invoke, timestream: TimestreamRules
) -> None:
    """RejectedRecords are mapped by RecordIndex back to their Kinesis records, across concurrent calls."""
    # GIVEN 250 readings (three WriteRecords calls) and a Timestream that rejects sensors 7, 123 and 249
    rejected = {"sensor-007", "sensor-123", "sensor-249"}
    timestream.reject = lambda record: _sensor(record) in rejected
    event = kinesis_event(sensor_payloads(250))
    # WHEN the handler processes them
    response = invoke(event)
    # THEN exactly those three are quarantined as rejected, the other 247 written, nothing retried
    assert response == {"batchItemFailures": []}
    assert len(stored()) == 247 and rejected.isdisjoint(_sensor(r) for r in stored())
    ((lines),) = quarantine_objects().values()
    assert {line["sequence_number"] for line in lines} == set(sequences(event, 7, 123, 249))
    assert {line["reason"] for line in lines} == {"rejected_by_timestream"}
    assert "higher version" in lines[0]["detail"]


def test_throttling_reports_exactly_the_unwritten_records_for_retry(
    invoke: Invoke, timestream: TimestreamRules
) -> None:
    """A throttled call's records, and only those, come back in batchItemFailures; none is quarantined."""
    # GIVEN 250 readings and a Timestream that throttles the one call holding sensor-150
    timestream.throttle = lambda record: _sensor(record) == "sensor-150"
    event = kinesis_event(sensor_payloads(250))
    # WHEN the handler processes them
    response = invoke(event)
    # THEN the throttled call's records are retried, every other record is written, quarantine stays empty
    throttled_call = next(
        call
        for call in timestream.calls
        if any(_sensor(merge_common({}, r)) == "sensor-150" for r in call["Records"])
    )
    unwritten = {
        _sensor(merge_common(throttled_call.get("CommonAttributes", {}), r))
        for r in throttled_call["Records"]
    }
    expected = [
        record["kinesis"]["sequenceNumber"]
        for record, payload in zip(event["Records"], sensor_payloads(250), strict=True)
        if payload["sensor_id"] in unwritten
    ]
    assert failed_sequences(response) == expected
    assert len(stored()) == 250 - len(expected)
    assert quarantine_objects() == {}


def test_a_write_timeout_is_retried_never_quarantined(invoke: Invoke, timestream: TimestreamRules) -> None:
    """A timeout says nothing about the record: it goes back to the stream, not to quarantine."""
    # GIVEN a Timestream that times out on every call
    timestream.time_out = lambda record: True
    event = kinesis_event(sensor_payloads(3))
    # WHEN the handler processes three readings
    response = invoke(event)
    # THEN all three are reported for retry and nothing is quarantined
    assert failed_sequences(response) == sequences(event, 0, 1, 2)
    assert quarantine_objects() == {}


def test_a_redelivered_batch_overwrites_its_quarantine_object(invoke: Invoke) -> None:
    """Redelivery of the same batch produces the same key: one object, no duplicated lines."""
    # GIVEN a batch with poison records, processed once
    event = load_event("poison")
    invoke(event)
    # WHEN Lambda delivers the same batch again
    invoke(event)
    # THEN there is still one quarantine object holding each poison record once
    (lines,) = quarantine_objects().values()
    assert sorted(line["sequence_number"] for line in lines) == sorted(sequences(event, 1, 3, 4, 5))


def test_a_failed_quarantine_write_turns_its_records_into_retries(
    invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the quarantine object cannot be stored, the poison records are retried rather than lost."""
    # GIVEN a quarantine bucket that does not exist
    monkeypatch.setenv(names.ENV_QUARANTINE_BUCKET, f"{BUCKET}-missing")
    event = load_event("poison")
    # WHEN the handler processes poison records
    response = invoke(event)
    # THEN exactly the poison records are reported for retry and the good ones are written
    assert failed_sequences(response) == sequences(event, 1, 3, 4, 5)
    assert len(stored()) == 3


def test_poison_behind_a_retried_record_is_retried_not_quarantined(
    invoke: Invoke, timestream: TimestreamRules
) -> None:
    """Lambda redelivers all after the first retried record, so later poison waits for the redelivery."""
    # GIVEN poison, then a reading Timestream throttles, then more poison
    timestream.throttle = lambda record: _sensor(record) == "sensor-000"
    event = kinesis_event(["poison before", sensor_payloads(1)[0], "poison after"])
    # WHEN the handler processes the batch
    response = invoke(event)
    # THEN the first poison is quarantined; the throttled reading and the later poison are retried
    (lines,) = quarantine_objects().values()
    assert [line["sequence_number"] for line in lines] == sequences(event, 0)
    assert failed_sequences(response) == sequences(event, 1, 2)


def test_a_record_timestream_calls_invalid_is_isolated_and_quarantined(
    invoke: Invoke, timestream: TimestreamRules
) -> None:
    """A ValidationException is bisected down to the offending record; its neighbours are written."""
    # GIVEN 40 readings (one call) and a Timestream that refuses any call holding sensor-031
    timestream.invalid = lambda record: _sensor(record) == "sensor-031"
    event = kinesis_event(sensor_payloads(40))
    # WHEN the handler processes them
    response = invoke(event)
    # THEN only sensor-031 is quarantined, as invalid for Timestream; the other 39 are written
    assert response == {"batchItemFailures": []}
    assert len(stored()) == 39
    (lines,) = quarantine_objects().values()
    assert [(line["sequence_number"], line["reason"]) for line in lines] == [
        (sequences(event, 31)[0], "invalid_for_timestream")
    ]


def test_an_event_that_is_not_from_kinesis_fails_with_a_message_naming_the_problem(invoke: Invoke) -> None:
    """A wiring mistake (not a Kinesis event) is an invocation error that says what was expected."""
    # GIVEN an SQS-shaped event
    event = {"Records": [{"body": "{}", "messageId": "1"}]}
    # WHEN / THEN the handler refuses it, naming the missing Kinesis fields
    with pytest.raises(ValueError, match=r"Records\[0\] has no 'kinesis' object"):
        invoke(event)
