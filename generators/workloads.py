"""The workload registry and `generate`, the one entry point the CLI, tests and the local stack use."""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice, takewhile
from typing import Any

from generators.alarms import AlarmOptions, alarm_records
from generators.cep import CepOptions, cep_records
from generators.devops import DevopsOptions, devops_records
from generators.records import GeneratedRecord, epoch_ms
from generators.sensors import SensorOptions, sensor_records
from generators.wave import WaveOptions, wave_records


@dataclass(frozen=True)
class Workload:
    """A record factory, its options type, and where its records go by default."""

    factory: Callable[[random.Random, int, Any], Iterator[GeneratedRecord]]
    options_type: type
    stream_role: str | None  # "raw" | "cep" for Kinesis; None when it writes to Timestream directly
    targets: tuple[str, ...]


WORKLOADS: dict[str, Workload] = {
    "devops": Workload(devops_records, DevopsOptions, "raw", ("kinesis", "stdout")),
    "sensors": Workload(sensor_records, SensorOptions, "raw", ("kinesis", "stdout")),
    "alarms": Workload(alarm_records, AlarmOptions, "raw", ("kinesis", "stdout")),
    "wave": Workload(wave_records, WaveOptions, None, ("timestream", "stdout")),
    "cep": Workload(cep_records, CepOptions, "cep", ("kinesis", "stdout")),
}


class WorkloadError(ValueError):
    """A workload was asked for something it cannot do; the message says what and how to fix it."""


def new_seed() -> int:
    """A fresh seed for runs that did not ask for one (printed in the summary, so a run can be replayed)."""
    return secrets.randbelow(2**32)


def generate(
    workload_name: str,
    *,
    seed: int,
    start: datetime | None = None,
    hours_back: float | None = None,
    end: datetime | None = None,
    count: int | None = None,
    options: Any = None,
) -> Iterator[GeneratedRecord]:
    """Records of one workload in delivery order, reproducible for a given seed and start.

    `start` (or now minus `hours_back`, or now) is the first tick; records are produced on the
    workload's own clock without waiting. Generation stops after `count` records, or at `end`
    (now when `hours_back` is given), or never: the caller paces and stops it.
    """
    workload = WORKLOADS.get(workload_name)
    if workload is None:
        raise WorkloadError(f"unknown workload {workload_name!r}: choose one of {', '.join(WORKLOADS)}")
    options = workload.options_type() if options is None else options
    if not isinstance(options, workload.options_type):
        raise WorkloadError(
            f"{workload_name} takes {workload.options_type.__name__}, not {type(options).__name__}"
        )
    if start is not None and hours_back is not None:
        raise WorkloadError("give either start or hours_back, not both")
    now_ms = int(time.time() * 1000)
    start_ms = epoch_ms(start) if start is not None else now_ms - int((hours_back or 0) * 3_600_000)
    end_ms = epoch_ms(end) if end is not None else (now_ms if hours_back is not None else None)
    records = workload.factory(random.Random(seed), start_ms, options)
    if end_ms is not None:
        records = takewhile(lambda record: record.due_ms <= end_ms, records)
    return islice(records, count) if count is not None else records
