"""An Airflow of its own for a built bundle: a clean subprocess environment, a neutral working directory.

Nothing of the repository reaches the subprocesses: no PYTHONPATH, `python -P` (the working
directory is not put on sys.path either), the working directory an empty temporary folder, and an
environment built from scratch. What a DAG imports must come from the bundle folder or site-packages.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROBE = Path(__file__).resolve().parent / "bundle_probe.py"
# The fake credentials the DAGs' hooks sign with against the local stack (never real ones).
FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


@dataclass
class AirflowSandbox:
    """One metadata DB and one DAG folder, run by `python` (an Airflow 3 interpreter)."""

    python: Path
    root: Path
    dags_folder: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    report: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        (self.root / "work").mkdir(parents=True, exist_ok=True)

    def environment(self, **overrides: str) -> dict[str, str]:
        home = self.root / "airflow-home"
        return {
            "PATH": f"{self.python.parent}{os.pathsep}/usr/bin{os.pathsep}/bin",
            "HOME": str(self.root),
            "LANG": "C.UTF-8",
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(self.dags_folder),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
            **FAKE_AWS,
            **self.extra_env,
            **overrides,
        }

    def run(self, arguments: list[str], timeout: float = 180, **env: str) -> subprocess.CompletedProcess[str]:
        """`python -P <arguments>` from the neutral working directory; fails with its output if it fails."""
        result = subprocess.run(
            [str(self.python), "-P", *arguments],
            cwd=self.root / "work",
            env=self.environment(**env),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert result.returncode == 0, (
            f"{arguments} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
        )
        return result

    def airflow(self, *arguments: str) -> subprocess.CompletedProcess[str]:
        return self.run(["-m", "airflow", *arguments])

    def parse_with_the_dag_processor(self) -> dict[str, Any]:
        """A fresh metadata DB, one pass of Airflow's real DAG processor, then what it recorded."""
        self.airflow("db", "migrate")
        self.airflow("dag-processor", "--num-runs", "1")
        self.report = self.probe("report")
        return self.report

    def probe(self, *arguments: str, **env: str) -> dict[str, Any]:
        """Run bundle_probe.py; its JSON answer is its last output line."""
        output = self.run([str(PROBE), *arguments], **env).stdout
        return json.loads(output.strip().splitlines()[-1])
