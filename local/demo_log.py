"""Airflow's own output during the demo goes to a log file under `.local/logs/`, not the terminal.

A failed `dag.test()` prints a 50-line traceback (from the task runner's logger, which Airflow configures
itself); the demo shows one line per failure instead, with the exception and the log's path. The capture
works on the file descriptors, so it catches whatever Airflow writes, however its logging is set up.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

AIRFLOW_LOG = "demo-airflow.log"
MAX_REASON_CHARS = 240
_MODULE_PATH = re.compile(r"^(?:[A-Za-z_]\w*\.)+(?=\w+(?:Error|Exception)\b)")  # botocore.errorfactory.


def airflow_log(state_dir: Path) -> Path:
    return state_dir / "logs" / AIRFLOW_LOG


@dataclass
class Captured:
    """What was written to the log while capturing: `text` is set when the capture ends."""

    log_path: Path
    text: str = ""

    def last_exception(self) -> str:
        """The last `SomeError: message` line that follows a traceback, shortened; "" when none."""
        lines = self.text.splitlines()
        starts = [i for i, line in enumerate(lines) if line.startswith("Traceback (most recent call last)")]
        if not starts:
            return ""
        after = [line for line in lines[starts[-1] + 1 :] if line and not line[0].isspace()]
        exception = next((line for line in reversed(after) if ": " in line or "Error" in line), "")
        exception = _MODULE_PATH.sub("", exception)
        return exception if len(exception) <= MAX_REASON_CHARS else exception[: MAX_REASON_CHARS - 3] + "..."


@contextmanager
def captured_output(log_path: Path) -> Iterator[Captured]:
    """Send this process's stdout and stderr (fd 1 and 2) to `log_path` (appended) while inside."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    captured = Captured(log_path)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with log_path.open("ab") as log:
        start = log.tell()
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield captured
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
    with log_path.open("rb") as log:
        log.seek(start)
        captured.text = log.read().decode("utf-8", errors="replace")
