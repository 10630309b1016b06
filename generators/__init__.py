"""Load generators for every seed workload: `python -m generators <workload> [options]`.

Workloads (pure record factories; same seed and start give the same bytes):
    devops   DevOps fleet metrics/events, single-measure or wide JSON  -> raw stream
    sensors  100 temperature sensors, ~half reporting per tick          -> raw stream
    alarms   the tutorial's alarm lines, base64-wrapped once            -> raw stream
    wave     the tutorial's triangle wave as Timestream records         -> raw table, directly
    cep      the seed's Flink CEP pattern run over a sensors stream     -> CEP stream

Python API (what `make demo` and the end-to-end tests use)::

    from generators import generate, KinesisSink, DevopsOptions

    records = generate("devops", seed=7, hours_back=2, count=10_000, options=DevopsOptions(format="wide"))
    report = KinesisSink(boto3.client("kinesis", endpoint_url=...), "TimestreamPipeline-raw").send(records)
    report.sent, report.failed, report.retried, report.calls, report.describe_failures()

- `generate(workload, *, seed, start=None, hours_back=None, end=None, count=None, options=None)`
  yields `GeneratedRecord(data, partition_key, event_time_ms, due_ms, timestream_record)` in
  delivery order without waiting; it stops after `count`, at `end`, or (with `hours_back`) at now.
- Sinks share `submit(record)`, `flush()`, `send(records) -> DeliveryReport` and a running
  `report`: `KinesisSink(client, stream)` (PutRecords, 500 records / 5 MiB per call, only failed
  entries retried with backoff and jitter), `TimestreamSink(client, database, table)` (WriteRecords,
  100 per call; wave only), `StdoutSink()` (payloads, one per line).
- `driver.run(records, sink, rate=, duration=, progress=)` paces a live run on the wall clock.
- `destinations.resolve(...)` finds stream/table names: the running local stack, else the CDK
  stack's CloudFormation outputs.
"""

from __future__ import annotations

import pipeline_config  # noqa: F401 - puts the deployable bundles on sys.path first
from generators.alarms import AlarmOptions
from generators.cep import CepOptions
from generators.delivery import DeliveryError, DeliveryReport, RetryPolicy
from generators.devops import DevopsOptions
from generators.kinesis_sink import KinesisSink
from generators.records import GeneratedRecord
from generators.sensors import SensorOptions
from generators.stdout_sink import StdoutSink
from generators.timestream_sink import TimestreamSink
from generators.wave import WaveOptions
from generators.workloads import WORKLOADS, generate, new_seed

__all__ = [
    "WORKLOADS",
    "AlarmOptions",
    "CepOptions",
    "DeliveryError",
    "DeliveryReport",
    "DevopsOptions",
    "GeneratedRecord",
    "KinesisSink",
    "RetryPolicy",
    "SensorOptions",
    "StdoutSink",
    "TimestreamSink",
    "WaveOptions",
    "generate",
    "new_seed",
]
