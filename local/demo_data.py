"""What the demo and the end-to-end test send: hours of each workload plus deliberately bad records.

The demo sends no `cep` generator records: its CEP rows come from the CEP stage, which matches the
sensor readings it sends to the raw stream (the `cep` generator remains a load for the CEP stream).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from generators.devops import DevopsOptions
from generators.kinesis_sink import KinesisSink
from generators.records import GeneratedRecord, epoch_ms
from generators.sensors import SensorOptions
from generators.workloads import WORKLOADS, generate
from pipeline_config.local_state import LocalStackState

DEMO_SEED = 20_260_101
# Small on purpose: the demo must finish in under two minutes on two cores.
DEMO_OPTIONS: dict[str, Any] = {
    "devops": DevopsOptions(max_hosts=3, format="single", tick_seconds=60, events=False),
    "sensors": SensorOptions(sensors=10, tick_seconds=10),
}
BAD_WORKLOAD = "deliberately bad"


@dataclass(frozen=True)
class Window:
    """The whole hours of history the demo generates: [start, end)."""

    start: datetime
    end: datetime

    @classmethod
    def last_hours(cls, hours: int, now: datetime | None = None) -> Window:
        """The `hours` complete hours before now, so re-running within the hour regenerates the same data."""
        end = (now or datetime.now(UTC)).replace(minute=0, second=0, microsecond=0)
        return cls(end - timedelta(hours=hours), end)

    @property
    def hours(self) -> list[datetime]:
        count = int((self.end - self.start) / timedelta(hours=1))
        return [self.start + timedelta(hours=i) for i in range(count)]


def workload_records(
    name: str, window: Window, options: Any = None, seed: int = DEMO_SEED
) -> list[GeneratedRecord]:
    """One workload's records whose event time is inside the window (the generators' own API)."""
    options = options if options is not None else DEMO_OPTIONS[name]
    records = generate(name, seed=seed, start=window.start, end=window.end, options=options)
    end_ms = epoch_ms(window.end)
    return [record for record in records if record.event_time_ms < end_ms]


def bad_records(window: Window) -> list[GeneratedRecord]:
    """Records the ingest Lambda must quarantine with a reason: never written, never lost."""
    inside = epoch_ms(window.start) + 30_000
    far_future = epoch_ms(datetime.now(UTC) + timedelta(days=2))
    payloads = [
        b'{"sensor_id": "sensor-bad", "temperature": 71, "status": "OK", "event_time": ',  # cut off
        b"\xff\xfe not even UTF-8",
        b'{"sensor_id":"sensor-bad","temperature":NaN,"status":"OK","event_time":%d}' % inside,
        json.dumps(
            {"sensor_id": "sensor-bad", "temperature": 70, "status": "OK", "event_time": far_future}
        ).encode(),
    ]
    return [GeneratedRecord(data, f"bad-{i}", inside, inside) for i, data in enumerate(payloads)]


def demo_batches(window: Window) -> Iterator[tuple[str, str, list[GeneratedRecord]]]:
    """(workload, stream role, records) for every workload the demo sends."""
    for name in DEMO_OPTIONS:
        role = WORKLOADS[name].stream_role or "raw"
        yield name, role, workload_records(name, window)
    yield BAD_WORKLOAD, "raw", bad_records(window)


def send(kinesis: Any, state: LocalStackState, role: str, records: list[GeneratedRecord]) -> None:
    """PutRecords through the generators' sink; an undelivered record stops the run with the reason."""
    stream = state.raw_stream if role == "raw" else state.cep_stream
    report = KinesisSink(kinesis, stream).send(records)
    if report.failed:
        raise SystemExit(
            f"error: {report.failed} records could not be sent to {stream}: {report.describe_failures()}"
        )
