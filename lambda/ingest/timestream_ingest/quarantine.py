"""Quarantine: the records that can never be written, kept in S3 with the reason, for replay.

One object per invocation and shard at `names.quarantine_object_key(prefix, stream, shard, first
sequence number of the batch)`: a redelivered batch starts at the same sequence number and so
overwrites its object instead of adding a duplicate. Each line is a JSON object holding the raw
Kinesis data (base64), the reason and where the record came from.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from timestream_ingest import names
from timestream_ingest.exceptions import QuarantineReason
from timestream_ingest.kinesis_records import SourceRecord


@dataclass(frozen=True)
class QuarantineEntry:
    source: SourceRecord
    reason: QuarantineReason
    detail: str

    def as_line(self) -> str:
        source = self.source
        return json.dumps(
            {
                "payload_base64": source.data_base64,
                "reason": self.reason.value,
                "detail": self.detail,
                "stream_arn": source.stream_arn,
                "shard_id": source.shard_id,
                "sequence_number": source.sequence_number,
                "partition_key": source.partition_key,
                "arrival_time": source.arrival_time,
            },
            ensure_ascii=False,
        )


class QuarantineStore:
    """Writes one shard's quarantined records of one invocation as one JSON-lines object."""

    def __init__(self, s3_client: Any, bucket: str, prefix: str) -> None:
        self._s3, self._bucket, self._prefix = s3_client, bucket, prefix

    def object_key(self, first_of_batch: SourceRecord) -> str:
        return names.quarantine_object_key(
            self._prefix, first_of_batch.stream_name, first_of_batch.shard_id, first_of_batch.sequence_number
        )

    def put(self, first_of_batch: SourceRecord, entries: Sequence[QuarantineEntry]) -> str:
        """Store `entries` (non-empty); raises botocore errors, which the caller turns into retries."""
        key = self.object_key(first_of_batch)
        body = "".join(entry.as_line() + "\n" for entry in entries).encode("utf-8")
        self._s3.put_object(Bucket=self._bucket, Key=key, Body=body, ContentType="application/x-ndjson")
        return key
