"""BackfillCompletedTrigger on its own: it survives serialization and ends with one event, never a crash."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.dags.backfill_support import (
    API_CONN_ID,
    HOURS,
    PROBE_DAG_ID,
    VALID_CONF,
    RecordedRequest,
    RecordingApi,
)
from timestream_pipeline.backfill_trigger import TRIGGER_CLASSPATH, BackfillCompletedTrigger

REQUEST_CONF = {**VALID_CONF, "wait_for_completion": True}
BACKFILL_PATH = "/api/v2/backfills/7"


def make_trigger(deadline: datetime | None = None) -> BackfillCompletedTrigger:
    """A trigger for backfill 7 of the probe DAG, polling every 10 ms, giving up at `deadline` (1 h)."""
    return BackfillCompletedTrigger(
        request_conf=REQUEST_CONF,
        backfill_id=7,
        poll_interval=0.01,
        deadline=deadline or datetime.now(UTC) + timedelta(hours=1),
    )


def events_of(trigger: BackfillCompletedTrigger) -> list[dict[str, Any]]:
    """Run the trigger to its end, as the triggerer would, and return every event's payload."""

    async def collect() -> list[dict[str, Any]]:
        return [event.payload async for event in trigger.run()]

    return asyncio.run(collect())


def backfill_checks(api: RecordingApi) -> int:
    return sum(1 for r in api.api_requests if (r.method, r.path) == ("GET", BACKFILL_PATH))


def test_serialize_round_trips_through_what_airflow_stores() -> None:
    """The deferral message (serde) and the trigger table row both rebuild an identical trigger."""
    from airflow.models.trigger import Trigger
    from airflow.sdk.module_loading import import_string
    from airflow.sdk.serde import deserialize, serialize

    # GIVEN a trigger
    original = make_trigger()
    classpath, kwargs = original.serialize()
    # WHEN re-instantiated from its classpath, once through serde and once through a trigger row
    from_message = import_string(classpath)(**deserialize(serialize(kwargs)))
    row = Trigger.from_object(original)
    from_row = import_string(row.classpath)(**row.kwargs)
    # THEN the classpath is the fixed one and both rebuilt triggers serialize to the same thing
    assert classpath == TRIGGER_CLASSPATH
    assert from_message.serialize() == from_row.serialize() == (classpath, kwargs)


def test_a_completed_backfill_gives_one_event_with_its_failed_runs(api: RecordingApi) -> None:
    """A backfill the API reports completed: one event with the run count and the failed logical dates."""
    # GIVEN a completed backfill with one failed run out of six
    api.backfill = {"id": 7, "completed_at": "2026-11-02T00:00:00Z"}
    api.runs = [{"dag_id": PROBE_DAG_ID, "logical_date": h, "state": "success"} for h in HOURS[:5]]
    api.runs.append({"dag_id": PROBE_DAG_ID, "logical_date": HOURS[5], "state": "failed"})
    # WHEN the trigger runs THEN it fires exactly one completed event naming the failed run
    assert events_of(make_trigger()) == [{"status": "completed", "runs": 6, "failed": [HOURS[5]]}]


def test_an_api_error_becomes_an_error_event(api: RecordingApi) -> None:
    """Airflow's API answering 500: the trigger ends with an error event carrying the status, no exception."""
    answer_as_recorded = api.answer

    def failing(request: RecordedRequest) -> tuple[int, Any]:
        if request.path == BACKFILL_PATH:
            return 500, {"detail": "database is locked"}
        return answer_as_recorded(request)

    # GIVEN an API that fails the backfill read
    api.answer = failing  # type: ignore[method-assign]
    # WHEN the trigger runs
    (event,) = events_of(make_trigger())
    # THEN one error event names the call, the status and Airflow's detail
    assert event["status"] == "error"
    assert "GET /backfills/7 failed with 500: database is locked" in event["message"]


def test_a_missing_connection_becomes_an_error_event(
    api: RecordingApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Settings naming a connection that does not exist: an error event naming it, not a triggerer crash."""
    # GIVEN the API connection removed after the backfill was created
    monkeypatch.delenv(f"AIRFLOW_CONN_{API_CONN_ID.upper()}")
    # WHEN the trigger runs
    (event,) = events_of(make_trigger())
    # THEN it reports the missing connection and sent nothing
    assert event["status"] == "error" and API_CONN_ID in event["message"]
    assert api.api_requests == []


def test_the_deadline_ends_the_wait_with_an_error_event(api: RecordingApi) -> None:
    """A backfill still running at the deadline: one last check, then an error event saying it keeps going."""
    # GIVEN a backfill that never completes and a deadline already past
    api.backfill = {"id": 7, "completed_at": None}
    # WHEN the trigger runs
    (event,) = events_of(make_trigger(deadline=datetime.now(UTC) - timedelta(seconds=1)))
    # THEN it checked once and gave up with a message saying the backfill keeps going
    assert event["status"] == "error" and "still running at the wait deadline" in event["message"]
    assert "keeps going" in event["message"]
    assert backfill_checks(api) == 1
