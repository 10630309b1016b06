"""The README's durations, measured the way a newcomer meets them, in a fresh clone of this checkout.

1. `make bootstrap` with nothing installed (pip and npm caches as this machine has them), split into
   its two parts: the virtualenv (pip) and node_modules (npm: the CDK CLI and, on Linux, Node).
2. `make demo` right after it, beside the time the demo itself reports (the rest is make and imports).
3. `make test`, beside pytest's own time (the rest is ruff and make), and the number of tests.

The clone is `git clone` of this checkout's HEAD: commit what you want measured. Takes several
minutes and a few GB in a temporary folder, deleted at the end. The load average is printed before
and after: figures taken on a busy machine say so.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PYTEST_SUMMARY = re.compile(r"=+ (?P<counts>.*?) in (?P<seconds>[\d.]+)s")
DEMO_DONE = re.compile(r"^\[\s*(?P<seconds>[\d.]+)s\] done", re.MULTILINE)


def timed_make(clone: Path, *targets: str) -> tuple[float, str]:
    """Run `make <targets>` in the clone; (wall seconds, output). A failure stops the measurement."""
    started = time.monotonic()
    result = subprocess.run(
        ["make", "--no-print-directory", *targets],
        cwd=clone,
        capture_output=True,
        text=True,
        env={key: value for key, value in os.environ.items() if not key.startswith(("VIRTUAL_ENV", "JSII"))},
    )
    seconds = time.monotonic() - started
    if result.returncode != 0:
        sys.exit(
            f"make {' '.join(targets)} failed ({result.returncode}):\n"
            + result.stdout[-3000:]
            + result.stderr[-3000:]
        )
    return seconds, result.stdout + result.stderr


def load() -> str:
    return "load average " + ", ".join(f"{value:.1f}" for value in os.getloadavg())


def main() -> int:
    print(f"before: {load()} on {os.cpu_count()} cores", flush=True)
    with tempfile.TemporaryDirectory(prefix="readme-figures-") as folder:
        clone = Path(folder) / "clone"
        subprocess.run(["git", "clone", "--quiet", str(REPO_ROOT), str(clone)], check=True)
        head = subprocess.run(
            ["git", "log", "-1", "--format=%h %s"], cwd=clone, capture_output=True, text=True, check=True
        ).stdout.strip()
        print(f"clone of {head}", flush=True)
        venv, _ = timed_make(clone, ".venv/.installed")
        node, _ = timed_make(clone, "node_modules/.installed")
        print(
            f"bootstrap of a fresh clone: {venv + node:.0f} s (pip {venv:.0f} s + npm {node:.0f} s)",
            flush=True,
        )
        demo, output = timed_make(clone, "demo")
        reported = DEMO_DONE.search(output)
        inside = f"{float(reported['seconds']):.0f} s" if reported else "?"
        print(f"make demo after it: {demo:.0f} s (the demo's own stages: {inside})", flush=True)
        tests, output = timed_make(clone, "test")
        summary = PYTEST_SUMMARY.findall(output)
        counts, pytest_seconds = summary[-1] if summary else ("?", "0")
        print(f"make test: {tests:.0f} s (pytest itself {float(pytest_seconds):.0f} s): {counts}", flush=True)
    print(f"after: {load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
