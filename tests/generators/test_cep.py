"""The `cep` workload: the CEP stage's own matcher over invented readings (edge cases: tests/cep)."""

from __future__ import annotations

import json
import random
from itertools import islice

from generators.cep import find_matches
from generators.sensors import SensorOptions, readings
from generators.workloads import generate
from tests.cep.cep_support import ordered, run_to_end
from tests.generators.conftest import START
from timestream_cep.pattern import Reading, cep_record


def test_the_workload_finds_what_the_deployed_stage_finds_on_the_same_readings() -> None:
    """The generator and the CEP Lambda share one matcher: same readings in, same matches out."""
    # GIVEN 3,000 invented readings in time order
    source = readings(random.Random(5), 0, SensorOptions(sensors=20))
    rows = [Reading(r.sensor_id, r.temperature, r.status, r.event_time) for r in islice(source, 3000)]
    # WHEN the generator's matcher and the stage run over them
    generated = [cep_record(match) for match, _closed in find_matches(rows)]
    # THEN both find the same, non-empty set of matches
    assert generated and ordered(generated) == ordered(run_to_end(rows))


def test_each_cep_record_is_due_when_its_closing_error_arrives() -> None:
    """A match is sent at the time of its closing row, after its first ERROR."""
    # GIVEN / WHEN 50 CEP records
    records = list(generate("cep", seed=3, start=START, count=50))
    # THEN each is due within the minute after its event time
    assert all(0 < r.due_ms - r.event_time_ms < 60_000 for r in records)
    assert [r.partition_key for r in records] == [json.loads(r.data)["sensor_id"] for r in records]


def test_the_cep_workload_emits_only_valid_matches() -> None:
    """Over a seeded sensors stream every CEP record satisfies the pattern's bounds."""
    # GIVEN / WHEN 500 CEP records
    records = [json.loads(r.data) for r in generate("cep", seed=9, start=START, count=500)]
    # THEN each has 1..5 non-errors, a history without ERROR and an elapsed under a minute
    assert all(1 <= r["non_errors"] <= 5 for r in records)
    assert all(
        len(r["history"].split("-")) == r["non_errors"] and "ERROR" not in r["history"] for r in records
    )
    assert all(0 <= r["elapsed"] < 60 for r in records)
    assert all(r["min_temperature"] <= r["avg_temperature"] <= r["max_temperature"] for r in records)
