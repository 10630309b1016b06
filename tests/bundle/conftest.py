"""Built artifacts and the Airflow interpreters that run them.

Every bundle test runs once per Airflow interpreter: this environment's (the development pin) and,
when `AIRFLOW30_PYTHON` names one (`make test-airflow30` sets it), MWAA's oldest Airflow 3.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from local.stack import InProcessStack
from pipeline_config.local_state import LocalStackState
from pipeline_config.settings import load_settings
from tests.bundle.built_artifacts import SynthesizedApp, synthesize_app

AIRFLOW30_PYTHON_ENV = "AIRFLOW30_PYTHON"
INTERPRETERS = {"dev": sys.executable, "airflow30": os.environ.get(AIRFLOW30_PYTHON_ENV, "")}


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedApp:
    """One real synth of the app (cdk-nag runs), with the DAG deployment switched on."""
    return synthesize_app(tmp_path_factory.mktemp("cdk-out"))


@pytest.fixture(scope="module")
def local_stack() -> Iterator[LocalStackState]:
    """moto and the local Timestream on threads of this process; the subprocesses reach them by URL."""
    with InProcessStack(load_settings()) as state:
        yield state


@pytest.fixture(scope="module", params=sorted(INTERPRETERS))
def airflow_python(request: pytest.FixtureRequest) -> Path:
    """An Airflow 3 interpreter; the 3.0 one only when AIRFLOW30_PYTHON names it."""
    python = INTERPRETERS[request.param]
    if not python:
        pytest.skip(f"{AIRFLOW30_PYTHON_ENV} is not set: `make test-airflow30` runs these on Airflow 3.0")
    return Path(python)
