"""The processor as the local event source mapping uses it: built directly, two per process."""

from __future__ import annotations

import boto3
from ingest_support import BUCKET, CEP_TABLE, DATABASE, PREFIX, RAW_TABLE, load_event, stored
from ingest_timestream_rules import TimestreamRules

from timestream_ingest import names
from timestream_ingest.config import IngestConfig
from timestream_ingest.processor import Ingestor


def test_two_processors_in_one_process_write_to_their_own_tables(timestream: TimestreamRules) -> None:
    """A raw and a CEP processor share nothing: each writes only to the table it was built for."""
    # GIVEN a raw and a CEP processor built from explicit configs and shared clients
    write, s3 = boto3.client("timestream-write"), boto3.client("s3")
    raw, cep = (
        Ingestor(IngestConfig(DATABASE, table, BUCKET, PREFIX), write, s3, publish=False)
        for table in (RAW_TABLE, CEP_TABLE)
    )
    # WHEN each processes its own stream's batch
    responses = [raw.process(load_event("sensor")), cep.process(load_event("cep"))]
    raw.close()
    cep.close()
    # THEN sensor readings are in the raw table and CEP matches in the CEP table, nothing retried
    assert responses == [{"batchItemFailures": []}] * 2
    assert {r["MeasureName"] for r in stored(RAW_TABLE)} == {names.SENSOR_TEMPERATURE_MEASURE}
    assert {r["MeasureName"] for r in stored(CEP_TABLE)} == {names.CEP_MEASURE}
