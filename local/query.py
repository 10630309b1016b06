"""`python -m local query "SQL"`: Timestream SQL against the running local stack, printed as a table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError, EndpointConnectionError

from local.resources import client
from local.table import render_at_most
from pipeline_config import names
from pipeline_config.local_state import LocalStackState


def query_rows(
    endpoint: str, sql: str, max_rows: int | None = None, region: str = names.LOCAL_REGION
) -> tuple[list[str], list[list[Any]]]:
    """Column names and rows (scalars as Timestream returns them: strings, or None), every page."""
    timestream = client("timestream-query", endpoint, region)
    columns: list[str] = []
    rows: list[list[Any]] = []
    for page in timestream.get_paginator("query").paginate(QueryString=sql):
        columns = [column.get("Name", "") for column in page["ColumnInfo"]]
        rows += [[_scalar(datum) for datum in row["Data"]] for row in page["Rows"]]
        if max_rows is not None and len(rows) >= max_rows:
            return columns, rows[:max_rows]
    return columns, rows


def _scalar(datum: dict[str, Any]) -> Any:
    if datum.get("NullValue"):
        return None
    if "ScalarValue" in datum:
        return datum["ScalarValue"]
    if "ArrayValue" in datum:
        return [_scalar(item) for item in datum["ArrayValue"]]
    if "RowValue" in datum:
        return [_scalar(item) for item in datum["RowValue"]["Data"]]
    return datum


def run_query(sql: str, max_rows: int, state_path: Path) -> int:
    state = LocalStackState.load(state_path)
    if state is None:
        raise SystemExit(
            "error: the local stack is not running: start it with `make local-up` or `make demo KEEP=1`"
        )
    try:
        columns, rows = query_rows(state.timestream_endpoint, sql, max_rows + 1)
    except ClientError as error:
        raise SystemExit(
            f"error: the query failed: {error.response['Error'].get('Message', error)}"
        ) from None
    except (OSError, EndpointConnectionError) as error:
        raise SystemExit(
            f"error: cannot reach {state.timestream_endpoint} ({error}): is the stack up?"
        ) from None
    print(render_at_most(columns, rows, max_rows))
    return 0
