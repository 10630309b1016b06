"""`generate`: history windows, option checks, and the progress line's output."""

from __future__ import annotations

import io
import itertools
import time

import pytest

from generators.delivery import DeliveryReport
from generators.progress import Progress
from generators.sensors import SensorOptions
from generators.workloads import WorkloadError, generate


def test_hours_back_spreads_history_over_the_past_and_stops_at_now() -> None:
    """hours_back=2 yields readings from two hours ago up to now, one tick apart, then ends."""
    # GIVEN / WHEN two hours of sensor history at a 60 s tick
    before_ms = int(time.time() * 1000)
    records = list(generate("sensors", seed=1, hours_back=2, options=SensorOptions(tick_seconds=60)))
    after_ms = int(time.time() * 1000)
    # THEN the ticks cover the two hours and none is later than now
    ticks = sorted({record.event_time_ms for record in records})
    assert len(ticks) == 121
    assert before_ms - 7_200_000 <= ticks[0] <= after_ms - 7_200_000
    assert ticks[-1] <= after_ms
    assert {b - a for a, b in itertools.pairwise(ticks)} == {60_000}


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: generate("nope", seed=1), "unknown workload 'nope': choose one of devops, sensors"),
        (
            lambda: generate("alarms", seed=1, options=SensorOptions()),
            "alarms takes AlarmOptions, not SensorOptions",
        ),
    ],
)
def test_bad_calls_are_refused_with_a_message(call: object, message: str) -> None:
    """An unknown workload or options of another workload raise WorkloadError saying which."""
    # GIVEN / WHEN / THEN
    with pytest.raises(WorkloadError, match=message):
        call()  # type: ignore[operator]


def test_progress_logs_a_line_per_interval_and_a_summary_with_reasons() -> None:
    """Off a terminal, progress prints at most one line per interval, and the summary names failures."""
    # GIVEN a non-terminal stream and a clock we move by hand
    now = [0.0]
    out = io.StringIO()
    progress = Progress(out, log_interval=10, clock=lambda: now[0])
    report = DeliveryReport(sent=500, calls=1)
    # WHEN updates come at 1 s, 5 s and 11 s, then the run ends with a failure
    for moment in (1.0, 5.0, 11.0):
        now[0] = moment
        progress.update(report)
    report.record_failures("ProvisionedThroughputExceededException: Rate exceeded", 2)
    progress.finish(report, headline="done")
    # THEN one progress line (at 11 s) and a summary with the reason were written
    lines = out.getvalue().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("sent 500")
    assert lines[1].startswith("done in 11.0 s: sent 500") and "failed 2" in lines[1]
    assert lines[2] == "undelivered records: 2 x ProvisionedThroughputExceededException: Rate exceeded"
