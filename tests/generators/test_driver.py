"""The driver on a fake clock: live records wait for their time, --rate caps, --duration stops."""

from __future__ import annotations

from generators.delivery import BufferedSink
from generators.driver import Clocks, run
from generators.records import GeneratedRecord


class FakeTime:
    """A clock that moves only when the driver sleeps."""

    def __init__(self, now: float) -> None:
        self.now = now

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def clocks(self) -> Clocks:
        return Clocks(wall=lambda: self.now, monotonic=lambda: self.now, sleep=self.sleep)


class RecordingSink(BufferedSink):
    """A real BufferedSink that notes the fake time at which each record was flushed."""

    def __init__(self, time: FakeTime) -> None:
        super().__init__()
        self.time = time
        self.sent_at: list[tuple[int, float]] = []

    def submit(self, record: GeneratedRecord) -> None:
        self._buffer.append(record)

    def _send_batch(self, batch: list[GeneratedRecord]) -> None:
        self.report.calls += 1
        self.report.sent += len(batch)
        self.sent_at.extend((record.due_ms, self.time.now) for record in batch)


def _due(*seconds: float) -> list[GeneratedRecord]:
    return [GeneratedRecord(b"{}", "k", int(s * 1000), int(s * 1000)) for s in seconds]


def test_live_records_are_not_sent_before_their_time() -> None:
    """Records due at 100, 101 and 105 s leave no earlier than those times on the sink's clock."""
    # GIVEN a clock at 100 s and three records due at 100, 101 and 105 s
    time = FakeTime(100.0)
    sink = RecordingSink(time)
    # WHEN they are run
    report = run(_due(100, 101, 105), sink, clocks=time.clocks())
    # THEN each was flushed at or after its due time, and all were sent
    assert report.sent == 3
    assert all(sent_at >= due_ms / 1000 for due_ms, sent_at in sink.sent_at)
    assert sink.sent_at[-1][1] >= 105


def test_history_goes_out_without_waiting() -> None:
    """Records due in the past are sent in one go: the clock never advances."""
    # GIVEN records due an hour ago
    time = FakeTime(10_000.0)
    sink = RecordingSink(time)
    # WHEN they are run
    run(_due(*range(6400, 6500)), sink, clocks=time.clocks())
    # THEN no sleep happened and one call carried them all
    assert time.now == 10_000.0
    assert (sink.report.sent, sink.report.calls) == (100, 1)


def test_rate_caps_records_per_second() -> None:
    """At --rate 10, 100 records of history take about 9 s of the fake clock, not 0."""
    # GIVEN 100 records already due and a rate of 10 per second
    time = FakeTime(1_000.0)
    sink = RecordingSink(time)
    # WHEN they are run
    run(_due(*[0] * 100), sink, rate=10, clocks=time.clocks())
    # THEN the burst of 10 went at once and the other 90 at 10 per second
    assert sink.report.sent == 100
    assert 8.9 <= time.now - 1_000.0 <= 9.1


def test_duration_stops_a_live_run() -> None:
    """With --duration 3, records due after 3 s of running are not generated into the sink."""
    # GIVEN records due each second from now
    time = FakeTime(50.0)
    sink = RecordingSink(time)
    # WHEN the run is limited to 3 s
    report = run(_due(*range(50, 60)), sink, duration=3, clocks=time.clocks())
    # THEN only the records due within those 3 s were sent
    assert report.sent == 3
    assert [due for due, _ in sink.sent_at] == [50_000, 51_000, 52_000]
