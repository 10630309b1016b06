"""The mapping killed mid-stream (SIGKILL), then restarted: it resumes at its checkpoints, loses nothing."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fault_stack import Accounting, count_fates, payloads

from generators.kinesis_sink import KinesisSink
from generators.records import GeneratedRecord
from local.resources import client
from local.stack import checkpoint_dir, down, up
from pipeline_config.bundles import REPO_ROOT
from pipeline_config.local_state import LocalStackState
from pipeline_config.settings import load_settings

RECORDS = 10_000


@pytest.fixture
def detached_stack(tmp_path: Path) -> Iterator[tuple[LocalStackState, Path]]:
    """`python -m local up` in a temporary state folder: the servers run detached, as for users."""
    state_path = tmp_path / "stack.json"
    state, _ = up(load_settings(), state_path)
    try:
        yield state, state_path
    finally:
        down(state_path)


def _esm(state_path: Path) -> subprocess.Popen[bytes]:
    """`python -m local esm`: the local mapping as its own process (the deployed functions inside it)."""
    return subprocess.Popen(
        [sys.executable, "-m", "local", "--state-file", str(state_path), "esm"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _delivered(checkpoints: Path) -> int:
    """How many shards have a checkpoint yet (the mapping finished a batch of each)."""
    found = 0
    for path in checkpoints.glob("*.json"):
        try:
            found += len(json.loads(path.read_text())["sequence_numbers"])
        except (ValueError, KeyError):  # being rewritten right now
            continue
    return found


def test_a_mapping_killed_mid_stream_resumes_without_loss_or_duplicate(
    detached_stack: tuple[LocalStackState, Path], record_fates: list[Accounting]
) -> None:
    """SIGKILL after the first checkpoints, restart: every record stored exactly once."""
    # GIVEN 10,000 records in the raw stream of a running local stack
    state, state_path = detached_stack
    records = [GeneratedRecord(data, f"key-{n}", 0, 0) for n, data in enumerate(payloads(RECORDS))]
    assert KinesisSink(client("kinesis", state.moto_endpoint), state.raw_stream).send(records).failed == 0
    # WHEN the mapping is killed with SIGKILL once it has checkpointed two batches, then started again
    mapping = _esm(state_path)
    deadline = time.monotonic() + 120
    while (
        _delivered(checkpoint_dir(state_path)) < 2 and mapping.poll() is None and time.monotonic() < deadline
    ):
        time.sleep(0.05)
    assert mapping.poll() is None, "the mapping finished before it could be killed: send more records"
    mapping.kill()  # SIGKILL, to the process this test started
    mapping.wait(timeout=30)
    restarted = _esm(state_path)
    output, _ = restarted.communicate(timeout=300)
    # THEN the restart delivered the rest, and every record is stored once: nothing kept, lost or doubled
    assert restarted.returncode == 0, output.decode()
    fates = count_fates(
        state, load_settings().quarantine_prefix, "mapping SIGKILLed mid-stream, restarted", RECORDS
    )
    record_fates.append(fates)
    assert (fates.stored, fates.quarantined, fates.kept, fates.lost, fates.duplicates) == (
        RECORDS,
        0,
        0,
        0,
        0,
    )
