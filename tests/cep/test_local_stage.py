"""The CEP stage on the local stack: raw stream -> local mapping -> stage -> CEP stream -> CEP table.

The mapping cuts each shard into small batches (lambda_batch_size 13), so matches straddle batch
boundaries; what reaches the CEP table must be exactly what the stage finds over each shard's
readings in one go. Sending the same readings again (a replay) must not add or change a row.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from generators.kinesis_sink import KinesisSink
from generators.records import GeneratedRecord
from local.cep import ROLE as CEP_STAGE
from local.ingest import open_mappings
from local.resources import client
from local.stack import InProcessStack
from pipeline_config.local_state import LocalStackState
from pipeline_config.settings import Settings
from tests.cep.cep_support import ordered, reading_json
from tests.cep.local_stage_support import cep_table, expected_per_shard, small_batches
from tests.cep.scenarios import interleaved_stream

SETTINGS = Settings(lambda_batch_size=13)


@pytest.fixture(scope="module")
def stack() -> Iterator[tuple[LocalStackState, Path]]:
    with InProcessStack(SETTINGS) as state, tempfile.TemporaryDirectory(prefix="esm-") as checkpoints:
        yield state, Path(checkpoints)


def _send_and_run(state: LocalStackState, checkpoints: Path, start_ms: int) -> dict[str, Any]:
    readings = interleaved_stream(seed=11, sensors=6, ticks=240, start_ms=start_ms)
    records = [GeneratedRecord(reading_json(r), r.sensor_id, r.event_time, r.event_time) for r in readings]
    report = KinesisSink(client("kinesis", state.moto_endpoint), state.raw_stream).send(records)
    assert report.failed == 0
    with open_mappings(state, checkpoints, functions=small_batches(SETTINGS.lambda_batch_size)) as mappings:
        return {role: m.run_until_idle() for role, m in mappings.items()}


def test_cep_rows_are_derived_from_the_sensor_readings_exactly_once(
    stack: tuple[LocalStackState, Path],
) -> None:
    """Every match of every shard lands in the CEP table once, whatever the batch boundaries."""
    # GIVEN readings of six sensors over four minutes, up to 7 s out of order, sent to the raw stream
    state, checkpoints = stack
    start_ms = (int(time.time()) - 1800) * 1000
    # WHEN every local mapping runs until idle (raw ingest, CEP stage, CEP ingest)
    stats = _send_and_run(state, checkpoints, start_ms)
    # THEN the CEP table holds exactly the stage's matches over each shard, from many small batches
    expected = expected_per_shard(state)
    assert len(expected) > 20
    assert stats[CEP_STAGE].invocations > 50 and stats[CEP_STAGE].records_kept == 0
    assert stats["cep"].records_succeeded == len(expected)
    assert ordered(cep_table(state)) == ordered(expected)
    # AND WHEN the same readings are sent again (a replay) and the mappings run again
    again = _send_and_run(state, checkpoints, start_ms)
    # THEN the stage finds them late and sends nothing; the CEP table is unchanged
    assert again[CEP_STAGE].records_succeeded > 0 and again["cep"].records_succeeded == 0
    assert ordered(cep_table(state)) == ordered(expected)
