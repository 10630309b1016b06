"""Benchmark the export path: query-mode rows/s and peak memory, and the parse time of dags/.

    .venv/bin/python bench/export.py [--rows 1000000]

1. A child process streams N result rows (pages of 1000, as Timestream sends them, from a stub
   paginator) through the same page->Arrow->Parquet code the DAG runs, into a local file. It reports
   rows/s and its peak RSS; a second child does a tenth of the rows: equal peaks mean bounded memory.
2. Parse time: a fresh `import airflow.sdk`, versus the same plus importing every DAG file in dags/
   (best of 3 each). The design target is at most +0.2 s.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PAGE_ROWS = 1000

_EXPORT_CHILD = """
import json, resource, sys, tempfile, time
from pathlib import Path
sys.path[:0] = [{root!r}, {dags!r}]
from timestream_pipeline.exports import load_exports
from timestream_pipeline.part_writer import RollingPartWriter
from timestream_pipeline.query_pages import arrow_schema, iter_query_pages, page_to_batch
import pyarrow as pa

spec = next(s for s in load_exports(Path({exports!r})) if s.name == "cpu_utilization")
samples = {{"string": "us-east-2-cell-1-silo-2", "timestamp": "2026-11-22 09:00:15.000000000",
            "double": "57.31", "bigint": "12", "boolean": "true"}}
page = {{"ColumnInfo": [{{"Name": c.name, "Type": {{"ScalarType": "VARCHAR"}}}} for c in spec.columns],
        "Rows": [{{"Data": [{{"ScalarValue": samples[c.type]}} for c in spec.columns]}}
                 for _ in range({page_rows})]}}
pages = {rows} // {page_rows}

class StubClient:
    def query(self, **request):
        index = int(request.get("NextToken", "0"))
        return dict(page, NextToken=str(index + 1)) if index + 1 < pages else dict(page)

schema = arrow_schema(spec.columns)
baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
with tempfile.TemporaryDirectory() as directory:
    start = time.perf_counter()
    writer = RollingPartWriter(Path(directory), "parquet", schema)
    for result in iter_query_pages(StubClient(), "SELECT 1"):
        writer.write(page_to_batch(result, schema, spec.name))
    files = writer.close()
    elapsed = time.perf_counter() - start
    size = sum(f.stat().st_size for f in files)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"rows": writer.rows, "seconds": elapsed, "files": len(files), "bytes": size,
                  "baseline_kib": baseline, "peak_kib": peak,
                  "arrow_pool_peak": pa.default_memory_pool().max_memory()}}))
"""

_IMPORT_SDK = "import airflow.sdk"
_PARSE_DAGS = """
import runpy, sys, time
sys.path[:0] = [{root!r}, {dags!r}]
import airflow.sdk
start = time.perf_counter()
for path in {files!r}:
    runpy.run_path(path)
print(time.perf_counter() - start)
"""


def run_child(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"benchmark child failed:\n{result.stderr[-2000:]}")
    return result.stdout


def export_figures(rows: int) -> dict:
    code = _EXPORT_CHILD.format(
        root=str(REPO_ROOT),
        dags=str(REPO_ROOT / "dags"),
        exports=str(REPO_ROOT / "dags" / "exports.toml"),
        page_rows=PAGE_ROWS,
        rows=rows,
    )
    return json.loads(run_child(code).strip().splitlines()[-1])


def best_wall_time(code: str, repeats: int = 3) -> float:
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        run_child(code)
        timings.append(time.perf_counter() - start)
    return min(timings)


def dag_files() -> list[str]:
    """The DAG files Airflow parses: top-level .py files of dags/ (packages are in .airflowignore)."""
    return sorted(str(path) for path in (REPO_ROOT / "dags").glob("*.py"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="result rows to export (default 1e6)")
    args = parser.parse_args(argv)
    if args.rows < 10 * PAGE_ROWS:
        raise SystemExit(f"--rows must be at least {10 * PAGE_ROWS}")

    full = export_figures(args.rows)
    tenth = export_figures(args.rows // 10)
    print(f"query mode, cpu_utilization schema (13 columns), pages of {PAGE_ROWS} rows -> Parquet")
    for label, figures in ((f"{args.rows:,} rows", full), (f"{args.rows // 10:,} rows", tenth)):
        print(
            f"  {label:>14}: {figures['rows'] / figures['seconds']:>10,.0f} rows/s  "
            f"({figures['seconds']:.2f} s, {figures['files']} file(s), {figures['bytes'] / 1e6:.1f} MB)  "
            f"peak RSS {figures['peak_kib'] / 1024:.0f} MiB "
            f"(+{(figures['peak_kib'] - figures['baseline_kib']) / 1024:.0f} MiB over imports), "
            f"Arrow pool peak {figures['arrow_pool_peak'] / 2**20:.0f} MiB"
        )

    files = dag_files()
    parse_code = _PARSE_DAGS.format(root=str(REPO_ROOT), dags=str(REPO_ROOT / "dags"), files=files)
    sdk_only = best_wall_time(_IMPORT_SDK)
    with_dags = best_wall_time(parse_code)
    in_process = min(float(run_child(parse_code).strip().splitlines()[-1]) for _ in range(3))
    print(f"parse time, best of 3; DAG files: {', '.join(Path(f).name for f in files)}")
    print(f"  python -c 'import airflow.sdk':          {sdk_only:.2f} s")
    print(f"  same, then parse every DAG file:         {with_dags:.2f} s")
    print(f"  parsing the DAG files after the import: +{in_process:.3f} s (target <= +0.20 s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
