"""The reference tables: generated from the sensors generator's ids, checked in as built, uploaded by the
local stack where the CDK app deploys them, with the columns their Glue tables declare."""

from __future__ import annotations

import csv

from lake_support import Lake

from generators.sensors import SensorOptions, sensor_ids
from lake.reference import CUSTOMER_DATA, SENSOR_MAPPING, TABLES, build_rows, render_csv
from local.lake_catalog import provision_lake
from local.lake_tables import load_table
from pipeline_config.local_state import LocalStackState


def test_the_checked_in_files_are_what_the_builder_makes() -> None:
    """`python -m lake.reference` regenerates the files; nobody edits them by hand into disagreement."""
    # GIVEN the builder's rows  WHEN each table is rendered  THEN it equals the checked-in file
    rows = build_rows()
    for table in TABLES:
        assert table.file.read_text(encoding="utf-8") == render_csv(table, rows[table.name])


def test_every_generated_sensor_belongs_to_exactly_one_existing_customer() -> None:
    """The mapping covers the sensors generator's ids exactly, and every customer owns sensors."""
    # GIVEN the checked-in tables
    with CUSTOMER_DATA.file.open(encoding="utf-8") as handle:
        customers = {int(row["customer_id"]) for row in csv.DictReader(handle)}
    with SENSOR_MAPPING.file.open(encoding="utf-8") as handle:
        mapping = [(row["sensor_id"], int(row["customer_id"])) for row in csv.DictReader(handle)]
    # WHEN / THEN each generated sensor id appears once, mapped to a known customer, and no customer is idle
    assert sorted(sensor for sensor, _ in mapping) == sensor_ids(SensorOptions().sensors)
    assert {customer for _, customer in mapping} == customers
    assert len(customers) == 5
    # AND the demo's first 10 sensors already reach every customer
    assert {customer for sensor, customer in mapping if sensor in sensor_ids(10)} == customers


def test_the_local_stack_uploads_them_under_their_prefix_and_reads_them_typed(lake: Lake) -> None:
    """provision_lake puts each file in reference/<table>/ and the lake reads it with the declared types."""
    # GIVEN the local stack's lake provisioning on an empty bucket
    provision_lake(
        lake.s3, moto_endpoint=lake.endpoint, bucket=Lake.BUCKET, timestream_database="timeseries_test"
    )
    state = _state(lake)
    for table in TABLES:
        # WHEN a reference table is read through the local lake
        data = load_table(state, Lake.PREFIX, table.name)
        # THEN it sits at its Glue location and has the declared columns and row count
        key = table.key_prefix + table.file.name
        assert lake.s3.head_object(Bucket=Lake.BUCKET, Key=key)["ContentLength"] == table.file.stat().st_size
        assert key.startswith("reference/")
        assert data.column_names == [name for name, _ in table.columns]
        assert data.num_rows == len(build_rows()[table.name])
    assert str(load_table(state, Lake.PREFIX, CUSTOMER_DATA.name).schema.field("customer_id").type) == "int64"


def _state(lake: Lake) -> LocalStackState:
    """A local-stack address book whose lake is the test's (only the S3 endpoint and bucket matter)."""
    return LocalStackState(
        moto_endpoint=lake.endpoint,
        timestream_endpoint="http://127.0.0.1:1",
        region="us-east-1",
        account="123456789012",
        database=Lake.TIMESTREAM_DATABASE,
        raw_table="raw",
        cep_table="cep",
        raw_stream="r",
        cep_stream="c",
        bucket=Lake.BUCKET,
        kept_bucket="",
    )
