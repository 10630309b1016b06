"""Every streamed workload through Kinesis into the real ingest handler: all written, none quarantined.

generator -> KinesisSink -> (moto) Kinesis -> GetRecords -> the Kinesis event Lambda builds ->
`handler.handler` -> (moto) Timestream. The wave workload writes to Timestream directly and is
covered by test_timestream_sink.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto.timestreamwrite.models import timestreamwrite_backends

from generators.alarms import AlarmOptions
from generators.devops import DevopsOptions
from generators.kinesis_sink import KinesisSink
from generators.workloads import generate
from local.kinesis_event import StreamRecord
from local.kinesis_event import kinesis_event as event_from_stream
from pipeline_config import names
from tests.generators.conftest import REGION, read_stream
from timestream_ingest import names as ingest_names

DATABASE, TABLE, BUCKET = "e2e_db", "e2e_table", "e2e-quarantine"
STREAM = "e2e-stream"
# An hour ago, whole seconds: inside any memory-store window, never in the future.
START = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)

CASES = {
    "devops single": ("devops", DevopsOptions(max_hosts=20)),
    "devops wide": ("devops", DevopsOptions(max_hosts=20, format="wide")),
    "sensors": ("sensors", None),
    "alarms base64": ("alarms", AlarmOptions(sensors=3)),
    "alarms plain": ("alarms", AlarmOptions(sensors=3, base64_wrapped=False)),
    "cep": ("cep", None),
}


@pytest.fixture
def ingest(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The real handler module, configured as the CDK app configures it, on moto."""
    monkeypatch.setenv(ingest_names.ENV_TIMESTREAM_DATABASE, DATABASE)
    monkeypatch.setenv(ingest_names.ENV_TIMESTREAM_TABLE, TABLE)
    monkeypatch.setenv(ingest_names.ENV_QUARANTINE_BUCKET, BUCKET)
    write = boto3.client("timestream-write", region_name=REGION)
    write.create_database(DatabaseName=DATABASE)
    write.create_table(DatabaseName=DATABASE, TableName=TABLE)
    boto3.client("s3", region_name=REGION).create_bucket(Bucket=BUCKET)
    boto3.client("kinesis", region_name=REGION).create_stream(StreamName=STREAM, ShardCount=2)
    from timestream_ingest import handler

    handler.reset()
    yield handler
    handler.reset()


def kinesis_event(records: list[dict[str, Any]], stream_arn: str) -> dict[str, Any]:
    """The event a Kinesis event source mapping hands the function, built as the local mapping builds it."""
    return event_from_stream(
        [StreamRecord.from_get_records(record["ShardId"], record) for record in records],
        stream_arn=stream_arn,
        region=REGION,
        account=names.LOCAL_ACCOUNT,
        function_name="ingest",
    )


@pytest.mark.parametrize("case", list(CASES))
def test_every_streamed_record_is_written_and_none_quarantined(ingest: Any, case: str) -> None:
    """300 records of the workload reach the table through the handler; nothing is retried or quarantined."""
    # GIVEN 300 records of the workload sent to Kinesis
    workload, options = CASES[case]
    kinesis = boto3.client("kinesis", region_name=REGION)
    sent = KinesisSink(kinesis, STREAM).send(
        generate(workload, seed=8, start=START, count=300, options=options)
    )
    assert (sent.sent, sent.failed) == (300, 0)
    stream_arn = kinesis.describe_stream_summary(StreamName=STREAM)["StreamDescriptionSummary"]["StreamARN"]
    # WHEN the mapping hands the stream's records to the handler in batches of 100
    stored = sorted(read_stream(kinesis, STREAM), key=lambda record: record["SequenceNumber"])
    responses = [
        ingest.handler(kinesis_event(stored[n : n + 100], stream_arn), None)
        for n in range(0, len(stored), 100)
    ]
    # THEN nothing is retried, nothing is quarantined, and every record produced a Timestream record
    assert [response["batchItemFailures"] for response in responses] == [[], [], []]
    quarantined = boto3.client("s3", region_name=REGION).list_objects_v2(Bucket=BUCKET).get("KeyCount", 0)
    assert quarantined == 0
    table = timestreamwrite_backends["123456789012"][REGION].databases[DATABASE].tables[TABLE]
    assert len(table.records) == 300
