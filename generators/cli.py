"""`python -m generators`: parse, build the workload and the sink, run, summarise, exit 0 or 1."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from generators.alarms import AlarmOptions
from generators.cep import CepOptions
from generators.cli_args import build_parser
from generators.delivery import BufferedSink, DeliveryError, RetryPolicy
from generators.destinations import (
    LOCAL_STACK_SOURCE,
    Destination,
    DestinationError,
    check_local_destination,
    resolve,
)
from generators.devops import DevopsOptions
from generators.driver import run
from generators.kinesis_sink import KinesisSink
from generators.progress import Progress
from generators.sensors import SensorOptions
from generators.stdout_sink import StdoutSink
from generators.timestream_sink import TimestreamSink
from generators.wave import WaveOptions
from generators.workloads import WORKLOADS, generate, new_seed
from pipeline_config.command_line import missing_credentials, quiet_when_stdout_closes
from pipeline_config.local_state import LOCAL_CREDENTIALS


def workload_options(args: argparse.Namespace) -> Any:
    """The options dataclass of the chosen workload, from its arguments."""
    if args.workload == "devops":
        if args.no_metrics and args.no_events:
            raise SystemExit("devops: --no-metrics and --no-events together leave nothing to send")
        return DevopsOptions(
            host_scale=args.host_scale,
            max_hosts=args.hosts,
            format=args.format,
            percent_late=args.percent_late,
            late_seconds=args.late_seconds,
            tick_seconds=args.tick_seconds,
            metrics=not args.no_metrics,
            events=not args.no_events,
        )
    if args.workload == "sensors":
        return SensorOptions(sensors=args.sensors, tick_seconds=args.tick_seconds)
    if args.workload == "alarms":
        return AlarmOptions(args.sensors, args.location, not args.plain, args.tick_seconds)
    if args.workload == "wave":
        return WaveOptions(sensors=args.sensors, location=args.location, tick_seconds=args.tick_seconds)
    return CepOptions(sensors=args.sensors, tick_seconds=args.tick_seconds)


def build_sink(args: argparse.Namespace) -> tuple[BufferedSink, str]:
    """The sink for `--target`, with names filled from the local stack or the stack outputs."""
    if args.target == "stdout":
        return StdoutSink(), "stdout"
    import boto3
    from botocore.config import Config

    given = Destination(args.region, args.endpoint_url, args.stream, args.database, args.table)
    role = WORKLOADS[args.workload].stream_role
    where = resolve(given, role, args.target, use_local_stack=not args.no_local_stack)
    retry = RetryPolicy(max_attempts=args.max_attempts)
    # KinesisSink checks every entry against PutRecords' limits itself (partition key, sizes, count), so
    # botocore's generic re-check of each of the 500 entries per call (a fifth of the generator's CPU)
    # is skipped for Kinesis; the Timestream records of direct-write workloads keep it.
    config = Config(
        retries={"mode": "standard", "max_attempts": 3}, parameter_validation=args.target != "kinesis"
    )
    # The local stack takes any credentials; fixed fake ones mean none need configuring for it.
    credentials = LOCAL_CREDENTIALS if where.source == LOCAL_STACK_SOURCE else {}
    if not credentials and boto3.session.Session().get_credentials() is None:
        target = (
            f"stream {where.stream}" if args.target == "kinesis" else f"table {where.database}.{where.table}"
        )
        raise DestinationError(missing_credentials(f"send to {target}"))
    service = "kinesis" if args.target == "kinesis" else "timestream-write"
    client = boto3.client(
        service, region_name=where.region, endpoint_url=where.endpoint_url, config=config, **credentials
    )
    check_local_destination(client, where, args.target)
    if args.target == "kinesis":
        return KinesisSink(client, where.stream or "", retry=retry), f"stream {where.stream} ({where.source})"
    sink = TimestreamSink(client, where.database or "", where.table or "", retry=retry)
    return sink, f"table {where.database}.{where.table} ({where.source})"


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return quiet_when_stdout_closes(lambda: _generate(args))


def _generate(args: argparse.Namespace) -> int:
    seed = args.seed if args.seed is not None else new_seed()
    records = generate(
        args.workload,
        seed=seed,
        start=args.start,
        hours_back=args.hours_back,
        count=args.count,
        options=workload_options(args),
    )
    try:
        sink, description = build_sink(args)
    except DestinationError as error:
        raise SystemExit(f"python -m generators {args.workload}: error: {error}") from None
    progress = Progress()
    print(f"{args.workload} -> {description}, seed {seed}", file=sys.stderr)
    headline = "done"
    try:
        run(records, sink, rate=args.rate, duration=args.duration, progress=progress)
    except KeyboardInterrupt:
        headline = "stopped by Ctrl-C"
    except DeliveryError as error:
        headline = f"stopped: {error}"
    report = sink.report
    progress.finish(report, headline=headline)
    return 1 if report.failed else 0
