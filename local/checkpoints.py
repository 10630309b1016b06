"""Per-shard checkpoints of the local event source mapping, kept in a JSON file so it resumes after a restart.

A checkpoint is the sequence number of the last record the mapping is done with (delivered successfully
or sent to the on-failure queue). The file also records the stream's creation time: a stream deleted and
re-created under the same name (a fresh local stack) starts again from the beginning instead of
skipping records whose sequence numbers happen to be lower than a stale checkpoint.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class ShardCheckpoints:
    """Where each shard of one stream is at."""

    stream_arn: str
    stream_created: str
    sequence_numbers: dict[str, str] = field(default_factory=dict)
    finished_shards: set[str] = field(default_factory=set)


class CheckpointStore:
    """Reads and atomically rewrites one stream's checkpoint file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()  # shards of a concurrent mapping checkpoint from their own threads

    def load(self, stream_arn: str, stream_created: str) -> ShardCheckpoints:
        """The saved checkpoints, or empty ones when the file is missing or belongs to another stream."""
        fresh = ShardCheckpoints(stream_arn, stream_created)
        if not self.path.is_file():
            return fresh
        try:
            saved = json.loads(self.path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise SystemExit(
                f"checkpoint file {self.path} is not valid JSON ({error}); delete it to re-read the "
                "stream from the beginning (the ingest handler's writes are idempotent)"
            ) from error
        if saved.get("stream_arn") != stream_arn or saved.get("stream_created") != stream_created:
            return fresh
        return ShardCheckpoints(
            stream_arn,
            stream_created,
            dict(saved.get("sequence_numbers", {})),
            set(saved.get("finished_shards", [])),
        )

    def save(self, checkpoints: ShardCheckpoints) -> None:
        with self._lock:
            self._write(checkpoints)

    def _write(self, checkpoints: ShardCheckpoints) -> None:
        document = {
            "stream_arn": checkpoints.stream_arn,
            "stream_created": checkpoints.stream_created,
            "sequence_numbers": dict(sorted(checkpoints.sequence_numbers.items())),
            "finished_shards": sorted(checkpoints.finished_shards),
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(self.path.suffix + ".tmp")
        temporary.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        os.replace(temporary, self.path)
