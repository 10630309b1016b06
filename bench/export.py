"""The query-mode export's client path vs awswrangler, on varied rows, with peak memory; and DAG parse time.

    .venv/bin/python bench/export.py [--rows 1000000] [--quick]

1. Each variant runs in a fresh child process, so its peak RSS is its own. All read the same result
   pages (the cpu_utilization export's 13 columns, with Timestream's column types, 20 distinct pages of
   1,000 varied rows served in turn) through a real boto3 timestream-query client whose HTTP send is
   answered on botocore's `before-send` event, so botocore's serializer, events and retry logic run:
   - export path: `iter_query_pages` -> `page_to_batch` -> `RollingPartWriter`, as the export DAG's
     task, on a client set up as `export_job.timestream_client` does (`query_parser` reads the pages);
   - the same path with botocore's generic response parser (the export path before `query_parser`);
   - awswrangler: `wr.timestream.query(chunked=True)` -> `pa.Table.from_pandas` -> the same part writer.
   A tenth of the rows runs too: equal peaks mean memory stays bounded whatever the hour's size.
2. Parse time: a fresh `import airflow.sdk`, versus the same plus every DAG file in dags/ (best of 3).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import harness

PAGE_ROWS = 1000
DISTINCT_PAGES = 20
EXPORT = "cpu_utilization"
SCALAR_TYPES = {"string": "VARCHAR", "timestamp": "TIMESTAMP", "double": "DOUBLE", "bigint": "BIGINT"}
DAG_IMPORT = "import airflow.sdk"
DAG_PARSE = """
import runpy, sys, time
sys.path[:0] = [{root!r}, {dags!r}]
import airflow.sdk
start = time.perf_counter()
for path in {files!r}:
    runpy.run_path(path)
print(time.perf_counter() - start)
"""


def export_spec() -> Any:
    from timestream_pipeline.exports import load_exports

    return next(
        spec for spec in load_exports(harness.REPO_ROOT / "dags" / "exports.toml") if spec.name == EXPORT
    )


def page_bodies(columns: list[Any]) -> list[dict[str, Any]]:
    """Result pages as the Query API returns them: hosts, 15 s bins and statistics that all vary."""
    rng = random.Random(16)
    start = datetime(2026, 11, 22, 9, tzinfo=UTC)
    pages = []
    for page in range(DISTINCT_PAGES):
        rows = []
        for n in range(PAGE_ROWS):
            host = rng.randrange(1000)
            region = f"eu-west-{host % 3 + 1}"
            cell = f"{region}-cell-{host % 7}"
            text = {
                "region": region,
                "cell": cell,
                "silo": f"{cell}-silo-{host % 4}",
                "availability_zone": f"{region}{'abc'[host % 3]}",
                "microservice_name": ("apollo", "zeus", "hermes")[host % 3],
                "instance_type": ("r5.4xlarge", "m5.8xlarge", "c5.16xlarge")[host % 3],
                "os_version": f"AL2012-{host % 5}",
                "instance_name": f"i-{host:08x}-apollo-{host:04d}.amazonaws.com",
            }
            binned = start + timedelta(seconds=15 * ((page * PAGE_ROWS + n) // 250))
            stats = sorted(round(rng.uniform(0, 100), 2) for _ in range(4))
            values = {**text, "binned_timestamp": f"{binned:%Y-%m-%d %H:%M:%S}.000000000",
                      "avg_cpu_utilization": stats[0], "p90_cpu_utilization": stats[1],
                      "p95_cpu_utilization": stats[2], "p99_cpu_utilization": stats[3]}  # fmt: skip
            rows.append({"Data": [{"ScalarValue": str(values[c.name])} for c in columns]})
        info = [{"Name": c.name, "Type": {"ScalarType": SCALAR_TYPES[c.type]}} for c in columns]
        pages.append({"QueryId": "bench", "ColumnInfo": info, "Rows": rows})
    return pages


def canned_query(total_rows: int, columns: list[Any]) -> harness.CannedHTTP:
    """Serves `total_rows` rows in pages of PAGE_ROWS, NextToken = the next page's number."""
    bodies = [json.dumps(page) for page in page_bodies(columns)]
    pages = -(-total_rows // PAGE_ROWS)

    def respond(operation: str, request: dict[str, Any]) -> tuple[int, bytes]:
        if operation == "DescribeEndpoints":
            return 200, b'{"Endpoints": [{"Address": "127.0.0.1:9", "CachePeriodInMinutes": 1440}]}'
        index = int(request.get("NextToken") or 0)
        body = bodies[index % DISTINCT_PAGES]
        token = f', "NextToken": "{index + 1}"}}' if index + 1 < pages else "}"
        return 200, (body[:-1] + token).encode()

    return harness.CannedHTTP(respond)


Export = Callable[[], tuple[int, list[Path]]]


def prepare_product(rows: int, directory: Path, parser: str = "direct") -> Export:
    """The DAG task's path: imports, client and canned pages ready; returns the timed part."""
    from timestream_pipeline.part_writer import RollingPartWriter
    from timestream_pipeline.query_pages import arrow_schema, iter_query_pages, page_to_batch
    from timestream_pipeline.query_parser import read_pages_directly

    spec = export_spec()
    client = harness.local_client("timestream-query", canned_query(rows, spec.columns))
    if parser == "direct":  # as export_job.timestream_client sets the client up
        read_pages_directly(client)
    schema = arrow_schema(spec.columns)

    def export() -> tuple[int, list[Path]]:
        writer = RollingPartWriter(directory, "parquet", schema)
        for page in iter_query_pages(client, "SELECT ..."):
            batch = page_to_batch(page, schema, spec.name)
            if batch is not None:
                writer.write(batch)
        files = writer.close()
        return writer.rows, files

    return export


def prepare_awswrangler(rows: int, directory: Path) -> Export:
    import awswrangler as wr
    import boto3
    import pyarrow as pa

    from timestream_pipeline.part_writer import RollingPartWriter
    from timestream_pipeline.query_pages import arrow_schema

    spec = export_spec()
    schema = arrow_schema(spec.columns)
    fake = {"aws_access_key_id": "bench", "aws_secret_access_key": "bench"}  # the endpoint is canned
    session = boto3.Session(region_name="us-east-1", **fake)
    session.events.register("before-send", canned_query(rows, spec.columns))
    wr.config.timestream_query_endpoint_url = "http://127.0.0.1:9"

    def export() -> tuple[int, list[Path]]:
        writer = RollingPartWriter(directory, "parquet", schema)
        for frame in wr.timestream.query("SELECT ...", chunked=True, boto3_session=session):
            table = pa.Table.from_pandas(frame, preserve_index=False).select(schema.names)
            for batch in table.cast(schema, safe=False).to_batches():
                writer.write(batch)
        files = writer.close()
        return writer.rows, files

    return export


def child(variant: str, rows: int) -> None:
    """One variant in this (fresh) process; prints its figures as one JSON line."""
    harness.on_path("", "dags")
    prepare = {
        "product": prepare_product,
        "botocore": lambda rows, directory: prepare_product(rows, directory, parser="botocore"),
        "awswrangler": prepare_awswrangler,
    }[variant]
    with tempfile.TemporaryDirectory() as folder:
        export = prepare(rows, Path(folder))
        baseline = harness.peak_rss_mib()
        started = time.perf_counter()
        written, files = export()
        seconds = time.perf_counter() - started
        size = sum(path.stat().st_size for path in files)
        digest = hashlib.sha256(b"".join(path.read_bytes() for path in files)).hexdigest()
    figures = {"rows": written, "seconds": seconds, "bytes": size, "peak_mib": harness.peak_rss_mib(),
               "baseline_mib": baseline, "sha256": digest}  # fmt: skip
    print(json.dumps(figures))


def in_child(variant: str, rows: int) -> dict[str, float]:
    argv = [sys.executable, __file__, "--child", variant, "--rows", str(rows)]
    result = subprocess.run(argv, cwd=harness.REPO_ROOT, capture_output=True, text=True, check=False)
    if result.returncode:
        raise SystemExit(f"the {variant} export child failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def compare_exports(rows: int) -> None:
    print(f"query-mode export of {rows:,} rows ({EXPORT}, 13 columns, pages of {PAGE_ROWS}) -> Parquet, "
          "through botocore (before-send answers), each in a fresh process:")  # fmt: skip
    for size in (rows, rows // 10) if rows >= 10 * PAGE_ROWS else (rows,):
        product, generic = in_child("product", size), in_child("botocore", size)
        wrangler = in_child("awswrangler", size)
        for figures in (product, generic, wrangler):
            if figures["rows"] != size:
                raise SystemExit(f"an export wrote {figures['rows']} rows instead of {size}")
        if product["sha256"] != generic["sha256"]:
            raise SystemExit("the export path wrote other Parquet bytes than with botocore's parser")
        harness.compare(
            harness.Figure(f"  {size:>9,} rows, export path", size / product["seconds"], "rows/s"),
            harness.Figure("botocore's parser", size / generic["seconds"], "rows/s"),
            harness.Figure("awswrangler", size / wrangler["seconds"], "rows/s"),
        )
        product_extra = product["peak_mib"] - product["baseline_mib"]
        wrangler_extra = wrangler["peak_mib"] - wrangler["baseline_mib"]
        harness.say(
            f"{'':14}peak RSS: export path {product['peak_mib']:.0f} MiB (+{product_extra:.0f} during the "
            f"export), awswrangler {wrangler['peak_mib']:.0f} MiB (+{wrangler_extra:.0f}); Parquet "
            f"{product['bytes'] / 1e6:.1f} MB vs {wrangler['bytes'] / 1e6:.1f} MB"
        )


def best_wall_time(argv: list[str], repeats: int) -> tuple[float, str]:
    best, output = float("inf"), ""
    for _ in range(repeats):
        started = time.perf_counter()
        result = subprocess.run(argv, cwd=harness.REPO_ROOT, capture_output=True, text=True, check=True)
        best, output = min(best, time.perf_counter() - started), result.stdout
    return best, output


def dag_parse_time(repeats: int) -> None:
    files = sorted(str(path) for path in (harness.REPO_ROOT / "dags").glob("*.py"))
    code = DAG_PARSE.format(root=str(harness.REPO_ROOT), dags=str(harness.REPO_ROOT / "dags"), files=files)
    sdk_only, _ = best_wall_time([sys.executable, "-c", DAG_IMPORT], repeats)
    with_dags, output = best_wall_time([sys.executable, "-c", code], repeats)
    after_import = float(output.strip().splitlines()[-1])
    print(f"DAG parse time, best of {repeats} fresh processes ({', '.join(Path(f).name for f in files)}):")
    harness.compare(
        harness.Figure("  import airflow.sdk, then every DAG file", with_dags, "s", higher_is_better=False),
        harness.Figure("import airflow.sdk alone", sdk_only, "s", higher_is_better=False),
    )
    harness.say(f"  the DAG files after the import: +{after_import:.3f} s (target <= +0.20 s)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="result rows to export (default 1e6)")
    parser.add_argument("--child", choices=("product", "botocore", "awswrangler"), help=argparse.SUPPRESS)
    if argv is None:
        argv = sys.argv[1:]
    if "--child" in argv:
        args = parser.parse_args(argv)
        child(args.child, args.rows)
        return 0
    args = harness.parse_args(parser.description or "", argv, parser)
    rows = 2 * PAGE_ROWS if args.quick else args.rows
    if rows < 10 * PAGE_ROWS and not args.quick:
        raise SystemExit(f"--rows must be at least {10 * PAGE_ROWS}")
    compare_exports(rows)
    dag_parse_time(1 if args.quick else 3)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
