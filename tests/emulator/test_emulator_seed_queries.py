"""The seed systems' queries either run with the right answer or fail naming the unsupported construct."""

from __future__ import annotations

import bisect
import math
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import emulator_seed_queries as seeds
import pandas as pd
import pytest
from emulator_support import now_ms, query_all, scalar_rows

SENSORS = ["sensor-00", "sensor-01", "sensor-02"]
RAW_OFFSETS_S = [*range(1, 6), *range(15, 121, 3)]  # nothing near the 10-second boundary of ago(10s)


def _nearest_rank(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(math.ceil(p * len(ordered)), 1) - 1]


def _write(client: Any, database: str, table: str, records: list[dict[str, Any]]) -> None:
    for first in range(0, len(records), 100):
        client.write_records(DatabaseName=database, TableName=table, Records=records[first : first + 100])


def _record(dims: dict[str, str], measure: str, value: float, time_ms: int) -> dict[str, Any]:
    return {
        "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()],
        "MeasureName": measure,
        "MeasureValue": repr(float(value)),
        "Time": str(time_ms),
    }


TABLES = {
    "demoAirflow": ["kinesisdata1"],
    "TimeSeriesDb-local": ["TimeSeriesRawTable-local", "TimeSeriesCepTable-local"],
    "DemoDatabase": ["WeatherMetrics"],
}
INSTANCES = [
    ("i-zaZswmJk-apollo-0000.amazonaws.com", "us-east-1-1"),
    ("i-zaZswmJk-zeus-0001.amazonaws.com", "us-east-1-2"),
]


def _cpu_rows(rng: random.Random, window_start: int) -> list[dict[str, Any]]:
    """Repo A: cpu_nice every 5 s for two instances."""
    return [
        {"instance_name": name, "availability_zone": zone, "region": "us-east-1",
         "value": round(rng.uniform(0, 1), 2), "time_ms": window_start + i * 5000}
        for name, zone in INSTANCES
        for i in range(60)
    ]  # fmt: skip


def _raw_rows(rng: random.Random, now: int) -> list[dict[str, Any]]:
    """Repo B raw: integer temperatures with a status dimension."""
    statuses = ["OK", "OK", "WARNING", "ERROR"]
    return [
        {"sensor_id": sensor, "status": rng.choice(statuses), "value": float(rng.randint(10, 180)),
         "time_ms": now - offset * 1000}
        for sensor in SENSORS
        for offset in RAW_OFFSETS_S
    ]  # fmt: skip


def _cep_rows(now: int) -> list[dict[str, Any]]:
    """Repo B CEP: avg_temperature and elapsed as two single-measure rows at the same instant."""
    return [
        {"sensor_id": sensor, "history": "OK-WARNING", "non_errors": "2", "measure": measure,
         "value": float(value), "time_ms": now - k * 20_000}
        for sensor in SENSORS[:2]
        for k in range(3)
        for measure, value in (("avg_temperature", 150 + k), ("elapsed", 10 + k))
    ]  # fmt: skip


@pytest.fixture(scope="module")
def seeded(write_client: Any) -> dict[str, Any]:
    """The seed tables (repo A, repo B raw/CEP, the tutorial) with data, and the rows as DataFrames."""
    rng = random.Random(3)
    now = now_ms() // 1000 * 1000
    for database, tables in TABLES.items():
        write_client.create_database(DatabaseName=database)
        for table in tables:
            write_client.create_table(DatabaseName=database, TableName=table)
    window_start = (now // 60_000 - 10) * 60_000
    cpu, raw, cep = _cpu_rows(rng, window_start), _raw_rows(rng, now), _cep_rows(now)
    cpu_dims = ("region", "availability_zone", "instance_name")
    cpu_records = [_record({k: r[k] for k in cpu_dims}, "cpu_nice", r["value"], r["time_ms"]) for r in cpu]
    _write(write_client, "demoAirflow", "kinesisdata1", cpu_records)
    raw_records = [
        _record({"sensor_id": r["sensor_id"], "status": r["status"]}, "temperature", r["value"], r["time_ms"])
        for r in raw
    ]
    _write(write_client, "TimeSeriesDb-local", "TimeSeriesRawTable-local", raw_records)
    cep_dims = ("sensor_id", "non_errors", "history")
    cep_records = [_record({k: r[k] for k in cep_dims}, r["measure"], r["value"], r["time_ms"]) for r in cep]
    _write(write_client, "TimeSeriesDb-local", "TimeSeriesCepTable-local", cep_records)
    tutorial = {"Location": "Tutorial", "Sensor": "1"}
    weather = [_record(tutorial, "Temperature", 60 + i, now - i * 5000) for i in range(5)]
    weather.append(_record(tutorial, "Temperature", 99, now - 300_000))
    _write(write_client, "DemoDatabase", "WeatherMetrics", weather)
    start, end = datetime.fromtimestamp(window_start / 1000, UTC), datetime.fromtimestamp(now / 1000 + 1, UTC)
    placeholders = {
        "raw": '"TimeSeriesDb-local"."TimeSeriesRawTable-local"',
        "cep": '"TimeSeriesDb-local"."TimeSeriesCepTable-local"',
        "start": f"{start:%Y-%m-%d %H:%M:%S}",
        "end": f"{start + timedelta(minutes=5):%Y-%m-%d %H:%M:%S}",
        "start_iso": f"{start - timedelta(hours=1):%Y-%m-%dT%H:%M:%S}Z",
        "end_iso": f"{end:%Y-%m-%dT%H:%M:%S}Z",
        "interval": "20000ms",
    }
    frames = {"cpu": pd.DataFrame(cpu), "raw": pd.DataFrame(raw), "cep": pd.DataFrame(cep)}
    return {**frames, "now_ms": now, "window_start_ms": window_start, "fmt": placeholders}


def _run(query_client: Any, template: str, seeded: dict[str, Any]) -> list[list[str | None]]:
    return scalar_rows(query_all(query_client, template.format(**seeded["fmt"])))


def test_repo_a_cpu_query_matches_pandas(query_client: Any, seeded: dict[str, Any]) -> None:
    """Repo A's p90/p95/p99 query over a 5-minute BETWEEN window equals the pandas computation."""
    # GIVEN two instances' cpu_nice every 5 s / WHEN repo A's query runs
    rows = _run(query_client, seeds.REPO_A_CPU, seeded)
    # THEN per (bin, instance) the percentiles are the nearest-rank values (BETWEEN includes both ends)
    cpu, start_ms = seeded["cpu"], seeded["window_start_ms"]
    window = cpu[(cpu.time_ms >= start_ms) & (cpu.time_ms <= start_ms + 300_000)]
    expected = []
    for (bin_number, name), group in window.groupby([window.time_ms // 15_000, "instance_name"]):
        binned = datetime.fromtimestamp(bin_number * 15, UTC).strftime("%Y-%m-%d %H:%M:%S.000000000")
        percentiles = [round(_nearest_rank(list(group.value), p), 2) for p in (0.9, 0.95, 0.99)]
        expected.append((binned, name, group.value.mean(), *percentiles))
    got = sorted((r[1], r[0], float(r[2]), *map(float, r[3:])) for r in rows)
    expected.sort()
    assert [(g[0], g[1], *g[3:]) for g in got] == [(e[0], e[1], *e[3:]) for e in expected]
    assert [g[2] for g in got] == pytest.approx([e[2] for e in expected], abs=0.005 + 1e-9)


def test_q1_interpolated_flattened_equals_python(query_client: Any, seeded: dict[str, Any]) -> None:
    """Q1: per sensor and second, the linear temperature and the carried-forward status, from the raw rows."""
    # GIVEN raw readings every 1-3 s / WHEN Q1 runs
    rows = _run(query_client, seeds.Q1_INTERPOLATED_FLATTENED, seeded)
    # THEN every second between each sensor's first and last reading is there, with Python's values
    expected = []
    for sensor, group in seeded["raw"].sort_values("time_ms").groupby("sensor_id"):
        times, values, statuses = list(group.time_ms), list(group.value), list(group.status)
        for at in range(times[0], times[-1] + 1, 1000):
            i = bisect.bisect_right(times, at) - 1
            exact = times[i] == at
            value = (
                values[i]
                if exact
                else values[i] + (values[i + 1] - values[i]) * (at - times[i]) / (times[i + 1] - times[i])
            )
            stamp = datetime.fromtimestamp(at / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S.000000000")
            expected.append((sensor, stamp, statuses[i], value))
    assert [tuple(r[:3]) for r in rows] == [e[:3] for e in expected]
    assert [float(r[3]) for r in rows] == pytest.approx([e[3] for e in expected])


def test_q2_and_q3_return_one_time_series_per_sensor(query_client: Any, seeded: dict[str, Any]) -> None:
    """Q2 (interpolated) and Q3 (raw) return temperature and status time series per sensor."""
    q2 = query_all(query_client, seeds.Q2_TIME_SERIES_PER_SENSOR.format(**seeded["fmt"]))[0]
    q3 = query_all(query_client, seeds.Q3_RAW_TIME_SERIES.format(**seeded["fmt"]))[0]
    raw = seeded["raw"]
    span = {s: (g.time_ms.max() - g.time_ms.min()) // 1000 + 1 for s, g in raw.groupby("sensor_id")}
    assert {r["Data"][0]["ScalarValue"]: len(r["Data"][1]["TimeSeriesValue"]) for r in q2["Rows"]} == span
    assert [c["Type"] for c in q3["ColumnInfo"][1:]] == [
        {"TimeSeriesMeasureValueColumnInfo": {"Type": {"ScalarType": "DOUBLE"}}},
        {"TimeSeriesMeasureValueColumnInfo": {"Type": {"ScalarType": "VARCHAR"}}},
    ]
    recent = raw[raw.time_ms > seeded["now_ms"] - 60_000]  # ago(1m) runs after the fixture's now
    assert {r["Data"][0]["ScalarValue"]: len(r["Data"][2]["TimeSeriesValue"]) for r in q3["Rows"]} == dict(
        recent.groupby("sensor_id").size()
    )


def test_grafana_cep_pivot_puts_both_measures_on_one_row(query_client: Any, seeded: dict[str, Any]) -> None:
    """MAX(CASE WHEN measure_name = ...) pivots avg_temperature and elapsed per sensor and bin."""
    # GIVEN / WHEN
    rows = _run(query_client, seeds.GRAFANA_CEP_PIVOT, seeded)
    # THEN there is one row per (sensor, 20 s bin) and both measures are filled from the same instant
    cep = seeded["cep"]
    expected = sorted(
        (s, g[g.measure == "avg_temperature"].value.max(), g[g.measure == "elapsed"].value.max())
        for (s, _), g in cep.groupby(["sensor_id", cep.time_ms // 20_000])
    )
    assert sorted((r[0], float(r[3]), float(r[4])) for r in rows) == expected


def test_grafana_cep_max_per_sensor(query_client: Any, seeded: dict[str, Any]) -> None:
    """The CEP max panel returns each sensor's maximum avg_temperature."""
    rows = _run(query_client, seeds.GRAFANA_CEP_MAX, seeded)
    cep = seeded["cep"]
    expected = cep[cep.measure == "avg_temperature"].groupby("sensor_id").value.max()
    assert rows == [[s, repr(float(v))] for s, v in expected.items()]


def test_grafana_raw_select_star_returns_every_column_and_row(
    query_client: Any, seeded: dict[str, Any]
) -> None:
    """SELECT * returns dimensions, measure_name, time and measure_value::double for every raw row."""
    pages = query_all(query_client, seeds.GRAFANA_RAW_ALL.format(**seeded["fmt"]))
    names = [c["Name"] for c in pages[0]["ColumnInfo"]]
    assert names == ["sensor_id", "status", "measure_name", "time", "measure_value::double"]
    assert len(scalar_rows(pages)) == len(seeded["raw"])


def test_grafana_status_counts(query_client: Any, seeded: dict[str, Any]) -> None:
    """COUNT(*) and CASE sums per status equal pandas' counts."""
    [row] = _run(query_client, seeds.GRAFANA_STATUS_COUNTS, seeded)
    status = seeded["raw"].status
    assert row == [str(len(status)), *(str((status == s).sum()) for s in ("OK", "WARNING", "ERROR"))]


def test_grafana_percentiles_per_30s_bin(query_client: Any, seeded: dict[str, Any]) -> None:
    """AVG, p90 and p75 per 30-second bin equal pandas with the nearest-rank percentile."""
    rows = _run(query_client, seeds.GRAFANA_PERCENTILES_30S, seeded)
    raw = seeded["raw"]
    groups = list(raw.groupby(raw.time_ms // 30_000))
    assert [[float(r[1]), float(r[2]), float(r[3])] for r in rows] == [
        [pytest.approx(g.value.mean()), _nearest_rank(list(g.value), 0.9), _nearest_rank(list(g.value), 0.75)]
        for _, g in groups
    ]


def test_grafana_max_over_the_last_10_seconds(query_client: Any, seeded: dict[str, Any]) -> None:
    """`time between ago(10s) and now()` sees only the records of the last five seconds."""
    rows = _run(query_client, seeds.GRAFANA_MAX_LAST_10S, seeded)
    raw = seeded["raw"]
    recent = raw[raw.time_ms > seeded["now_ms"] - 10_000]
    expected = {
        (s, float(v))
        for (s, _), v in recent.groupby(["sensor_id", recent.time_ms // 10_000]).value.max().items()
    }
    assert {(r[0], float(r[2])) for r in rows} == expected


def test_grafana_max_per_sensor(query_client: Any, seeded: dict[str, Any]) -> None:
    """Max temperature per sensor over the dashboard interval."""
    rows = _run(query_client, seeds.GRAFANA_MAX_PER_SENSOR, seeded)
    expected = seeded["raw"].groupby("sensor_id").value.max()
    assert rows == [[s, repr(float(v))] for s, v in expected.items()]


def test_tutorial_query_returns_the_last_minute(query_client: Any, seeded: dict[str, Any]) -> None:
    """The tutorial's `select * ... where time >= ago(1m)` returns the five recent rows, not the old one."""
    pages = query_all(query_client, seeds.TUTORIAL)
    assert [c["Name"] for c in pages[0]["ColumnInfo"]] == [
        "Location",
        "Sensor",
        "measure_name",
        "time",
        "measure_value::double",
    ]
    assert sorted(float(r[4]) for r in scalar_rows(pages)) == [60.0, 61.0, 62.0, 63.0, 64.0]
