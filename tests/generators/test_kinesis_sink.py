"""KinesisSink against moto: call sizes, partial-failure retries, the retry budget, fatal errors."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from typing import Any

import pytest

from generators.background_sender import NOT_SENT
from generators.delivery import DeliveryError, RetryPolicy
from generators.kinesis_sink import MAX_BYTES_PER_CALL, MAX_RECORDS_PER_CALL, KinesisSink
from generators.records import GeneratedRecord
from generators.workloads import generate
from tests.generators.conftest import START, STREAM, FlakyKinesis, read_stream


def _no_sleep(_seconds: float) -> None:
    """Backoff waits are skipped in tests; their lengths are checked by the RetryPolicy test."""


def _records(count: int, size: int = 100) -> list[GeneratedRecord]:
    return [GeneratedRecord(f"{n:08d}".encode() + b"x" * (size - 8), f"key-{n}", 0, 0) for n in range(count)]


def test_records_go_out_in_calls_of_at_most_500(kinesis: Any) -> None:
    """1,201 small records take three PutRecords calls of 500, 500 and 201, and all land in the stream."""
    # GIVEN a sink over a wrapper that records each call
    spy = FlakyKinesis(kinesis, fails=lambda data, attempt: False)
    sink = KinesisSink(spy, STREAM, sleep=_no_sleep)
    # WHEN 1,201 records are sent
    report = sink.send(_records(1201))
    # THEN the calls are full up to the last, and the stream holds every record once
    assert [len(call) for call in spy.calls] == [500, 500, 201]
    assert (report.sent, report.failed, report.calls) == (1201, 0, 3)
    assert len(read_stream(kinesis)) == 1201


def test_calls_stay_under_5_mib(kinesis: Any) -> None:
    """Records of 300 KB go 17 to a call (17 x 300 KB < 5 MiB < 18 x 300 KB), never over the byte limit."""
    # GIVEN 40 records of 300 KB each
    spy = FlakyKinesis(kinesis, fails=lambda data, attempt: False)
    sink = KinesisSink(spy, STREAM, sleep=_no_sleep)
    # WHEN they are sent
    sink.send(_records(40, size=300_000))
    # THEN no call carries more than 5 MiB or 500 records, and nothing is lost
    sizes = [sum(len(data) + len(b"key-00") for data in call) for call in spy.calls]
    assert [len(call) for call in spy.calls] == [17, 17, 6]
    assert all(size <= MAX_BYTES_PER_CALL for size in sizes)
    assert all(len(call) <= MAX_RECORDS_PER_CALL for call in spy.calls)


def test_a_record_over_1_mib_is_counted_failed_and_not_sent(kinesis: Any) -> None:
    """An oversized record is refused up front with a reason; its neighbours are sent."""
    # GIVEN one record of 1 MiB + 1 byte between two small ones
    big = GeneratedRecord(b"x" * (1024 * 1024 + 1), "k", 0, 0)
    sink = KinesisSink(kinesis, STREAM, sleep=_no_sleep)
    # WHEN they are sent
    report = sink.send([*_records(1), big, *_records(1)])
    # THEN only the big one failed, and the reason says why
    assert (report.sent, report.failed) == (2, 1)
    assert "exceeds Kinesis's 1 MiB per record" in report.describe_failures()


def test_only_failed_entries_are_sent_again_and_each_once(kinesis: Any) -> None:
    """Entries that fail once are re-sent exactly once more; entries that succeeded are never re-sent."""
    # GIVEN a client on which every 7th record fails on its first attempt only
    chosen = {n for n in range(1000) if n % 7 == 0}
    spy = FlakyKinesis(kinesis, fails=lambda data, attempt: int(data[:8]) in chosen and attempt == 1)
    sink = KinesisSink(spy, STREAM, sleep=_no_sleep)
    # WHEN 1,000 records are sent
    report = sink.send(_records(1000))
    # THEN each chosen record was in exactly two calls, every other in one, and the stream holds each once
    sends: dict[int, int] = {}
    for call in spy.calls:
        for data in call:
            sends[int(data[:8])] = sends.get(int(data[:8]), 0) + 1
    assert {n for n, times in sends.items() if times == 2} == chosen
    assert {times for n, times in sends.items() if n not in chosen} == {1}
    assert (report.sent, report.failed, report.retried) == (1000, 0, len(chosen))
    stored = sorted(int(record["Data"][:8]) for record in read_stream(kinesis))
    assert stored == list(range(1000))


def test_the_retry_budget_ends_in_failures_that_name_the_error(kinesis: Any) -> None:
    """A record that keeps failing is given up after max_attempts sends and counted with its ErrorCode."""
    # GIVEN a client on which record 3 always fails, and a budget of 4 sends
    spy = FlakyKinesis(kinesis, fails=lambda data, attempt: int(data[:8]) == 3)
    sink = KinesisSink(spy, STREAM, retry=RetryPolicy(max_attempts=4), sleep=_no_sleep)
    # WHEN 10 records are sent
    report = sink.send(_records(10))
    # THEN record 3 was sent 4 times and reported failed with Kinesis's error; the others landed
    assert spy.attempts[_records(10)[3].data] == 4
    assert (report.sent, report.failed, report.retried) == (9, 1, 3)
    assert report.describe_failures() == "1 x ProvisionedThroughputExceededException: Rate exceeded for shard"


def test_a_missing_stream_stops_the_run_with_a_hint(aws: None) -> None:
    """PutRecords to a stream that does not exist raises DeliveryError naming the stream and the fix."""
    import boto3

    # GIVEN a sink over a stream that was never created
    sink = KinesisSink(boto3.client("kinesis", region_name="us-east-1"), "no-such-stream", sleep=_no_sleep)
    # WHEN records are sent
    with pytest.raises(DeliveryError) as raised:
        sink.send(_records(3))
    # THEN the error names the stream and what to check, and the records count as failed
    assert "no-such-stream" in str(raised.value) and "--stream" in str(raised.value)
    assert sink.report.failed == 3


def test_backoff_is_jittered_below_an_exponential_cap() -> None:
    """The n-th retry waits between 0 and min(max, base * 2^(n-1)) seconds."""
    # GIVEN the default policy
    policy, rng = RetryPolicy(), random.Random(7)
    # WHEN many waits are drawn for retries 1..8
    waits = {n: [policy.backoff(n, rng) for _ in range(200)] for n in range(1, 9)}
    # THEN each stays under its cap, and the caps grow then stop at max_backoff_seconds
    for n, drawn in waits.items():
        cap = min(policy.max_backoff_seconds, policy.base_seconds * 2 ** (n - 1))
        assert all(0 <= wait <= cap for wait in drawn)
        assert max(drawn) > cap / 2  # jitter spreads over the whole range


def test_devops_partition_keys_spread_over_every_shard(kinesis: Any) -> None:
    """One DevOps sweep (wide format) lands on all 4 shards, none holding more than a third of it."""
    # GIVEN one sweep of the fleet in the wide format
    from generators.devops import DevopsOptions

    records = list(generate("devops", seed=1, start=START, count=2200, options=DevopsOptions(format="wide")))
    # WHEN it is sent
    KinesisSink(kinesis, STREAM, sleep=_no_sleep).send(records)
    # THEN the shards share it roughly evenly
    per_shard: dict[str, int] = {}
    for record in read_stream(kinesis):
        per_shard[record["ShardId"]] = per_shard.get(record["ShardId"], 0) + 1
    assert len(per_shard) == 4
    assert max(per_shard.values()) < len(records) / 3


def test_missing_credentials_stop_at_once_with_a_fix(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """No credentials will not appear on a retry: the run stops on the first call and says what to set."""
    # GIVEN a real client in an environment without any AWS credentials
    import boto3

    for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    client = boto3.Session().client("kinesis", region_name="us-east-1", endpoint_url="http://127.0.0.1:9")
    sink = KinesisSink(client, STREAM, sleep=_no_sleep)
    # WHEN records are sent
    with pytest.raises(DeliveryError, match="no AWS credentials found") as error:
        sink.send(_records(3))
    # THEN every record is counted failed after a single call, and the message names the fix
    assert "AWS_ACCESS_KEY_ID" in str(error.value)
    assert (sink.report.sent, sink.report.failed, sink.report.calls) == (0, 3, 1)


class _OneCallAtATime:
    """The real client, noting the order of calls and whether two were ever in flight together."""

    def __init__(self, client: Any, delete_stream_after: int | None = None) -> None:
        self.client, self.meta, self.exceptions = client, client.meta, client.exceptions
        self.delete_stream_after = delete_stream_after
        self.calls: list[list[bytes]] = []
        self.in_flight = self.most_in_flight = 0

    def put_records(self, **kwargs: Any) -> dict[str, Any]:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if len(self.calls) == self.delete_stream_after:
                self.client.delete_stream(StreamName=STREAM, EnforceConsumerDeletion=True)
            self.calls.append([entry["Data"] for entry in kwargs["Records"]])
            time.sleep(0.005)  # a call takes a while: time for the caller to hand over the next ones
            return self.client.put_records(**kwargs)
        finally:
            self.in_flight -= 1


def test_calls_leave_one_at_a_time_in_the_order_the_records_came(kinesis: Any) -> None:
    """Sent in the background, calls still go out one by one, and the records in submission order."""
    # GIVEN a client that notes its calls
    spy = _OneCallAtATime(kinesis)
    # WHEN 5,200 records are sent
    report = KinesisSink(spy, STREAM, sleep=_no_sleep).send(_records(5200))
    # THEN never two calls at once, the records went out in order, and each landed once
    assert spy.most_in_flight == 1
    assert [int(data[:8]) for call in spy.calls for data in call] == list(range(5200))
    assert (report.sent, report.failed, report.calls) == (5200, 0, 11)
    assert sorted(int(record["Data"][:8]) for record in read_stream(kinesis)) == list(range(5200))


def test_a_stream_deleted_mid_run_stops_it_with_every_record_counted(kinesis: Any) -> None:
    """Calls already handed over when the stream vanished count as failed: sent + failed = records taken."""
    # GIVEN a stream that is deleted before the sink's third call, and a source that counts what it gives
    spy = _OneCallAtATime(kinesis, delete_stream_after=2)
    taken = 0

    def records() -> Iterator[GeneratedRecord]:
        nonlocal taken
        for record in _records(20_000):
            taken += 1
            yield record

    sink = KinesisSink(spy, STREAM, sleep=_no_sleep)
    # WHEN records are sent
    with pytest.raises(DeliveryError, match="ResourceNotFoundException") as raised:
        sink.send(records())
    # THEN the run stopped early, the two calls before the deletion landed, and no record is unaccounted for
    assert "--stream" in str(raised.value)
    assert sink.report.sent == 1000 and taken < 20_000
    assert sink.report.sent + sink.report.failed == taken
    assert set(sink.report.failure_reasons) <= {
        "ResourceNotFoundException: Stream generators-test under account 123456789012 not found.",
        NOT_SENT,
    }
