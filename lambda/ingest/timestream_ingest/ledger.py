"""The handled ledger: records of a partly failed invocation that were written or quarantined anyway.

Lambda redelivers everything from the lowest failed record of a shard, so records behind it that
this invocation did write come back, and if the mapping finally gives up, its on-failure record
holds them too. Without this ledger they would be counted, and replayed, as lost although they are
stored. Written only when an invocation reports failures (never on the hot path), as one small JSON
object per invocation and shard in the kept-records bucket (`names.ledger_object_key`); `replay`
reads it back. Best effort: if it cannot be written, replay treats those records as not stored.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from timestream_ingest import names
from timestream_ingest.kinesis_records import SourceRecord

LOG = logging.getLogger(__name__)


class HandledLedger:
    """Writes ledger objects to `bucket` (no bucket configured: does nothing)."""

    def __init__(self, s3_client: Any, bucket: str | None) -> None:
        self._s3, self._bucket = s3_client, bucket

    def record(self, handled: Sequence[SourceRecord], retried: Sequence[SourceRecord]) -> str | None:
        """Store which records of one shard were handled behind the first retried one; returns the key."""
        if not self._bucket or not handled or not retried:
            return None
        first = retried[0]
        key = names.ledger_object_key(
            first.stream_name, first.shard_id, first.sequence_number, uuid.uuid4().hex
        )
        document = {
            "stream_arn": first.stream_arn,
            "shard_id": first.shard_id,
            "handled": [source.sequence_number for source in handled],
            "retried": [source.sequence_number for source in retried],
            "written_at": datetime.now(UTC).isoformat(timespec="milliseconds"),
        }
        try:
            self._s3.put_object(
                Bucket=self._bucket,
                Key=key,
                Body=json.dumps(document).encode(),
                ContentType="application/json",
            )
        except (ClientError, BotoCoreError) as error:
            LOG.warning(
                "handled ledger not written (%s); replay will count these records as not stored", error
            )
            return None
        return key
