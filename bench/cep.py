"""The CEP stage at the seed's rate: work per invocation, state size, and what those cost on AWS.

Drives the real `CepProcessor` (decode, order, match, publish, save) with stub DynamoDB and Kinesis
clients over one hour of the seed's traffic (100 sensors, each reporting with probability 0.5 every
second: about 50 readings/s), cut as the mapping cuts it: one batch per shard per second (batching
window 1 s). Prints, for 1 shard (provisioned, the seed) and 4 shards (an on-demand stream's start):
- CPU time per invocation in this process (the function's own work; AWS calls are stubbed);
- the state item written per invocation (compressed) -> DynamoDB write units per save, next to the
  alternative design of one item per sensor (one write per sensor whose state changed);
- the monthly bill those figures give at us-east-1 list prices, next to Managed Flink's minimum.
Run: .venv/bin/python bench/cep.py
"""

from __future__ import annotations

import base64
import hashlib
import math
import random
import sys
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

import harness  # noqa: E402

import pipeline_config  # noqa: E402, F401 - the bundles on sys.path
from generators.records import compact_json  # noqa: E402
from generators.sensors import SensorOptions, readings  # noqa: E402
from timestream_cep import names  # noqa: E402
from timestream_cep.processor import CepProcessor  # noqa: E402
from timestream_cep.publisher import MatchPublisher  # noqa: E402
from timestream_cep.state_store import StateStore  # noqa: E402

SECONDS = 3600
START_MS = 1_767_225_600_000
STREAM_ARN = "arn:aws:kinesis:us-east-1:123456789012:stream/bench-raw"
# us-east-1 list prices (check https://aws.amazon.com/<service>/pricing before relying on them).
WRU_PRICE, RRU_PRICE = 0.625e-6, 0.125e-6  # DynamoDB on demand, per write / read request unit
LAMBDA_GB_SECOND, LAMBDA_REQUEST = 0.0000133334, 0.20e-6  # arm64
KPU_HOUR, RUNNING_STORAGE_GB_MONTH = 0.11, 0.10  # Managed Service for Apache Flink
HOURS_PER_MONTH = 730
LAMBDA_MEMORY_GB = 0.5  # lambda_memory_mb in cdk.json


class StubDynamoDB:
    """get_item / put_item on a dict; records the size of every item written."""

    class exceptions:  # the boto3 client's attribute name
        class ConditionalCheckFailedException(Exception):
            pass

    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}
        self.written_bytes: list[int] = []

    def get_item(self, Key: dict[str, Any], **_: Any) -> dict[str, Any]:
        item = self.items.get(Key[names.STATE_KEY]["S"])
        return {"Item": item} if item else {}

    def put_item(self, Item: dict[str, Any], **_: Any) -> None:
        self.items[Item[names.STATE_KEY]["S"]] = Item
        self.written_bytes.append(sum(len(k) + _value_size(v) for k, v in Item.items()))


def _value_size(value: dict[str, Any]) -> int:
    """DynamoDB's item size: bytes of binary values, UTF-8 length of strings, ~digits of numbers."""
    ((kind, raw),) = value.items()
    return len(raw) if kind == "B" else len(str(raw).encode())


class StubKinesis:
    """PutRecords accepts everything; ListShards knows shards without parents."""

    def __init__(self) -> None:
        self.records = 0

    def get_paginator(self, _operation: str) -> Any:
        return self

    def paginate(self, **_: Any) -> list[dict[str, Any]]:
        return [{"Shards": []}]

    def put_records(self, Records: list[Any], **_: Any) -> dict[str, Any]:
        self.records += len(Records)
        return {"FailedRecordCount": 0, "Records": [{} for _ in Records]}


def shard_of(sensor_id: str, shards: int) -> int:
    """Kinesis puts a partition key in the shard whose hash range holds MD5(key) (ranges split evenly)."""
    return int.from_bytes(hashlib.md5(sensor_id.encode()).digest(), "big") * shards >> 128  # noqa: S324


def batches(shards: int, seconds: int) -> list[list[list[bytes]]]:
    """Per second, per shard: the readings' payloads (the seed's generator, seeded)."""
    per_second: list[list[list[bytes]]] = [[[] for _ in range(shards)] for _ in range(seconds)]
    for reading in readings(random.Random(7), START_MS, SensorOptions()):
        second = (reading.event_time - START_MS) // 1000
        if second >= seconds:
            break
        per_second[second][shard_of(reading.sensor_id, shards)].append(compact_json(reading.as_json()))
    return per_second


def event(shard: int, payloads: list[bytes], first_sequence: int) -> dict[str, Any]:
    return {
        "Records": [
            {
                "eventID": f"shardId-{shard:012d}:{first_sequence + n}",
                "eventSourceARN": STREAM_ARN,
                "kinesis": {"sequenceNumber": str(first_sequence + n), "data": base64.b64encode(p).decode()},
            }
            for n, p in enumerate(payloads)
        ]
    }


def run(shards: int, seconds: int) -> dict[str, float]:
    dynamodb, kinesis = StubDynamoDB(), StubKinesis()
    processor = CepProcessor(StateStore(dynamodb, "bench"), MatchPublisher(kinesis, "bench-cep"), kinesis)
    sequence, invocations, cpu = 1, 0, 0.0
    per_sensor_writes = 0
    for second in batches(shards, seconds):
        for shard, payloads in enumerate(second):
            if not payloads:
                continue
            started = time.process_time()
            processor.process(event(shard, payloads, sequence))
            cpu += time.process_time() - started
            sequence += len(payloads)
            invocations += 1
            per_sensor_writes += len({p.split(b'"sensor_id":"')[1].split(b'"')[0] for p in payloads})
    writes = dynamodb.written_bytes
    return {
        "invocations_per_s": invocations / seconds,
        "cpu_ms": 1000 * cpu / invocations,
        "item_bytes_mean": sum(writes) / len(writes),
        "item_bytes_max": max(writes),
        "wru_per_save": sum(math.ceil(b / 1024) for b in writes) / len(writes),
        "per_sensor_wru_per_invocation": per_sensor_writes / invocations,
        "matches_per_s": kinesis.records / seconds,
    }


def monthly(figures: dict[str, float], wru_per_invocation: float) -> float:
    seconds = HOURS_PER_MONTH * 3600
    invocations = figures["invocations_per_s"] * seconds
    reads = invocations * math.ceil(figures["item_bytes_mean"] / 4096)  # a consistent read: 1 RRU per 4 KB
    # Billed duration: the measured CPU time plus ~20 ms for the GetItem, PutRecords and PutItem calls.
    duration_s = (figures["cpu_ms"] + 20) / 1000
    return (
        invocations * wru_per_invocation * WRU_PRICE
        + reads * RRU_PRICE
        + invocations * (LAMBDA_REQUEST + duration_s * LAMBDA_MEMORY_GB * LAMBDA_GB_SECOND)
    )


def main(argv: list[str] | None = None) -> None:
    args = harness.parse_args(__doc__.splitlines()[0], argv)
    seconds = 60 if args.quick else SECONDS
    flink = 2 * KPU_HOUR * HOURS_PER_MONTH + 50 * RUNNING_STORAGE_GB_MONTH  # 1 KPU + 1 orchestration
    print(
        f"CEP stage over {seconds} s of the seed's traffic (100 sensors, ~50 readings/s) [{harness.load()}]"
    )
    for shards in (1, 4):
        f = run(shards, seconds)
        rates = f"{f['invocations_per_s']:.2f} invocations/s, {f['matches_per_s']:.2f} matches/s"
        print(f"-- {shards} shard(s): {rates}")
        print(f"   CPU per invocation (stubbed AWS calls): {f['cpu_ms']:.2f} ms")
        print(
            f"   state item per save: {f['item_bytes_mean']:.0f} B mean, {f['item_bytes_max']:.0f} B max -> "
            f"{f['wru_per_save']:.2f} WRU; alternative, one item per sensor: "
            f"{f['per_sensor_wru_per_invocation']:.2f} WRU per invocation"
        )
        print(
            f"   monthly (us-east-1): ${monthly(f, f['wru_per_save']):.2f} with one item per shard, "
            f"${monthly(f, f['per_sensor_wru_per_invocation']):.2f} with one item per sensor; "
            f"Managed Flink minimum (2 KPU + 50 GB): ${flink:.2f}"
        )


if __name__ == "__main__":
    main()
