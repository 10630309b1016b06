"""Process-wide test environment: fake AWS credentials and an isolated Airflow home on SQLite.

Set before anything imports boto3 or airflow, which read these at import time.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="airflow-test-"))

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AIRFLOW_HOME": str(_AIRFLOW_HOME),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "True",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{_AIRFLOW_HOME}/airflow.db",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    }
)
for _variable in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_DEFAULT_PROFILE"):
    os.environ.pop(_variable, None)

from pipeline_config.node_runtime import use_project_node  # noqa: E402

use_project_node()  # aws-cdk-lib's jsii runtime on the pinned Node, before any test imports aws_cdk


@pytest.fixture(scope="session")
def airflow_db() -> Iterator[None]:
    """A fresh Airflow metadata database on SQLite, created once per test session."""
    from airflow.utils import db

    db.resetdb()
    yield


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A copy of the checkout (sharing .venv and node_modules) under a directory whose name has a space:
    a user's clone with its own `.local/`, where unquoted paths would break."""
    from pipeline_config.checkout import copy_checkout

    return copy_checkout(tmp_path / "a clone")
