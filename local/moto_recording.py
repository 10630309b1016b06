"""moto's recorder, keeping only the requests that change state (what a restart must replay).

moto appends every request it serves to the recording, reads included: on the local stack that is
each GetRecords, GetShardIterator and ListShards of the event source mappings, several per batch,
each a JSON line written on the Kinesis hot path and replayed, for nothing, at the next `up`.
Requests that only read are skipped here; the replay rebuilds the same state without them.
"""

from __future__ import annotations

from typing import Any

# X-Amz-Target actions that read and change nothing (SQS ReceiveMessage is not one: it hides messages).
READ_ONLY_TARGETS = frozenset(
    {
        "Kinesis_20131202.GetRecords",
        "Kinesis_20131202.GetShardIterator",
        "Kinesis_20131202.ListShards",
        "Kinesis_20131202.ListStreams",
        "Kinesis_20131202.DescribeStream",
        "Kinesis_20131202.DescribeStreamSummary",
        "DynamoDB_20120810.GetItem",
        "DynamoDB_20120810.BatchGetItem",
        "DynamoDB_20120810.Query",
        "DynamoDB_20120810.Scan",
        "DynamoDB_20120810.DescribeTable",
    }
)
READ_ONLY_METHODS = frozenset({"GET", "HEAD"})  # S3 reads and listings


def changes_state(request: Any) -> bool:
    """False for requests that only read (the recording can do without them)."""
    if request.method in READ_ONLY_METHODS:
        return False
    return request.headers.get("X-Amz-Target", "") not in READ_ONLY_TARGETS


def install() -> None:
    """Record only state-changing requests in this process's moto."""
    from moto.moto_api._internal.recorder.models import Recorder

    record_everything = Recorder._record_request
    if getattr(record_everything, "skips_reads", False):
        return

    def record_changes(self: Recorder, request: Any, body: bytes | None = None) -> None:
        if changes_state(request):
            record_everything(self, request, body)

    record_changes.skips_reads = True  # type: ignore[attr-defined]
    Recorder._record_request = record_changes  # type: ignore[method-assign]
