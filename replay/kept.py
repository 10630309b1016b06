"""Read the kept-records bucket: what Lambda kept, what the handler noted as stored, what was replayed.

- `aws/lambda/...`: Lambda's on-failure records. `payload` holds the whole invocation event, as an
  escaped JSON string (as AWS documents it; an object is read too), so each record's stream, shard,
  sequence number, partition key and data are there.
- `ingest-ledger/...`: the ingest handler's notes of records written behind a retried one (they
  may be in a kept batch although they are stored).
- `replayed/<kept key>.json`: this tool's marks of what it put back, so a second run skips it.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pipeline_config import names
from timestream_ingest import names as ingest_names

RecordId = tuple[str, str, str]  # (stream ARN, shard, sequence number): unique across the bucket


@dataclass(frozen=True)
class KeptRecord:
    stream_arn: str
    shard_id: str
    sequence_number: str
    partition_key: str
    data: bytes

    @property
    def identity(self) -> RecordId:
        return (self.stream_arn, self.shard_id, self.sequence_number)


@dataclass(frozen=True)
class KeptObject:
    key: str
    condition: str
    records: tuple[KeptRecord, ...]


class KeptRecordsBucket:
    """Reads (and marks) one kept-records bucket through an S3 client."""

    def __init__(self, s3: Any, bucket: str) -> None:
        self.s3, self.bucket = s3, bucket

    def kept_objects(self) -> list[KeptObject]:
        return [self._kept_object(key) for key in self._keys(names.KEPT_RECORDS_PREFIX)]

    def stored_per_ledger(self) -> set[RecordId]:
        """Records the handler wrote although an earlier one of their invocation was retried."""
        stored: set[RecordId] = set()
        for key in self._keys(ingest_names.LEDGER_PREFIX + "/"):
            entry = self._json(key)
            stored.update((entry["stream_arn"], entry["shard_id"], sequence) for sequence in entry["handled"])
        return stored

    def replayed(self) -> dict[str, set[RecordId]]:
        """{kept object key: records put back from it} for every object replayed before."""
        marks = {}
        for key in self._keys(names.REPLAYED_PREFIX):
            mark = self._json(key)
            marks[mark["kept_object"]] = {
                (r["stream_arn"], r["shard_id"], r["sequence_number"]) for r in mark["records"]
            }
        return marks

    def mark_replayed(self, kept: KeptObject, records: list[KeptRecord], replayed_at: str) -> str:
        key = f"{names.REPLAYED_PREFIX}{kept.key}.json"
        document = {
            "kept_object": kept.key,
            "replayed_at": replayed_at,
            "records": [
                {"stream_arn": r.stream_arn, "shard_id": r.shard_id, "sequence_number": r.sequence_number}
                for r in records
            ],
        }
        self.s3.put_object(
            Bucket=self.bucket, Key=key, Body=json.dumps(document).encode(), ContentType="application/json"
        )
        return key

    def _kept_object(self, key: str) -> KeptObject:
        document = self._json(key)
        payload = document.get("payload")
        if payload is None:
            raise ValueError(
                f"s3://{self.bucket}/{key} has no payload: only an S3 on-failure destination keeps records"
            )
        event = json.loads(payload) if isinstance(payload, str) else payload
        records = tuple(_kept_record(record) for record in event["Records"])
        return KeptObject(key, document.get("requestContext", {}).get("condition", ""), records)

    def _keys(self, prefix: str) -> Iterator[str]:
        paginator = self.s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            for listed in page.get("Contents", []):
                yield listed["Key"]

    def _json(self, key: str) -> Any:
        return json.loads(self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read())


def _kept_record(record: dict[str, Any]) -> KeptRecord:
    kinesis = record["kinesis"]
    return KeptRecord(
        stream_arn=record["eventSourceARN"],
        shard_id=record["eventID"].split(":", 1)[0],
        sequence_number=kinesis["sequenceNumber"],
        partition_key=kinesis["partitionKey"],
        data=base64.b64decode(kinesis["data"]),
    )
