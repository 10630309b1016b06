"""Two demos in one clone: the second is refused in one line; a failing export fails the demo, in one
line naming Airflow's log, and the printed hints work when pasted into a shell.

Runs the real `make demo` in a copy of this checkout whose path holds a space, with one export whose
SQL names a column that does not exist (a user's mistake the demo must report, not hide).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest

MAKE_ERROR = re.compile(r"^make(\[\d+\])?: \*\*\* ")  # make's own line about the failed target
BROKEN_EXPORT = """
[[export]]
name = "broken"
sql = "sql/broken.sql"
source_table = "raw"
format = "parquet"
mode = "query"
description = "A query naming a column that does not exist."
columns = [ { name = "x", type = "string" } ]
"""


def _add_broken_export(clone: Path) -> None:
    with (clone / "dags" / "exports.toml").open("a", encoding="utf-8") as exports:
        exports.write(BROKEN_EXPORT)
    (clone / "dags" / "sql" / "broken.sql").write_text(
        "SELECT no_such_column AS x FROM $source WHERE $time_filter\n", encoding="utf-8"
    )


def _wait_for_lock(lock: Path, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if lock.is_file() and '"demo"' in lock.read_text(encoding="utf-8"):
            return
        time.sleep(0.2)
    raise AssertionError("the first demo never took the lock")


@pytest.mark.slow
def test_a_second_demo_is_refused_and_a_failed_export_fails_the_demo(checkout: Path) -> None:
    """python -m local demo --keep, and make demo while it runs, in one clone."""
    # GIVEN a clone with a broken export, and a first demo that holds the stack's lock
    _add_broken_export(checkout)
    first = subprocess.Popen(
        [sys.executable, "-m", "local", "demo", "--hours", "1", "--keep"],
        cwd=checkout,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for_lock(checkout / ".local" / "stack.lock", first)
        # WHEN a second demo starts in the same clone, as the README says
        second = subprocess.run(
            ["make", "--no-print-directory", "demo"],
            cwd=checkout,
            capture_output=True,
            text=True,
            timeout=120,
        )
        out, err = first.communicate(timeout=600)
        # THEN the second said so in one line (then make's own line) and stopped, with a non-zero status
        ours = [line for line in second.stderr.splitlines() if not MAKE_ERROR.match(line)]
        assert ours == [
            f"error: a demo is already running (pid {first.pid}) on this checkout's local stack; "
            "wait for it to end and try again"
        ], second.stderr
        assert second.returncode != 0
        # AND the first finished every stage, failed because of the broken export, in one line per failure
        log = checkout / ".local" / "logs" / "demo-airflow.log"
        failures = [line for line in out.splitlines() if line.startswith("  FAILED ")]
        assert len(failures) == 1, out  # one per hour of the broken export
        assert all("no_such_column" in line and shlex.quote(str(log)) in line for line in failures)
        assert first.returncode != 0
        assert "Traceback" not in out + err
        # AND Airflow's tracebacks are in the log
        assert "Traceback (most recent call last)" in log.read_text(encoding="utf-8")
        # AND the hints it printed work as pasted, from the clone (whose path has a space)
        hints = [line.strip() for line in out.splitlines() if line.startswith("  .venv/bin/python -m local")]
        query = next(hint for hint in hints if " query " in hint)
        pasted = subprocess.run(
            ["bash", "-c", query], cwd=checkout, capture_output=True, text=True, timeout=60
        )
        assert pasted.returncode == 0, pasted.stderr
        ui = next(line for line in out.splitlines() if "AIRFLOW_HOME=" in line)
        home = next(w for w in shlex.split(ui) if w.startswith("AIRFLOW_HOME="))
        assert Path(home.split("=", 1)[1]).is_absolute() and Path(home.split("=", 1)[1]).is_dir()
    finally:
        if first.poll() is None:
            first.kill()
        subprocess.run(
            [sys.executable, "-m", "local", "down"],
            cwd=checkout,
            capture_output=True,
            timeout=60,
            env={**os.environ},
        )
