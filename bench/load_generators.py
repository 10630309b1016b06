"""Prints the generators' throughput: records/s generated per workload (in memory), and PutRecords
calls per 1,000 records against a moto server on 127.0.0.1 (the floor is 2: 500 records per call).

Run: .venv/bin/python bench/generators.py   (about 20 s)
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import time
from collections import deque
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generators.alarms import AlarmOptions
from generators.devops import DevopsOptions
from generators.workloads import generate

START = datetime(2026, 1, 1, tzinfo=UTC)
SECONDS_PER_CASE = 2.0
CASES = {
    "devops single": ("devops", DevopsOptions()),
    "devops wide": ("devops", DevopsOptions(format="wide")),
    "sensors": ("sensors", None),
    "alarms": ("alarms", AlarmOptions(sensors=100)),
    "wave": ("wave", None),
    "cep (CEP records out)": ("cep", None),
}


def generation_rate(workload: str, options: object) -> float:
    """Records per second drawn from the generator for about SECONDS_PER_CASE seconds."""
    records = generate(workload, seed=1, start=START, options=options)
    started, produced = time.perf_counter(), 0
    while time.perf_counter() - started < SECONDS_PER_CASE:
        deque((next(records) for _ in range(5_000)), maxlen=0)
        produced += 5_000
    return produced / (time.perf_counter() - started)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def put_records_calls() -> None:
    """Send 20,000 sensor readings and 2,000 wide DevOps records to a moto server; count the calls."""
    import boto3
    from moto.server import ThreadedMotoServer

    from generators.kinesis_sink import KinesisSink

    for key, value in {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench"}.items():
        os.environ.setdefault(key, value)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-request access log
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        client = boto3.client("kinesis", region_name="us-east-1", endpoint_url=f"http://127.0.0.1:{port}")
        client.create_stream(StreamName="bench", ShardCount=4)
        for label, workload, count, options in (
            ("sensors", "sensors", 20_000, None),
            ("devops wide", "devops", 2_000, DevopsOptions(format="wide")),
        ):
            records = list(
                generate(
                    workload,
                    seed=1,
                    start=datetime.now(UTC) - timedelta(hours=1),
                    count=count,
                    options=options,
                )
            )
            started = time.perf_counter()
            report = KinesisSink(client, "bench").send(records)
            elapsed = time.perf_counter() - started
            print(
                f"  {label:<22} {report.sent:>7,} records  {report.calls:>4} calls  "
                f"{1000 * report.calls / report.sent:.1f} calls per 1,000 records (floor 2)  "
                f"{report.sent / elapsed:>9,.0f} records/s to moto"
            )
    finally:
        server.stop()


def main() -> None:
    print("records/s generated in memory (one core, payloads built and serialized):")
    for label, (workload, options) in CASES.items():
        print(f"  {label:<22} {generation_rate(workload, options):>10,.0f} records/s")
    print("PutRecords against a moto server on 127.0.0.1:")
    put_records_calls()


if __name__ == "__main__":
    main()
