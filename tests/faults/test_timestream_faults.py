"""Timestream down, answering 500 or throttling: every record is stored once, nothing is kept or lost."""

from __future__ import annotations

import pytest
from fault_proxy import Fault, FaultProxy, write_records
from fault_scale import DEPLOYED_TIMEOUT_SECONDS, SCALE, scaled
from fault_stack import Accounting, FaultStack, drain, payloads

from local.esm import MappingStats

RECORDS = 3000


def _run(
    stack: FaultStack, timeout: float, faults: list[Fault], name: str
) -> tuple[Accounting, MappingStats]:
    """Send the records, ingest them with Timestream behind the faulty proxy, count every fate."""
    proxy = FaultProxy(stack.timestream.url, "json", faults).start()
    try:
        stack.send(payloads(RECORDS))
        with stack.mapping(timeout=timeout, timestream=proxy.url) as mapping:
            stats = drain(mapping)
    finally:
        proxy.stop()
    return stack.account(name, RECORDS), stats


def _assert_all_stored_once(fates: Accounting) -> None:
    assert (fates.stored, fates.quarantined, fates.kept, fates.lost, fates.duplicates) == (
        RECORDS,
        0,
        0,
        0,
        0,
    )


@pytest.mark.parametrize("outage", [10, 60])
def test_timestream_down_is_outlasted(
    stack: FaultStack, timeout: float, outage: int, record_fates: list[Accounting]
) -> None:
    """The server stops mid-stream and comes back with its data: retries outlast it across invocations."""
    # GIVEN a local Timestream that goes down after two WriteRecords calls, for `outage` (scaled) seconds
    down = stack.timestream_down(after=2, seconds=scaled(outage))
    # WHEN 3,000 records are ingested through the deployed handler and the local mapping
    fates, stats = _run(stack, timeout, [down], f"Timestream down {outage} s")
    # THEN every record is stored exactly once: a 60 s outage was outlasted by the mapping's retries too
    record_fates.append(fates)
    assert down.injected > 0
    _assert_all_stored_once(fates)
    if outage > DEPLOYED_TIMEOUT_SECONDS - 10:
        assert stats.partial_failures > 0
    elif SCALE == 1:
        # AND (at full scale: 50 s of margin) a 10 s one inside the invocation, nothing back to the mapping;
        # scaled down, the margin is 2.5 s, which a loaded machine can eat in scheduling delays alone
        assert stats.partial_failures == 0


def test_http_500_bursts_and_random_failures_are_retried_exactly(
    stack: FaultStack, timeout: float, record_fates: list[Accounting]
) -> None:
    """500 for 10 s, then half the calls failing at random for 20 s: all stored, nothing given up."""
    burst = Fault("server_error", after=1, seconds=scaled(10), matches=write_records)
    random_half = Fault("server_error", after=1, seconds=scaled(30), share=0.5, matches=write_records)
    fates, _ = _run(stack, timeout, [burst, random_half], "HTTP 500 for 10 s, then 50 % at random for 20 s")
    record_fates.append(fates)
    assert burst.injected > 0 and random_half.injected > 0
    _assert_all_stored_once(fates)


def test_throttling_is_backed_off_until_it_passes(
    stack: FaultStack, timeout: float, record_fates: list[Accounting]
) -> None:
    """ThrottlingException on 70 % of the calls for 30 s: the backoff waits it out."""
    throttle = Fault("throttle", after=0, seconds=scaled(30), share=0.7, matches=write_records)
    fates, _ = _run(stack, timeout, [throttle], "throttling on 70 % of calls for 30 s")
    record_fates.append(fates)
    assert throttle.injected > 0
    _assert_all_stored_once(fates)
