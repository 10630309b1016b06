"""`serve` the local Timestream, or `query` one (a running emulator or the real service) from the terminal."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence

from local.timestream.commit_queue import COMMIT_INTERVAL_S
from pipeline_config import names

DEFAULT_ENDPOINT = f"http://{names.LOCAL_TIMESTREAM_HOST}:{names.LOCAL_TIMESTREAM_PORT}"


class _OneLineParser(argparse.ArgumentParser):
    """A usage mistake ends in one line naming it (and a non-zero exit), not a usage block."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise SystemExit(f"error: {message} (see {self.prog} --help)")


def _port(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"invalid port {text!r}: use a number from 0 to 65535")
    return int(text)


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"invalid count {text!r}: use a whole number of 1 or more")
    return int(text)


def _seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 3600:
        raise argparse.ArgumentTypeError(f"invalid interval {text!r}: use seconds from 0 to 3600")
    return seconds


def build_parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(prog="python -m local.timestream", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_OneLineParser)
    serve = commands.add_parser("serve", help="run the emulator in the foreground (Ctrl-C stops it)")
    serve.add_argument(
        "--host", default=names.LOCAL_TIMESTREAM_HOST, help="address to bind (default: %(default)s)"
    )
    serve.add_argument(
        "--port", type=_port, default=names.LOCAL_TIMESTREAM_PORT, help="port (default: %(default)s)"
    )
    serve.add_argument("--db", help="DuckDB file that keeps the data across restarts (default: in memory)")
    serve.add_argument("--s3-endpoint", help="S3 endpoint for UNLOAD, e.g. the local moto server's URL")
    serve.add_argument("--region", default=names.LOCAL_REGION, help="region in ARNs (default: %(default)s)")
    serve.add_argument(
        "--account", default=names.LOCAL_ACCOUNT, help="account in ARNs (default: %(default)s)"
    )
    serve.add_argument(
        "--commit-interval",
        type=_seconds,
        default=COMMIT_INTERVAL_S,
        help="seconds acknowledged writes wait, journaled, to be committed together (default: %(default)s)",
    )
    query = commands.add_parser(
        "query", help="run one Timestream SQL statement and print the rows as a table"
    )
    query.add_argument("sql", help='the statement, e.g. "SELECT * FROM \\"db\\".\\"table\\" LIMIT 10"')
    query.add_argument(
        "--endpoint",
        help=f"emulator URL (default: the running local stack's, else {DEFAULT_ENDPOINT})",
    )
    query.add_argument(
        "--region", default=names.LOCAL_REGION, help="region for the client (default: %(default)s)"
    )
    query.add_argument("--max-rows", type=_positive, help="print at most this many rows (default: all)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    return _query(args)


def _serve(args: argparse.Namespace) -> int:
    from local.timestream.journal import JournalDamaged
    from local.timestream.server import TimestreamServer

    try:
        server = TimestreamServer(
            args.db,
            args.host,
            args.port,
            args.s3_endpoint,
            args.region,
            args.account,
            commit_interval_s=args.commit_interval,
        )
    except OSError as error:
        raise SystemExit(
            f"error: cannot listen on {args.host}:{args.port} ({error}); choose another --port"
        ) from None
    except JournalDamaged as error:
        raise SystemExit(f"error: {error}") from None
    # `make local-down` sends SIGTERM: stop like Ctrl-C, so the DuckDB file is closed cleanly.
    signal.signal(signal.SIGTERM, _interrupt)
    print(f"local Timestream listening on {server.url} (data: {args.db or 'in memory'})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _query(args: argparse.Namespace) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    from local.query import query_rows
    from local.table import render

    if not args.sql.strip():
        raise SystemExit('error: the SQL statement is empty: pass one, e.g. "SELECT 1"')
    endpoint = args.endpoint or _local_stack_endpoint() or DEFAULT_ENDPOINT
    try:
        columns, rows = query_rows(endpoint, args.sql, max_rows=args.max_rows, region=args.region)
    except ClientError as error:
        raise SystemExit(f"error: {error.response['Error'].get('Message', error)}") from None
    except BotoCoreError as error:
        raise SystemExit(f"error: cannot query {endpoint} ({error}): is the emulator running?") from None
    try:
        print(render(columns, rows), flush=True)
    except BrokenPipeError:
        # `... | head`: stop quietly; point stdout at /dev/null so the interpreter's final flush cannot fail.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise SystemExit("error: the output was closed before every row was printed") from None
    print(f"({len(rows)} row{'s' if len(rows) != 1 else ''})", file=sys.stderr)
    return 0


def _local_stack_endpoint() -> str | None:
    """The Timestream endpoint of `make local-up`'s stack, when one was started."""
    from pipeline_config.local_state import LocalStackState

    state = LocalStackState.load()
    return state.timestream_endpoint if state else None
