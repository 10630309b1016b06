"""Helpers of the ingest Lambda tests: event builders and readers of what moto holds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3

from local.kinesis_event import FIRST_SEQUENCE_NUMBER, payload_event
from pipeline_config import names

REPO_ROOT = Path(__file__).resolve().parents[2]
EVENTS = REPO_ROOT / "tests" / "events"
DATABASE, RAW_TABLE, CEP_TABLE = "pipeline", "raw", "cep"
BUCKET, PREFIX = "pipeline-quarantine-test", "quarantine"
FIRST_SEQUENCE = FIRST_SEQUENCE_NUMBER

Event = dict[str, Any]


def load_event(name: str) -> Event:
    """A Kinesis event from tests/events/<name>.json."""
    return json.loads((EVENTS / f"{name}.json").read_text())


def kinesis_event(payloads: list[Any], stream: str = "pipeline-raw", first: int = FIRST_SEQUENCE) -> Event:
    """A Lambda Kinesis event carrying `payloads` (dicts become JSON, str/bytes are sent as they are)."""
    raw = [
        json.dumps(p).encode() if isinstance(p, dict) else p if isinstance(p, bytes) else str(p).encode()
        for p in payloads
    ]
    stream_arn = f"arn:aws:kinesis:{names.LOCAL_REGION}:{names.LOCAL_ACCOUNT}:stream/{stream}"
    return payload_event(raw, stream_arn=stream_arn, first_sequence=first)


def stored(table: str = RAW_TABLE) -> list[dict[str, Any]]:
    """What moto's Timestream holds for `table` (CommonAttributes already merged by TimestreamRules)."""
    from moto.timestreamwrite.models import timestreamwrite_backends

    return (
        timestreamwrite_backends[names.LOCAL_ACCOUNT][names.LOCAL_REGION]
        .databases[DATABASE]
        .tables[table]
        .records
    )


def dimensions(record: dict[str, Any]) -> dict[str, str]:
    return {d["Name"]: d["Value"] for d in record.get("Dimensions", [])}


def measures(record: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """name -> (value, type) for single- and multi-measure records alike."""
    if record["MeasureValueType"] == "MULTI":
        return {m["Name"]: (m["Value"], m["Type"]) for m in record["MeasureValues"]}
    return {record["MeasureName"]: (record["MeasureValue"], record["MeasureValueType"])}


def quarantine_objects() -> dict[str, list[dict[str, Any]]]:
    """Every quarantine object: key -> its JSON lines."""
    s3 = boto3.client("s3")
    objects = s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    return {
        obj["Key"]: [
            json.loads(line)
            for line in s3.get_object(Bucket=BUCKET, Key=obj["Key"])["Body"].read().decode().splitlines()
        ]
        for obj in objects
    }


def failed_sequences(response: dict[str, Any]) -> list[str]:
    return [failure["itemIdentifier"] for failure in response["batchItemFailures"]]


def sequences(event: Event, *indexes: int) -> list[str]:
    return [event["Records"][i]["kinesis"]["sequenceNumber"] for i in indexes]


def sensor_payloads(count: int, event_time: int = 1_617_143_893_158) -> list[dict[str, Any]]:
    """`count` readings of distinct sensors (so each is identifiable in any WriteRecords call)."""
    return [
        {
            "sensor_id": f"sensor-{n:03d}",
            "temperature": 20 + n % 50,
            "status": "OK",
            "event_time": event_time + n,
        }
        for n in range(count)
    ]
