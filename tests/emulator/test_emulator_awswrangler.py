"""awswrangler.timestream against the emulator: write a DataFrame, read it back with a query."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import awswrangler as wr
import pandas as pd
import pytest


@pytest.fixture
def wrangler_endpoints(endpoint: str) -> Iterator[None]:
    """Point awswrangler's Timestream clients at the emulator, and restore the global config after."""
    wr.config.timestream_query_endpoint_url = endpoint
    wr.config.timestream_write_endpoint_url = endpoint
    yield
    wr.config.reset("timestream_query_endpoint_url")
    wr.config.reset("timestream_write_endpoint_url")


def test_wrangler_write_then_query_round_trips_a_dataframe(
    wrangler_endpoints: None, database: str, table: str
) -> None:
    """Rows written with wr.timestream.write come back from wr.timestream.query with their types."""
    # GIVEN a DataFrame of three hosts' CPU values a minute ago
    moment = (datetime.now(UTC) - timedelta(minutes=1)).replace(microsecond=0, tzinfo=None)
    frame = pd.DataFrame({"time": [moment] * 3, "host": ["a", "b", "c"], "cpu_user": [1.5, 2.5, 3.5]})
    # WHEN it is written and queried
    rejected = wr.timestream.write(
        frame,
        database,
        table,
        time_col="time",
        measure_col="cpu_user",
        dimensions_cols=["host"],
        use_threads=False,
    )
    result = wr.timestream.query(
        f'SELECT host, time, measure_value::double AS cpu FROM "{database}"."{table}" ORDER BY host'
    )
    # THEN nothing was rejected and the values, hosts and times match
    assert rejected == []
    assert list(result["host"]) == ["a", "b", "c"]
    assert list(result["cpu"]) == [1.5, 2.5, 3.5]
    assert list(result["time"]) == [moment] * 3


def test_wrangler_write_returns_the_rejected_records(
    wrangler_endpoints: None, database: str, table: str
) -> None:
    """A conflicting re-write comes back from wr.timestream.write as rejection information."""
    # GIVEN a stored value for host a
    moment = (datetime.now(UTC) - timedelta(minutes=1)).replace(microsecond=0, tzinfo=None)
    first = pd.DataFrame({"time": [moment], "host": ["a"], "cpu_user": [1.0]})
    wr.timestream.write(first, database, table, "time", "cpu_user", ["host"], use_threads=False)
    # WHEN a different value is written for the same host and time at the same version
    second = first.assign(cpu_user=[2.0])
    rejected = wr.timestream.write(second, database, table, "time", "cpu_user", ["host"], use_threads=False)
    # THEN it is reported as rejected with the existing version
    assert len(rejected) == 1
    assert rejected[0]["ExistingVersion"] == 1


def test_wrangler_reads_arrays_dates_and_the_catalog_statements(
    wrangler_endpoints: None, database: str, table: str
) -> None:
    """Array, DATE and TIME columns and SHOW/DESCRIBE answers parse into a DataFrame."""
    # GIVEN one stored record
    moment = (datetime.now(UTC) - timedelta(minutes=1)).replace(microsecond=0, tzinfo=None)
    frame = pd.DataFrame({"time": [moment], "host": ["a"], "cpu_user": [1.5]})
    wr.timestream.write(
        frame, database, table, time_col="time", measure_col="cpu_user", dimensions_cols=["host"]
    )
    # WHEN awswrangler runs a query with typed results, and the catalog statements
    values = wr.timestream.query(
        "SELECT array_distinct(ARRAY[3, 1, 3]) AS a, date '2024-02-29' + interval '1' day AS d, "
        "current_timezone() AS zone"
    )
    tables = wr.timestream.query(f"SHOW TABLES FROM \"{database}\" LIKE '{table}'")
    described = wr.timestream.query(f'DESCRIBE "{database}"."{table}"')
    measures = wr.timestream.query(f'SHOW MEASURES FROM "{database}"."{table}"')
    # THEN each parses (arrays arrive as awswrangler's text of the ArrayValue)
    assert values["a"][0] == str([{"ScalarValue": "3"}, {"ScalarValue": "1"}])
    assert str(values["d"][0]) == "2024-03-01"
    assert values["zone"][0] == "UTC"
    assert list(tables["Table"]) == [table]
    assert list(described["Column"]) == ["host", "measure_name", "time", "measure_value::double"]
    assert list(measures["measure_name"]) == ["cpu_user"]
    assert list(measures["data_type"]) == ["double"]


def test_wrangler_query_fails_clearly_on_a_refused_function(wrangler_endpoints: None) -> None:
    """A refused function surfaces as a ValidationException naming it."""
    # GIVEN / WHEN / THEN
    with pytest.raises(Exception, match="Function ngrams is not supported"):
        wr.timestream.query("SELECT ngrams(ARRAY['a', 'b'], 2) AS grams")
