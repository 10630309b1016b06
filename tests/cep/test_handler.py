"""The CEP Lambda through its real handler on moto: state across invocations, redelivery, failures."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from tests.cep.conftest import CEP_STREAM, RAW_ARN, SHARD, STATE_TABLE, cep_stream_records, reading_event
from timestream_cep import handler
from timestream_cep.pattern import Reading
from timestream_cep.processor import shard_key
from timestream_cep.state_store import StateConflictError, StateStore

T0 = 1_799_999_000_000  # a little before the events' arrival time
Invoke = Callable[[dict[str, Any]], Any]


def _r(sensor: str, status: str, seconds: float, temperature: float = 100.0) -> Reading:
    return Reading(sensor, temperature, status, T0 + round(seconds * 1000))


FIRST = [_r("s1", "ERROR", 0, 150), _r("s1", "OK", 1, 90)]
SECOND = [_r("s1", "ERROR", 2, 170), _r("s2", "OK", 8, 60)]


def _matches() -> list[dict[str, Any]]:
    return [json.loads(data) for data in cep_stream_records()]


def _stored() -> Any:
    return StateStore(boto3.client("dynamodb"), STATE_TABLE).load(shard_key(RAW_ARN, SHARD))


def test_a_match_split_over_two_invocations_is_sent_once(invoke: Invoke) -> None:
    """E O in one batch, E (and a reading 6 s later) in the next: one match on the CEP stream."""
    # GIVEN / WHEN two consecutive batches of the same shard
    invoke(reading_event(FIRST, first=0))
    invoke(reading_event(SECOND, first=2))
    # THEN the CEP stream holds exactly that match, in the seed's format
    assert _matches() == [
        {
            "sensor_id": "s1",
            "event_time": T0,
            "non_errors": 1,
            "history": "OK",
            "min_temperature": 90.0,
            "avg_temperature": 136.67,
            "max_temperature": 170.0,
            "elapsed": 2,
        }
    ]


def test_a_redelivered_batch_emits_nothing_and_changes_nothing(invoke: Invoke) -> None:
    """Lambda delivers a batch again (after a timeout, a bisect): its records are recognised as applied."""
    # GIVEN both batches applied
    invoke(reading_event(FIRST, first=0))
    invoke(reading_event(SECOND, first=2))
    state = _stored()
    # WHEN the second batch, then the first, are delivered again
    invoke(reading_event(SECOND, first=2))
    invoke(reading_event(FIRST, first=0))
    # THEN nothing new is sent and the stored state is untouched
    assert len(_matches()) == 1
    assert _stored() == state


def test_a_batch_that_failed_to_send_is_retried_from_the_same_state(invoke: Invoke) -> None:
    """If the CEP stream refuses the matches, the state is not saved; the retry sends them."""
    # GIVEN the first batch applied, and the CEP stream gone
    invoke(reading_event(FIRST, first=0))
    before = _stored()
    boto3.client("kinesis").delete_stream(StreamName=CEP_STREAM)
    # WHEN the second batch fails to send
    with pytest.raises(Exception, match="ResourceNotFound"):
        invoke(reading_event(SECOND, first=2))
    # THEN the state still stops at the first batch
    assert _stored() == before
    # AND WHEN the stream is back and the mapping retries the batch, the match is sent
    boto3.client("kinesis").create_stream(StreamName=CEP_STREAM, ShardCount=1)
    invoke(reading_event(SECOND, first=2))
    assert [m["event_time"] for m in _matches()] == [T0]


def test_a_retry_after_a_failed_save_sends_identical_records(invoke: Invoke) -> None:
    """Matches sent before a failed state write are sent again byte for byte: Timestream stores them once."""
    # GIVEN DynamoDB writes that can be made to fail (hooked before the handler builds its clients)
    failures = {"left": 0}

    def fail_when_asked(**_: Any) -> None:
        if failures["left"]:
            failures["left"] -= 1
            raise ConnectionError("DynamoDB unreachable")

    session_events = boto3.DEFAULT_SESSION.events  # type: ignore[union-attr]
    session_events.register("before-call.dynamodb.PutItem", fail_when_asked)
    handler.reset()
    try:
        invoke(reading_event(FIRST, first=0))
        # WHEN the second batch's state write fails once, and the mapping retries the batch
        failures["left"] = 1
        with pytest.raises(ConnectionError):
            invoke(reading_event(SECOND, first=2))
        invoke(reading_event(SECOND, first=2))
    finally:
        session_events.unregister("before-call.dynamodb.PutItem", fail_when_asked)
    # THEN the match went out twice, as the same bytes, and the state moved on once
    records = cep_stream_records()
    assert len(records) == 2 and records[0] == records[1]
    assert _stored().sequence == reading_event(SECOND, first=2)["Records"][-1]["kinesis"]["sequenceNumber"]


def test_a_concurrent_writer_is_detected_not_overwritten(cep_aws: None) -> None:
    """Two invocations that read the same state cannot both save: the second is told to retry."""
    # GIVEN two loads of the same (empty) shard state
    store = StateStore(boto3.client("dynamodb"), STATE_TABLE)
    key = shard_key(RAW_ARN, SHARD)
    first, second = store.load(key), store.load(key)
    # WHEN both try to save
    store.save(key, first.sequence, "10", {"version": 1})
    # THEN the second is refused with a reason
    with pytest.raises(StateConflictError, match="moved past sequence None"):
        store.save(key, second.sequence, "11", {"version": 1})


def test_records_that_are_not_readings_or_are_bad_are_counted_and_skipped(
    invoke: Invoke, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """Other formats pass by; a bad sensor reading is logged with its reason; metrics count both."""
    # GIVEN a batch with a DevOps record, a bad sensor reading and a match
    event = reading_event([*FIRST, *SECOND])
    event["Records"].insert(0, json.loads(json.dumps(event["Records"][0])))
    devops = b'{"MeasureName":"cpu_user","MeasureValue":"1","Time":"1"}'
    bad = json.dumps({"sensor_id": "s9", "temperature": "hot", "status": "OK", "event_time": T0}).encode()
    event["Records"][0]["kinesis"]["data"] = base64.b64encode(devops).decode()
    event["Records"].append(json.loads(json.dumps(event["Records"][-1])))
    event["Records"][-1]["kinesis"]["data"] = base64.b64encode(bad).decode()
    event["Records"][-1]["kinesis"]["sequenceNumber"] = str(
        int(event["Records"][-2]["kinesis"]["sequenceNumber"]) + 1
    )
    capsys.readouterr()
    # WHEN the handler runs
    invoke(event)
    # THEN the match is sent, the bad reading is named, and the counts are published
    output = capsys.readouterr().out
    assert len(_matches()) == 1
    assert "temperature 'hot' is not a number" in caplog.text
    metrics = [json.loads(line) for line in output.splitlines() if '"_aws"' in line][-1]
    counts = [
        metrics[name] for name in ("CepRecordsReceived", "CepReadings", "CepReadingsInvalid", "CepMatches")
    ]
    assert counts == [[6.0], [4.0], [1.0], [1.0]] and metrics["stage"] == "cep"


def test_a_child_shard_picks_up_its_parents_open_match(invoke: Invoke) -> None:
    """After a split, the first batch of a child continues the parent's state (found via ListShards)."""
    # GIVEN the parent shard applied E O, then split in two
    invoke(reading_event(FIRST, first=0))
    kinesis = boto3.client("kinesis")
    kinesis.split_shard(StreamName="pipeline-raw", ShardToSplit=SHARD, NewStartingHashKey=str(2**127))
    child = next(
        s["ShardId"]
        for s in kinesis.list_shards(StreamName="pipeline-raw")["Shards"]
        if s.get("ParentShardId")
    )
    # WHEN the child's first batch brings the closing ERROR
    invoke(reading_event(SECOND, first=100, shard_id=child))
    # THEN the match spanning the split is sent
    assert [(m["sensor_id"], m["non_errors"]) for m in _matches()] == [("s1", 1)]
