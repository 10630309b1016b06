"""Lambda's delivery of a batch it gives up on to an S3 on-failure destination.

The object is the service's invocation record, with the whole event in `payload` (an escaped JSON
string), named `aws/lambda/<mapping UUID>/<shard>/YYYY/MM/DD/<time>-<uuid>` (kinesis_event.py). As on
Lambda, a delivery that fails drops the records (DroppedEventCount): the mapping moves on either way,
and says so loudly. No destination configured: the records are dropped too.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from local.kinesis_event import StreamRecord, kept_object_key, kinesis_event, on_failure_record

LOG = logging.getLogger(__name__)


class S3OnFailureDestination:
    """Keeps given-up batches of one mapping in `bucket`; `keep` returns whether they were kept."""

    def __init__(
        self,
        s3: Any,
        bucket: str | None,
        *,
        mapping_uuid: str,
        stream_arn: str,
        function_name: str,
        function_arn: str,
    ) -> None:
        self._s3, self.bucket = s3, bucket
        self._mapping_uuid, self._stream_arn = mapping_uuid, stream_arn
        self._function_name, self._function_arn = function_name, function_arn
        self._region, self._account = stream_arn.split(":")[3:5]

    def keep(self, batch: Sequence[StreamRecord], condition: str, invokes: int, error: str | None) -> bool:
        if self.bucket is None:
            LOG.error("%s: no on-failure destination; %d records dropped", self._function_name, len(batch))
            return False
        event = kinesis_event(
            batch,
            stream_arn=self._stream_arn,
            region=self._region,
            account=self._account,
            function_name=self._function_name,
        )
        record = on_failure_record(
            batch,
            stream_arn=self._stream_arn,
            condition=condition,
            function_arn=self._function_arn,
            invoke_count=invokes,
            function_error=error,
            event=event,
        )
        key = kept_object_key(self._mapping_uuid, batch[0].shard_id, datetime.now(UTC))
        try:
            self._s3.put_object(Bucket=self.bucket, Key=key, Body=json.dumps(record).encode())
        except (ClientError, BotoCoreError) as failure:
            LOG.error(
                "%s: could not keep %d records of %s in s3://%s (%s): they are dropped, as Lambda drops them",
                self._function_name,
                len(batch),
                batch[0].shard_id,
                self.bucket,
                failure,
            )
            return False
        LOG.warning(
            "%s: gave up on %d records of %s (%s); kept in s3://%s/%s for replay",
            self._function_name,
            len(batch),
            batch[0].shard_id,
            condition,
            self.bucket,
            key,
        )
        return True
