"""Kinesis sink: PutRecords with up to 500 records and 5 MiB per call, re-sending only what failed.

Full calls are sent by one background thread, in order, while the next call fills (background_sender.py).
PutRecords fails per entry (`ErrorCode` / `ErrorMessage` with the call itself succeeding): the
entries that failed, and only those, are sent again after an exponential backoff with full jitter,
up to the retry policy's attempts; then they are counted as failed with their last error. A call
that fails as a whole for a transient reason (throttling, a 5xx after botocore's own retries) counts
as every entry failing; one that can never succeed (missing stream, no permission) stops the run.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from generators.delivery import DeliveryError, RetryingSink, RetryPolicy, unrecoverable
from generators.records import GeneratedRecord

MAX_RECORDS_PER_CALL = 500
MAX_BYTES_PER_CALL = 5 * 1024 * 1024  # data blobs plus partition keys
MAX_BYTES_PER_RECORD = 1024 * 1024  # data blob plus partition key
MAX_PARTITION_KEY_CHARS = 256
TRANSIENT_CALL_ERRORS = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "LimitExceededException",
        "KMSThrottlingException",
        "InternalFailure",
        "InternalFailureException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
    }
)


class KinesisSink(RetryingSink):
    """Sends GeneratedRecords to one stream; `report` holds sent, failed, retried and calls."""

    def __init__(
        self,
        client: Any,
        stream_name: str,
        *,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        jitter: random.Random | None = None,
    ) -> None:
        super().__init__(retry=retry, sleep=sleep, jitter=jitter)
        self.client = client
        self.stream_name = stream_name
        self._buffer_bytes = 0
        self._target = {"StreamARN" if stream_name.startswith("arn:") else "StreamName": stream_name}

    def submit(self, record: GeneratedRecord) -> None:
        size = len(record.data) + len(record.partition_key.encode("utf-8"))
        if not 1 <= len(record.partition_key) <= MAX_PARTITION_KEY_CHARS:
            self.report.record_failures(f"partition key must have 1 to {MAX_PARTITION_KEY_CHARS} characters")
            return
        if size > MAX_BYTES_PER_RECORD:
            self.report.record_failures(f"record of {size} bytes exceeds Kinesis's 1 MiB per record")
            return
        entry = {"Data": record.data, "PartitionKey": record.partition_key}
        if self.pending == MAX_RECORDS_PER_CALL or self._buffer_bytes + size > MAX_BYTES_PER_CALL:
            self._dispatch_to_make_room(entry)
        self._buffer.append(entry)
        self._buffer_bytes += size

    def _dispatch(self) -> None:
        self._buffer_bytes = 0
        super()._dispatch()

    def _send_batch(self, batch: list[dict[str, Any]]) -> None:
        pending = batch
        for attempt in range(1, self.retry.max_attempts + 1):
            failed = self._put(pending)
            if not failed:
                return
            if attempt == self.retry.max_attempts:
                for _entry, reason in failed:
                    self.report.record_failures(reason)
                return
            self.report.retried += len(failed)
            self._back_off(attempt)
            pending = [entry for entry, _reason in failed]

    def _put(self, entries: list[dict[str, Any]]) -> list[tuple[dict[str, Any], str]]:
        """One PutRecords call; returns the entries it did not accept, each with its error."""
        self.report.calls += 1
        try:
            response = self.client.put_records(Records=entries, **self._target)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "Unknown")
            message = error.response.get("Error", {}).get("Message", "")
            if code not in TRANSIENT_CALL_ERRORS:
                self.report.record_failures(f"{code}: {message}", len(entries))
                raise DeliveryError(self._explain(code, message)) from error
            return [(entry, f"{code}: {message}") for entry in entries]
        except BotoCoreError as error:
            reason = unrecoverable(error)
            if reason is not None:
                self.report.record_failures(reason, len(entries))
                raise DeliveryError(f"PutRecords to stream {self.stream_name!r} failed: {reason}") from error
            # timeouts, dropped connections: worth another try
            return [(entry, f"{type(error).__name__}: {error}") for entry in entries]
        failed = [
            (entry, f"{result['ErrorCode']}: {result.get('ErrorMessage', '')}")
            for entry, result in zip(entries, response["Records"], strict=True)
            if result.get("ErrorCode")
        ]
        self.report.sent += len(entries) - len(failed)
        return failed

    def _explain(self, code: str, message: str) -> str:
        hint = {
            "ResourceNotFoundException": "check --stream and --region (or start the local stack)",
            "AccessDeniedException": "the credentials in use need kinesis:PutRecords on this stream",
            "ValidationException": "a record or the stream name was rejected as invalid",
        }.get(code, "see the message above")
        return f"PutRecords to stream {self.stream_name!r} failed: {code}: {message} ({hint})"
