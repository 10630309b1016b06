"""The local stack keeps its data: across down/up, a crash and a one-server restart; only reset deletes it.
One holder of the stack's lock at a time; a killed holder's lock is taken over.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from local import stack_data
from local.cli import main
from local.lake_catalog import lake_database
from local.query import query_rows
from local.resources import client
from local.stack import down, restart, running_state, up
from local.stack_lock import StackBusyError, stack_lock
from pipeline_config.local_state import LocalStackState
from pipeline_config.settings import REPO_ROOT, Settings, load_settings


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings()


def _rows(state: LocalStackState) -> int:
    sql = f'SELECT count(*) FROM "{state.database}"."{state.raw_table}"'
    return int(query_rows(state.timestream_endpoint, sql)[1][0][0])


def _write_one_row(state: LocalStackState) -> None:
    client("timestream-write", state.timestream_endpoint).write_records(
        DatabaseName=state.database,
        TableName=state.raw_table,
        Records=[
            {
                "Dimensions": [{"Name": "sensor_id", "Value": "kept"}],
                "MeasureName": "temperature",
                "MeasureValue": "21.5",
                "MeasureValueType": "DOUBLE",
                "Time": str(int(time.time() * 1000)),
            }
        ],
    )


def _moto_data(state: LocalStackState) -> tuple[list[str], bytes, list[str]]:
    """The raw stream's sequence numbers (shard 0), the test object's body, the lake's Glue tables."""
    kinesis = client("kinesis", state.moto_endpoint)
    shard = kinesis.list_shards(StreamName=state.raw_stream)["Shards"][0]["ShardId"]
    iterator = kinesis.get_shard_iterator(
        StreamName=state.raw_stream, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    sequence = [r["SequenceNumber"] for r in kinesis.get_records(ShardIterator=iterator)["Records"]]
    body = client("s3", state.moto_endpoint).get_object(Bucket=state.bucket, Key="kept.txt")["Body"].read()
    tables = client("glue", state.moto_endpoint).get_tables(DatabaseName=lake_database(state))["TableList"]
    return sequence, body, [table["Name"] for table in tables]


def _put_moto_data(state: LocalStackState) -> None:
    kinesis = client("kinesis", state.moto_endpoint)
    shard = kinesis.list_shards(StreamName=state.raw_stream)["Shards"][0]
    records = [
        {"Data": b"x", "PartitionKey": "p", "ExplicitHashKey": shard["HashKeyRange"]["StartingHashKey"]}
    ]
    kinesis.put_records(StreamName=state.raw_stream, Records=records * 3)
    client("s3", state.moto_endpoint).put_object(Bucket=state.bucket, Key="kept.txt", Body=b"kept")
    client("glue", state.moto_endpoint).create_table(
        DatabaseName=lake_database(state), TableInput={"Name": "kept_table"}
    )


@dataclass(frozen=True)
class StackWithData:
    state_path: Path
    state: LocalStackState
    moto_data: tuple[list[str], bytes, list[str]]


@pytest.fixture
def stack_with_data(settings: Settings, tmp_path: Path) -> Iterator[StackWithData]:
    """A detached stack holding a Timestream row, three Kinesis records, an S3 object and a Glue table (the
    lake's catalog); stopped after."""
    state_path = tmp_path / "stack.json"
    try:
        state, _ = up(settings, state_path)
        _write_one_row(state)
        _put_moto_data(state)
        yield StackWithData(state_path, state, _moto_data(state))
    finally:
        down(state_path)


def test_down_then_up_keeps_the_data_of_both_servers(
    settings: Settings, stack_with_data: StackWithData
) -> None:
    """Timestream rows, Kinesis records (same sequence numbers), S3 objects and the Glue catalog outlive
    down + up."""
    # GIVEN a stack with data in both servers
    # WHEN it is stopped and started again
    down(stack_with_data.state_path)
    again, started = up(settings, stack_with_data.state_path)
    # THEN new servers hold the same data
    assert started and again.pids != stack_with_data.state.pids
    assert _rows(again) == 1
    assert _moto_data(again) == stack_with_data.moto_data and len(stack_with_data.moto_data[0]) == 3


def test_up_after_a_crash_keeps_the_data(settings: Settings, stack_with_data: StackWithData) -> None:
    """Servers killed without `down` (a crash): the next `up` restarts them with the data."""
    # GIVEN a stack with data whose servers are SIGKILLed, leaving its state file behind
    for pid in stack_with_data.state.pids.values():
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    # WHEN it is brought up again
    again, started = up(settings, stack_with_data.state_path)
    # THEN the data is still there
    assert started
    assert _rows(again) == 1 and _moto_data(again) == stack_with_data.moto_data


def test_the_moto_recording_keeps_writes_and_skips_reads(stack_with_data: StackWithData) -> None:
    """PutRecords and the S3 put are recorded for the replay; GetRecords, ListShards and gets are not."""
    # GIVEN a stack whose moto served writes and then reads (the fixture reads its records back)
    # WHEN its recording is read
    lines = stack_data.moto_recording(stack_with_data.state_path).read_text(encoding="utf-8").splitlines()
    entries = [json.loads(line) for line in lines]
    targets = {entry["headers"].get("X-Amz-Target", entry["method"]) for entry in entries}
    # THEN the writes are there and no read is
    assert {"Kinesis_20131202.PutRecords", "PUT"} <= targets
    assert not targets & {"Kinesis_20131202.GetRecords", "Kinesis_20131202.ListShards", "GET", "HEAD"}


def test_concurrent_writes_are_recorded_whole_and_replayed(
    settings: Settings, stack_with_data: StackWithData
) -> None:
    """Requests moto serves at once (the mapping's shards run side by side) each get a line of their own
    in the recording, so a restart replays all of them."""
    # GIVEN a stack whose moto takes 160 S3 puts from 8 threads at once
    state = stack_with_data.state
    s3 = client("s3", state.moto_endpoint)
    bodies = {f"concurrent/{n}": bytes([n % 251]) * 50_000 for n in range(160)}
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda key: s3.put_object(Bucket=state.bucket, Key=key, Body=bodies[key]), bodies))
    # WHEN its recording is read, and moto is restarted from it
    lines = stack_data.moto_recording(stack_with_data.state_path).read_bytes().split(b"\n")
    entries = [json.loads(line) for line in lines[:-1]]
    after = restart(settings, "moto", stack_with_data.state_path)
    # THEN every line is one request, and the restarted moto holds every object
    assert lines[-1] == b"" and all(isinstance(entry, dict) for entry in entries)
    assert sum(entry["url"].endswith(tuple(bodies)) for entry in entries) == len(bodies)
    s3_after = client("s3", after.moto_endpoint)
    stored = {key: s3_after.get_object(Bucket=state.bucket, Key=key)["Body"].read() for key in bodies}
    assert stored == bodies


def _shard_records(state: LocalStackState, shard_id: str) -> list[tuple[str, bytes]]:
    kinesis = client("kinesis", state.moto_endpoint)
    iterator = kinesis.get_shard_iterator(
        StreamName=state.raw_stream, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    records = kinesis.get_records(ShardIterator=iterator, Limit=10_000)["Records"]
    return [(record["SequenceNumber"], record["Data"]) for record in records]


def test_concurrent_puts_keep_their_sequence_numbers_through_a_restart(
    settings: Settings, stack_with_data: StackWithData
) -> None:
    """Puts to one shard at once are replayed in the order moto applied them, so every sequence number
    (what the mappings' checkpoints hold) still names the same record after a restart."""
    # GIVEN a shard that takes 240 PutRecords calls from 8 threads at once
    state = stack_with_data.state
    kinesis = client("kinesis", state.moto_endpoint)
    shard = kinesis.list_shards(StreamName=state.raw_stream)["Shards"][0]
    start = shard["HashKeyRange"]["StartingHashKey"]

    def put(call: int) -> None:
        records = [
            {"Data": f"{call}-{n}".encode(), "PartitionKey": "p", "ExplicitHashKey": start} for n in range(5)
        ]
        kinesis.put_records(StreamName=state.raw_stream, Records=records)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(put, range(240)))
    before = _shard_records(state, shard["ShardId"])
    # WHEN moto is restarted from its recording
    after = restart(settings, "moto", stack_with_data.state_path)
    # THEN each sequence number holds the same record
    assert len(before) == 3 + 240 * 5
    assert _shard_records(after, shard["ShardId"]) == before


def test_up_with_a_recording_that_cannot_be_replayed_says_so_in_one_line(
    stack_with_data: StackWithData, capsys: pytest.CaptureFixture[str]
) -> None:
    """A line of the recording that is no request: `up` names the file and line and how to go on."""
    # GIVEN a stopped stack whose recording has a damaged line in the middle
    down(stack_with_data.state_path)
    recording = stack_data.moto_recording(stack_with_data.state_path)
    lines = recording.read_bytes().splitlines(keepends=True)
    recording.write_bytes(b"".join([lines[0], b"not a request\n", *lines[1:]]))
    # WHEN the stack is started
    status = main(["--state-file", str(stack_with_data.state_path), "up"])
    # THEN it refuses in one line and nothing is left running
    error = capsys.readouterr().err.strip()
    assert status == 1 and "\n" not in error, error
    assert error.startswith("error: moto's recording") and "(line 2)" in error and "make local-reset" in error
    assert running_state(stack_with_data.state_path) is None


@pytest.mark.parametrize("server", ["timestream", "moto"])
def test_one_server_restarts_on_its_port_with_its_data(
    settings: Settings, stack_with_data: StackWithData, server: str
) -> None:
    """`restart <server>`: a new process on the same endpoint, the other server untouched, data kept."""
    # GIVEN a stack with data in both servers
    state = stack_with_data.state
    # WHEN one server is restarted
    after = restart(settings, server, stack_with_data.state_path)
    # THEN only its pid changed, the endpoints did not, and the data is there
    other = "moto" if server == "timestream" else "timestream"
    assert after.pids[server] != state.pids[server] and after.pids[other] == state.pids[other]
    assert (after.moto_endpoint, after.timestream_endpoint) == (
        state.moto_endpoint,
        state.timestream_endpoint,
    )
    assert _rows(after) == 1 and _moto_data(after) == stack_with_data.moto_data


def test_reset_without_yes_refuses_and_with_yes_deletes(
    settings: Settings, stack_with_data: StackWithData, capsys: Any
) -> None:
    """Without a terminal `reset` needs --yes; with it the stack stops and its data is gone."""
    # GIVEN a running stack with data
    state_path = stack_with_data.state_path
    # WHEN reset is asked without --yes (stdin is not a terminal under pytest)
    refused = main(["--state-file", str(state_path), "reset"])
    # THEN nothing happened, and one line says how to confirm
    assert refused == 1
    assert running_state(state_path) is not None
    assert capsys.readouterr().err.count("\n") == 1
    # WHEN it is confirmed
    assert main(["--state-file", str(state_path), "reset", "--yes"]) == 0
    # THEN the stack is stopped, and a new one starts empty
    assert running_state(state_path) is None and stack_data.existing_data(state_path) == []
    fresh, _ = up(settings, state_path)
    assert _rows(fresh) == 0


def test_a_second_holder_of_the_stack_lock_is_refused_with_the_first_ones_pid(tmp_path: Path) -> None:
    """While a demo holds the lock, `up` (or another demo) gets one line naming it."""
    # GIVEN a demo holding the lock
    with stack_lock(tmp_path, "demo"):
        # WHEN another command wants it
        with pytest.raises(StackBusyError) as busy:
            with stack_lock(tmp_path, "up"):
                pass
    # THEN the message names the demo and this process's pid
    assert str(busy.value).startswith(f"a demo is already running (pid {os.getpid()})")


def test_the_lock_of_a_killed_demo_is_taken_over(tmp_path: Path) -> None:
    """A demo SIGKILLed while holding the lock does not block the next one, which says it took over."""
    # GIVEN a process that took the lock and was killed
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from local.stack_lock import stack_lock\n"
            "with stack_lock(Path(sys.argv[1]), 'demo'):\n    print('held', flush=True); time.sleep(60)",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO_ROOT,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    holder.kill()
    holder.wait()
    # WHEN the next one takes the lock
    with stack_lock(tmp_path, "demo") as stale:
        # THEN it gets it, and learns whose lock it took over
        assert stale is not None and stale.pid == holder.pid and stale.activity == "demo"
