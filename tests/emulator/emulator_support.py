"""Helpers shared by the emulator tests: record builders and query paging."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import boto3

from local.processes import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]


def now_ms() -> int:
    return int(time.time() * 1000)


def double_record(
    host: str, value: float, time_ms: int, measure: str = "cpu_user", **extra: Any
) -> dict[str, Any]:
    """A single-measure DOUBLE record with one `host` dimension."""
    return {
        "Dimensions": [{"Name": "host", "Value": host}],
        "MeasureName": measure,
        "MeasureValue": repr(float(value)),
        "MeasureValueType": "DOUBLE",
        "Time": str(time_ms),
        **extra,
    }


def scalar_rows(response_pages: list[dict[str, Any]]) -> list[list[str | None]]:
    """Rows of every page as lists of ScalarValue text (None for NullValue)."""
    return [
        [datum.get("ScalarValue") for datum in row["Data"]] for page in response_pages for row in page["Rows"]
    ]


def query_all(query_client: Any, sql: str, **kwargs: Any) -> list[dict[str, Any]]:
    """Every page of a query."""
    return list(query_client.get_paginator("query").paginate(QueryString=sql, **kwargs))


def serve_process(db_path: Path, database: str, *options: str) -> tuple[subprocess.Popen[bytes], Any]:
    """The emulator as its own process on `db_path` (`serve` `options` too) and a write client for it,
    once it has created `database`."""
    port = free_port()
    argv = [sys.executable, "-m", "local.timestream", "serve", "--port", str(port), "--db", str(db_path)]
    server = subprocess.Popen(
        [*argv, *options], cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    write = boto3.client("timestream-write", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1")
    for _ in range(300):
        try:
            write.create_database(DatabaseName=database)
            return server, write
        except Exception:  # not listening yet
            time.sleep(0.1)
    server.kill()
    raise AssertionError(f"the emulator did not answer on port {port} within 30 s")
