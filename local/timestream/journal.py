"""The write journal: acknowledged rows that DuckDB has not committed yet, in a file beside the database.

Each frame is one WriteRecords call's rows: a header (magic, sequence number, storage id, length) and the
rows as an Arrow IPC stream. A frame is written with one `os.write` before the call is answered, as
DuckDB writes its WAL (not fsynced: see storage.FSYNC_MODE), so a killed process keeps every
acknowledged write. The journal is emptied each time DuckDB has committed all of its frames; the commit
records the last frame's sequence number in the same transaction, so a start after a kill between the two
applies only the frames DuckDB does not hold.
"""

from __future__ import annotations

import logging
import os
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pyarrow as pa

_LOG = logging.getLogger(__name__)
_MAGIC = b"TSJ1"
SUFFIX = ".journal"  # the journal of `x.duckdb` is `x.duckdb.journal`
_HEADER = struct.Struct("<4sQQI")  # magic, sequence number, storage id, length of the IPC stream


class Frame(NamedTuple):
    sequence: int
    storage_id: int
    rows: pa.Table


class JournalDamaged(Exception):
    """A frame that is neither whole nor the torn end of the file: the file is not what this server wrote."""


class Journal:
    """Appends frames to `path` and empties it; `frames()` reads what a previous process left."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._size = os.fstat(self._fd).st_size

    def append(self, sequence: int, storage_id: int, rows: pa.Table) -> None:
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, rows.schema) as writer:
            writer.write_table(rows)
        stream = sink.getvalue()
        # One write: a kill lands before or after it (a regular file's write is not cut by a signal), and
        # `frames` drops a frame that a full disk cut short, which was never acknowledged.
        frame = _HEADER.pack(_MAGIC, sequence, storage_id, stream.size) + stream.to_pybytes()
        try:
            written = os.write(self._fd, frame)
            if written != len(frame):
                raise OSError(f"the journal {self.path} took {written} of {len(frame)} bytes (disk full?)")
        except OSError:
            os.ftruncate(self._fd, self._size)  # the next frame must follow a whole one
            raise
        self._size += written

    def empty(self) -> None:
        os.ftruncate(self._fd, 0)
        self._size = 0

    def close(self) -> None:
        os.close(self._fd)

    def frames(self) -> Iterator[Frame]:
        """The frames in the file, in order; a torn last frame (never acknowledged) is left out."""
        data = self.path.read_bytes()
        offset = 0
        while offset < len(data):
            header_end = offset + _HEADER.size
            if header_end > len(data):
                _torn(self.path, offset)
                return
            magic, sequence, storage_id, length = _HEADER.unpack_from(data, offset)
            if magic != _MAGIC:
                raise JournalDamaged(
                    f"{self.path} is damaged at byte {offset}: it is not a frame this server wrote. "
                    "Move the file away to start without the writes it holds, or `make local-reset`."
                )
            if header_end + length > len(data):
                _torn(self.path, offset)
                return
            rows = pa.ipc.open_stream(data[header_end : header_end + length]).read_all()
            yield Frame(sequence, storage_id, rows)
            offset = header_end + length


def _torn(path: Path, offset: int) -> None:
    _LOG.warning(
        "%s: left out the last frame, cut short at byte %d (a write never acknowledged)", path, offset
    )
