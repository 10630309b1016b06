"""The CEP stage's mapping filter on the local stack: DevOps records on the raw stream never invoke the stage.

The local mapping applies the `FilterCriteria` of the synthesized template, as Lambda applies it: the
raw stream carries DevOps records between the sensor readings (and last on every shard); the stage
must be invoked with the readings alone, find the same matches, and its checkpoints must move past
the DevOps records it never saw.
"""

from __future__ import annotations

import json
import random
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from itertools import islice
from pathlib import Path

import pytest

from generators.devops import DevopsOptions, devops_records
from generators.kinesis_sink import KinesisSink
from generators.records import GeneratedRecord
from local.cep import ROLE as CEP_STAGE
from local.ingest import open_mappings
from local.resources import client
from local.stack import InProcessStack
from pipeline_config.local_state import LocalStackState
from pipeline_config.settings import Settings
from tests.cep.cep_support import ordered, reading_json
from tests.cep.local_stage_support import cep_table, expected_per_shard, raw_shards, small_batches
from tests.cep.scenarios import interleaved_stream
from timestream_cep import names
from timestream_cep.readings import sensor_reading

SETTINGS = Settings(lambda_batch_size=13)
DEVOPS_TAIL = 40  # DevOps records sent after the last reading, each with a key of its own: on every shard


@pytest.fixture(scope="module")
def stack() -> Iterator[tuple[LocalStackState, Path]]:
    with InProcessStack(SETTINGS) as state, tempfile.TemporaryDirectory(prefix="esm-") as folder:
        yield state, Path(folder)


def _mixed_records(start_ms: int) -> tuple[list[GeneratedRecord], int, int]:
    """Sensor readings with a DevOps record after each, then a tail of DevOps records; and the counts."""
    readings = interleaved_stream(seed=11, sensors=6, ticks=120, start_ms=start_ms)
    devops = list(
        islice(
            devops_records(random.Random(16), start_ms, DevopsOptions(max_hosts=8)),
            len(readings) + DEVOPS_TAIL,
        )
    )
    sensors = [GeneratedRecord(reading_json(r), r.sensor_id, r.event_time, r.event_time) for r in readings]
    tail = [replace(record, partition_key=f"tail-{i}") for i, record in enumerate(devops[len(sensors) :])]
    mixed = [record for pair in zip(sensors, devops, strict=False) for record in pair] + tail
    return mixed, len(sensors), len(devops)


def _stage_invocations(log: Path) -> list[dict[str, int]]:
    """The CEP stage's metrics of each invocation (one EMF document each), from its function log."""
    documents = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    return [
        {metric: int(sum(d[metric])) for metric in (names.METRIC_RECORDS_RECEIVED, names.METRIC_READINGS)}
        for d in documents
        if names.METRIC_RECORDS_RECEIVED in d
    ]


def test_the_stage_is_invoked_with_sensor_readings_only_and_finds_the_same_matches(
    stack: tuple[LocalStackState, Path],
) -> None:
    """DevOps records are dropped by the mapping (counted, checkpointed past), not by the function."""
    # GIVEN readings of six sensors interleaved with DevOps records on the raw stream
    state, folder = stack
    records, sensor_count, devops_count = _mixed_records((int(time.time()) - 1800) * 1000)
    assert KinesisSink(client("kinesis", state.moto_endpoint), state.raw_stream).send(records).failed == 0
    shards = raw_shards(state)
    assert all(sensor_reading(shard[-1][1], None) is None for shard in shards.values())  # DevOps last
    # WHEN every local mapping runs until idle, on the template's filters
    checkpoints, logs = folder / "esm", folder / "logs"
    logs.mkdir()
    with open_mappings(
        state, checkpoints, functions=small_batches(SETTINGS.lambda_batch_size), log_dir=logs
    ) as mappings:
        assert mappings[CEP_STAGE].config.filter_patterns and not mappings["raw"].config.filter_patterns
        stats = {role: mapping.run_until_idle() for role, mapping in mappings.items()}
    # THEN the mapping read everything, delivered the readings and dropped the DevOps records
    stage = stats[CEP_STAGE]
    assert (stage.records_read, stage.records_succeeded, stage.records_filtered) == (
        sensor_count + devops_count,
        sensor_count,
        devops_count,
    )
    assert stats["raw"].records_succeeded == sensor_count + devops_count  # ingest still takes everything
    # AND every invocation of the stage received sensor readings only
    invocations = _stage_invocations(logs / f"lambda-{CEP_STAGE}.log")
    assert len(invocations) == stage.invocations
    received = [i[names.METRIC_RECORDS_RECEIVED] for i in invocations]
    assert received == [i[names.METRIC_READINGS] for i in invocations]
    assert sum(received) == sensor_count and max(received) == SETTINGS.lambda_batch_size
    # AND the matches are those of the readings alone, each in the CEP table once
    expected = expected_per_shard(state)
    assert len(expected) > 10
    assert ordered(cep_table(state)) == ordered(expected)
    # AND each shard's checkpoint is past its last record, a DevOps record the stage never saw
    saved = json.loads((checkpoints / f"{state.raw_stream}.{CEP_STAGE}.json").read_text())
    assert saved["sequence_numbers"] == {shard: held[-1][0] for shard, held in shards.items()}
