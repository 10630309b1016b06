"""WriteRecords calls: at most 100 records each, what records share sent once in CommonAttributes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ingest_support import Event, dimensions, kinesis_event, stored
from ingest_timestream_rules import TimestreamRules

from timestream_ingest.batching import PendingRecord, make_batch

Invoke = Callable[[Event], dict[str, Any]]
HOST_DIMENSIONS = ("region", "cell", "silo", "availability_zone", "microservice_name", "instance_name")


def _devops_sweep(hosts: int, measures_per_host: int = 20) -> list[dict[str, str]]:
    """One kinesis_ingestor sweep: every host's measures share its dimensions and the sweep's time."""
    return [
        {
            "MeasureName": f"measure_{m:02d}",
            "MeasureValue": str(m * 1.5),
            "MeasureValueType": "DOUBLE",
            "Time": "1617143893",
            "TimeUnit": "SECONDS",
            "region": "eu-west-1",
            "cell": "eu-west-1-cell-1",
            "silo": "eu-west-1-cell-1-silo-1",
            "availability_zone": f"eu-west-1-{h % 3 + 1}",
            "microservice_name": "apollo",
            "instance_name": f"i-{h:04d}.amazonaws.com",
        }
        for h in range(hosts)
        for m in range(measures_per_host)
    ]


def test_a_sweep_is_written_in_full_calls_of_at_most_100_records(
    invoke: Invoke, timestream: TimestreamRules
) -> None:
    """300 records take 3 WriteRecords calls (the floor), none above Timestream's 100-record limit."""
    # GIVEN a 15-host DevOps sweep of 300 single-measure records
    event = kinesis_event(_devops_sweep(15))
    # WHEN the handler processes it
    response = invoke(event)
    # THEN three calls of 100 wrote every record
    assert response == {"batchItemFailures": []}
    assert [len(call["Records"]) for call in timestream.calls] == [100, 100, 100]
    assert len(stored()) == 300


def test_shared_time_and_dimensions_travel_once_per_call(invoke: Invoke, timestream: TimestreamRules) -> None:
    """What every record of a call shares goes into CommonAttributes; records keep only what differs."""
    # GIVEN a 15-host sweep (same time, region, cell, silo and service; hosts and zones differ)
    event = kinesis_event(_devops_sweep(15))
    # WHEN the handler processes it
    invoke(event)
    # THEN each call sends time, unit, type and the shared dimensions once, and no record repeats them
    for call in timestream.calls:
        common = call["CommonAttributes"]
        assert (common["Time"], common["TimeUnit"], common["MeasureValueType"]) == (
            "1617143893",
            "SECONDS",
            "DOUBLE",
        )
        assert {"region", "cell", "silo", "microservice_name"} <= set(dimensions(common))
        assert all("Time" not in record for record in call["Records"])
    # AND Timestream's merge gives every stored record all six dimensions back
    assert {tuple(sorted(dimensions(record))) for record in stored()} == {tuple(sorted(HOST_DIMENSIONS))}


def test_only_dimensions_every_record_shares_are_lifted() -> None:
    """A dimension whose value differs between records stays on each record (overlap would be an error)."""
    # GIVEN two records sharing site but not sensor
    records = [
        {
            "Dimensions": [{"Name": "site", "Value": "a"}, {"Name": "sensor", "Value": str(n)}],
            "MeasureName": "t",
        }
        for n in range(2)
    ]
    # WHEN they are planned as one call
    batch = make_batch([PendingRecord(n, record) for n, record in enumerate(records)])
    # THEN site and the measure name are common, sensor stays per record
    assert batch.common == {"Dimensions": [{"Name": "site", "Value": "a"}], "MeasureName": "t"}
    assert [record["Dimensions"] for record in batch.records] == [
        [{"Name": "sensor", "Value": "0"}],
        [{"Name": "sensor", "Value": "1"}],
    ]
