"""generators/flink/cep.sql on Apache Flink itself against the CEP stage: the same matches, edges included.

Needs PyFlink and Java: `make flink-test` builds .venv-flink and sets CEP_FLINK_PYTHON; without it
this module is skipped (the SQL derivation itself is tested in tests/cep/test_flink_sql.py).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.cep.cep_support import ordered, reading_json, run_to_end
from tests.cep.scenarios import BASE_MS, GAP_MS, SCENARIOS, interleaved_stream, sensor_of, shard_stream
from timestream_cep.pattern import Reading

FLINK_PYTHON = os.environ.get("CEP_FLINK_PYTHON", "")
LOCAL_RUN = Path(__file__).resolve().parents[2] / "generators" / "flink" / "local_run.py"
pytestmark = pytest.mark.skipif(not FLINK_PYTHON, reason="needs Apache Flink: run `make flink-test`")


@pytest.fixture(scope="module")
def readings() -> list[Reading]:
    """One shard: every edge scenario, then two busy stretches with readings up to 7 s and 12 s late."""
    busy = interleaved_stream(seed=1)
    later = [
        Reading(r.sensor_id, r.temperature, r.status, r.event_time + 3_600_000)
        for r in interleaved_stream(seed=2, sensors=30, ticks=600, max_delay_ms=12_000)
    ]
    return shard_stream() + busy + later


@pytest.fixture(scope="module")
def flink_matches(readings: list[Reading], tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    """What Flink's MATCH_RECOGNIZE finds in the readings, fed from a JSON-lines file in arrival order."""
    path = tmp_path_factory.mktemp("flink") / "readings.jsonl"
    path.write_bytes(b"".join(reading_json(r) + b"\n" for r in readings))
    result = subprocess.run(
        [FLINK_PYTHON, str(LOCAL_RUN), str(path)], capture_output=True, text=True, timeout=600, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_flink_and_the_stage_find_the_same_matches(
    readings: list[Reading], flink_matches: list[dict]
) -> None:
    """Every match, field by field (avg rounding and elapsed included), over edges and busy traffic."""
    # GIVEN the readings run through Flink (fixture) / WHEN the Python stage runs over them to the end
    python_matches = run_to_end(readings)
    # THEN both found the same several hundred matches
    assert len(flink_matches) > 500
    assert ordered(flink_matches) == ordered(python_matches)


@pytest.mark.parametrize("index", range(len(SCENARIOS)), ids=[s.name for s in SCENARIOS])
def test_flink_gives_each_edge_case_its_expected_matches(index: int, flink_matches: list[dict]) -> None:
    """Flink itself agrees with the hand-worked expectations of each edge (exactly 60 s, 5/6, lateness...)."""
    # GIVEN Flink's matches for this scenario's sensor
    found = ordered(m for m in flink_matches if m["sensor_id"] == sensor_of(index))
    # THEN they are the expected ones
    start = BASE_MS + index * GAP_MS
    assert [(m["event_time"] - start, m["non_errors"]) for m in found] == list(SCENARIOS[index].expected)
