"""The command line: one subcommand per workload, shared delivery and timing options."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from generators.devops import FORMATS
from pipeline_config.command_line import OneLineParser, positive_int


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} must be a finite number above 0")
    return value


def percentage(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"{text!r} must be between 0 and 100")
    return value


def seed_value(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def iso_datetime(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO 8601 time, e.g. 2026-11-22T10:00:00Z (no zone means UTC)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _common(parser: argparse.ArgumentParser, targets: tuple[str, ...], tick_default: float) -> None:
    where = parser.add_argument_group("where records go")
    where.add_argument(
        "--target", choices=targets, default=targets[0], help=f"destination (default {targets[0]})"
    )
    where.add_argument(
        "--stream", help="Kinesis stream name or ARN (default: local stack, else the stack outputs)"
    )
    where.add_argument(
        "--database", help="Timestream database (default: local stack, else the stack outputs)"
    )
    where.add_argument("--table", help="Timestream table (default: local stack, else the stack outputs)")
    where.add_argument(
        "--endpoint-url", help="AWS endpoint, e.g. a moto server (default: local stack, else AWS)"
    )
    where.add_argument("--region", help="AWS region (default: local stack, else your AWS configuration)")
    where.add_argument("--no-local-stack", action="store_true", help="ignore a running local stack")
    where.add_argument(
        "--max-attempts",
        type=positive_int,
        default=8,
        help="sends per record before it counts as failed (default 8)",
    )
    how = parser.add_argument_group("how much and when")
    how.add_argument("--count", type=positive_int, help="stop after this many records")
    how.add_argument("--duration", type=positive_float, help="stop after this many seconds")
    how.add_argument(
        "--rate", type=positive_float, help="at most this many records per second (default: no cap)"
    )
    how.add_argument(
        "--seed", type=seed_value, help="random seed, for output that repeats exactly (default: random)"
    )
    when = how.add_mutually_exclusive_group()
    when.add_argument("--start", type=iso_datetime, help="time of the first record, ISO 8601 (default: now)")
    when.add_argument(
        "--hours-back",
        type=positive_float,
        help="generate this many hours of history up to now, as fast as possible (backfills, demos)",
    )
    how.add_argument(
        "--tick-seconds",
        type=positive_int if tick_default >= 60 else positive_float,
        default=tick_default,
        help=f"seconds between two readings of the same source (default {tick_default:g})",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="python -m generators",
        description="Load generators for the pipeline's workloads: Kinesis, Timestream or stdout.",
        epilog="A live progress line goes to stderr; the exit status is 1 if any record was not delivered.",
    )
    workloads = parser.add_subparsers(dest="workload", required=True, metavar="WORKLOAD")
    stream_targets = ("kinesis", "stdout")

    devops = workloads.add_parser("devops", help="DevOps fleet metrics and events (Kinesis ingestor seed)")
    devops.add_argument(
        "--format", choices=FORMATS, default="single", help="one JSON per measure, or per host"
    )
    devops.add_argument("--host-scale", type=positive_int, default=1, help="multiply the instances per silo")
    devops.add_argument(
        "--hosts", type=positive_int, help="only the first N hosts of the fleet (small demos)"
    )
    devops.add_argument(
        "--percent-late", type=percentage, default=0.0, help="percent of sweeps delivered late"
    )
    devops.add_argument("--late-seconds", type=positive_int, default=60, help="how late a late sweep arrives")
    devops.add_argument("--no-metrics", action="store_true", help="leave out the 20 metric measures")
    devops.add_argument("--no-events", action="store_true", help="leave out the 5 event measures")
    _common(devops, stream_targets, 60)

    sensors = workloads.add_parser("sensors", help="temperature sensors, about half reporting per tick")
    sensors.add_argument("--sensors", type=positive_int, default=100, help="number of sensors (default 100)")
    _common(sensors, stream_targets, 1.0)

    alarms = workloads.add_parser("alarms", help="the tutorial's alarm lines (Normal/Elevated/Alarm)")
    alarms.add_argument(
        "--sensors", type=positive_int, default=1, help="alarm sensors Alarm-1..N (default 1)"
    )
    alarms.add_argument("--location", default="TUTORIAL", help="the location field (default TUTORIAL)")
    alarms.add_argument("--plain", action="store_true", help="send the line itself, not base64-wrapped")
    _common(alarms, stream_targets, 1.0)

    wave = workloads.add_parser("wave", help="the tutorial's triangle wave, written straight to Timestream")
    wave.add_argument("--sensors", type=positive_int, default=1, help="wave sensors 1..N (default 1)")
    wave.add_argument("--location", default="Tutorial", help="the Location dimension (default Tutorial)")
    _common(wave, ("timestream", "stdout"), 1.0)

    cep = workloads.add_parser("cep", help="CEP matches over a sensors stream (the seed's Flink pattern)")
    cep.add_argument("--sensors", type=positive_int, default=100, help="number of sensors (default 100)")
    _common(cep, stream_targets, 1.0)
    return parser
