"""Throughput of the ingest processor per payload format, against stub clients (no network).

Prints, for a 10,000-record Kinesis event of each format: records per second through
`Ingestor.process` (decode, validate, batch, write, account) and WriteRecords calls per 1,000
records (the floor is 10: Timestream takes at most 100 records per call).
Run: .venv/bin/python bench/ingest.py
"""

from __future__ import annotations

import base64
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

import boto3  # noqa: E402

import pipeline_config  # noqa: E402, F401 - the bundles on sys.path
from local.kinesis_event import payload_event  # noqa: E402
from pipeline_config import names  # noqa: E402
from timestream_ingest.config import IngestConfig  # noqa: E402
from timestream_ingest.processor import Ingestor  # noqa: E402

RECORDS = 10_000
REPEATS = 3
NOW_S = int(time.time()) - 60


class AcceptingWriteClient:
    """timestream-write without a network: every call succeeds; counts the calls."""

    def __init__(self) -> None:
        # The real client's exception classes (building a client makes no request).
        self.exceptions = boto3.client("timestream-write", region_name="us-east-1").exceptions
        self.calls = 0

    def write_records(self, **_: Any) -> dict[str, Any]:
        self.calls += 1
        return {"RecordsIngested": {}}


class AcceptingS3Client:
    def put_object(self, **_: Any) -> dict[str, Any]:
        return {}


def devops_single(n: int) -> dict[str, Any]:
    host = n // 20
    return {
        "MeasureName": f"cpu_{n % 20}",
        "MeasureValue": str(n * 0.37 % 100),
        "MeasureValueType": "DOUBLE",
        "Time": str(NOW_S),
        "TimeUnit": "SECONDS",
        "region": "eu-west-1",
        "cell": f"eu-west-1-cell-{host % 10}",
        "silo": f"eu-west-1-cell-{host % 10}-silo-1",
        "availability_zone": f"eu-west-1-{host % 3 + 1}",
        "microservice_name": "apollo",
        "instance_type": "r5.4xlarge",
        "os_version": "AL2",
        "instance_name": f"i-zaZswmJk-apollo-{host:04d}.amazonaws.com",
    }


def devops_wide(n: int) -> dict[str, Any]:
    dims = {k: v for k, v in devops_single(n * 20).items() if k.islower()}
    return {
        **dims,
        **{f"cpu_{m}": round((n + m) * 0.37 % 100, 2) for m in range(20)},
        "time": NOW_S,
        "@type": "metrics",
    }


def sensor(n: int) -> dict[str, Any]:
    return {
        "sensor_id": f"sensor-{n % 100:02d}",
        "temperature": 10 + n % 170,
        "status": "OK",
        "event_time": NOW_S * 1000 + n,
    }


def cep(n: int) -> dict[str, Any]:
    return {
        "sensor_id": f"sensor-{n % 100:02d}",
        "event_time": NOW_S * 1000 + n,
        "non_errors": 1 + n % 5,
        "history": "OK-WARNING-OK",
        "min_temperature": 41.0,
        "avg_temperature": 97.33,
        "max_temperature": 171.0,
        "elapsed": 4,
    }


def alarm(n: int) -> bytes:
    line = (
        f"id=b'\\x9c=\\x87||{n}'||status=Normal||time={NOW_S * 1000 + n}||location=TUTORIAL||sensor=Alarm-1"
    )
    return base64.b64encode(line.encode())  # the tutorial generator's extra wrapping


def generic(n: int) -> dict[str, Any]:
    return {
        "time": NOW_S * 1000 + n,
        "dimensions": {"site": f"site-{n % 50}"},
        "measures": {"temperature": 20.5, "count": {"value": n, "type": "BIGINT"}},
        "measure_name": "climate",
    }


FORMATS: dict[str, Callable[[int], Any]] = {
    "devops_single": devops_single,
    "devops_wide": devops_wide,
    "sensor": sensor,
    "cep": cep,
    "alarm (double base64)": alarm,
    "generic": generic,
}


def kinesis_event(payloads: list[Any]) -> dict[str, Any]:
    raw = [p if isinstance(p, bytes) else json.dumps(p).encode() for p in payloads]
    return payload_event(
        raw, stream_arn=f"arn:aws:kinesis:{names.LOCAL_REGION}:{names.LOCAL_ACCOUNT}:stream/bench"
    )


def measure(make: Callable[[int], Any]) -> tuple[float, float]:
    """(best records/s over REPEATS, WriteRecords calls per 1,000 records)."""
    event = kinesis_event([make(n) for n in range(RECORDS)])
    config = IngestConfig(database="bench", table="bench", quarantine_bucket="bench")
    best = 0.0
    for _ in range(REPEATS):
        client = AcceptingWriteClient()
        ingestor = Ingestor(config, client, AcceptingS3Client(), publish=False)
        started = time.perf_counter()
        response = ingestor.process(event)
        elapsed = time.perf_counter() - started
        ingestor.close()
        if response["batchItemFailures"]:
            raise SystemExit(
                f"{len(response['batchItemFailures'])} records failed: the benchmark input is wrong"
            )
        best = max(best, RECORDS / elapsed)
    return best, client.calls * 1000 / RECORDS


def main() -> int:
    print(f"ingest processor, {RECORDS:,}-record event per format, stub clients, best of {REPEATS}")
    print(f"{'format':<24}{'records/s':>12}{'WriteRecords / 1k':>20}")
    for name, make in FORMATS.items():
        rate, calls = measure(make)
        print(f"{name:<24}{rate:>12,.0f}{calls:>20.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
