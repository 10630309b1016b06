"""`make demo`: the whole pipeline on this machine, stage by stage, then a summary of what each stage did.

generate -> Kinesis (moto) -> local event source mapping -> ingest Lambda -> local Timestream ->
export DAGs (Airflow dag.test on SQLite) -> S3 (moto) -> backfill of one hour -> summary.
Re-runnable: the window is the last whole hours, the data is seeded, and every write is idempotent.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from local import demo_stages, demo_summary
from local.demo_data import Window
from local.stack import checkpoint_dir, down, up
from pipeline_config.local_state import DEFAULT_STATE_PATH, LocalStackState
from pipeline_config.settings import Settings


class Progress:
    """One line per step, with the seconds since the demo started."""

    def __init__(self) -> None:
        self._started = time.monotonic()

    def __call__(self, message: str) -> None:
        print(f"[{time.monotonic() - self._started:5.1f}s] {message}", flush=True)


def _stop_on_signals() -> None:
    """Turn SIGTERM/SIGHUP into SystemExit so the `finally` below stops the servers (Ctrl-C already is)."""
    for number in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, lambda received, _frame: sys.exit(128 + received))


def run_demo(settings: Settings, *, keep: bool, hours: int, state_path: Path = DEFAULT_STATE_PATH) -> int:
    """Run every stage; the stack is stopped at the end unless `keep` (or it was already running)."""
    _stop_on_signals()
    progress = Progress()
    window = Window.last_hours(hours)
    demo_started = datetime.now(UTC)
    progress(
        f"starting the local stack (moto + local Timestream); data for "
        f"{window.start:%Y-%m-%d %H:00}-{window.end:%H:00} UTC"
    )
    state, started = up(settings, state_path)
    progress(
        ("started" if started else "reusing the running stack")
        + f": moto {state.moto_endpoint}, Timestream {state.timestream_endpoint}"
    )
    try:
        report = _run_stages(settings, state, window, demo_started, progress, state_path)
        print()
        print(report)
        print()
        progress("done")
        if keep or not started:
            print(_how_to_explore(state, state_path))
    finally:
        if started and not keep:
            stopped = down(state_path)
            print(f"stopped the local stack ({', '.join(stopped)}); `make demo KEEP=1` leaves it running")
    return 0


def airflow_home(state_path: Path) -> Path:
    """The demo's Airflow home (SQLite metadata DB, logs), beside the stack's state."""
    return state_path.parent / "airflow"


def _run_stages(
    settings: Settings,
    state: LocalStackState,
    window: Window,
    since: datetime,
    progress: Progress,
    state_path: Path,
) -> str:
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")  # quarantines show in the summary instead
    generated = demo_stages.generate_and_send(state, window, progress)
    ingested = demo_stages.ingest(settings, state, checkpoint_dir(state_path), progress)
    quarantine = demo_stages.read_quarantine(settings, state, since)
    exports = demo_stages.export_hours(settings, state, window, airflow_home(state_path), progress)
    backfill = demo_stages.backfill_one_hour(settings, state, window, exports, progress)
    return demo_summary.summary(settings, state, generated, ingested, quarantine, exports, backfill)


def _how_to_explore(state: LocalStackState, state_path: Path) -> str:
    lines: list[Any] = [
        "The local stack is still running. Poke at it:",
        f'  .venv/bin/python -m local query "SELECT count(*) FROM {state.database}.{state.raw_table}"',
        "  .venv/bin/python -m local status",
        f"  moto (S3, Kinesis, SQS): {state.moto_endpoint}   Timestream: {state.timestream_endpoint}",
        f"  boto3.client('s3', endpoint_url='{state.moto_endpoint}')"
        f".list_objects_v2(Bucket='{state.bucket}', Prefix='exports/')",
        "  .venv/bin/python -m generators sensors --target kinesis --count 1000  (finds the local stack)",
        "  .venv/bin/python -m local esm          (the local event source mapping ingests what arrived)",
        "  Airflow UI: make airflow  (a real Airflow on dags/ over this stack; prints the URL and login)",
        "  Stop it: make local-down",
    ]
    return "\n".join(lines)
