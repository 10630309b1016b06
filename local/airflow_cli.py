"""`make airflow` (`python -m local airflow`): a real Airflow 3 on the repository's dags/, on the local stack.

Starts the local stack if it is not running, then Airflow's API server, scheduler, DAG processor
and triggerer (local.airflow_server), prints where the UI is and how to log in, and stops Airflow
on Ctrl-C. The local stack keeps running (`make local-down` stops it).
"""

from __future__ import annotations

import argparse
import shlex
import signal
import socket
import threading
from collections.abc import Sequence
from pathlib import Path

from local import airflow_server, processes
from pipeline_config.local_state import DEFAULT_STATE_PATH
from pipeline_config.settings import Settings, load_settings

DEFAULT_HOME = DEFAULT_STATE_PATH.parent / "airflow-server"  # the demo keeps its dag.test() DB in airflow/
DEFAULT_PORT = 8080
# What a user's own `airflow` commands need to reach this Airflow (written to env.sh for `source`).
SHELL_KEYS_PREFIXES = ("AIRFLOW", "AWS_")


def _port(requested: int | None) -> int:
    """The port asked for; else 8080 when it is free; else any free one."""
    if requested:
        return requested
    with socket.socket() as probe:
        if probe.connect_ex((processes.HOST, DEFAULT_PORT)) != 0:
            return DEFAULT_PORT
    return processes.free_port()


def write_shell_environment(instance: airflow_server.AirflowInstance) -> Path:
    """`source <home>/env.sh` points the `airflow` commands of a shell at this Airflow."""
    wanted = {k: v for k, v in instance.environment.items() if k.startswith(SHELL_KEYS_PREFIXES)}
    path = instance.home / "env.sh"
    path.write_text(export_lines(wanted), encoding="utf-8")
    path.chmod(0o600)
    return path


def export_lines(environment: dict[str, str]) -> str:
    return "".join(f"export {key}={shlex.quote(value)}\n" for key, value in sorted(environment.items()))


def print_local_stack_environment(settings: Settings, state_path: Path) -> int:
    """The connection, the settings Variable and fake credentials for the running local stack."""
    from local.airflow_env import pipeline_environment
    from local.stack import running_state

    state = running_state(state_path)
    if state is None:
        raise SystemExit("error: the local stack is not running: start it with `make local-up`")
    print(export_lines(pipeline_environment(settings, state)), end="")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local airflow", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--port", type=int, help=f"API server / UI port (default {DEFAULT_PORT}, or a free one)"
    )
    parser.add_argument(
        "--home", type=Path, default=DEFAULT_HOME, help=f"AIRFLOW_HOME (default {DEFAULT_HOME})"
    )
    parser.add_argument("--state-file", type=Path, default=DEFAULT_STATE_PATH, help="the local stack's state")
    parser.add_argument(
        "--print-env",
        action="store_true",
        help="only print `export` lines wiring your own Airflow to the running local stack",
    )
    arguments = parser.parse_args(argv)
    from local.stack import up

    settings = load_settings()
    if arguments.print_env:
        return print_local_stack_environment(settings, arguments.state_file)
    state, started_stack = up(settings, arguments.state_file)
    print(("started" if started_stack else "using") + f" the local stack: S3 {state.moto_endpoint}")
    print("starting Airflow (API server, scheduler, DAG processor, triggerer); about a minute ...")
    instance = airflow_server.start(settings, state, arguments.home.resolve(), _port(arguments.port))
    env_file = write_shell_environment(instance)
    print(
        f"\nAirflow is up: {instance.url}\n"
        f"  login:     {instance.username}, password in {instance.passwords_file}\n"
        "  DAGs:      the repository's dags/, paused: switch on an export and timestream_backfill\n"
        "  settings:  the Variable timestream_pipeline_settings and aws_default point at the local stack\n"
        f"  logs:      {instance.home / 'logs'}\n"
        f"  CLI:       source {env_file} && airflow dags list\n"
        "Ctrl-C stops Airflow; the local stack keeps running (make local-down stops it)."
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(1):
            if not all(airflow_server.is_ours(pid) for pid in instance.pids.values()):
                print("an Airflow component exited; see its log in " + str(instance.home / "logs"))
                break
    except KeyboardInterrupt:
        pass
    print("stopping Airflow: " + ", ".join(airflow_server.stop(instance.pids)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
