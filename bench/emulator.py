"""Local Timestream figures: WriteRecords throughput, and the CPU-statistics export query on 1,000,000 rows.

Run: `.venv/bin/python bench/emulator.py`. The emulator runs as its own process (`python -m
local.timestream serve`), as in `make local-up`; the 1M-row table is bulk-loaded straight into its
DuckDB file first. The same query then runs directly in DuckDB (hand-written DuckDB SQL) and through
the server (translation, JSON wire format, every page), so the difference is the emulator's overhead.
"""

from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import boto3
import duckdb
import pyarrow as pa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
for _key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
    os.environ.setdefault(_key, "local")  # the emulator ignores credentials; botocore insists on some

from local.timestream.models import DIMENSION  # noqa: E402
from local.timestream.service import TimestreamService  # noqa: E402
from local.timestream.storage import SERIES_COLUMN, data_table  # noqa: E402

WRITE_CALLS = 200
HOSTS = 100
MEASURES = ["cpu_user", "cpu_system", "cpu_idle", "cpu_iowait", "cpu_nice", "memory_used", "memory_free",
            "disk_used", "network_bytes_in", "network_bytes_out"]  # fmt: skip
POINTS = 1000  # per host and measure, over one hour: 100 x 10 x 1000 = 1,000,000 records
DATABASE, TABLE = "bench_db", "bench_metrics"
DIMENSIONS = ["region", "availability_zone", "instance_name"]

EXPORT_SQL = """
SELECT region, availability_zone, instance_name, bin(time, 15s) AS binned_timestamp,
  round(avg(measure_value::double), 2) AS avg_cpu,
  round(approx_percentile(measure_value::double, 0.9), 2) AS p90_cpu,
  round(approx_percentile(measure_value::double, 0.95), 2) AS p95_cpu,
  round(approx_percentile(measure_value::double, 0.99), 2) AS p99_cpu
FROM "{db}"."{table}"
WHERE measure_name = 'cpu_user' AND time >= '{start}' AND time < '{end}'
GROUP BY region, availability_zone, instance_name, bin(time, 15s)
ORDER BY binned_timestamp, instance_name
"""
DIRECT_SQL = """
SELECT region, availability_zone, instance_name,
  time_bucket(INTERVAL 15 SECOND, time, TIMESTAMP '1970-01-01') AS binned_timestamp,
  round(avg("measure_value::double"), 2),
  round(quantile_disc("measure_value::double", 0.9), 2),
  round(quantile_disc("measure_value::double", 0.95), 2),
  round(quantile_disc("measure_value::double", 0.99), 2)
FROM {table}
WHERE measure_name = 'cpu_user' AND time >= '{start}' AND time < '{end}'
GROUP BY region, availability_zone, instance_name, binned_timestamp
ORDER BY binned_timestamp, instance_name
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(db_path: Path | None) -> tuple[subprocess.Popen[bytes], str]:
    """The emulator as a child process; returns it and its URL once it answers."""
    port = free_port()
    argv = [sys.executable, "-m", "local.timestream", "serve", "--port", str(port)]
    argv += ["--db", str(db_path)] if db_path else []
    process = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    client = boto3.client("timestream-write", endpoint_url=url, region_name="us-east-1")
    for _ in range(150):
        try:
            client.list_databases()
            return process, url
        except Exception:  # not listening yet
            time.sleep(0.1)
    process.terminate()
    raise SystemExit(f"the emulator did not start on port {port}")


def bench_writes() -> None:
    process, url = start_server(None)
    try:
        client = boto3.client("timestream-write", endpoint_url=url, region_name="us-east-1")
        client.create_database(DatabaseName=DATABASE)
        client.create_table(DatabaseName=DATABASE, TableName=TABLE)
        now = int(time.time() * 1000) - 60_000
        calls = [
            [
                {
                    "Dimensions": [{"Name": "instance_name", "Value": f"i-{n % 50:04d}"}],
                    "MeasureName": "cpu_user",
                    "MeasureValue": repr(random.uniform(0, 100)),
                    "Time": str(now - (c * 100 + n)),
                }
                for n in range(100)
            ]
            for c in range(WRITE_CALLS)
        ]
        began = time.perf_counter()
        for records in calls:
            client.write_records(DatabaseName=DATABASE, TableName=TABLE, Records=records)
        elapsed = time.perf_counter() - began
        total = WRITE_CALLS * 100
        print(
            f"WriteRecords: {total} records in {WRITE_CALLS} calls of 100: {elapsed:.2f} s = "
            f"{total / elapsed:,.0f} records/s ({elapsed / WRITE_CALLS * 1000:.1f} ms per call)"
        )
    finally:
        process.terminate()
        process.wait(timeout=10)


def load_million(path: Path, start: datetime) -> None:
    """Bulk-load 1,000,000 single-measure DOUBLE records straight into the emulator's DuckDB file."""
    service = TimestreamService(path)
    service.catalog.create_database(DATABASE, None)
    table = service.catalog.create_table(DATABASE, TABLE, {}, {})
    start_ns = int(start.timestamp()) * 1_000_000_000
    step_ns = 3_600_000_000_000 // POINTS
    rng = random.Random(1)
    hosts = [
        (f"region-{h % 6}", f"region-{h % 6}-{h % 3 + 1}", f"i-zaZswmJk-host-{h:04d}") for h in range(HOSTS)
    ]
    columns: dict[str, list] = {name: [] for name in [SERIES_COLUMN, "time", "measure_name", *DIMENSIONS]}
    values: list[float] = []
    for region, zone, name in hosts:
        for measure in MEASURES:
            dims = {"region": region, "availability_zone": zone, "instance_name": name}
            series = json.dumps([sorted(dims.items()), measure], separators=(",", ":"))  # Record.series_key
            columns[SERIES_COLUMN] += [series] * POINTS
            columns["time"] += [start_ns + i * step_ns for i in range(POINTS)]
            columns["measure_name"] += [measure] * POINTS
            columns["region"] += [region] * POINTS
            columns["availability_zone"] += [zone] * POINTS
            columns["instance_name"] += [name] * POINTS
            values += [round(rng.uniform(0, 100), 2) for _ in range(POINTS)]
    batch = pa.table(
        {
            **{k: pa.array(v) for k, v in columns.items() if k != "time"},
            "time": pa.array(columns["time"], type=pa.timestamp("ns")),
            "__ts_version": pa.array([1] * len(values), type=pa.int64()),
            "__ts_payload": pa.array([f'[["measure_value::double",{v}]]' for v in values]),
            "measure_value::double": pa.array(values, type=pa.float64()),
        }
    )
    service.storage.add_columns(
        table.storage_id, dict.fromkeys(DIMENSIONS, "VARCHAR") | {"measure_value::double": "DOUBLE"}
    )
    service.storage.append(table.storage_id, batch)
    table.columns.update(dict.fromkeys(DIMENSIONS, DIMENSION) | {"measure_value::double": "DOUBLE"})
    table.measure_types.update(dict.fromkeys(MEASURES, "DOUBLE"))
    service.catalog.save_table(table)
    service.close()


def bench_query() -> None:
    hour = int(time.time()) // 3600 * 3600 - 2 * 3600
    start, end = datetime.fromtimestamp(hour, UTC), datetime.fromtimestamp(hour + 3600, UTC)
    window = {"start": f"{start:%Y-%m-%d %H:%M:%S}", "end": f"{end:%Y-%m-%d %H:%M:%S}"}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.duckdb"
        began = time.perf_counter()
        load_million(path, start)
        print(f"bulk load: {HOSTS * len(MEASURES) * POINTS:,} records in {time.perf_counter() - began:.1f} s")
        connection = duckdb.connect(str(path))
        began = time.perf_counter()
        direct = connection.execute(DIRECT_SQL.format(table=data_table(1), **window)).fetchall()
        direct_s = time.perf_counter() - began
        connection.close()
        process, url = start_server(path)
        try:
            client = boto3.client("timestream-query", endpoint_url=url, region_name="us-east-1")
            sql = EXPORT_SQL.format(db=DATABASE, table=TABLE, **window)
            for label, config in (("1 MB pages", {}), ("MaxRows=1000", {"PageSize": 1000})):
                began = time.perf_counter()
                pages = list(client.get_paginator("query").paginate(QueryString=sql, PaginationConfig=config))
                served_s = time.perf_counter() - began
                rows = sum(len(page["Rows"]) for page in pages)
                assert rows == len(direct), (rows, len(direct))
                print(
                    f"CPU export query, {label}: server {served_s:.2f} s ({rows:,} rows, {len(pages)} pages) "
                    f"vs DuckDB direct {direct_s:.2f} s: overhead {served_s - direct_s:.2f} s"
                )
        finally:
            process.terminate()
            process.wait(timeout=10)


if __name__ == "__main__":
    bench_writes()
    bench_query()
