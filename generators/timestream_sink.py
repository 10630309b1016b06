"""Timestream sink: WriteRecords with 100 records per call, dimensions all records share in CommonAttributes.

Rejected records (`RejectedRecordsException`) are permanent: the rest of that call was written, the
rejected ones are counted as failed with Timestream's reason and never re-sent. Throttling and
server errors re-send the whole call (an identical re-write is accepted) with backoff and jitter.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from generators.delivery import DeliveryError, RetryingSink, RetryPolicy, unrecoverable
from generators.records import GeneratedRecord

MAX_RECORDS_PER_CALL = 100
TRANSIENT_ERRORS = frozenset({"ThrottlingException", "InternalServerException", "ServiceUnavailable"})


def split_common_dimensions(records: list[dict[str, Any]]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Move the dimensions every record carries (same name and value) into CommonAttributes."""
    shared = {(d["Name"], d["Value"]) for d in records[0].get("Dimensions", [])}
    for record in records[1:]:
        shared &= {(d["Name"], d["Value"]) for d in record.get("Dimensions", [])}
    if not shared:
        return {}, records
    common = [{"Name": n, "Value": v} for n, v in sorted(shared)]
    trimmed = [
        {**r, "Dimensions": [d for d in r["Dimensions"] if (d["Name"], d["Value"]) not in shared]}
        for r in records
    ]
    return {"Dimensions": common}, trimmed


class TimestreamSink(RetryingSink):
    """Writes the Timestream records that direct-write workloads (wave) carry."""

    def __init__(
        self,
        client: Any,
        database: str,
        table: str,
        *,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        jitter: random.Random | None = None,
    ) -> None:
        super().__init__(retry=retry, sleep=sleep, jitter=jitter)
        self.client = client
        self.database = database
        self.table = table

    def submit(self, record: GeneratedRecord) -> None:
        if record.timestream_record is None:
            self.report.record_failures("record has no Timestream form (send it through Kinesis)")
            return
        if self.pending == MAX_RECORDS_PER_CALL:
            self._dispatch_to_make_room(record.timestream_record)
        self._buffer.append(record.timestream_record)

    def _send_batch(self, batch: list[dict[str, Any]]) -> None:
        common, records = split_common_dimensions(batch)
        for attempt in range(1, self.retry.max_attempts + 1):
            reason = self._write(common, records)
            if reason is None:
                return
            if attempt == self.retry.max_attempts:
                self.report.record_failures(reason, len(records))
                return
            self.report.retried += len(records)
            self._back_off(attempt)

    def _write(self, common: dict[str, Any], records: list[dict[str, Any]]) -> str | None:
        """One WriteRecords call; None when done, else the transient error worth another try."""
        self.report.calls += 1
        try:
            self.client.write_records(
                DatabaseName=self.database, TableName=self.table, Records=records, CommonAttributes=common
            )
        except self.client.exceptions.RejectedRecordsException as error:
            rejected = error.response.get("RejectedRecords", [])
            for item in rejected:
                self.report.record_failures(
                    f"rejected by Timestream: {item.get('Reason', 'no reason given')}"
                )
            self.report.sent += len(records) - len(rejected)
            return None
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "Unknown")
            message = error.response.get("Error", {}).get("Message", "")
            if code in TRANSIENT_ERRORS:
                return f"{code}: {message}"
            self.report.record_failures(f"{code}: {message}", len(records))
            raise DeliveryError(
                f"WriteRecords to {self.database}.{self.table} failed: {code}: {message} "
                "(check --database, --table and --endpoint-url)"
            ) from error
        except BotoCoreError as error:
            reason = unrecoverable(error)
            if reason is not None:
                self.report.record_failures(reason, len(records))
                target = f"{self.database}.{self.table}"
                raise DeliveryError(f"WriteRecords to {target} failed: {reason}") from error
            return f"{type(error).__name__}: {error}"
        self.report.sent += len(records)
        return None
