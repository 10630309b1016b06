"""The fault tests' time scale: FAULT_TIME_SCALE times real time (`make test-faults-long` runs at 1)."""

from __future__ import annotations

import os

SCALE = float(os.environ.get("FAULT_TIME_SCALE", "0.05"))
DEPLOYED_TIMEOUT_SECONDS = 60


def scaled(seconds: float) -> float:
    """`seconds` of real time at this run's scale."""
    return seconds * SCALE
