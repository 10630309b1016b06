"""`python -m local query "SQL"`: Timestream SQL against the running local stack, printed as a table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError, EndpointConnectionError, ParamValidationError

from local.resources import client
from local.table import render_at_most
from pipeline_config import names

EXAMPLE = 'python -m local query "SELECT count(*) FROM timeseries_pipeline.raw"'


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
    """Print the first `max_rows` rows of `sql` as a table; every failure is one line on stderr."""
    from local.stack import running_state

    if not sql.strip():
        raise SystemExit(f"error: the SQL is empty: pass a statement, e.g. {EXAMPLE}")
    state = running_state(state_path)
    if state is None:
        raise SystemExit(
            "error: the local stack is not running: start it with `make local-up` or `make demo KEEP=1`"
        )
    try:
        columns, rows = query_rows(state.timestream_endpoint, sql, max_rows + 1)
    except ClientError as error:
        message = _one_line(error.response["Error"].get("Message", ""))
        raise SystemExit(f"error: the query failed: {message}") from None
    except ParamValidationError as error:
        raise SystemExit(f"error: the query was not sent: {_one_line(str(error))}") from None
    except (OSError, EndpointConnectionError) as error:
        raise SystemExit(
            f"error: cannot reach the local Timestream at {state.timestream_endpoint} ({error}): "
            "`make local-restart SERVER=timestream` restarts it"
        ) from None
    print(render_at_most(columns, rows, max_rows))
    return 0


def _one_line(text: str) -> str:
    return " ".join(text.split())
