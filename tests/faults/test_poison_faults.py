"""Poison never takes neighbours: quarantined with S3 down, isolated when it makes Timestream fail."""

from __future__ import annotations

import json

from fault_proxy import Fault, FaultProxy, s3_put, write_records_holding
from fault_scale import scaled
from fault_stack import Accounting, FaultStack, drain, payloads

POISON = [
    b'{"time": 1, "dimensions": {"fault": "faults", "n": "x"}, "measures": {"v": NaN}}',
    b"not a record at all",
    b'{"time": 1, "dimensions": {"fault": "faults\\ud800"}, "measures": {"v": 1.0}}',
    b"\xff\xfe binary",
]


def test_poison_is_quarantined_once_s3_is_back(
    stack: FaultStack, timeout: float, record_fates: list[Accounting]
) -> None:
    """S3 answers 503 for 10 s: quarantining waits for it; the good records are written meanwhile."""
    # GIVEN 3,900 good records with 100 poison ones among them, and S3 unavailable for 10 s (scaled)
    good = payloads(3900)
    sent = [
        record for n, data in enumerate(good) for record in ([data, POISON[n % 4]] if n % 39 == 0 else [data])
    ]
    proxy = FaultProxy(
        stack.moto_endpoint, "s3", [Fault("unavailable", seconds=scaled(10), matches=s3_put)]
    ).start()
    # WHEN they are ingested with the handler's S3 behind the faulty proxy
    try:
        stack.send(sent)
        with stack.mapping(timeout=timeout, s3=proxy.url) as mapping:
            drain(mapping)
    finally:
        proxy.stop()
    # THEN the good ones are stored, the poison ones quarantined, none kept or lost
    fates = stack.account("S3 (quarantine) answers 503 for 10 s, 100 poison records", len(sent))
    record_fates.append(fates)
    assert proxy.faults[0].injected > 0
    assert (fates.sent, fates.stored, fates.quarantined, fates.kept, fates.lost) == (4000, 3900, 100, 0, 0)


def test_a_lone_surrogate_among_300_good_records_is_quarantined_alone(
    stack: FaultStack, timeout: float, record_fates: list[Accounting]
) -> None:
    """The decoder quarantines text Timestream cannot store; the 300 neighbours are written."""
    good = payloads(300)
    sent = [*good[:150], POISON[2], *good[150:]]
    stack.send(sent)
    with stack.mapping(timeout=timeout) as mapping:
        drain(mapping)
    fates = stack.account("one lone UTF-16 surrogate among 300 good", len(sent))
    record_fates.append(fates)
    assert (fates.stored, fates.quarantined, fates.kept, fates.lost, fates.duplicates) == (300, 1, 0, 0, 0)


def test_a_record_that_makes_timestream_fail_with_500_stands_alone_and_is_kept(
    stack: FaultStack, timeout: float, record_fates: list[Accounting]
) -> None:
    """Every call holding one record fails with 500: its neighbours are written, it alone is kept."""
    # GIVEN 500 records, one of which (n=250) makes every call holding it fail with HTTP 500
    sent = payloads(500)
    marker = f'"{float(250)!r}"'  # its measure value, unique to it, as WriteRecords carries it
    assert json.loads(sent[250])["measures"]["v"] == 250.0
    proxy = FaultProxy(
        stack.timestream.url, "json", [Fault("server_error", matches=write_records_holding(marker))]
    )
    proxy.start()
    # WHEN they are ingested by a mapping that gives up after 160 s (scaled)
    try:
        stack.send(sent)
        with stack.mapping(timeout=timeout, record_age=scaled(160), timestream=proxy.url) as mapping:
            stats = drain(mapping)
    finally:
        proxy.stop()
    # THEN 499 are stored; the one record is kept, exactly (the ledger says which neighbours were written)
    fates = stack.account("one record that makes Timestream answer 500, among 500", len(sent))
    record_fates.append(fates)
    assert (fates.stored, fates.quarantined, fates.kept, fates.lost, fates.duplicates) == (499, 0, 1, 0, 0)
    assert stats.records_kept > 1  # Lambda keeps everything from the lowest failed record on ...
    assert (
        stack.replay_plan().stored_per_ledger == stats.records_kept - 1
    )  # ... the ledger says what was stored
