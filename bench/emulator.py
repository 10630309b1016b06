"""The local Timestream: WriteRecords through the wire protocol vs a DuckDB bulk insert of the same rows,
and the CPU export query over 1,000,000 rows through the server vs the same query in DuckDB directly.

    .venv/bin/python bench/emulator.py [--write-records 60000] [--quick]

The server runs as its own process (`python -m local.timestream serve`), keeping its data in a DuckDB
file as `python -m local up` runs it, and is called through a real boto3 client configured as the ingest
handler's (no parameter validation), then with the same requests' JSON bodies posted directly (what the
server alone costs), by one caller and by as many side by side as the local mapping runs (one per shard,
up to the cores). Writes are the DevOps generator's varied single-measure records in 100-record calls,
as the ingest handler sends them; the comparison inserts the same rows as one Arrow table into an
in-memory DuckDB. The server's own CPU time per call is printed too: on 2 shared cores, load from other
processes moves the rates much more than it moves that. For the query,
1,000,000 records are bulk-loaded straight into the server's DuckDB file first (writing them through
the API would take minutes); the server's answer is read as the export task reads it (`query_parser`,
then Arrow batches; 1 MB pages, and pages of MaxRows=1000 for comparison) and by boto3's paginator.
The export path's rows must equal DuckDB's (every value), and DuckDB directly runs on a copy of the
file in turns with each reader's runs, so that both see the same load on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import harness
from process_cpu import cpu_seconds

harness.on_path("", "dags", "lambda/ingest")

import duckdb  # noqa: E402
import pyarrow as pa  # noqa: E402

from generators.devops import DevopsOptions  # noqa: E402
from generators.workloads import generate  # noqa: E402
from local.resources import client  # noqa: E402
from local.timestream.models import DIMENSION  # noqa: E402
from local.timestream.service import TimestreamService  # noqa: E402
from local.timestream.storage import SERIES_COLUMN, data_table  # noqa: E402

DATABASE, TABLE = "bench_db", "bench_metrics"
RESERVED = ("MeasureName", "MeasureValue", "MeasureValueType", "Time", "TimeUnit")
MAX_ROWS = 1000  # Timestream's largest MaxRows (the exports ask for none: 1 MB pages)
HOSTS, QUERY_DIMENSIONS = 100, ["region", "availability_zone", "instance_name"]
MEASURES = ["cpu_user", "cpu_system", "cpu_idle", "cpu_iowait", "cpu_nice", "memory_used", "memory_free",
            "disk_used", "network_bytes_in", "network_bytes_out"]  # fmt: skip
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


def start_server(db_path: Path | None) -> tuple[subprocess.Popen[bytes], str]:
    """The local Timestream as a child process; returns it and its URL once it answers."""
    from local.processes import free_port

    port = free_port()
    argv = [sys.executable, "-m", "local.timestream", "serve", "--port", str(port)]
    argv += ["--db", str(db_path)] if db_path else []
    process = subprocess.Popen(
        argv, cwd=harness.REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            client("timestream-write", url).list_databases()
            return process, url
        except Exception:  # not listening yet
            time.sleep(0.1)
    process.terminate()
    raise SystemExit(f"the local Timestream did not start on port {port}")


def devops_records(count: int) -> list[dict[str, Any]]:
    """The generator's DevOps single-measure records as WriteRecords entries (dimensions per record)."""
    start = datetime.now(UTC) - timedelta(hours=3)
    records = []
    for generated in generate("devops", seed=16, start=start, count=count, options=DevopsOptions()):
        document = json.loads(generated.data)
        dimensions = [{"Name": k, "Value": v} for k, v in document.items() if k not in RESERVED]
        records.append({"Dimensions": dimensions, **{k: document[k] for k in RESERVED}})
    return records


def duckdb_bulk_insert(records: list[dict[str, Any]]) -> float:
    """Seconds to insert the same rows (dimensions, measure, time, typed value) as one Arrow table."""
    columns: dict[str, list[Any]] = {}
    for row, record in enumerate(records):
        cells = {d["Name"]: d["Value"] for d in record["Dimensions"]}
        cells |= {"measure_name": record["MeasureName"], "time": int(record["Time"]) * 1_000_000}
        cells[f"measure_value::{record['MeasureValueType'].lower()}"] = _typed(record)
        for name, value in cells.items():
            columns.setdefault(name, [None] * row).append(value)
        for values in columns.values():
            values += [None] * (row + 1 - len(values))
    arrow_rows = pa.table(
        {k: pa.array(v, pa.timestamp("ns") if k == "time" else None) for k, v in columns.items()}
    )
    connection = duckdb.connect()
    connection.register("arrow_rows", arrow_rows)
    connection.execute("CREATE TABLE stored AS SELECT * FROM arrow_rows LIMIT 0")
    started = time.perf_counter()
    connection.execute("INSERT INTO stored SELECT * FROM arrow_rows")
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed


def _typed(record: dict[str, Any]) -> Any:
    kind, value = record["MeasureValueType"], record["MeasureValue"]
    return float(value) if kind == "DOUBLE" else int(value) if kind == "BIGINT" else value


def bench_writes(count: int) -> None:
    records = devops_records(count)
    calls = [records[start : start + 100] for start in range(0, len(records), 100)]
    tables = (f"{TABLE}_boto3", f"{TABLE}_http", f"{TABLE}_concurrent")
    bodies = {
        table: [
            json.dumps({"DatabaseName": DATABASE, "TableName": table, "Records": c}).encode() for c in calls
        ]
        for table in tables[1:]
    }
    # The local mapping invokes one handler per shard at a time, up to the machine's cores
    # (local/ingest.py): that many callers side by side is what the emulator meets.
    callers = max(2, os.cpu_count() or 1)
    with tempfile.TemporaryDirectory() as folder:  # a DuckDB file, as `python -m local up` keeps it
        process, url = start_server(Path(folder) / "timestream.duckdb")
        try:
            setup = client("timestream-write", url)
            setup.create_database(DatabaseName=DATABASE)
            for table in tables:
                setup.create_table(DatabaseName=DATABASE, TableName=table)
            cpu = [cpu_seconds(process.pid)]  # the server's own CPU, which load distorts much less
            # Each figure runs until its rows are committed: the server answers a write once it is
            # journaled and commits in groups, so the timing ends with a count, which commits the rest.
            seconds = _boto3_calls(url, calls, tables[0])
            seconds[-1] += _committed(url, tables[0], len(records))
            cpu.append(cpu_seconds(process.pid))
            http = sum(_http_calls(url, bodies[tables[1]])) + _committed(url, tables[1], len(records))
            cpu.append(cpu_seconds(process.pid))
            concurrent = _concurrent_http_calls(url, bodies[tables[2]], callers)
            concurrent += _committed(url, tables[2], len(records))
            cpu.append(cpu_seconds(process.pid))
        finally:
            process.terminate()
            process.wait(timeout=10)
    bulk = duckdb_bulk_insert(records)
    quarter = max(1, len(seconds) // 4)
    first, last = sum(seconds[:quarter]), sum(seconds[-quarter:])
    print(
        f"WriteRecords: {len(records):,} DevOps records (varied measures and types), "
        f"{len(calls)} calls of 100, into a DuckDB file:"
    )
    bulk_figure = harness.Figure("DuckDB bulk insert of the same rows", len(records) / bulk, "rec/s")
    for label, rate in (
        ("  through the wire protocol, boto3 as the handler sends", len(records) / sum(seconds)),
        ("  through the wire protocol, bodies encoded beforehand (the server)", len(records) / http),
        (
            f"  the server, {callers} callers at once (the mapping's concurrency)",
            len(records) / concurrent,
        ),
    ):
        harness.compare(harness.Figure(label, rate, "rec/s"), bulk_figure)
    harness.say(
        f"  {1000 * sum(seconds) / len(seconds):.1f} ms per call through boto3, "
        f"{1000 * http / len(calls):.1f} ms of it in the server; "
        f"the last quarter of the calls took {last / first:.2f}x the first quarter "
        "(1.00 = flat as the table grows)"
    )
    per_call = [f"{1000 * (after - before) / len(calls):.2f}" for before, after in pairwise(cpu)]
    harness.say(
        f"  the server's CPU per call (its process's CPU time): {' / '.join(per_call)} ms "
        f"(boto3 / bodies encoded beforehand / {callers} callers)"
    )


def _committed(url: str, table: str, expected: int) -> float:
    """Seconds for a count of `table` (which commits what is queued); it must find every record written."""
    from http.client import HTTPConnection

    host, port = url.removeprefix("http://").split(":")
    connection = HTTPConnection(host, int(port), timeout=60)
    body = json.dumps({"QueryString": f'SELECT count(*) FROM "{DATABASE}"."{table}"'}).encode()
    headers = {"X-Amz-Target": "Timestream_20181101.Query", "Content-Type": "application/x-amz-json-1.0"}
    started = time.perf_counter()
    connection.request("POST", "/", body, headers)
    answer = connection.getresponse().read()
    seconds = time.perf_counter() - started
    connection.close()
    count = int(json.loads(answer)["Rows"][0]["Data"][0]["ScalarValue"])
    if count != expected:
        raise SystemExit(f"{table} holds {count:,} records after {expected:,} were acknowledged")
    return seconds


def _concurrent_http_calls(url: str, bodies: list[bytes], callers: int) -> float:
    """Seconds for `callers` keep-alive connections, side by side, to post every body (each its share)."""
    from concurrent.futures import ThreadPoolExecutor

    started = time.perf_counter()
    with ThreadPoolExecutor(callers) as pool:
        list(pool.map(lambda share: _http_calls(url, share), [bodies[i::callers] for i in range(callers)]))
    return time.perf_counter() - started


def _boto3_calls(url: str, calls: list[list[dict[str, Any]]], table: str) -> list[float]:
    """Seconds of each call through boto3 set up as the handler's write client (timestream_ingest/clients.py):
    no parameter validation, the body dumped in one `json.dumps` (write_body.py)."""
    import boto3
    from botocore.config import Config

    from pipeline_config import names
    from pipeline_config.local_state import LOCAL_CREDENTIALS
    from timestream_ingest import write_body

    write = boto3.client(
        "timestream-write",
        endpoint_url=url,
        region_name=names.LOCAL_REGION,
        config=Config(parameter_validation=False),
        **LOCAL_CREDENTIALS,
    )
    write_body.install(write)
    seconds = []
    for records_of_call in calls:
        started = time.perf_counter()
        write.write_records(DatabaseName=DATABASE, TableName=table, Records=records_of_call)
        seconds.append(time.perf_counter() - started)
    return seconds


def _http_calls(url: str, bodies: list[bytes]) -> list[float]:
    """Seconds of each call as a raw HTTP POST on one keep-alive connection: what the server costs."""
    from http.client import HTTPConnection

    host, port = url.removeprefix("http://").split(":")
    connection = HTTPConnection(host, int(port), timeout=30)
    headers = {
        "X-Amz-Target": "Timestream_20181101.WriteRecords",
        "Content-Type": "application/x-amz-json-1.0",
    }
    seconds = []
    for body in bodies:
        started = time.perf_counter()
        connection.request("POST", "/", body, headers)
        response = connection.getresponse()
        answer = response.read()
        seconds.append(time.perf_counter() - started)
        if response.status != 200:
            raise SystemExit(f"WriteRecords over HTTP answered {response.status}: {answer[:200]!r}")
    connection.close()
    return seconds


def load_table(path: Path, start: datetime, points: int) -> int:
    """Bulk-load HOSTS x MEASURES x points DOUBLE records straight into the server's DuckDB file."""
    service = TimestreamService(path)
    service.catalog.create_database(DATABASE, None)
    table = service.catalog.create_table(DATABASE, TABLE, {}, {})
    start_ns, step_ns = int(start.timestamp()) * 10**9, 3_600 * 10**9 // points
    rng = random.Random(1)
    columns: dict[str, list[Any]] = {
        name: [] for name in [SERIES_COLUMN, "time", "measure_name", *QUERY_DIMENSIONS]
    }
    values: list[float] = []
    for host in range(HOSTS):
        dims = {"region": f"region-{host % 6}", "availability_zone": f"region-{host % 6}-{host % 3 + 1}",
                "instance_name": f"i-zaZswmJk-host-{host:04d}"}  # fmt: skip
        for measure in MEASURES:
            series = json.dumps([sorted(dims.items()), measure], separators=(",", ":"))  # Record.series_key
            columns[SERIES_COLUMN] += [series] * points
            columns["time"] += [start_ns + i * step_ns for i in range(points)]
            columns["measure_name"] += [measure] * points
            for name, value in dims.items():
                columns[name] += [value] * points
            values += [round(rng.uniform(0, 100), 2) for _ in range(points)]
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
        table.storage_id, dict.fromkeys(QUERY_DIMENSIONS, "VARCHAR") | {"measure_value::double": "DOUBLE"}
    )
    service.storage.append(table.storage_id, batch)
    table.columns.update(dict.fromkeys(QUERY_DIMENSIONS, DIMENSION) | {"measure_value::double": "DOUBLE"})
    table.measure_types.update(dict.fromkeys(MEASURES, "DOUBLE"))
    service.catalog.save_table(table)
    service.close()
    return len(values)


def query_readers(url: str, sql: str) -> dict[str, Callable[[], int]]:
    """Ways to read every row of `sql` from the server; each returns the rows it read."""
    from timestream_pipeline.query_pages import iter_query_pages, page_to_batch

    schema = _export_schema()
    export_client = _export_client(url)
    stock_client = client("timestream-query", url)

    def export_path(max_rows: int | None) -> int:  # the export task: query_parser's pages -> page_to_batch
        pages = iter_query_pages(export_client, sql, max_rows=max_rows)
        return sum(batch.num_rows for page in pages if (batch := page_to_batch(page, schema, "cpu")))

    def paginator(config: dict[str, int]) -> int:  # what any other boto3 user of the API gets
        pages = stock_client.get_paginator("query").paginate(QueryString=sql, PaginationConfig=config)
        return sum(len(page["Rows"]) for page in pages)

    return {
        "the export's client path (query_parser, 1 MB pages)": lambda: export_path(None),
        f"the export's client path (query_parser), MaxRows={MAX_ROWS}": lambda: export_path(MAX_ROWS),
        f"boto3's paginator (botocore's parser), MaxRows={MAX_ROWS}": lambda: paginator(
            {"PageSize": MAX_ROWS}
        ),
        "boto3's paginator (botocore's parser), 1 MB pages": lambda: paginator({}),
    }


def _export_schema() -> pa.Schema:
    from timestream_pipeline.exports import Column
    from timestream_pipeline.query_pages import arrow_schema

    columns = [Column(name, "string") for name in QUERY_DIMENSIONS]
    columns += [Column("binned_timestamp", "timestamp")]
    columns += [Column(name, "double") for name in ("avg_cpu", "p90_cpu", "p95_cpu", "p99_cpu")]
    return arrow_schema(columns)


def _export_client(url: str) -> Any:
    from timestream_pipeline.query_parser import read_pages_directly

    return read_pages_directly(client("timestream-query", url))  # as export_job sets it up


def export_rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    """Every row of `sql` as the export task reads it, as Python values."""
    from timestream_pipeline.query_pages import iter_query_pages, page_to_batch

    schema = _export_schema()
    pages = iter_query_pages(_export_client(url), sql)
    batches = [batch for page in pages if (batch := page_to_batch(page, schema, "cpu"))]
    return [tuple(row.values()) for row in pa.Table.from_batches(batches, schema).to_pylist()]


def bench_query(points: int) -> None:
    hour = int(time.time()) // 3600 * 3600 - 2 * 3600
    start, end = datetime.fromtimestamp(hour, UTC), datetime.fromtimestamp(hour + 3600, UTC)
    window = {"start": f"{start:%Y-%m-%d %H:%M:%S}", "end": f"{end:%Y-%m-%d %H:%M:%S}"}
    with tempfile.TemporaryDirectory() as folder:
        path, copy = Path(folder) / "bench.duckdb", Path(folder) / "direct.duckdb"
        loaded = load_table(path, start, points)
        # DuckDB directly reads a copy of the file (the server holds the file's lock), run by run between
        # the server's runs: both see the same load on this shared machine.
        shutil.copyfile(path, copy)
        connection = duckdb.connect(str(copy))
        direct_sql = DIRECT_SQL.format(table=data_table(1), **window)
        expected = connection.execute(direct_sql).fetchall()
        process, url = start_server(path)
        try:
            sql = EXPORT_SQL.format(db=DATABASE, table=TABLE, **window)
            if export_rows(url, sql) != expected:
                raise SystemExit("the server's answer differs from DuckDB's: the comparison would be unfair")
            print(
                f"the CPU export query over {loaded:,} records ({len(expected):,} result rows, the same "
                "values) through the server (its own process, HTTP) vs the same query in DuckDB directly "
                "(medians of 5 runs each, alternating):"
            )
            for label, read in query_readers(url, sql).items():
                counts: list[int] = []
                served, direct = _alternating(
                    lambda read=read, counts=counts: counts.append(read()),
                    lambda: connection.execute(direct_sql).fetchall(),
                    5,
                )
                if set(counts) != {len(expected)}:
                    raise SystemExit(f"{label} read {counts} rows, DuckDB {len(expected)}")
                harness.compare(
                    harness.Figure(f"  {label}", served.median, "s", False),
                    harness.Figure("DuckDB directly", direct.median, "s", False),
                )
        finally:
            process.terminate()
            process.wait(timeout=10)
            connection.close()


def _alternating(
    work: Callable[[], Any], other: Callable[[], Any], repeats: int
) -> tuple[harness.Timing, harness.Timing]:
    """Timings of `work` and `other`, run in turns (after one untimed run of each)."""
    work()
    other()
    runs: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeats):
        for runs_of, run in zip(runs, (work, other), strict=True):
            started = time.perf_counter()
            run()
            runs_of.append(time.perf_counter() - started)
    return harness.Timing(tuple(runs[0])), harness.Timing(tuple(runs[1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write-records", type=int, default=60_000, help="records to write (default 60000)")
    parser.add_argument(
        "--points", type=int, default=1000, help="points per host and measure (1000: 1M rows)"
    )
    args = harness.parse_args(parser.description or "", argv, parser)
    bench_writes(1_000 if args.quick else args.write_records)
    bench_query(10 if args.quick else args.points)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
