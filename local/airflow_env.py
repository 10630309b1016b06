"""Airflow on SQLite wired to the local stack: environment, metadata DB, and one DAG run per call.

Airflow reads its configuration when first imported, so `configure()` must run before anything
imports airflow; the functions below import it lazily for that reason.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from pipeline_config import names
from pipeline_config.local_state import LOCAL_ACCESS_KEY_ID, LOCAL_SECRET_ACCESS_KEY, LocalStackState
from pipeline_config.settings import REPO_ROOT, Settings, runtime_settings
from timestream_pipeline import names as dag_names

DAGS_FOLDER = REPO_ROOT / "dags"
# The DAGs' hooks and awswrangler sign with these: fake, so real credentials never reach a local endpoint.
LOCAL_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": LOCAL_ACCESS_KEY_ID,
    "AWS_SECRET_ACCESS_KEY": LOCAL_SECRET_ACCESS_KEY,
    "AWS_SESSION_TOKEN": LOCAL_ACCESS_KEY_ID,
    "AWS_DEFAULT_REGION": names.LOCAL_REGION,
    "AWS_REGION": names.LOCAL_REGION,
}


def connection_json(state: LocalStackState) -> str:
    """The `aws` connection: per-service endpoints (S3 and Glue on moto, Timestream on the local emulator)."""
    endpoints = {
        "s3": {"endpoint_url": state.moto_endpoint},
        "glue": {"endpoint_url": state.moto_endpoint},  # the lake's Iceberg catalog, as on MWAA
        "sts": {"endpoint_url": state.moto_endpoint},
        "timestream-query": {"endpoint_url": state.timestream_endpoint},
        "timestream-write": {"endpoint_url": state.timestream_endpoint},
    }
    return json.dumps(
        {
            "conn_type": "aws",
            "login": LOCAL_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            "password": LOCAL_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            "extra": {"region_name": state.region, "service_config": endpoints},
        }
    )


def pipeline_environment(settings: Settings, state: LocalStackState, **runtime: Any) -> dict[str, str]:
    """The connection (S3, the Glue catalog, Timestream), the settings Variable and fake credentials.

    `runtime` overrides settings of the Variable (e.g. `airflow_api_conn_id` for a real Airflow).
    """
    variable = replace(runtime_settings(settings, bucket=state.bucket, region=state.region), **runtime)
    return {
        **LOCAL_CREDENTIALS,
        f"AIRFLOW_CONN_{settings.aws_conn_id.upper()}": connection_json(state),
        f"AIRFLOW_VAR_{dag_names.RUNTIME_SETTINGS_VARIABLE.upper()}": variable.to_json(),
    }


def airflow_environment(
    settings: Settings, state: LocalStackState, airflow_home: Path, **runtime: Any
) -> dict[str, str]:
    """Every variable Airflow and the DAGs need to run on SQLite against the local stack."""
    return {
        **pipeline_environment(settings, state, **runtime),
        "AIRFLOW_HOME": str(airflow_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{airflow_home / 'airflow.db'}",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
    }


def configure(settings: Settings, state: LocalStackState, airflow_home: Path) -> None:
    """Set the environment of this process (before airflow is imported) and create AIRFLOW_HOME."""
    if "airflow" in sys.modules and os.environ.get("AIRFLOW_HOME") != str(airflow_home):
        raise RuntimeError(
            "airflow was imported before local.airflow_env.configure(): its settings are fixed"
        )
    airflow_home.mkdir(parents=True, exist_ok=True)
    os.environ.update(airflow_environment(settings, state, airflow_home))


def reset_metadata_db() -> None:
    """A fresh metadata DB (SQLite, about a second): each demo starts from clean DAG run history."""
    from airflow.utils import db

    db.resetdb()


def load_dags(dag_ids: list[str], *, fail_fast: bool = True) -> dict[str, Any]:
    """The DAGs as the DAG processor parses them from the DAGs folder.

    `fail_fast` sets retries to 0: in a demo or a test a failure should show at once, not after the
    exponential retry delays meant for a flaky production dependency.
    """
    from airflow.dag_processing.dagbag import DagBag

    if str(DAGS_FOLDER) not in sys.path:
        sys.path.append(str(DAGS_FOLDER))  # as the DAG processor does, for timestream_pipeline
    bag = DagBag(str(DAGS_FOLDER))
    if bag.import_errors:
        problems = "; ".join(
            f"{path}: {error.strip().splitlines()[-1]}" for path, error in bag.import_errors.items()
        )
        raise SystemExit(f"error: the DAGs folder has import errors: {problems}")
    missing = sorted(set(dag_ids) - set(bag.dag_ids))
    if missing:
        raise SystemExit(f"error: no DAG {missing} in {DAGS_FOLDER}; found {sorted(bag.dag_ids)}")
    dags = {dag_id: bag.get_dag(dag_id) for dag_id in dag_ids}
    if fail_fast:
        for dag in dags.values():
            for task in dag.tasks:
                task.retries = 0
    return dags


def run_dag(dag: Any, *, logical_date: datetime | None, conf: dict[str, Any] | None = None) -> str:
    """One `dag.test()` run; returns its final state ("success" or "failed")."""
    run = dag.test(logical_date=logical_date, run_after=logical_date, run_conf=conf)
    return str(getattr(run.state, "value", run.state))


def planned_backfill_runs(
    dag_id: str, from_date: datetime, to_date: datetime
) -> list[tuple[datetime, datetime]]:
    """The data intervals Airflow's backfill would run for this range (what POST /backfills/dry_run answers).

    Uses the function the API server itself calls; the DAG must have been serialised (run once) first.
    """
    from airflow.models.backfill import ReprocessBehavior, _do_dry_run
    from airflow.utils.session import create_session

    with create_session() as session:
        infos = list(
            _do_dry_run(
                dag_id=dag_id,
                from_date=from_date,
                to_date=to_date,
                reverse=False,
                reprocess_behavior=ReprocessBehavior.COMPLETED,
                session=session,
            )
        )
    return [(info.data_interval.start, info.data_interval.end) for info in infos if info.data_interval]
