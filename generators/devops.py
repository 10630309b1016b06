"""DevOps workload: per host and tick, 20 metric measures and, per process, 5 event measures.

Two payload formats, both understood by the ingest Lambda:
- `single`: the seed Kinesis ingestor's one JSON per measure (`MeasureName`, `MeasureValue` as a
  string, `MeasureValueType`, `Time`, every other key a dimension). `Time` is epoch MILLISECONDS with
  `TimeUnit: "MILLISECONDS"` (the seed used seconds; milliseconds is Timestream's default and what
  every other workload sends).
- `wide`: the Flink sample generator's one JSON per host (or process) per tick, `"@type"` metrics or
  events, `"time"` in epoch seconds, doubles rounded to 2 places.

Late data (`percent_late`): a chosen sweep keeps its true timestamps and is delivered `late_seconds`
after them, as a delayed agent would. (The seed re-stamped the sweep into the past instead, where it
collided with the values already written for that time.)
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterator
from dataclasses import dataclass

from generators.devops_fleet import Host, build_fleet
from generators.records import GeneratedRecord, compact_json, tick_times

FORMATS = ("single", "wide")
SMALL_CPU_MEASURES = ("cpu_system", "cpu_steal", "cpu_iowait", "cpu_nice", "cpu_hi", "cpu_si")
PERCENT_MEASURES = (
    "memory_free",
    "memory_used",
    "memory_cached",
    "disk_io_reads",
    "disk_io_writes",
    "latency_per_read",
    "latency_per_write",
    "network_bytes_in",
    "network_bytes_out",
    "disk_used",
    "disk_free",
    "file_descriptors_in_use",
)
METRIC_MEASURES = ("cpu_user", *SMALL_CPU_MEASURES, "cpu_idle", *PERCENT_MEASURES)
EVENT_MEASURES = ("task_completed", "task_end_state", "gc_reclaimed", "gc_pause", "memory_free")
TASK_END_STATES = {
    "SUCCESS_WITH_NO_RESULT": 0.2,
    "SUCCESS_WITH_RESULT": 0.7,
    "INTERNAL_ERROR": 0.01,
    "USER_ERROR": 0.07,
    "UNKNOWN": 0.01,
    "THROTTLED": 0.01,
}
CPU_USER_RANGES = {"low": (0.0, 10.0), "normal": (35.0, 65.0), "high": (85.0, 95.0)}


@dataclass(frozen=True)
class DevopsOptions:
    host_scale: int = 1
    max_hosts: int | None = None  # only the first N hosts of the fleet, for small demos
    format: str = "single"
    percent_late: float = 0.0
    late_seconds: int = 60
    tick_seconds: int = 60
    metrics: bool = True
    events: bool = True


def metric_values(rng: random.Random, host: Host) -> dict[str, float]:
    """The 20 metric measures of one host, CPU shares summing to 100 with `cpu_idle` never negative."""
    low, high = CPU_USER_RANGES[host.utilisation]
    small = {name: rng.random() for name in SMALL_CPU_MEASURES}
    cpu_user = min(rng.uniform(low, high), 100.0 - sum(small.values()))
    values = {"cpu_user": cpu_user, **small, "cpu_idle": max(0.0, 100.0 - cpu_user - sum(small.values()))}
    values.update({name: 100.0 * rng.random() for name in PERCENT_MEASURES})
    return values


def event_values(rng: random.Random) -> dict[str, float | int | str]:
    states = list(TASK_END_STATES)
    return {
        "task_completed": rng.randint(0, 500),
        "task_end_state": rng.choices(states, weights=[TASK_END_STATES[s] for s in states])[0],
        "gc_reclaimed": 100.0 * rng.random(),
        "gc_pause": 100.0 * rng.random(),
        "memory_free": 100.0 * rng.random(),
    }


def _value_type(value: float | int | str) -> str:
    if isinstance(value, str):
        return "VARCHAR"
    return "BIGINT" if isinstance(value, int) else "DOUBLE"


def _single(dims: dict[str, str], values: dict, time_ms: int, due_ms: int, key: str) -> list[GeneratedRecord]:
    return [
        GeneratedRecord(
            data=compact_json(
                {
                    "MeasureName": name,
                    "MeasureValue": str(value),
                    "MeasureValueType": _value_type(value),
                    "Time": str(time_ms),
                    "TimeUnit": "MILLISECONDS",
                    **dims,
                }
            ),
            partition_key=key,
            event_time_ms=time_ms,
            due_ms=due_ms,
        )
        for name, value in values.items()
    ]


def _rounded(values: dict[str, float | int | str]) -> dict[str, float | int | str]:
    return {k: round(v, 2) if isinstance(v, float) else v for k, v in values.items()}


def _wide_metrics(values: dict[str, float]) -> dict[str, float]:
    """Round to 2 places, then recompute `cpu_idle` from the rounded shares so it stays >= 0."""
    rounded = {name: round(value, 2) for name, value in values.items()}
    busy = sum(rounded[name] for name in ("cpu_user", *SMALL_CPU_MEASURES))
    rounded["cpu_idle"] = max(0.0, round(100.0 - busy, 2))
    return rounded


def _wide(
    kind: str, dims: dict[str, str], values: dict, time_ms: int, due_ms: int, key: str
) -> GeneratedRecord:
    document = {"@type": kind, "time": time_ms // 1000, **dims, **values}
    return GeneratedRecord(compact_json(document), key, time_ms, due_ms)


def sweep(
    rng: random.Random, fleet: list[Host], options: DevopsOptions, time_ms: int, due_ms: int
) -> list[GeneratedRecord]:
    """Every record of one tick: the metrics of each host, then the events of each process."""
    wide = options.format == "wide"
    records: list[GeneratedRecord] = []
    for host in fleet:
        key = host.partition_key
        if options.metrics:
            values = metric_values(rng, host)
            if wide:
                records.append(
                    _wide("metrics", host.metric_dimensions, _wide_metrics(values), time_ms, due_ms, key)
                )
            else:
                records.extend(_single(host.metric_dimensions, values, time_ms, due_ms, key))
        if options.events:
            for process in host.microservice.processes:
                dims = host.event_dimensions(process)
                values = event_values(rng)
                if wide:
                    records.append(_wide("events", dims, _rounded(values), time_ms, due_ms, key))
                else:
                    records.extend(_single(dims, values, time_ms, due_ms, key))
    return records


def devops_records(rng: random.Random, start_ms: int, options: DevopsOptions) -> Iterator[GeneratedRecord]:
    """Sweeps of the whole fleet, one per tick, in delivery order (late sweeps arrive late)."""
    fleet = build_fleet(rng, options.host_scale)[: options.max_hosts]
    late_ms = options.late_seconds * 1000
    delayed: list[tuple[int, int, list[GeneratedRecord]]] = []  # (due, event time, records)
    for tick_ms in tick_times(start_ms, options.tick_seconds * 1000):
        while delayed and delayed[0][0] <= tick_ms:
            yield from heapq.heappop(delayed)[2]
        if rng.random() * 100.0 < options.percent_late:
            due_ms = tick_ms + late_ms
            heapq.heappush(delayed, (due_ms, tick_ms, sweep(rng, fleet, options, tick_ms, due_ms)))
        else:
            yield from sweep(rng, fleet, options, tick_ms, tick_ms)
