"""Every supported SQL construct, checked against the same answer computed in pandas from the same rows."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
import pytest
from emulator_support import now_ms, query_all, scalar_rows

HOSTS = ["host-a", "host-b", "host-c"]
REGIONS = {"host-a": "eu-west-1", "host-b": "eu-west-1", "host-c": "us-east-1"}
MEASURES = ["cpu_user", "cpu_system"]
STEP_MS = 5000
POINTS = 120  # ten minutes of 5-second samples per host and measure


def nearest_rank(values: pd.Series, p: float) -> float:
    """The documented approx_percentile definition: the ceil(p*n)-th smallest value (minimum for p=0)."""
    ordered = sorted(values)
    return ordered[max(math.ceil(p * len(ordered)), 1) - 1]


@pytest.fixture(scope="module")
def dataset(write_client: Any, database: str) -> tuple[str, pd.DataFrame]:
    """A table of 720 single-measure rows and the same rows as a DataFrame (time as UTC datetimes)."""
    write_client.create_table(DatabaseName=database, TableName="constructs")
    rng = random.Random(7)
    start_ms = (now_ms() // 60_000 - 15) * 60_000
    rows = [
        {
            "host": host,
            "region": REGIONS[host],
            "measure_name": measure,
            "value": round(rng.uniform(0, 100), 2),
            "time_ms": start_ms + i * STEP_MS,
        }
        for host in HOSTS
        for measure in MEASURES
        for i in range(POINTS)
    ]
    for first in range(0, len(rows), 100):
        records = [
            {
                "Dimensions": [
                    {"Name": "host", "Value": r["host"]},
                    {"Name": "region", "Value": r["region"]},
                ],
                "MeasureName": r["measure_name"],
                "MeasureValue": repr(r["value"]),
                "Time": str(r["time_ms"]),
            }
            for r in rows[first : first + 100]
        ]
        write_client.write_records(DatabaseName=database, TableName="constructs", Records=records)
    frame = pd.DataFrame(rows)
    frame["time"] = pd.to_datetime(frame["time_ms"], unit="ms", utc=True)
    return f'"{database}"."constructs"', frame


def _ts(moment: pd.Timestamp | datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S}.000000000"


def test_bin_avg_and_approx_percentile_match_pandas(
    query_client: Any, dataset: tuple[str, pd.DataFrame]
) -> None:
    """15 s bins of avg, p50 and p90 per host equal the pandas computation with the documented percentile."""
    # GIVEN the dataset
    table, frame = dataset
    # WHEN the CPU-statistics shape of query runs
    sql = (
        "SELECT host, bin(time, 15s) AS binned, round(avg(measure_value::double), 2) AS avg_cpu, "
        "approx_percentile(measure_value::double, 0.5) AS p50, "
        "approx_percentile(measure_value::double, 0.9) AS p90 "
        f"FROM {table} WHERE measure_name = 'cpu_user' GROUP BY host, bin(time, 15s) ORDER BY binned, host"
    )
    rows = scalar_rows(query_all(query_client, sql))
    # THEN each row equals pandas' answer
    cpu = frame[frame.measure_name == "cpu_user"].assign(binned=lambda f: f.time.dt.floor("15s"))
    expected = [
        [host, _ts(binned), g.value.mean(), nearest_rank(g.value, 0.5), nearest_rank(g.value, 0.9)]
        for (binned, host), g in cpu.groupby(["binned", "host"])
    ]
    assert [row[:2] for row in rows] == [row[:2] for row in expected]
    # round(avg, 2) is within half a cent of the exact mean; percentiles are exact values of the group
    assert [float(row[2]) for row in rows] == pytest.approx([row[2] for row in expected], abs=0.005 + 1e-9)
    assert [[float(row[3]), float(row[4])] for row in rows] == [row[3:] for row in expected]


def test_count_if_case_and_between_match_pandas(query_client: Any, dataset: tuple[str, pd.DataFrame]) -> None:
    """count_if, a CASE bucket and BETWEEN on values give pandas' counts."""
    # GIVEN the dataset
    table, frame = dataset
    # WHEN counting high values, mid-range values and CASE labels per host
    sql = (
        "SELECT host, count_if(measure_value::double > 50) AS high, "
        "sum(CASE WHEN measure_value::double BETWEEN 25 AND 75 THEN 1 ELSE 0 END) AS mid, count(*) AS total "
        f"FROM {table} WHERE measure_name = 'cpu_system' GROUP BY host ORDER BY host"
    )
    rows = scalar_rows(query_all(query_client, sql))
    # THEN the counts are pandas'
    system = frame[frame.measure_name == "cpu_system"]
    expected = [
        [host, str((g.value > 50).sum()), str(g.value.between(25, 75).sum()), str(len(g))]
        for host, g in system.groupby("host")
    ]
    assert rows == expected


def test_cte_and_join_find_the_time_of_each_hosts_maximum(
    query_client: Any, dataset: tuple[str, pd.DataFrame]
) -> None:
    """A CTE of per-host maxima joined back to the table returns the time of each maximum."""
    # GIVEN the dataset
    table, frame = dataset
    # WHEN a CTE computes max per host and a join finds its time
    sql = (
        f"WITH peaks AS (SELECT host, max(measure_value::double) AS peak FROM {table} "
        "WHERE measure_name = 'cpu_user' GROUP BY host) "
        f"SELECT t.host, p.peak, min(t.time) AS at FROM {table} t JOIN peaks p ON t.host = p.host "
        "AND t.measure_value::double = p.peak WHERE t.measure_name = 'cpu_user' "
        "GROUP BY t.host, p.peak ORDER BY t.host"
    )
    rows = scalar_rows(query_all(query_client, sql))
    # THEN host, peak and its first time match pandas
    cpu = frame[frame.measure_name == "cpu_user"]
    expected = []
    for host, g in cpu.groupby("host"):
        peak = g.value.max()
        expected.append([host, repr(float(peak)), _ts(g[g.value == peak].time.min())])
    assert rows == expected


def test_min_max_sum_with_order_and_limit_match_pandas(
    query_client: Any, dataset: tuple[str, pd.DataFrame]
) -> None:
    """Aggregates per (region, measure), ordered by sum descending, limited to 2 rows."""
    # GIVEN the dataset
    table, frame = dataset
    # WHEN
    sql = (
        "SELECT region, measure_name, min(measure_value::double) AS lo, max(measure_value::double) AS hi, "
        f"round(sum(measure_value::double), 2) AS total FROM {table} GROUP BY region, measure_name "
        "ORDER BY total DESC LIMIT 2"
    )
    rows = scalar_rows(query_all(query_client, sql))
    # THEN the first two groups by descending sum are pandas'
    grouped = frame.groupby(["region", "measure_name"]).value.agg(["min", "max", "sum"]).reset_index()
    grouped = grouped.assign(total=grouped["sum"].round(2)).sort_values("total", ascending=False).head(2)
    expected = [[r.region, r.measure_name, r["min"], r["max"], r["sum"]] for _, r in grouped.iterrows()]
    assert [row[:4] for row in rows] == [[r[0], r[1], repr(float(r[2])), repr(float(r[3]))] for r in expected]
    assert [float(row[4]) for row in rows] == pytest.approx([r[4] for r in expected], abs=0.005 + 1e-9)


def test_ago_and_now_select_the_recent_rows(query_client: Any, dataset: tuple[str, pd.DataFrame]) -> None:
    """`time BETWEEN ago(5m) AND now()` counts the rows of the last five minutes."""
    # GIVEN the dataset (its newest rows are ~5 minutes old)
    table, frame = dataset
    # WHEN
    before = pd.Timestamp.now(tz=UTC)
    [[count]] = scalar_rows(
        query_all(query_client, f"SELECT count(*) FROM {table} WHERE time BETWEEN ago(8m) AND now()")
    )
    after = pd.Timestamp.now(tz=UTC)
    # THEN the count lies between pandas' counts for the window at the instants around the query
    newest_window = (frame.time >= before - timedelta(minutes=8)).sum()
    oldest_window = (frame.time >= after - timedelta(minutes=8)).sum()
    assert oldest_window <= int(count) <= newest_window
    assert int(count) > 0


@pytest.mark.parametrize(
    "literal",
    [
        "'{:%Y-%m-%d %H:%M:%S}'",
        "'{:%Y-%m-%d %H:%M:%S}.000000000'",
        "from_iso8601_timestamp('{:%Y-%m-%dT%H:%M:%S}Z')",
        "TIMESTAMP '{:%Y-%m-%d %H:%M:%S}'",
    ],
)
def test_timestamp_literal_forms_filter_alike(
    query_client: Any, dataset: tuple[str, pd.DataFrame], literal: str
) -> None:
    """Each accepted timestamp literal form selects the rows at or after that instant."""
    # GIVEN a cut-off in the middle of the data
    table, frame = dataset
    cut = frame.time.min() + timedelta(minutes=5)
    # WHEN rows at or after the cut-off are counted
    sql = f"SELECT count(*) FROM {table} WHERE time >= {literal.format(cut)}"
    [[count]] = scalar_rows(query_all(query_client, sql))
    # THEN the count is pandas'
    assert int(count) == (frame.time >= cut).sum()


def test_integer_division_stays_integer(query_client: Any) -> None:
    """7 / 2 is 3 in Timestream (Presto semantics), not 3.5."""
    # GIVEN / WHEN
    page = query_client.query(QueryString="SELECT 7 / 2 AS q, 7.0 / 2 AS d")
    # THEN
    assert scalar_rows([page]) == [["3", "3.5"]]
    assert page["ColumnInfo"][0]["Type"]["ScalarType"] == "INTEGER"


def test_timestamps_come_back_with_nanoseconds(query_client: Any, dataset: tuple[str, pd.DataFrame]) -> None:
    """TIMESTAMP values are rendered 'YYYY-MM-DD HH:MM:SS.nnnnnnnnn'."""
    # GIVEN the dataset
    table, frame = dataset
    # WHEN the earliest time is selected
    page = query_client.query(QueryString=f"SELECT min(time) AS first FROM {table}")
    # THEN it has nine fractional digits and TIMESTAMP type
    assert scalar_rows([page]) == [[_ts(frame.time.min())]]
    assert page["ColumnInfo"][0]["Type"] == {"ScalarType": "TIMESTAMP"}


def test_nulls_are_null_values(query_client: Any, dataset: tuple[str, pd.DataFrame]) -> None:
    """A NULL result is {"NullValue": true}, not a ScalarValue."""
    # GIVEN the dataset
    table, _ = dataset
    # WHEN a CASE without ELSE yields NULL
    page = query_client.query(
        QueryString=f"SELECT CASE WHEN 1 = 2 THEN 'x' END AS nothing FROM {table} LIMIT 1"
    )
    # THEN
    assert page["Rows"][0]["Data"] == [{"NullValue": True}]


def test_unnamed_result_columns_are_named_by_position_as_timestream_does(
    query_client: Any, dataset: tuple[str, pd.DataFrame]
) -> None:
    """Expressions without an alias come back as `_col<position>`; columns and aliases keep their names."""
    # GIVEN the dataset
    table, frame = dataset
    # WHEN a query mixes unnamed expressions, a typed measure column, a dimension and an alias
    sql = (
        "SELECT count(*), max(measure_value::double), host, region AS where_from "
        f"FROM {table} WHERE measure_name = 'cpu_user' GROUP BY host, region ORDER BY host"
    )
    pages = query_all(query_client, sql)
    # THEN the names follow Timestream's rule, and the values are still right
    assert [column["Name"] for column in pages[0]["ColumnInfo"]] == ["_col0", "_col1", "host", "where_from"]
    cpu = frame[frame["measure_name"] == "cpu_user"]
    first = scalar_rows(pages)[0]
    assert int(first[0]) == len(cpu[cpu["host"] == "host-a"])
    assert float(first[1]) == cpu[cpu["host"] == "host-a"]["value"].max()


def test_from_unixtime_compares_with_time(query_client: Any, dataset: tuple[str, pd.DataFrame]) -> None:
    """from_unixtime(...) is a timestamp without zone: it compares with `time` (it failed to bind before)."""
    # GIVEN the dataset and a cut-off five minutes after its first row
    table, frame = dataset
    cut = frame.time.min() + timedelta(minutes=5)
    # WHEN rows at or after from_unixtime(cut) are counted
    sql = f"SELECT count(*) FROM {table} WHERE time >= from_unixtime({cut.timestamp()})"
    [[count]] = scalar_rows(query_all(query_client, sql))
    # THEN the count is pandas'
    assert int(count) == (frame.time >= cut).sum()


def test_unnest_beside_a_stored_table_repeats_each_row(
    query_client: Any, dataset: tuple[str, pd.DataFrame]
) -> None:
    """`FROM table CROSS JOIN UNNEST(ARRAY[...])` pairs every stored row with every element."""
    table, frame = dataset
    sql = (
        f"SELECT t.tag, count(*) FROM {table} CROSS JOIN UNNEST(ARRAY['a', 'b']) AS t(tag) "
        "WHERE measure_name = 'cpu_user' GROUP BY t.tag ORDER BY t.tag"
    )
    rows = scalar_rows(query_all(query_client, sql))
    cpu = str((frame.measure_name == "cpu_user").sum())
    assert rows == [["a", cpu], ["b", cpu]]
