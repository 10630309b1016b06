"""Generic fixtures for DAG tests: a moto server and an `aws_default` connection pointing at it.

Usable by any DAG test: `dag_bag` (dags/ parsed once per session), `moto_server` (session; reset
per use through `moto`), `aws_default_conn` (env connection whose extra routes s3 and
timestream-query to moto).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from pipeline_config.settings import REPO_ROOT
from tests.dags.backfill_support import (
    API_CONN_ID,
    SETTINGS_VARIABLE_ENV,
    RecordingApi,
    api_connection_json,
    recording_api,
    runtime_settings_json,
)
from tests.dags.moto_connection import aws_connection_uri, free_port
from timestream_pipeline import names


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """A ThreadedMotoServer on a free 127.0.0.1 port for the whole session; yields its URL."""
    from moto.server import ThreadedMotoServer

    from local import moto_server

    moto_server.install()  # Glue's version check, as on the local stack

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def moto(moto_server: str) -> str:
    """The moto server, emptied first (buckets, queued Timestream results)."""
    requests.post(f"{moto_server}/moto-api/reset", timeout=10).raise_for_status()
    return moto_server


@pytest.fixture
def aws_default_conn(moto: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """`aws_default` routes S3 and timestream-query to the (reset) moto server; yields its URL."""
    uri = aws_connection_uri({"s3": moto, "timestream-query": moto, "timestream-write": moto})
    monkeypatch.setenv(f"AIRFLOW_CONN_{names.DEFAULT_AWS_CONN_ID.upper()}", uri)
    return moto


@pytest.fixture(scope="session")
def dag_bag(airflow_db: None) -> Any:
    """The DAG folder parsed once (AIRFLOW__CORE__DAGS_FOLDER is dags/, set by tests/conftest.py)."""
    from airflow.models import DagBag

    return DagBag(str(REPO_ROOT / "dags"))


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[RecordingApi]:
    """A local Airflow API stand-in that records requests, wired in as the backfill DAG's target."""
    with recording_api() as running:
        monkeypatch.setenv(SETTINGS_VARIABLE_ENV, runtime_settings_json(airflow_api_conn_id=API_CONN_ID))
        monkeypatch.setenv(f"AIRFLOW_CONN_{API_CONN_ID.upper()}", api_connection_json(running.url, token="t"))
        yield running
