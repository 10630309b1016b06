"""Matches onto the CEP stream: PutRecords in chunks, re-sending only the entries a call refused.

A match record is a pure function of the readings (same JSON bytes, same partition key): sending it
again after a retry makes the ingest Lambda write an identical Timestream record, which Timestream
accepts as a no-op. So a failure here fails the invocation and the whole batch is computed and sent
again; nothing is ever sent that a retry would send differently.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Sequence
from typing import Any

MAX_RECORDS_PER_CALL = 500  # the PutRecords limit
ATTEMPTS = 5
BASE_DELAY_SECONDS = 0.1


class PublishError(RuntimeError):
    """Some matches could not be put on the CEP stream; the message says how many and why."""


def match_data(match: dict[str, Any]) -> bytes:
    """One-line JSON in the order of cep.sql's columns: the same match always gives the same bytes."""
    return json.dumps(match, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class MatchPublisher:
    """Puts match records on one stream, partitioned by sensor id like the readings they come from."""

    def __init__(self, kinesis: Any, stream_name: str, sleep: Callable[[float], None] = time.sleep) -> None:
        self._kinesis, self._stream, self._sleep = kinesis, stream_name, sleep

    def put(self, matches: Sequence[dict[str, Any]]) -> int:
        """Send every match; returns how many PutRecords calls it took, raises PublishError."""
        calls = 0
        for start in range(0, len(matches), MAX_RECORDS_PER_CALL):
            entries = [
                {"Data": match_data(match), "PartitionKey": str(match["sensor_id"])}
                for match in matches[start : start + MAX_RECORDS_PER_CALL]
            ]
            calls += self._put_chunk(entries)
        return calls

    def _put_chunk(self, entries: list[dict[str, Any]]) -> int:
        for attempt in range(ATTEMPTS):
            response = self._kinesis.put_records(StreamName=self._stream, Records=entries)
            if not response.get("FailedRecordCount"):
                return attempt + 1
            refused = [
                (entry, result)
                for entry, result in zip(entries, response["Records"], strict=True)
                if result.get("ErrorCode")
            ]
            entries = [entry for entry, _ in refused]
            if attempt + 1 < ATTEMPTS:
                self._sleep(BASE_DELAY_SECONDS * 2**attempt * (0.5 + random.random()))
        first_error = refused[0][1]
        raise PublishError(
            f"{len(entries)} CEP matches not accepted by stream {self._stream} after {ATTEMPTS} attempts "
            f"({first_error.get('ErrorCode')}: {first_error.get('ErrorMessage')}); the batch is retried"
        )
