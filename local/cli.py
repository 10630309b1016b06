"""The local stack's command line; user mistakes end as a message and a non-zero status."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from pipeline_config.local_state import DEFAULT_STATE_PATH
from pipeline_config.settings import SettingsError, load_settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m local",
        description="Run the pipeline on this machine: moto (S3, Kinesis, SQS) and the local Timestream.",
    )
    parser.add_argument(
        "--state-file",
        type=Path,
        default=DEFAULT_STATE_PATH,
        help=f"the stack's address book (default {DEFAULT_STATE_PATH}); another file runs another stack",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("up", help="start the local stack in the background and create the resources")
    commands.add_parser("down", help="stop the local stack started by `up` and forget its state")
    commands.add_parser("status", help="show whether the local stack runs, its endpoints and names")
    demo = commands.add_parser(
        "demo", help="generate, stream, ingest, export and backfill a few hours of data"
    )
    demo.add_argument("--keep", action="store_true", help="leave the stack running at the end to explore it")
    demo.add_argument("--hours", type=int, default=3, help="hours of history to generate (1-6, default 3)")
    query = commands.add_parser("query", help="run Timestream SQL against the running local stack")
    query.add_argument("sql", help='e.g. "SELECT count(*) FROM timeseries_pipeline.raw"')
    query.add_argument("--max-rows", type=int, default=50, help="rows to print at most (default 50)")
    esm = commands.add_parser(
        "esm", help="feed the local streams to the ingest handler, like Lambda's mapping"
    )
    esm.add_argument(
        "--follow", action="store_true", help="keep polling until Ctrl-C instead of stopping idle"
    )
    airflow = commands.add_parser(
        "airflow", help="a real Airflow 3 on dags/ over the local stack (Ctrl-C stops)"
    )
    airflow.add_argument("--port", type=int, help="API server and UI port (default 8080, or a free one)")
    airflow.add_argument("--home", type=Path, help="AIRFLOW_HOME (default .local/airflow-server)")
    airflow.add_argument("--print-env", action="store_true", help="print exports for your own Airflow")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the arguments, run the command, return the exit status."""
    arguments = _parser().parse_args(argv)
    try:
        return _run(arguments)
    except KeyboardInterrupt:  # the servers were already stopped by the commands' `finally`
        print("interrupted", file=sys.stderr)
        return 130


def _run(arguments: argparse.Namespace) -> int:
    try:
        settings = load_settings()
    except SettingsError as error:
        raise SystemExit(f"error: {error}") from None
    if arguments.command == "up":
        from local.stack import up

        state, started = up(settings, arguments.state_file)
        print(
            ("started" if started else "already running") + f": moto {state.moto_endpoint}, "
            f"Timestream {state.timestream_endpoint} (state in {arguments.state_file})"
        )
        return 0
    if arguments.command == "down":
        from local.stack import down

        stopped = down(arguments.state_file)
        print("stopped " + ", ".join(stopped) if stopped else "no local stack was running")
        return 0
    if arguments.command == "airflow":
        from local.airflow_cli import main as run_airflow

        options = {"--port": arguments.port, "--home": arguments.home, "--state-file": arguments.state_file}
        flags = ["--print-env"] if arguments.print_env else []
        return run_airflow([str(p) for key, value in options.items() if value for p in (key, value)] + flags)
    if arguments.command == "status":
        return _status(arguments.state_file)
    if arguments.command == "query":
        from local.query import run_query

        return run_query(arguments.sql, arguments.max_rows, arguments.state_file)
    if arguments.command == "esm":
        from local.ingest import run_mappings

        # This process is only the mapping: per-invocation INFO logs would drown its progress lines.
        os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")

        return run_mappings(settings, follow=arguments.follow, state_path=arguments.state_file)
    if not 1 <= arguments.hours <= 6:
        raise SystemExit(f"error: --hours={arguments.hours}: choose 1 to 6 (the demo must stay quick)")
    from local.demo import run_demo

    return run_demo(settings, keep=arguments.keep, hours=arguments.hours, state_path=arguments.state_file)


def _status(state_path: Path) -> int:
    from local.stack import running_state

    state = running_state(state_path)
    if state is None:
        print("the local stack is not running: start it with `make local-up` (or `python -m local up`)")
        return 1
    print(f"moto server       {state.moto_endpoint}  (pid {state.pids.get('moto')})")
    print(f"local Timestream  {state.timestream_endpoint}  (pid {state.pids.get('timestream')})")
    print(f"streams           {state.raw_stream}, {state.cep_stream}")
    print(f"tables            {state.database}.{state.raw_table}, {state.database}.{state.cep_table}")
    print(f"bucket            s3://{state.bucket}")
    print(f"on-failure queue  {state.dlq_url}")
    return 0
