"""UNLOAD writes data files, a manifest and a metadata file to S3 (a moto server), as Timestream does."""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterator
from typing import Any

import awswrangler as wr
import boto3
import pyarrow.parquet as pq
import pytest
from emulator_support import double_record, now_ms, scalar_rows
from moto.server import ThreadedMotoServer

from local.timestream import TimestreamServer

BUCKET = "unload-bucket"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """A moto S3 server on a free port with one bucket."""
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    url = f"http://{host}:{port}"
    boto3.client("s3", endpoint_url=url, region_name="us-east-1").create_bucket(Bucket=BUCKET)
    yield url
    moto.stop()


@pytest.fixture(scope="module")
def unload_clients(s3_endpoint: str) -> Iterator[tuple[Any, Any, Any]]:
    """(query client, s3 client, table name) on an emulator wired to the moto S3, with six rows."""
    with TimestreamServer(s3_endpoint_url=s3_endpoint) as url:
        write = boto3.client("timestream-write", endpoint_url=url, region_name="us-east-1")
        write.create_database(DatabaseName="unload_db")
        write.create_table(DatabaseName="unload_db", TableName="metrics")
        stamp = now_ms() - 60_000
        records = [double_record(host, i, stamp - i * 1000) for i, host in enumerate(["a", "b", "c"] * 2)]
        write.write_records(DatabaseName="unload_db", TableName="metrics", Records=records)
        query = boto3.client("timestream-query", endpoint_url=url, region_name="us-east-1")
        yield (
            query,
            boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1"),
            '"unload_db"."metrics"',
        )


def _read(s3: Any, uri: str) -> bytes:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


def test_unload_parquet_writes_files_manifest_and_metadata(unload_clients: tuple[Any, Any, str]) -> None:
    """The response names the manifest and metadata; the manifest lists Parquet files with every row."""
    query, s3, table = unload_clients
    # GIVEN / WHEN six rows are unloaded as Parquet
    response = query.query(
        QueryString=f"UNLOAD (SELECT host, measure_value::double AS v, time FROM {table}) "
        f"TO 's3://{BUCKET}/parquet/' WITH (format = 'PARQUET')"
    )
    # THEN the response row is (rows, metadataFile, manifestFile)
    assert [c["Name"] for c in response["ColumnInfo"]] == ["rows", "metadataFile", "manifestFile"]
    [[rows, metadata_uri, manifest_uri]] = scalar_rows([response])
    assert rows == "6"
    manifest = json.loads(_read(s3, manifest_uri))
    metadata = json.loads(_read(s3, metadata_uri))
    # AND the manifest counts the rows, the metadata lists the columns, the files hold the values
    assert manifest["query_metadata"]["total_row_count"] == 6
    assert [c["Name"] for c in metadata["ColumnInfo"]] == ["host", "v", "time"]
    values = []
    for entry in manifest["result_files"]:
        assert "/parquet/results/" in entry["url"]
        values += pq.read_table(io.BytesIO(_read(s3, entry["url"]))).column("v").to_pylist()
    assert sorted(values) == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]


def test_unload_csv_partitions_by_the_last_column(unload_clients: tuple[Any, Any, str]) -> None:
    """partitioned_by=ARRAY['host'] writes one gzip CSV per host under host=<value>/, without host."""
    query, s3, table = unload_clients
    # GIVEN / WHEN rows are unloaded as CSV partitioned by host
    response = query.query(
        QueryString=f"UNLOAD (SELECT measure_value::double AS v, host FROM {table} ORDER BY v) "
        f"TO 's3://{BUCKET}/csv' WITH (format = 'CSV', compression = 'GZIP', partitioned_by = ARRAY['host'])"
    )
    [[_, _, manifest_uri]] = scalar_rows([response])
    manifest = json.loads(_read(s3, manifest_uri))
    # THEN each host's file lives in its partition folder and holds only its values
    contents = {}
    for entry in manifest["result_files"]:
        partition = entry["url"].split("/results/")[1].split("/")[0]
        contents[partition] = gzip.decompress(_read(s3, entry["url"])).decode().split()
    assert contents == {"host=a": ["0.0", "3.0"], "host=b": ["1.0", "4.0"], "host=c": ["2.0", "5.0"]}


def test_unload_to_a_missing_bucket_fails_without_a_manifest(unload_clients: tuple[Any, Any, str]) -> None:
    """An unwritable destination is a ValidationException naming the S3 location."""
    query, _, table = unload_clients
    # GIVEN / WHEN / THEN
    with pytest.raises(query.exceptions.ValidationException, match="no-such-bucket"):
        query.query(
            QueryString=f"UNLOAD (SELECT host FROM {table}) TO 's3://no-such-bucket/x/' WITH (format='CSV')"
        )


def test_awswrangler_unload_reads_back_what_the_emulator_wrote(
    unload_clients: tuple[Any, Any, str], s3_endpoint: str
) -> None:
    """wr.timestream.unload finds the files under `<path>results/`, as Timestream lays them out."""
    query, _, table = unload_clients
    # GIVEN awswrangler pointed at the emulator and the moto S3
    wr.config.timestream_query_endpoint_url = query.meta.endpoint_url
    wr.config.s3_endpoint_url = s3_endpoint
    try:
        # WHEN it unloads and reads back as Parquet
        frame = wr.timestream.unload(
            sql=f"SELECT host, measure_value::double AS v FROM {table}",
            path=f"s3://{BUCKET}/wrangler/",
            unload_format="PARQUET",
            keep_files=True,
        )
    finally:
        wr.config.reset("timestream_query_endpoint_url")
        wr.config.reset("s3_endpoint_url")
    # THEN the six rows come back
    assert sorted(frame["v"]) == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
