"""In-process stacks started one after another in the same process share nothing.

moto keeps its state in module globals. Before `InProcessStack` emptied it on start, a test's mapping read
the records an earlier test of the same pytest worker had left on the raw stream, and the lake test
counted 593 customer-minutes for 573 generated.
"""

from __future__ import annotations

import pytest

from local.resources import client
from local.stack import InProcessStack
from pipeline_config.settings import load_settings


def _records_on(endpoint: str, stream: str) -> int:
    kinesis = client("kinesis", endpoint)
    count = 0
    for shard in kinesis.list_shards(StreamName=stream)["Shards"]:
        iterator = kinesis.get_shard_iterator(
            StreamName=stream, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        count += len(kinesis.get_records(ShardIterator=iterator, Limit=10_000)["Records"])
    return count


def test_a_stack_started_after_another_sees_none_of_its_records() -> None:
    """The second stack's raw stream is empty although the first one's had a record."""
    settings = load_settings()
    # GIVEN a stack whose raw stream got a record, then stopped
    with InProcessStack(settings) as first:
        client("kinesis", first.moto_endpoint).put_record(
            StreamName=first.raw_stream, Data=b"{}", PartitionKey="left-over"
        )
        assert _records_on(first.moto_endpoint, first.raw_stream) == 1
    # WHEN a second stack starts in the same process  THEN its raw stream is empty
    with InProcessStack(settings) as second:
        assert _records_on(second.moto_endpoint, second.raw_stream) == 0


def test_a_second_stack_cannot_start_while_one_runs() -> None:
    """Two live in-process stacks would share moto's state, so the second one is refused."""
    settings = load_settings()
    # GIVEN a running in-process stack
    with InProcessStack(settings):
        # WHEN another starts  THEN it is refused with what to do
        with pytest.raises(RuntimeError, match="already running: stop that one first"):
            InProcessStack(settings).start()
    # AND once the first has stopped, a new one starts
    with InProcessStack(settings) as state:
        assert state.raw_stream
