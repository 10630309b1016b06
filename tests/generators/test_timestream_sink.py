"""The wave workload into (moto) Timestream: 100 records per call, rejected records reported."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from moto.timestreamwrite.models import timestreamwrite_backends

from generators import cli
from generators.timestream_sink import TimestreamSink
from generators.wave import WaveOptions
from generators.workloads import generate
from tests.generators.conftest import REGION, START

DATABASE, TABLE = "wave_db", "wave_table"


@pytest.fixture
def timestream(aws: None) -> Any:
    client = boto3.client("timestream-write", region_name=REGION)
    client.create_database(DatabaseName=DATABASE)
    client.create_table(DatabaseName=DATABASE, TableName=TABLE)
    return client


def _stored() -> list[dict[str, Any]]:
    backend = timestreamwrite_backends["123456789012"][REGION]
    return backend.databases[DATABASE].tables[TABLE].records


class CallSpy:
    """The real client, noting each WriteRecords call and rejecting records whose value is in `reject`."""

    def __init__(self, client: Any, reject: frozenset[str] = frozenset()) -> None:
        self.client, self.reject, self.calls = client, reject, []
        self.exceptions = client.exceptions

    def write_records(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        rejected = [
            {"RecordIndex": n, "Reason": "A record with a different value already exists."}
            for n, record in enumerate(kwargs["Records"])
            if record["MeasureValue"] in self.reject
        ]
        kept = [r for r in kwargs["Records"] if r["MeasureValue"] not in self.reject]
        if kept:
            self.client.write_records(**{**kwargs, "Records": kept})
        if rejected:
            error = {
                "Error": {"Code": "RejectedRecordsException", "Message": "rejected"},
                "RejectedRecords": rejected,
            }
            raise self.client.exceptions.RejectedRecordsException(error, "WriteRecords")
        return {"RecordsIngested": {"Total": len(kept)}}


def test_wave_records_are_written_100_per_call(timestream: Any) -> None:
    """250 wave readings from 3 sensors take three WriteRecords calls of 100, 100 and 50, all stored."""
    # GIVEN a sink over the real moto client
    spy = CallSpy(timestream)
    records = generate("wave", seed=0, start=START, count=250, options=WaveOptions(sensors=3))
    # WHEN they are sent
    report = TimestreamSink(spy, DATABASE, TABLE).send(records)
    # THEN the calls are 100, 100, 50 and the table holds them all, Location shared in CommonAttributes
    assert [len(call["Records"]) for call in spy.calls] == [100, 100, 50]
    assert (report.sent, report.failed, report.calls) == (250, 0, 3)
    assert len(_stored()) == 250
    assert spy.calls[0]["CommonAttributes"] == {"Dimensions": [{"Name": "Location", "Value": "Tutorial"}]}


def test_rejected_records_are_counted_failed_with_the_reason_and_not_resent(timestream: Any) -> None:
    """Records Timestream rejects are reported with its reason; the rest of the call counts as sent."""
    # GIVEN a client rejecting every reading of 62 and 63
    spy = CallSpy(timestream, reject=frozenset({"62", "63"}))
    # WHEN 100 readings (61 up to 99, then down to 38) are sent
    report = TimestreamSink(spy, DATABASE, TABLE).send(generate("wave", seed=0, start=START, count=100))
    # THEN the four rejected (62 and 63, going up and coming down) failed, in one call, not re-sent
    assert report.calls == 1
    assert (report.failed, report.sent, report.retried) == (4, 96, 0)
    assert len(_stored()) == 96
    assert (
        "rejected by Timestream: A record with a different value already exists."
        in report.describe_failures()
    )


def test_the_cli_writes_the_wave_to_the_table_named(timestream: Any) -> None:
    """`wave --database D --table T --count 30` writes 30 records and exits 0."""
    # GIVEN a moto table / WHEN the CLI writes 30 readings of history
    status = cli.main(
        [
            *("wave", "--database", DATABASE, "--table", TABLE, "--region", REGION, "--no-local-stack"),
            *("--count", "30", "--start", "2026-01-01T00:00:00Z"),
        ]
    )
    # THEN they are in the table
    assert status == 0
    assert len(_stored()) == 30


def test_streamed_workloads_cannot_target_timestream(capsys: pytest.CaptureFixture[str]) -> None:
    """sensors goes through Kinesis and the ingest Lambda: --target timestream is refused with a message."""
    # GIVEN / WHEN / THEN
    with pytest.raises(SystemExit) as raised:
        cli.main(["sensors", "--target", "timestream"])
    assert raised.value.code == 2 and "invalid choice: 'timestream'" in capsys.readouterr().err
