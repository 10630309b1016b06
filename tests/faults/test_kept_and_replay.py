"""An outage longer than the mapping waits: records are kept whole, counted exactly, replayed once."""

from __future__ import annotations

from fault_proxy import FaultProxy
from fault_scale import scaled
from fault_stack import Accounting, FaultStack, drain, payloads

from replay.kept import KeptRecordsBucket
from replay.run import apply_replay, plan_replay
from timestream_ingest import names

RECORDS = 3000


def test_records_given_up_on_are_kept_exactly_and_replayed_once(
    stack: FaultStack, timeout: float, record_fates: list[Accounting]
) -> None:
    """Down 240 s, a mapping giving up after 160 s: kept = sent - stored, and replay stores them all."""
    # GIVEN Timestream going down mid-stream (after 2 calls) for 240 s, and a mapping giving up after 160 s;
    # calls one at a time, so that no call is in flight when the server stops (its answer would be lost:
    # stored, but reported as failed, hence kept too; see the README's known limits)
    down = stack.timestream_down(after=2, seconds=scaled(240))
    proxy = FaultProxy(stack.timestream.url, "json", [down]).start()
    stack.send(payloads(RECORDS))
    # WHEN the mapping drains the stream during the outage
    try:
        sequential = {names.ENV_INGEST_WRITE_CONCURRENCY: "1"}
        with stack.mapping(
            timeout=timeout, record_age=scaled(160), timestream=proxy.url, variables=sequential
        ) as mapping:
            stats = drain(mapping)
    finally:
        proxy.stop()
    # THEN some records are stored, the others kept, and the counts add up exactly
    stack.timestream.start()  # the outage ends (earlier than scheduled): to count what is stored
    before = stack.account("Timestream down 240 s, mapping gives up after 160 s", RECORDS)
    record_fates.append(before)
    assert 0 < before.kept < RECORDS and before.stored > 0
    assert (before.lost, before.duplicates, before.quarantined) == (0, 0, 0)
    # Lambda keeps everything from a batch's lowest failed record on, records it wrote included; the
    # handler's ledger says which, so they are neither counted as kept nor replayed
    plan = stack.replay_plan()
    assert plan.kept == stats.records_kept
    assert plan.stored_per_ledger > 0
    assert plan.kept - plan.stored_per_ledger == before.kept

    # WHEN the kept records are replayed
    bucket = KeptRecordsBucket(stack.s3, stack.state.kept_bucket)
    result = apply_replay(plan_replay(bucket), bucket, stack.kinesis)
    with stack.mapping(timeout=timeout) as mapping:
        drain(mapping)
    # THEN every record is stored once, and a second replay has nothing left to put back
    after = stack.account("... after `replay --apply`", RECORDS)
    record_fates.append(after)
    assert (result.sent, result.failed) == (before.kept, 0)
    assert (after.stored, after.kept, after.lost, after.duplicates) == (RECORDS, 0, 0, 0)
    again = plan_replay(bucket)
    assert (again.records_to_replay, again.already_replayed) == (0, before.kept)
