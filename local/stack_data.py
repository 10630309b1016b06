"""Where the local stack keeps its data between runs, how moto's in-memory state survives a restart,
and the one explicit way to delete it all (`python -m local reset`).

- The local Timestream writes to a DuckDB file: its tables and rows outlive the process.
- moto keeps every resource (streams and their records, buckets and objects, queues) in the memory of
  its process. moto's own recorder appends every request that changes state (reads are skipped,
  local/moto_recording.py) to a file; a restarted moto server
  replays that file (moto's `/moto-api/recorder/replay-recording`) and so holds the same streams with
  the same shards and sequence numbers, the same objects and the same queues. Replayed records get a new
  arrival time, and messages that were received and deleted from a queue come back.
- The local event source mapping's checkpoints stay valid because the sequence numbers do.
"""

from __future__ import annotations

import shutil
import sys
import urllib.error
import urllib.request
from pathlib import Path

from local import moto_recording as recording_file
from local.timestream.journal import SUFFIX as JOURNAL_SUFFIX
from pipeline_config.local_state import DEFAULT_STATE_PATH

TIMESTREAM_DB_FILE = "timestream.duckdb"
MOTO_RECORDING_FILE = "moto-recording.jsonl"
CHECKPOINT_DIR = "esm"
REPLAY_TIMEOUT_SECONDS = 300


def timestream_db(state_path: Path = DEFAULT_STATE_PATH) -> Path:
    return state_path.parent / TIMESTREAM_DB_FILE


def moto_recording(state_path: Path = DEFAULT_STATE_PATH) -> Path:
    return state_path.parent / MOTO_RECORDING_FILE


def moto_log(state_path: Path = DEFAULT_STATE_PATH) -> Path:
    """The moto server's output (the local stack's servers log under `logs/` beside the state)."""
    return state_path.parent / "logs" / "moto.log"


def checkpoint_dir(state_path: Path = DEFAULT_STATE_PATH) -> Path:
    """Where the local event source mappings keep their checkpoints (one file per stream)."""
    return state_path.parent / CHECKPOINT_DIR


def data_paths(state_path: Path = DEFAULT_STATE_PATH) -> list[Path]:
    """Every file or folder holding the stack's data (what `reset` deletes)."""
    db = timestream_db(state_path)
    return [
        db,
        db.with_name(db.name + ".wal"),
        db.with_name(db.name + JOURNAL_SUFFIX),
        moto_recording(state_path),
        checkpoint_dir(state_path),
    ]


def existing_data(state_path: Path = DEFAULT_STATE_PATH) -> list[Path]:
    return [path for path in data_paths(state_path) if path.exists()]


def moto_environment(state_path: Path = DEFAULT_STATE_PATH) -> dict[str, str]:
    """Variables that make a moto server record every request it serves into the stack's recording."""
    return {"MOTO_ENABLE_RECORDING": "true", "MOTO_RECORDER_FILEPATH": str(moto_recording(state_path))}


def replay_moto_state(moto_endpoint: str, state_path: Path = DEFAULT_STATE_PATH) -> None:
    """Replay the recording (mended first, `moto_recording.repair`) into a freshly started moto server.

    moto does not record the replay itself, so the file is not doubled. Nothing else may talk to the
    server meanwhile (the stack's lock sees to that).
    """
    recording = moto_recording(state_path)
    if not recording.is_file() or recording.stat().st_size == 0:
        return
    repaired = recording_file.repair(recording)
    if repaired:
        print(f"moto's recording {recording}: {repaired.describe()}", file=sys.stderr)
    url = f"{moto_endpoint}/moto-api/recorder/replay-recording"
    request = urllib.request.Request(url, method="POST")  # noqa: S310 - our own loopback server
    try:
        with urllib.request.urlopen(request, timeout=REPLAY_TIMEOUT_SECONDS):  # noqa: S310
            pass
    except urllib.error.HTTPError as error:
        log = moto_log(state_path)
        raise recording_file.RecordingReplayError(
            f"moto could not replay its recording {recording} (HTTP {error.code}; {log} says why), so "
            "the local stack cannot restore its moto data; `make local-reset` deletes the stack's data "
            "(it asks first), or move the file away to start moto empty"
        ) from error


def delete_data(state_path: Path = DEFAULT_STATE_PATH) -> list[Path]:
    """Delete the stack's data (the servers must be stopped); returns what was deleted."""
    deleted = existing_data(state_path)
    for path in deleted:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
    return deleted
