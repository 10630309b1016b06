"""Benchmark one exported hour as an Iceberg commit vs as plain Parquet files, for the same rows.

    .venv/bin/python bench/lake_export.py [--rows 1000000]

Each figure comes from its own child process (peak RSS is per process), against a moto S3 server run by
this script. The rows are sensor_readings results in pages of 1000, from a stub paginator, through the
code the DAG runs:
- parquet: pages -> Arrow -> rolling part files -> upload (`export_job.export_query`'s steps; the DAG
  then writes `_SUCCESS`);
- iceberg: pages -> Arrow (+ dt/hour) -> rolling part files -> upload -> one commit to the Iceberg
  catalog in moto's Glue, as the local stack has it (`iceberg_export.write_hour`), then the
  expire_snapshots step.
A tenth of the rows is run too: equal peaks mean memory does not grow with the hour.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO_ROOT)]

import harness  # noqa: E402 - bench/ is the script's folder

PAGE_ROWS = 1000
BUCKET = "bench-lake"

_CHILD = """
import json, resource, sys, tempfile, time
from datetime import UTC, datetime
from pathlib import Path
sys.path[:0] = [{root!r}, {dags!r}]
import boto3
from timestream_pipeline import names
from timestream_pipeline.exports import load_exports
from timestream_pipeline.hour_partition import HourPartition, upload_files
from timestream_pipeline.part_writer import RollingPartWriter
from timestream_pipeline.query_pages import arrow_schema, iter_query_pages, page_to_batch

spec = next(s for s in load_exports() if s.name == "sensor_readings")
hour = datetime(2026, 11, 22, 9, tzinfo=UTC)
pages = {rows} // {page_rows}

def values(i):
    minute = f"2026-11-22 09:{{(i // 100) % 60:02d}}:00.000000000"
    temperatures = (f"{{10 + i % 170}}.5", f"{{10 + i % 17}}.0", f"{{100 + i % 80}}.0")
    return (f"sensor-{{i % 100:02d}}", minute, *temperatures, str(i % 5), str(i % 3), str(i % 2))

columns = [{{"Name": c.name, "Type": {{"ScalarType": "VARCHAR"}}}} for c in spec.columns]

def page(index):
    numbers = range(index * {page_rows}, (index + 1) * {page_rows})
    rows = [{{"Data": [{{"ScalarValue": v}} for v in values(i)]}} for i in numbers]
    return {{"ColumnInfo": columns, "Rows": rows}}

class StubClient:
    def query(self, **request):
        index = int(request.get("NextToken", "0"))
        result = page(index)
        if index + 1 < pages:
            result["NextToken"] = str(index + 1)
        return result

from pipeline_config.local_state import LOCAL_CREDENTIALS
s3 = boto3.client("s3", endpoint_url={endpoint!r}, region_name="us-east-1", **LOCAL_CREDENTIALS)
partition = HourPartition({bucket!r}, names.export_partition_prefix("exports", f"{{spec.name}}_{fmt}", hour))
baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
if {fmt!r} == "parquet":
    schema = arrow_schema(spec.columns)
    with tempfile.TemporaryDirectory() as directory:
        writer = RollingPartWriter(Path(directory), "parquet", schema)
        for result in iter_query_pages(StubClient(), "SELECT 1"):
            writer.write(page_to_batch(result, schema, spec.name))
        files = upload_files(s3, partition, writer.close())
    rows = writer.rows
else:
    from timestream_pipeline.iceberg_export import query_batches, write_hour
    from timestream_pipeline.iceberg_maintenance import expire_snapshots, s3_deleter
    from timestream_pipeline.iceberg_table import ensure_table
    from local.lake_catalog import open_catalog
    catalog = open_catalog({endpoint!r})
    catalog.create_namespace_if_not_exists("bench_lake")
    table = ensure_table(catalog, "bench_lake", spec, f"s3://{bucket}/exports/{{spec.name}}_iceberg_{rows}")
    files, rows, _ = write_hour(table, s3, partition, query_batches(StubClient(), "SELECT 1", spec),
                                spec=spec, hour_start=hour, summary={{}})
    expire_snapshots(table, s3_deleter(s3))
elapsed = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
figures = {{"rows": rows, "seconds": elapsed, "files": len(files)}}
print(json.dumps({{**figures, "baseline_kib": baseline, "peak_kib": peak}}))
"""


def measure(fmt: str, rows: int, endpoint: str) -> dict:
    code = _CHILD.format(
        root=str(REPO_ROOT),
        dags=str(REPO_ROOT / "dags"),
        rows=rows,
        page_rows=PAGE_ROWS,
        endpoint=endpoint,
        bucket=BUCKET,
        fmt=fmt,
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"benchmark child failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="result rows in the hour (default 1e6)")
    args = harness.parse_args(parser.description, argv, parser)
    if args.quick:
        args.rows = 10 * PAGE_ROWS
    if args.rows < 10 * PAGE_ROWS:
        raise SystemExit(f"--rows must be at least {10 * PAGE_ROWS}")
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    try:
        from local.resources import client

        client("s3", endpoint).create_bucket(Bucket=BUCKET)
        print(
            f"an hour of sensor_readings rows (8 columns), pages of {PAGE_ROWS}, to moto S3 "
            f"[{harness.load()}]"
        )
        for rows in (args.rows, args.rows // 10):
            figures = {fmt: measure(fmt, rows, endpoint) for fmt in ("parquet", "iceberg")}
            for fmt, f in figures.items():
                speed = f["rows"] / f["seconds"]
                print(
                    f"  {fmt:>8} {rows:>10,} rows: {speed:>9,.0f} rows/s ({f['seconds']:.2f} s, "
                    f"{f['files']} file(s))  peak RSS {f['peak_kib'] / 1024:.0f} MiB "
                    f"(+{(f['peak_kib'] - f['baseline_kib']) / 1024:.0f} MiB over imports)"
                )
            ratio = figures["iceberg"]["seconds"] / figures["parquet"]["seconds"]
            print(f"  iceberg / parquet time for {rows:,} rows: {ratio:.2f}x")
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
