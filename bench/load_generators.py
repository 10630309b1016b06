"""The generators' throughput: records/s generated in memory, and PutRecords to the local Kinesis.

    .venv/bin/python bench/load_generators.py [--quick]

The PutRecords part sends through the generator's own sink and a real boto3 client to the moto server
the local stack runs (`local.moto_server`, in-process here), next to the in-memory generation rate of
the same workload measured in the same run; it also counts calls per 1,000 records (the floor is 2).
"""

from __future__ import annotations

import logging
import time
from collections import deque
from datetime import UTC, datetime, timedelta
from typing import Any

import harness

harness.on_path("")

from generators.alarms import AlarmOptions  # noqa: E402
from generators.devops import DevopsOptions  # noqa: E402
from generators.workloads import generate  # noqa: E402

START = datetime(2026, 1, 1, tzinfo=UTC)
CASES = {
    "devops single": ("devops", DevopsOptions()),
    "devops wide": ("devops", DevopsOptions(format="wide")),
    "sensors": ("sensors", None),
    "alarms": ("alarms", AlarmOptions(sensors=100)),
    "wave": ("wave", None),
    "cep (CEP records out)": ("cep", None),
}


def generation_rate(workload: str, options: object, seconds: float) -> float:
    """Records per second drawn from the generator for about `seconds`."""
    records = generate(workload, seed=1, start=START, options=options)
    started, produced = time.perf_counter(), 0
    while time.perf_counter() - started < seconds:
        deque((next(records) for _ in range(1_000)), maxlen=0)
        produced += 1_000
    return produced / (time.perf_counter() - started)


def put_records(cases: dict[str, tuple[str, int, Any]]) -> None:
    """Send each workload's records to a stream on the local stack's moto server; count the calls."""
    from moto.server import ThreadedMotoServer

    from generators.kinesis_sink import KinesisSink
    from local import moto_server
    from local.processes import free_port
    from local.resources import client

    moto_server.install()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-request access log
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        kinesis = client("kinesis", f"http://127.0.0.1:{port}")
        kinesis.create_stream(StreamName="bench", StreamModeDetails={"StreamMode": "ON_DEMAND"})
        start = datetime.now(UTC) - timedelta(hours=2)
        for label, (workload, count, options) in cases.items():
            records = list(generate(workload, seed=1, start=start, count=count, options=options))
            began = time.perf_counter()
            deque(generate(workload, seed=1, start=start, count=count, options=options), maxlen=0)
            in_memory = count / (time.perf_counter() - began)
            began = time.perf_counter()
            report = KinesisSink(kinesis, "bench").send(records)
            elapsed = time.perf_counter() - began
            harness.compare(
                harness.Figure(
                    f"  {label:<12} {report.sent:>7,} records to moto", report.sent / elapsed, "rec/s"
                ),
                harness.Figure("generated in memory", in_memory, "rec/s"),
            )
            per_thousand = 1000 * report.calls / report.sent
            print(f"{'':16}{report.calls} PutRecords calls: {per_thousand:.1f} per 1,000 records (floor 2)")
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> int:
    args = harness.parse_args(__doc__.splitlines()[0], argv)
    seconds = 0.2 if args.quick else 2.0
    print("records/s generated in memory (one core, payloads built and serialized):")
    for label, (workload, options) in CASES.items():
        harness.say(f"  {label:<22} {generation_rate(workload, options, seconds):>10,.0f} records/s")
    print("PutRecords through the Kinesis sink, to the local stack's moto server (in-process, 4 shards):")
    scale = 10 if args.quick else 1
    put_records(
        {
            "sensors": ("sensors", 20_000 // scale, None),
            "devops wide": ("devops", 5_000 // scale, DevopsOptions(format="wide")),
        }
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
