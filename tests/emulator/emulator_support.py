"""Helpers shared by the emulator tests: record builders and query paging."""

from __future__ import annotations

import time
from typing import Any


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
