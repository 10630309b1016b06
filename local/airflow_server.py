"""A real Airflow 3 on this machine over the local stack: API server, scheduler, DAG processor, triggerer.

SQLite and the LocalExecutor. The DAG folder is the repository's dags/ and nothing else of the
repository is importable: every component runs from AIRFLOW_HOME with no PYTHONPATH, exactly as a
user's Airflow (or MWAA) would run the copied folder. `make airflow` and tests/airflow/ use it.
Each component is started detached, in a process group of its own; `stop` ends those pids (when
they are still ours) and whatever they left in their groups, and nothing else.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from local import airflow_env, processes
from pipeline_config.local_state import LocalStackState
from pipeline_config.settings import Settings

AIRFLOW_MODULE = "airflow"
COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")
ADMIN = "admin"
API_CONN_ID = "local_airflow_api"
# The backfill DAG's wait checks this often here (120 s in a deployment; 10 s at the least).
BACKFILL_POLL_SECONDS = 15
START_TIMEOUT_SECONDS = 180
# Quick turns for a machine with one user: the scheduler and the DAG processor notice changes in seconds.
QUICK_LOOP = {
    "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
    "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "1",
    "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "10",
    "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "10",
    "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
    "AIRFLOW__API__WORKERS": "1",
    "AIRFLOW__CORE__PARALLELISM": "4",
}


@dataclass(frozen=True)
class AirflowInstance:
    """A started Airflow: where it lives, its URL, its admin login, and the pid of each component."""

    home: Path
    url: str
    username: str
    password: str
    passwords_file: Path
    pids: dict[str, int]
    environment: dict[str, str]

    def log(self, component: str) -> Path:
        return self.home / "logs" / f"{component}.log"


def admin_password(home: Path) -> tuple[str, Path]:
    """The admin's password: kept in AIRFLOW_HOME (Airflow's simple auth manager reads that file)."""
    passwords_file = home / "passwords.json"
    if not passwords_file.is_file():
        home.mkdir(parents=True, exist_ok=True)
        passwords_file.write_text(json.dumps({ADMIN: secrets.token_urlsafe(12)}), encoding="utf-8")
        passwords_file.chmod(0o600)
    return json.loads(passwords_file.read_text(encoding="utf-8"))[ADMIN], passwords_file


def server_environment(settings: Settings, state: LocalStackState, home: Path, port: int) -> dict[str, str]:
    """Our environment without PYTHONPATH or AIRFLOW_* leftovers, plus everything this Airflow needs."""
    url = f"http://{processes.HOST}:{port}"
    password, passwords_file = admin_password(home)
    secret_file = home / "jwt_secret"
    if not secret_file.is_file():
        secret_file.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        secret_file.chmod(0o600)
    inherited = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("AIRFLOW")}
    api_connection = {"conn_type": "http", "host": url, "login": ADMIN, "password": password}
    return {
        **inherited,
        **airflow_env.airflow_environment(
            settings,
            state,
            home,
            airflow_api_conn_id=API_CONN_ID,
            backfill_poll_seconds=BACKFILL_POLL_SECONDS,
        ),
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__API__HOST": processes.HOST,
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__BASE_URL": url,
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{url}/execution/",
        # One secret for every component: the scheduler signs the tokens the API server checks.
        "AIRFLOW__API_AUTH__JWT_SECRET": secret_file.read_text(encoding="utf-8"),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords_file),
        f"AIRFLOW_CONN_{API_CONN_ID.upper()}": json.dumps(api_connection),
        **QUICK_LOOP,
    }


def start(settings: Settings, state: LocalStackState, home: Path, port: int | None = None) -> AirflowInstance:
    """Migrate the metadata DB, start the four components, wait until the API server says all are up."""
    port = port or processes.free_port()
    environment = server_environment(settings, state, home, port)
    subprocess.run(  # noqa: S603 - a fixed argv list, no shell
        [sys.executable, "-m", AIRFLOW_MODULE, "db", "migrate"],
        cwd=home,
        env=environment,
        check=True,
        capture_output=True,
        timeout=START_TIMEOUT_SECONDS,
    )
    password, passwords_file = admin_password(home)
    url = environment["AIRFLOW__API__BASE_URL"]
    started: dict[str, subprocess.Popen[bytes]] = {}
    instance = AirflowInstance(home, url, ADMIN, password, passwords_file, {}, environment)
    try:
        for component in COMPONENTS:
            extra = ["--port", str(port)] if component == "api-server" else []
            started[component] = processes.spawn(
                AIRFLOW_MODULE, [component, *extra], instance.log(component), cwd=home, env=environment
            )
            instance.pids[component] = started[component].pid
        _wait_until_healthy(instance, started)
    except BaseException:
        stop(instance.pids)
        raise
    return instance


def _wait_until_healthy(instance: AirflowInstance, started: dict[str, subprocess.Popen[bytes]]) -> None:
    """Every component heartbeating, as GET /api/v2/monitor/health reports it; a dead one ends the wait."""
    import requests

    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    health: object = "no answer yet"
    while time.monotonic() < deadline:
        for component, process in started.items():
            if process.poll() is not None:
                tail = instance.log(component).read_text(errors="replace").splitlines()[-20:]
                raise SystemExit(f"airflow {component} exited with {process.returncode}:\n" + "\n".join(tail))
        try:
            health = requests.get(f"{instance.url}/api/v2/monitor/health", timeout=5).json()
            statuses = {name: (value or {}).get("status") for name, value in health.items()}  # type: ignore[union-attr]
            if statuses and set(statuses.values()) == {"healthy"}:
                return
        except (requests.RequestException, ValueError, AttributeError):
            pass
        time.sleep(1)
    raise SystemExit(f"Airflow at {instance.url} not healthy after {START_TIMEOUT_SECONDS} s: {health}")


def stop(pids: dict[str, int], grace_seconds: float = 20) -> list[str]:
    """Stop each component that is still ours, with everything it started (its process group):
    SIGTERM to the group, then SIGKILL to whatever is left after the grace period."""
    ours = {component: pid for component, pid in pids.items() if is_ours(pid)}
    for pid in ours.values():
        _signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_seconds
    while any(group_members(pid) for pid in ours.values()) and time.monotonic() < deadline:
        time.sleep(0.2)
    for pid in ours.values():
        _signal_group(pid, signal.SIGKILL)
        _reap(pid)
    return [f"{component} (pid {pid})" for component, pid in ours.items()]


def is_ours(pid: int) -> bool:
    """A component we started: a process-group leader (we start each in a new session) whose command
    line names Airflow, as `python -m airflow ...` or the title the API server gives itself."""
    try:
        return os.getpgid(pid) == pid and (
            processes.is_ours(pid, AIRFLOW_MODULE)
            or Path(f"/proc/{pid}/cmdline").read_bytes().startswith(b"airflow ")
        )
    except OSError:
        return False


def group_members(group: int) -> list[int]:
    """The live (not zombie) processes of a process group; a group we created holds only our descendants."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, _ppid, pgrp = stat.read_text().rsplit(")", 1)[1].split()[:3]
        except (OSError, ValueError):
            continue
        if int(pgrp) == group and state != "Z":
            members.append(int(stat.parent.name))
    return members


def _reap(pid: int) -> None:
    """Collect a stopped child's exit status, so it leaves no zombie (no-op for another's child)."""
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def _signal_group(group: int, signum: int) -> None:
    try:
        os.killpg(group, signum)
    except (ProcessLookupError, PermissionError):
        pass
