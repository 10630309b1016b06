"""Fault tests: the real handler behind the local mapping, every record counted after faults on real parts.

Time is scaled: the deployed 60-second function timeout, the outages and the record ages are
multiplied by FAULT_TIME_SCALE (default 0.05, so a 60 s outage takes 3 s against a 3 s timeout: the
same logic in a few seconds). `make test-faults-long` runs them at full scale (FAULT_TIME_SCALE=1).
The session ends with the table of every record's fate (the README quotes it).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fault_scale import DEPLOYED_TIMEOUT_SECONDS, SCALE, scaled
from fault_stack import Accounting, FaultStack

_TABLE: list[Accounting] = []


@pytest.fixture(scope="session")
def timeout() -> float:
    """The function timeout (the handler's whole budget) at this run's scale."""
    return max(1.0, scaled(DEPLOYED_TIMEOUT_SECONDS))


@pytest.fixture
def stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultStack]:
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "WARNING")
    fault_stack = FaultStack(tmp_path)
    try:
        yield fault_stack
    finally:
        fault_stack.close()


@pytest.fixture
def record_fates() -> list[Accounting]:
    """Append a test's accounting here to have it in the session's table."""
    return _TABLE


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _TABLE:
        return
    terminalreporter.section(f"fault tests: every record's fate (time scale {SCALE})")
    terminalreporter.write_line("| fault | sent | stored | quarantined | kept | lost | duplicates |")
    terminalreporter.write_line("|---|---|---|---|---|---|---|")
    for row in _TABLE:
        terminalreporter.write_line(
            f"| {row.fault} | {row.sent:,} | {row.stored:,} | {row.quarantined:,} | {row.kept:,} | "
            f"{row.lost:,} | {row.duplicates:,} |"
        )
