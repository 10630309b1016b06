"""Stdout sink: each payload exactly as it would be sent, one per line (JSON lines for JSON workloads).

For dry runs and piping. Alarm lines print as sent (base64 by default); wave prints its Timestream
records as JSON. No payload contains a newline, so lines and records correspond one to one.
"""

from __future__ import annotations

import sys
from typing import BinaryIO

from generators.delivery import BufferedSink
from generators.records import GeneratedRecord

LINES_PER_WRITE = 500


class StdoutSink(BufferedSink):
    def __init__(self, stream: BinaryIO | None = None) -> None:
        super().__init__()
        self.stream = stream if stream is not None else sys.stdout.buffer

    def submit(self, record: GeneratedRecord) -> None:
        self._buffer.append(record.data)
        if self.pending == LINES_PER_WRITE:
            self.flush()

    def _send_batch(self, batch: list[bytes]) -> None:
        self.report.calls += 1
        self.stream.write(b"\n".join(batch) + b"\n")  # BrokenPipeError (`| head`) ends the run
        self.stream.flush()
        self.report.sent += len(batch)
