"""The local stack's command line; user mistakes end as one line and a non-zero status."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from pipeline_config.command_line import OneLineParser, positive_int, quiet_when_stdout_closes
from pipeline_config.local_state import DEFAULT_STATE_PATH
from pipeline_config.settings import SettingsError, load_settings

SERVERS = ("timestream", "moto")


def _parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
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
    commands.add_parser("up", help="start the local stack in the background with its data (or reuse it)")
    commands.add_parser("down", help="stop the local stack; its data stays for the next `up`")
    commands.add_parser("status", help="show whether the local stack runs, its endpoints and names")
    restart = commands.add_parser("restart", help="restart one server of the running stack, with its data")
    restart.add_argument("server", choices=SERVERS, help="the server to restart")
    reset = commands.add_parser("reset", help="stop the local stack and delete its data (asks first)")
    reset.add_argument("--yes", action="store_true", help="do not ask (needed without a terminal)")
    demo = commands.add_parser(
        "demo", help="generate, stream, ingest, export and backfill a few hours of data"
    )
    demo.add_argument("--keep", action="store_true", help="leave the stack running at the end to explore it")
    demo.add_argument("--hours", type=int, default=3, help="hours of history to generate (1-6, default 3)")
    query = commands.add_parser("query", help="run Timestream SQL against the running local stack")
    query.add_argument("sql", help='e.g. "SELECT count(*) FROM timeseries_pipeline.raw"')
    query.add_argument("--max-rows", type=positive_int, default=50, help="rows to print at most (default 50)")
    lake = commands.add_parser(
        "lake", help="run Athena (Trino) SQL over the local data lake: the exports and the reference tables"
    )
    lake.add_argument(
        "sql", nargs="?", help='e.g. "SELECT count(*) FROM sensor_readings" (default: the seed\'s join)'
    )
    lake.add_argument("--max-rows", type=positive_int, default=50, help="rows to print at most (default 50)")
    esm = commands.add_parser(
        "esm", help="feed the local streams to the ingest handler, like Lambda's mapping"
    )
    esm.add_argument(
        "--follow", action="store_true", help="keep polling until Ctrl-C instead of stopping idle"
    )
    replay = commands.add_parser("replay", help="put the records the mappings kept back on their streams")
    replay.add_argument(
        "--apply", action="store_true", help="put them back (default: a dry run that reports)"
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
    from local.event_filter import UnsupportedFilterError
    from local.moto_recording import RecordingReplayError
    from local.stack import StackNotRunningError
    from local.stack_lock import StackBusyError

    try:
        return quiet_when_stdout_closes(lambda: _run(arguments))
    except (
        StackBusyError,
        StackNotRunningError,
        SettingsError,
        RecordingReplayError,
        UnsupportedFilterError,
    ) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # the servers were already stopped by the commands' `finally`
        print("interrupted", file=sys.stderr)
        return 130


def _run(arguments: argparse.Namespace) -> int:
    state_path: Path = arguments.state_file
    if arguments.command == "status":
        return _status(state_path)
    if arguments.command == "query":
        from local.query import run_query

        return run_query(arguments.sql, arguments.max_rows, state_path)
    if arguments.command == "demo" and not 1 <= arguments.hours <= 6:
        raise SystemExit(f"error: --hours={arguments.hours}: choose 1 to 6 (the demo must stay quick)")
    if arguments.command == "replay":
        from replay.cli import main as replay

        return replay(["--local", "--state-file", str(state_path), *(["--apply"] * arguments.apply)])
    settings = load_settings()
    if arguments.command == "lake":
        from local.lake_query import run_lake_query

        return run_lake_query(settings, arguments.sql, arguments.max_rows, state_path)
    if arguments.command == "airflow":
        from local.airflow_cli import main as run_airflow

        options = {"--port": arguments.port, "--home": arguments.home, "--state-file": state_path}
        flags = ["--print-env"] if arguments.print_env else []
        return run_airflow([str(p) for key, value in options.items() if value for p in (key, value)] + flags)
    if arguments.command == "esm":
        from local.ingest import run_mappings

        # This process is only the mapping: per-invocation INFO logs would drown its progress lines.
        os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
        return run_mappings(follow=arguments.follow, state_path=state_path)
    if arguments.command == "demo":
        from local.demo import run_demo

        return run_demo(settings, keep=arguments.keep, hours=arguments.hours, state_path=state_path)
    from local import stack_commands

    handlers = {
        "up": stack_commands.up,
        "down": stack_commands.down,
        "restart": stack_commands.restart,
        "reset": stack_commands.reset,
    }
    return handlers[arguments.command](settings, arguments, state_path)


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
    print(f"kept records      s3://{state.kept_bucket}  (batches given up on; `python -m local replay`)")
    return 0
