"""moto's recorder, keeping only the requests that change state (what a restart must replay).

moto appends every request it serves to the recording, reads included: on the local stack that is
each GetRecords, GetShardIterator and ListShards of the event source mappings, several per batch,
each a JSON line written on the Kinesis hot path and replayed, for nothing, at the next `up`.
Requests that only read are skipped here; the replay rebuilds the same state without them.

moto writes an entry and its newline in two writes, from each of its server threads: two requests at
once (the local mapping's shards run side by side) would interleave them into a line moto cannot
replay, and the stack could no longer start with its data. And it records a request just before
applying it, so two at once could be applied in the other order than recorded: replayed, two puts to
one shard would swap sequence numbers, which the mappings' checkpoints hold. A state-changing request is
therefore recorded and applied under one lock (reads still run side by side), and `repair` mends a
recording damaged by an earlier version or cut short by a crash. Replaced parts of moto 5.2.5:
`Recorder._record_request` (moto/moto_api/_internal/recorder/models.py) and
`convert_to_flask_response.__call__` (moto/core/utils.py).
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
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
# Every entry moto writes starts so (json.dumps keeps its key order); inside a JSON string a quote is
# escaped, so these bytes can only be the start of an entry.
ENTRY_START = b'{"headers": '
# Held from recording a state-changing request to the end of applying it (re-entrant: the recorder
# takes it too, for moto in a test's process, whose requests do not pass the server's wrapper).
_IN_RECORDED_ORDER = threading.RLock()


class RecordingReplayError(RuntimeError):
    """The recording cannot be replayed; the message says where and what to do."""


@dataclass(frozen=True)
class Repair:
    """What `repair` changed: requests split onto their own lines, an unfinished last entry dropped."""

    split_lines: int = 0
    dropped_last_entry: bool = False

    def __bool__(self) -> bool:
        return bool(self.split_lines or self.dropped_last_entry)

    def describe(self) -> str:
        parts = []
        if self.split_lines:
            parts.append(f"{self.split_lines} line(s) holding several requests written at once were split")
        if self.dropped_last_entry:
            parts.append("an unfinished last request (the server stopped while writing it) was dropped")
        return "; ".join(parts)


def changes_state(request: Any) -> bool:
    """False for requests that only read (the recording can do without them)."""
    if request.method in READ_ONLY_METHODS:
        return False
    return request.headers.get("X-Amz-Target", "") not in READ_ONLY_TARGETS


def install() -> None:
    """Record only state-changing requests in this process's moto, each whole and in applied order."""
    from moto.core.utils import convert_to_flask_response
    from moto.moto_api._internal.recorder.models import Recorder

    record_everything = Recorder._record_request
    if getattr(record_everything, "skips_reads", False):
        return

    def record_changes(self: Recorder, request: Any, body: bytes | None = None) -> None:
        if changes_state(request):
            with _IN_RECORDED_ORDER:
                record_everything(self, request, body)

    serve = convert_to_flask_response.__call__

    def serve_in_recorded_order(self: convert_to_flask_response, args: Any = None, **kwargs: Any) -> Any:
        from flask import request

        # moto's own API is left out: its replay sends the recorded requests back to this server
        if not changes_state(request) or request.path.startswith("/moto-api/"):
            return serve(self, args, **kwargs)
        with _IN_RECORDED_ORDER:
            return serve(self, args, **kwargs)

    record_changes.skips_reads = True  # type: ignore[attr-defined]
    Recorder._record_request = record_changes  # type: ignore[method-assign]
    convert_to_flask_response.__call__ = serve_in_recorded_order  # type: ignore[method-assign]


def repair(path: Path) -> Repair:
    """Make every line of the recording one whole request, rewriting the file only when needed.

    A line holding several entries (interleaved writes) is split into them, in their order; empty lines
    go; an entry cut short at the very end of the file is dropped (moto records a request before it
    handles it, so that request was never carried out). Anything else cannot be mended and raises.
    """
    with path.open("rb") as recording:  # read line by line: a long-lived stack's recording is large
        if all(_is_one_entry(line) for line in recording):
            return Repair()
    with path.open("rb") as recording:
        lines = recording.readlines()
    mended: list[bytes] = []
    split_lines = 0
    dropped_last_entry = False
    for number, line in enumerate(lines, start=1):
        if _is_one_entry(line):
            mended.append(line)
            continue
        entries = _entries(line)
        whole = [entry for entry in entries if _parses(entry)]
        unfinished = len(entries) - len(whole)
        if unfinished and not (number == len(lines) and unfinished == 1 and not _parses(entries[-1])):
            raise RecordingReplayError(
                f"moto's recording {path} has a line that is not a request (line {number}), so the local "
                "stack cannot restore its moto data from it; `make local-reset` deletes the stack's data "
                "(it asks first), or move the file away to start moto empty"
            )
        dropped_last_entry = dropped_last_entry or bool(unfinished)
        split_lines += len(whole) > 1
        mended.extend(entry + b"\n" for entry in whole)
    temporary = path.with_name(path.name + ".repaired")
    with temporary.open("wb") as out:
        out.writelines(mended)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)
    return Repair(split_lines, dropped_last_entry)


def _is_one_entry(line: bytes) -> bool:
    return line.startswith(ENTRY_START) and line.endswith(b"}\n") and line.count(ENTRY_START) == 1


def _entries(line: bytes) -> list[bytes]:
    """The entries a line holds, cut at each entry start (an empty line holds none)."""
    pieces = line.strip().split(ENTRY_START)
    return [ENTRY_START + piece for piece in pieces[1:]] if pieces[0] == b"" else [line.strip()]


def _parses(entry: bytes) -> bool:
    try:
        return isinstance(json.loads(entry), dict)
    except ValueError:
        return False
