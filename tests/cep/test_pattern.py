"""The pattern's edges, one scenario each (tests/cep/scenarios.py), and the measures a match reports."""

from __future__ import annotations

import pytest

from tests.cep.cep_support import run_to_end
from tests.cep.scenarios import BASE_MS, GAP_MS, SCENARIOS, Scenario, scenario_readings
from timestream_cep.pattern import CEP_FIELDS, Reading, cep_record, round_half_up
from timestream_ingest.decoders import cep as cep_decoder


@pytest.mark.parametrize("index", range(len(SCENARIOS)), ids=[s.name for s in SCENARIOS])
def test_each_edge_case_gives_exactly_its_matches(index: int) -> None:
    """Per scenario: the matches found are the expected ones (A's time and the non-error count)."""
    # GIVEN one scenario's readings in arrival order
    scenario: Scenario = SCENARIOS[index]
    readings = scenario_readings(index, scenario)
    # WHEN the stage runs over them to the end of the input
    matches = run_to_end(readings)
    # THEN exactly the expected matches come out
    start = BASE_MS + index * GAP_MS
    assert [(m["event_time"] - start, m["non_errors"]) for m in matches] == list(scenario.expected)


def test_a_match_reports_the_seed_measures() -> None:
    """event_time of A, non_errors and history of B, min/avg/max over all rows, elapsed in whole seconds."""
    # GIVEN E(150) O(20) W(145) E(170), 2.5 s apart
    rows = [
        Reading("sensor-07", t, s, n * 2500)
        for n, (t, s) in enumerate([(150, "ERROR"), (20, "OK"), (145, "WARNING"), (170, "ERROR")])
    ]
    # WHEN the match is turned into a CEP record
    record = cep_record(rows)
    # THEN every field follows cep.sql's MEASURES
    assert record == {
        "sensor_id": "sensor-07",
        "event_time": 0,
        "non_errors": 2,
        "history": "OK-WARNING",
        "min_temperature": 20.0,
        "avg_temperature": 121.25,
        "max_temperature": 170.0,
        "elapsed": 7,
    }


def test_avg_rounds_half_up_like_flink_not_half_even_like_python() -> None:
    """Flink's ROUND(DOUBLE, 2) rounds the double's shortest decimal half away from zero."""
    # GIVEN values whose third decimal is exactly 5 (in binary or in their shortest decimal)
    # WHEN / THEN they round up, where Python's round() would not
    assert round_half_up(121.125, 2) == 121.13 and round(121.125, 2) == 121.12
    assert round_half_up(0.285, 2) == 0.29 and round(0.285, 2) == 0.28
    assert round_half_up(-2.675, 2) == -2.68


def test_a_match_record_carries_exactly_the_fields_the_ingest_lambda_stores() -> None:
    """The CEP stream's consumer (the ingest Lambda's CEP decoder) accepts every field a match has."""
    # GIVEN the stage's output fields / WHEN compared with the decoder's
    # THEN they are the same set, so no match is quarantined for its shape
    assert set(CEP_FIELDS) == cep_decoder.FIELDS
    rows = [Reading("s", 1, "ERROR", 0), Reading("s", 2, "OK", 1), Reading("s", 3, "ERROR", 2)]
    assert tuple(cep_record(rows)) == CEP_FIELDS
