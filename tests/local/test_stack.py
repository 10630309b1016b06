"""The local stack: resources from the CDK settings, detached servers tracked by pid, always stopped."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from local import processes
from local.cli import main
from local.resources import client
from local.stack import MOTO_MODULE, TIMESTREAM_MODULE, InProcessStack, down, running_state, up
from pipeline_config import names
from pipeline_config.local_state import LocalStackState
from pipeline_config.settings import Settings, load_settings


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings()


@pytest.fixture(scope="module")
def stack(settings: Settings) -> Iterator[LocalStackState]:
    with InProcessStack(settings) as state:
        yield state


def test_tables_get_the_retention_and_magnetic_writes_of_the_settings(
    settings: Settings, stack: LocalStackState
) -> None:
    """Both tables are created with the retention and magnetic-store writes the CDK app deploys."""
    # GIVEN a provisioned in-process stack
    write = client("timestream-write", stack.timestream_endpoint)
    for table in (settings.raw_table_name, settings.cep_table_name):
        # WHEN the table is described
        described = write.describe_table(DatabaseName=settings.database_name, TableName=table)["Table"]
        # THEN its properties are the settings'
        assert described["RetentionProperties"] == {
            "MemoryStoreRetentionPeriodInHours": settings.memory_retention_hours,
            "MagneticStoreRetentionPeriodInDays": settings.magnetic_retention_days,
        }
        magnetic = described["MagneticStoreWriteProperties"]
        assert magnetic["EnableMagneticStoreWrites"] is settings.magnetic_writes_enabled
        assert magnetic["MagneticStoreRejectedDataLocation"]["S3Configuration"]["ObjectKeyPrefix"] == (
            settings.rejected_data_prefix
        )


def test_streams_bucket_and_queue_carry_the_deployed_names(
    settings: Settings, stack: LocalStackState
) -> None:
    """Stream and bucket names come from pipeline_config, as in the CDK app."""
    # GIVEN the names the CDK app would use
    expected_streams = {names.stream_name(settings.stack_name, role) for role in ("raw", "cep")}
    # WHEN the moto server is asked what exists
    kinesis = client("kinesis", stack.moto_endpoint)
    streams = set(kinesis.list_streams()["StreamNames"])
    buckets = {b["Name"] for b in client("s3", stack.moto_endpoint).list_buckets()["Buckets"]}
    # THEN they are all there, the on-demand streams with Kinesis's 4 initial shards
    assert expected_streams <= streams
    assert settings.bucket_name(names.LOCAL_ACCOUNT, names.LOCAL_REGION) in buckets
    assert stack.kept_bucket == settings.kept_records_bucket_name(names.LOCAL_ACCOUNT, names.LOCAL_REGION)
    assert stack.kept_bucket in buckets
    assert len(kinesis.list_shards(StreamName=stack.raw_stream)["Shards"]) == 4


def test_provisioning_again_is_harmless(settings: Settings, stack: LocalStackState) -> None:
    """Creating the resources on a stack that has them succeeds and changes nothing."""
    # GIVEN a provisioned stack
    from local.resources import provision

    # WHEN provisioning runs again
    again = provision(
        settings, moto_endpoint=stack.moto_endpoint, timestream_endpoint=stack.timestream_endpoint
    )
    # THEN it returns the same address book
    assert again == stack


def test_up_starts_detached_servers_that_down_stops(settings: Settings, tmp_path: Path) -> None:
    """`up` records the pids of its two servers; a second `up` reuses them; `down` stops them."""
    # GIVEN no running stack for this state file
    state_path = tmp_path / "stack.json"
    try:
        # WHEN the stack is brought up twice
        state, started = up(settings, state_path)
        again, started_again = up(settings, state_path)
        # THEN the first call started both servers, the second reused them, and they answer
        assert (started, started_again) == (True, False)
        assert again.pids == state.pids and set(state.pids) == {"moto", "timestream"}
        assert running_state(state_path) is not None
        assert state.kept_bucket in {
            b["Name"] for b in client("s3", state.moto_endpoint).list_buckets()["Buckets"]
        }
    finally:
        stopped = down(state_path)
    # AND down stopped exactly those processes and forgot the state
    assert len(stopped) == 2
    assert not state_path.exists()
    assert not processes.is_ours(state.pids["moto"], MOTO_MODULE)
    assert not processes.is_ours(state.pids["timestream"], TIMESTREAM_MODULE)


def test_down_never_signals_a_pid_that_is_not_one_of_our_servers(tmp_path: Path) -> None:
    """A stale state file naming someone else's process (pid reuse) stops nothing."""
    # GIVEN a state file whose pids belong to an unrelated process
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    state_path = tmp_path / "stack.json"
    fake = LocalStackState(*["x"] * 11, pids={"moto": bystander.pid, "timestream": bystander.pid})
    fake.save(state_path)
    try:
        # WHEN the stack is brought down
        stopped = down(state_path)
        # THEN the bystander still runs and nothing was reported stopped
        assert stopped == []
        assert bystander.poll() is None
    finally:
        bystander.kill()
        bystander.wait()


def test_status_without_a_stack_says_how_to_start_one(capsys: Any, tmp_path: Path) -> None:
    """`python -m local status` explains itself and exits non-zero when nothing runs."""
    # GIVEN a state file that does not exist
    state_file = tmp_path / "stack.json"
    # WHEN status is asked
    code = main(["--state-file", str(state_file), "status"])
    # THEN it says how to start the stack
    assert code == 1
    assert "make local-up" in capsys.readouterr().out


def test_a_bad_demo_option_is_a_message_not_a_traceback() -> None:
    """An out-of-range --hours ends with a message naming the option and the allowed range."""
    # GIVEN / WHEN the demo is asked for 48 hours
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--hours", "48"])
    # THEN the message names the option and the range
    assert "--hours=48" in str(exit_info.value) and "1 to 6" in str(exit_info.value)


def test_is_ours_recognises_only_python_dash_m_of_the_module() -> None:
    """Our own pytest process is not a moto server."""
    # GIVEN / WHEN / THEN
    assert processes.is_ours(os.getpid(), "moto.server") is False
