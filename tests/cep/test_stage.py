"""The stage across invocations: state carried through JSON, batch boundaries, lateness, reshards."""

from __future__ import annotations

import json
import random

import pytest

from tests.cep.cep_support import ordered, run_to_end
from tests.cep.scenarios import interleaved_stream
from timestream_cep.pattern import Reading
from timestream_cep.stage import CepStage

BUSY = interleaved_stream(seed=4, sensors=10, ticks=300)


def _in_batches(readings: list[Reading], sizes: list[int]) -> list[dict]:
    """Run batch by batch, the state saved and reloaded as JSON in between (as the Lambda does)."""
    matches, state, start = [], None, 0
    for size in sizes:
        stage = CepStage.from_state(json.loads(json.dumps(state)) if state else None)
        matches += stage.process(readings[start : start + size]).matches
        state, start = stage.to_state(), start + size
    return matches + CepStage.from_state(state).flush()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_batch_boundaries_change_nothing(seed: int) -> None:
    """However the shard is cut into batches, every match is found exactly once, with the same values."""
    # GIVEN a busy shard cut into random batches of 1..120 records
    rng = random.Random(seed)
    sizes = [rng.randint(1, 120) for _ in range(len(BUSY))]
    # WHEN each batch runs on the state the previous one left
    batched = _in_batches(BUSY, sizes)
    # THEN the matches are those of one uninterrupted run
    whole = run_to_end(BUSY)
    assert len(whole) > 50
    assert ordered(batched) == ordered(whole) and len(batched) == len(whole)


def test_a_match_split_over_two_batches_is_found_once() -> None:
    """E O in one invocation, E in the next: one match, emitted once the watermark passes its last row."""
    # GIVEN a stage that has seen E and O of sensor s
    stage = CepStage()
    first = stage.process([Reading("s", 150, "ERROR", 0), Reading("s", 90, "OK", 1000)])
    # WHEN the next invocation, from saved state, brings the closing ERROR and a reading 5 s later
    later = CepStage.from_state(stage.to_state())
    second = later.process([Reading("s", 170, "ERROR", 2000), Reading("t", 50, "OK", 7000)])
    # THEN the match comes out of the second invocation only, whole
    assert first.matches == []
    assert [(m["event_time"], m["non_errors"], m["elapsed"]) for m in second.matches] == [(0, 1, 2)]


def test_a_match_waits_for_the_watermark() -> None:
    """A closing ERROR is not matched until a reading 5 s younger arrives: an older one could still come."""
    # GIVEN E O E of sensor s
    stage = CepStage()
    rows = [Reading("s", 150, "ERROR", 0), Reading("s", 90, "OK", 1000), Reading("s", 170, "ERROR", 2000)]
    # WHEN readings up to 4.999 s later arrive, then one at 7 s
    waiting = stage.process([*rows, Reading("t", 1, "OK", 6999)]).matches
    released = stage.process([Reading("t", 1, "OK", 7000)]).matches
    # THEN the match is released by the reading that moves the watermark to 2 s
    assert waiting == [] and len(released) == 1


def test_late_readings_are_reported_and_change_nothing() -> None:
    """A reading at or before the watermark is handed back as late; matching goes on without it."""
    # GIVEN a shard whose latest reading is at 10 s (watermark 5 s)
    stage = CepStage()
    stage.process([Reading("s", 150, "ERROR", 0), Reading("s", 90, "OK", 10_000)])
    before = stage.to_state()
    # WHEN a reading at 5 s and one at 4 s arrive
    outcome = stage.process([Reading("s", 170, "ERROR", 5000), Reading("u", 1, "OK", 4000)])
    # THEN both are late, and the state is as it was
    assert [r.event_time for r in outcome.late] == [5000, 4000]
    assert stage.to_state() == before


def test_state_holds_only_what_can_still_match() -> None:
    """Partial matches older than the window behind the watermark are dropped: the state stays small."""
    # GIVEN a long busy shard
    stage = CepStage()
    stage.process(BUSY)
    state = stage.to_state()
    # THEN what is kept is the last 5 s of readings and partial matches younger than a minute
    latest = max(r.event_time for r in BUSY)
    assert all(row[3] > latest - 5000 - 1 for row in state["pending"])
    assert all(rows[0][3] > state["watermark"] - 60_000 for rows in state["partials"].values())
    assert len(json.dumps(state)) < 8_000


def test_a_child_shard_continues_its_parents_matches() -> None:
    """After a reshard, the child starts from the parents' state: a match open at the split completes."""
    # GIVEN two parents, each with an open match (sensor a in one, b in the other), at different times
    parent_a, parent_b = CepStage(), CepStage()
    parent_a.process([Reading("a", 150, "ERROR", 0), Reading("a", 90, "OK", 1000)])
    parent_b.process([Reading("b", 150, "ERROR", 3000), Reading("b", 90, "WARNING", 4000)])
    # WHEN the child (their merge) gets the closing ERRORs and a later reading
    child = CepStage.merged([parent_a.to_state(), parent_b.to_state(), None])
    matches = child.process(
        [Reading("a", 170, "ERROR", 2000), Reading("b", 171, "ERROR", 5000), Reading("c", 1, "OK", 20_000)]
    ).matches
    # THEN both matches are found, each with its parent's rows
    assert sorted((m["sensor_id"], m["history"]) for m in matches) == [("a", "OK"), ("b", "WARNING")]


def test_a_state_of_another_version_is_refused() -> None:
    """A state written by a different layout is never misread."""
    with pytest.raises(ValueError, match="CEP state version"):
        CepStage.from_state({"version": 99, "watermark": 0, "pending": [], "partials": {}})
