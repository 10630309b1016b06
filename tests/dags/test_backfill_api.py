"""Against Airflow's own API server (in-process, SQLite, simple auth manager): real backfills are created."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.dags.airflow_versions import serialize_into_db
from tests.dags.backfill_support import EXPORT_DAG_IDS, HOURS, VALID_CONF
from timestream_pipeline import backfill_request as br
from timestream_pipeline import names
from timestream_pipeline.backfill_client import backfill_progress, start_backfill
from timestream_pipeline.backfill_transport import BackfillApiError, HttpTransport

DAGS_FOLDER = Path(__file__).resolve().parents[2] / "dags"
USER, PASSWORD = "backfiller", "s3cret-for-tests"
CONFLICT_DAG_ID = names.export_dag_id("conflict_probe")
PROBE_DAG_IDS = (*EXPORT_DAG_IDS, CONFLICT_DAG_ID)
PROBE_DAG = """
from datetime import datetime
from airflow.sdk import dag, task
from timestream_pipeline.airflow_compat import hourly_timetable

for dag_id in {dag_ids!r}:
    @dag(dag_id=dag_id, schedule=hourly_timetable(),
         start_date=datetime(2026, 1, 1), catchup=False)
    def probe():
        @task
        def export_hour():
            pass
        export_hour()
    probe()
"""


@pytest.fixture(scope="module")
def api_url(airflow_db: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Airflow's API app on a free local port, with the probe export DAGs and the backfill DAG serialized."""
    import uvicorn

    folder = tmp_path_factory.mktemp("probe_dags")
    (folder / "probe_exports.py").write_text(PROBE_DAG.format(dag_ids=list(PROBE_DAG_IDS)), encoding="utf-8")
    passwords = folder / "passwords.json"
    passwords.write_text(json.dumps({USER: PASSWORD}), encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS", f"{USER}:admin")
        patch.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE", str(passwords))
        patch.setenv("AIRFLOW__API_AUTH__JWT_SECRET", "backfill-tests-jwt-secret-" + "0123456789abcdef" * 3)
        serialize_into_db(folder, folder)
        serialize_into_db(DAGS_FOLDER / "timestream_backfill.py", DAGS_FOLDER)
        from airflow.api_fastapi.app import create_app

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = uvicorn.Server(
            uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.started, "Airflow's API server did not start"
        yield f"http://127.0.0.1:{port}"
        server.should_exit = True
        thread.join(timeout=10)


def request_for(dag_id: str, **changes: object) -> br.BackfillRequest:
    conf = {**VALID_CONF, "dag_id": dag_id, **changes}
    return br.validate_backfill_conf(conf, allowed_dag_ids=PROBE_DAG_IDS, max_span_days=31)


def test_a_real_backfill_is_created_with_one_run_per_hour(api_url: str) -> None:
    """POST /backfills on Airflow itself: 6 hourly runs for 00:00..05:00 (to_date is inclusive)."""
    # GIVEN the API server, logged in with a user and password
    transport = HttpTransport(api_url, username=USER, password=PASSWORD)
    request = request_for(EXPORT_DAG_IDS[0])
    # WHEN the backfill is started
    outcome = start_backfill(transport, request)
    # THEN Airflow holds the backfill, with our settings
    backfill = transport.send(br.get_backfill_call(outcome.backfill_id))
    assert (backfill["dag_id"], backfill["reprocess_behavior"], backfill["max_active_runs"]) == (
        EXPORT_DAG_IDS[0],
        "failed",
        4,
    )
    # and one backfill run per hour, read back from the DAG's runs
    runs = transport.send(br.ApiCall("GET", f"/dags/{EXPORT_DAG_IDS[0]}/dagRuns"))["dag_runs"]
    assert sorted((run["logical_date"], run["run_type"]) for run in runs) == [(h, "backfill") for h in HOURS]
    assert outcome.logical_dates == HOURS
    # and it is not complete yet (no scheduler runs in tests)
    assert backfill_progress(transport, request, outcome.backfill_id).completed is False


def test_a_dry_run_lists_the_planned_hours_and_creates_nothing(api_url: str) -> None:
    """POST /backfills/dry_run returns the six logical dates and leaves no backfill behind."""
    # GIVEN the API server
    transport = HttpTransport(api_url, username=USER, password=PASSWORD)
    # WHEN a dry run is sent for the second probe DAG
    outcome = start_backfill(transport, request_for(EXPORT_DAG_IDS[1], dry_run=True))
    # THEN the planned hours come back and the DAG has no backfill
    assert (outcome.backfill_id, outcome.logical_dates) == (None, HOURS)
    listing = transport.send(br.ApiCall("GET", "/backfills", query={"dag_id": EXPORT_DAG_IDS[1]}))
    assert listing["total_entries"] == 0


def test_a_second_backfill_while_one_runs_is_refused_with_airflow_reason(api_url: str) -> None:
    """Airflow allows one active backfill per DAG; its 409 reaches the user as a readable error."""
    # GIVEN an active backfill of a DAG
    transport = HttpTransport(api_url, username=USER, password=PASSWORD)
    first = start_backfill(transport, request_for(CONFLICT_DAG_ID))
    assert first.backfill_id is not None
    # WHEN another backfill of the same DAG is requested
    with pytest.raises(BackfillApiError) as caught:
        start_backfill(
            transport,
            request_for(CONFLICT_DAG_ID, from_date="2026-10-01T00:00:00Z", to_date="2026-10-01T01:00:00Z"),
        )
    # THEN the error carries Airflow's status and reason
    assert caught.value.status == 409 and "already a running backfill" in str(caught.value)


def test_wrong_credentials_are_refused_at_login(api_url: str) -> None:
    """A bad password fails at /auth/token with a hint about the connection, before any backfill call."""
    # GIVEN a wrong password WHEN a backfill is started THEN the login is refused
    transport = HttpTransport(api_url, username=USER, password="wrong")
    with pytest.raises(BackfillApiError, match=r"POST /auth/token failed with 401.*login/password"):
        start_backfill(transport, request_for(EXPORT_DAG_IDS[1], dry_run=True))


@pytest.mark.parametrize(
    "conf",
    [
        {**VALID_CONF, "dag_id": "timestream_export_x; rm -rf /"},
        {**VALID_CONF, "from_date": "$(id)"},
        {**VALID_CONF, "max_active_runs": 1000},
    ],
    ids=["dag_id", "from_date", "max_active_runs"],
)
def test_airflow_refuses_to_trigger_the_backfill_dag_with_a_bad_conf(api_url: str, conf: dict) -> None:
    """Triggering timestream_backfill through the API with a bad conf is a 400: the params are enforced."""
    # GIVEN the serialized backfill DAG
    transport = HttpTransport(api_url, username=USER, password=PASSWORD)
    trigger = br.ApiCall(
        "POST", f"/dags/{names.BACKFILL_DAG_ID}/dagRuns", {"logical_date": None, "conf": conf}
    )
    # WHEN triggered with a bad conf THEN Airflow answers 400 naming the param
    with pytest.raises(BackfillApiError) as caught:
        transport.send(trigger)
    assert caught.value.status == 400 and "Invalid input for param" in str(caught.value)
