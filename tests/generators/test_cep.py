"""The CEP matcher on crafted inputs: what matches, what does not, and what a match reports."""

from __future__ import annotations

import json

from generators.cep import cep_record, find_matches
from generators.sensors import Reading
from generators.workloads import generate
from tests.generators.conftest import START


def _rows(
    spec: str, *, step_ms: int = 2000, sensor: str = "sensor-07", temperatures: list[int] | None = None
) -> list[Reading]:
    """Readings from a compact spec: E = ERROR, O = OK, W = WARNING, one every step_ms."""
    status = {"E": "ERROR", "O": "OK", "W": "WARNING"}
    temps = temperatures or [100] * len(spec)
    return [Reading(sensor, temps[n], status[c], n * step_ms) for n, c in enumerate(spec)]


def _matches(rows: list[Reading]) -> list[list[Reading]]:
    return [match for match, _closed in find_matches(rows)]


def test_an_error_then_1_to_5_non_errors_then_an_error_matches() -> None:
    """E O E and E O W O W O E are each one match, with every row of the pattern in it."""
    # GIVEN / WHEN the shortest and the longest matching runs
    shortest, longest = _matches(_rows("EOE")), _matches(_rows("EOWOWOE"))
    # THEN each is one match of the whole run
    assert [len(m) for m in shortest] == [3]
    assert [len(m) for m in longest] == [7]


def test_zero_or_six_non_errors_do_not_match() -> None:
    """E E (no non-error between) and E + 6 non-errors + E are not matches."""
    # GIVEN / WHEN the two near misses
    # THEN neither matches
    assert _matches(_rows("EE")) == []
    assert _matches(_rows("EOOOOOOE")) == []


def test_a_match_spanning_a_minute_or_more_does_not_count() -> None:
    """E O E with the closing ERROR 60 s after the first is out of the 1-minute window; 59 s is in."""
    # GIVEN the same pattern at 30 s and at 29.5 s between rows
    too_slow, in_time = _rows("EOE", step_ms=30_000), _rows("EOE", step_ms=29_500)
    # WHEN / THEN only the faster one matches
    assert _matches(too_slow) == []
    assert len(_matches(in_time)) == 1


def test_a_late_closing_error_starts_the_next_match() -> None:
    """When the window ran out, the closing ERROR opens a new match (E O ... E O E gives one match)."""
    # GIVEN E O at 0 s, 30 s; E at 60 s (too late), then O E
    rows = [
        *_rows("EOEOE", step_ms=30000)[:3],
        Reading("sensor-07", 100, "OK", 61000),
        Reading("sensor-07", 100, "ERROR", 62000),
    ]
    # WHEN / THEN one match, starting at the late ERROR
    matches = _matches(rows)
    assert [[r.event_time for r in m] for m in matches] == [[60_000, 61_000, 62_000]]


def test_after_a_match_the_closing_error_does_not_open_the_next() -> None:
    """AFTER MATCH SKIP PAST LAST ROW: E O E O E is one match, not two."""
    # GIVEN / WHEN / THEN
    assert len(_matches(_rows("EOEOE"))) == 1


def test_sensors_are_matched_separately() -> None:
    """Rows of other sensors in between neither break nor complete a sensor's pattern."""
    # GIVEN sensor-01's E O E interleaved with sensor-02's E and O
    a, b = _rows("EOE", sensor="sensor-01"), _rows("EO", sensor="sensor-02")
    rows = [a[0], b[0], a[1], b[1], a[2]]
    # WHEN / THEN one match, all sensor-01
    matches = _matches(rows)
    assert len(matches) == 1 and {r.sensor_id for r in matches[0]} == {"sensor-01"}


def test_a_match_reports_the_seed_fields() -> None:
    """event_time of A, non_errors and history of B, min/avg/max over all rows, elapsed in whole seconds."""
    # GIVEN E(150) O(20) W(145) E(170), 2.5 s apart
    rows = _rows("EOWE", step_ms=2500, temperatures=[150, 20, 145, 170])
    # WHEN the match is turned into a CEP record
    record = cep_record(_matches(rows)[0])
    # THEN every field follows the documented semantics
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
