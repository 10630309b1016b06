"""A real Airflow 3 over the local stack: scheduler, API server, DAG processor and triggerer, no PYTHONPATH.

The DAG folder is the repository's dags/, as a user points their Airflow at it. The scheduler runs the
latest hour of an export; the backfill DAG, triggered through the REST API, backfills the three hours
before it and waits (sleeping in the triggerer); a re-trigger changes nothing. Every hour of the
export's Iceberg table is then read back from the local S3.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local import airflow_server, lake
from local.resources import client
from local.stack import InProcessStack
from pipeline_config.local_state import LocalStackState
from pipeline_config.settings import load_settings
from tests.dags.timestream_records import reading
from timestream_pipeline import names
from timestream_pipeline.backfill_request import ApiCall, wire
from timestream_pipeline.backfill_transport import HttpTransport
from timestream_pipeline.exports import load_exports

pytestmark = pytest.mark.slow
EXPORT = "sensor_readings"
EXPORT_DAG_ID = names.export_dag_id(EXPORT)
WAIT_SECONDS = 240
SENSORS = ("sensor-01", "sensor-02")


class Airflow:
    """The running Airflow's REST API, and the local stack it works on."""

    def __init__(self, instance: airflow_server.AirflowInstance, stack: LocalStackState) -> None:
        self.instance = instance
        self.stack = stack
        self.api = HttpTransport(instance.url, username=instance.username, password=instance.password)

    def send(self, method: str, path: str, body: Any = None, **query: Any) -> Any:
        return self.api.send(ApiCall(method, path, body, query))

    def runs(self, dag_id: str, **query: Any) -> list[dict[str, Any]]:
        return self.send("GET", f"/dags/{dag_id}/dagRuns", **query)["dag_runs"]

    def tasks(self, dag_id: str, run_id: str) -> dict[str, dict[str, Any]]:
        found = self.send("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances")["task_instances"]
        return {ti["task_id"]: ti for ti in found}

    def wait_for(self, what: str, answer: Callable[[], Any]) -> Any:
        """Poll until `answer()` is truthy; bounded, and the failure names what never happened."""
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            if result := answer():
                return result
            time.sleep(2)
        logs = {
            c: self.instance.log(c).read_text(errors="replace")[-3000:] for c in airflow_server.COMPONENTS
        }
        raise AssertionError(f"{what}: not within {WAIT_SECONDS} s; logs:\n{json.dumps(logs, indent=1)}")

    def finished_run(self, dag_id: str, run_id: str) -> dict[str, Any]:
        def finished() -> dict[str, Any] | None:
            run = self.send("GET", f"/dags/{dag_id}/dagRuns/{run_id}")
            return run if run["state"] in ("success", "failed") else None

        return self.wait_for(f"{dag_id} run {run_id} to finish", finished)

    def task_logs(self, dag_id: str, run_id: str, task_id: str = "") -> str:
        """The task logs of one run (or one task of it), from AIRFLOW_HOME, each headed by its path."""
        folder = self.instance.home / "logs" / f"dag_id={dag_id}" / f"run_id={run_id}"
        folder = folder / f"task_id={task_id}" if task_id else folder
        return "\n".join(
            f"== {p}\n{p.read_text(errors='replace')[-4000:]}" for p in sorted(folder.rglob("*.log"))
        )

    def trigger(self, dag_id: str, conf: dict[str, Any] | None = None) -> str:
        return self.send("POST", f"/dags/{dag_id}/dagRuns", {"logical_date": None, "conf": conf or {}})[
            "dag_run_id"
        ]

    def xcom(self, dag_id: str, run_id: str, task_id: str) -> Any:
        path = f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/return_value"
        return json.loads(str(self.send("GET", path, deserialize="true")["value"]))

    def exported(self, hour: datetime) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        """(the hour's commit: rows and data files, or None; its rows) in the export's Iceberg table,
        read back from the local S3 through the local catalog the DAGs committed to."""
        s3 = client("s3", self.stack.moto_endpoint)
        export_prefix = load_settings().export_prefix
        spec = next(spec for spec in load_exports() if spec.name == EXPORT)
        return (
            lake.exported_hour(s3, self.stack, export_prefix, spec, hour),
            lake.hour_rows(s3, self.stack, export_prefix, spec, hour),
        )


@pytest.fixture(scope="module")
def airflow(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Airflow]:
    """The local stack in this process, and a real Airflow in four processes over it; all stopped after."""
    settings = load_settings()
    with InProcessStack(settings) as stack:
        instance = airflow_server.start(settings, stack, tmp_path_factory.mktemp("airflow-home"))
        try:
            yield Airflow(instance, stack)
        finally:
            stopped = airflow_server.stop(instance.pids)
            assert len(stopped) == len(airflow_server.COMPONENTS), stopped
            assert [airflow_server.group_members(pid) for pid in instance.pids.values()] == [[]] * len(
                stopped
            )


def write_readings(stack: LocalStackState, hours: list[datetime]) -> None:
    """Two sensors, one reading each, ten minutes into every hour: two exported rows per hour."""
    write = client("timestream-write", stack.timestream_endpoint)
    records = [
        reading(sensor, "OK", 20.5, hour + timedelta(minutes=10)) for hour in hours for sensor in SENSORS
    ]
    write.write_records(DatabaseName=stack.database, TableName=stack.raw_table, Records=records)


def test_the_dags_parse_with_no_import_error(airflow: Airflow) -> None:
    """The DAG processor, run from AIRFLOW_HOME with no PYTHONPATH, loads every DAG of dags/."""
    # GIVEN the running Airflow WHEN its DAG processor has parsed dags/
    dag_ids = airflow.wait_for(
        "the DAGs to be parsed", lambda: len(airflow.send("GET", "/dags")["dags"]) >= 4
    )
    # THEN there is no import error and the backfill DAG and the exports are there
    assert dag_ids
    assert airflow.send("GET", "/importErrors")["total_entries"] == 0
    listed = {dag["dag_id"] for dag in airflow.send("GET", "/dags")["dags"]}
    assert {names.BACKFILL_DAG_ID, EXPORT_DAG_ID} <= listed


def test_scheduler_then_rest_backfill_export_every_hour_and_a_retrigger_changes_nothing(
    airflow: Airflow,
) -> None:
    """The scheduled hour, then a REST-triggered backfill of the 3 hours before it, waiting for completion."""
    # GIVEN readings in the four hours before the current one
    now_hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    write_readings(airflow.stack, [now_hour - timedelta(hours=n) for n in range(5, 0, -1)])
    # WHEN the export and the backfill DAG are unpaused, the scheduler runs the latest complete hour
    for dag_id in (EXPORT_DAG_ID, names.BACKFILL_DAG_ID):
        airflow.send("PATCH", f"/dags/{dag_id}", {"is_paused": False})
    scheduled = airflow.wait_for(
        "the scheduled export run", lambda: airflow.runs(EXPORT_DAG_ID, run_type="scheduled")
    )
    run = airflow.finished_run(EXPORT_DAG_ID, scheduled[0]["dag_run_id"])
    assert run["state"] == "success", run
    latest = datetime.fromisoformat(run["data_interval_start"].replace("Z", "+00:00"))
    # AND the backfill DAG is triggered through the REST API for the three hours before it
    first, last = latest - timedelta(hours=3), latest - timedelta(hours=1)
    conf = {
        "dag_id": EXPORT_DAG_ID,
        "from_date": wire(first),
        "to_date": wire(last),
        "wait_for_completion": True,
    }
    backfill_run = airflow.finished_run(names.BACKFILL_DAG_ID, airflow.trigger(names.BACKFILL_DAG_ID, conf))
    # THEN it succeeded after the three export runs it made had
    assert backfill_run["state"] == "success", airflow.task_logs(
        names.BACKFILL_DAG_ID, backfill_run["dag_run_id"]
    )
    assert airflow.xcom(names.BACKFILL_DAG_ID, backfill_run["dag_run_id"], "wait_for_backfill") == 3
    backfilled = airflow.runs(EXPORT_DAG_ID, run_type="backfill")
    assert sorted(r["state"] for r in backfilled) == ["success"] * 3
    # AND the waiting slept in Airflow's own trigger, run by the triggerer (it writes its own task log)
    wait_logs = airflow.task_logs(names.BACKFILL_DAG_ID, backfill_run["dag_run_id"], "wait_for_backfill")
    assert ".log.trigger." in wait_logs and "Trigger fired event" in wait_logs
    # AND every hour, the scheduled one and the three backfilled, is committed to the Iceberg table
    # with one data file and the two readings of that hour
    hours = [first + timedelta(hours=n) for n in range(4)]
    exported = {hour: airflow.exported(hour) for hour in hours}
    for hour, (commit, rows) in exported.items():
        assert commit is not None and (commit["rows"], len(commit["files"])) == (2, 1), (hour, commit)
        assert sorted(row["sensor_id"] for row in rows) == list(SENSORS)
        assert {row["minute"].replace(tzinfo=UTC) for row in rows} == {hour + timedelta(minutes=10)}
    # WHEN the same backfill is triggered again (reprocess_behavior "failed": nothing to redo)
    again = airflow.finished_run(names.BACKFILL_DAG_ID, airflow.trigger(names.BACKFILL_DAG_ID, conf))
    # THEN it succeeded, made no run, and every hour is unchanged (same data files, same rows)
    assert again["state"] == "success"
    assert airflow.xcom(names.BACKFILL_DAG_ID, again["dag_run_id"], "wait_for_backfill") == 0
    assert {hour: airflow.exported(hour) for hour in hours} == exported


def test_an_export_triggered_without_a_logical_date_fails_at_once(airflow: Airflow) -> None:
    """REST trigger with logical_date null: no data interval, so the first task fails without retrying."""
    # GIVEN the export DAG, unpaused WHEN it is triggered through the API without a logical date
    airflow.send("PATCH", f"/dags/{EXPORT_DAG_ID}", {"is_paused": False})
    run = airflow.finished_run(EXPORT_DAG_ID, airflow.trigger(EXPORT_DAG_ID))
    # THEN the run failed on its first try of plan_export, which is failed rather than up for retry
    tasks = airflow.tasks(EXPORT_DAG_ID, run["dag_run_id"])
    assert run["state"] == "failed"
    assert (tasks["plan_export"]["state"], tasks["plan_export"]["try_number"]) == ("failed", 1)
    assert tasks["export_rows"]["state"] == "upstream_failed"
