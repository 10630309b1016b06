"""Time series: each construct against the answer computed in plain Python from the rows the test wrote."""

from __future__ import annotations

import bisect
import itertools
from datetime import UTC, datetime
from typing import Any

import pytest
from emulator_support import now_ms

VARCHAR = {"ScalarType": "VARCHAR"}
SENSORS = {"s1": [0, 3, 4, 10], "s2": [2, 7]}  # seconds after the start at which each sensor reported
STATUSES = ["OK", "WARNING", "ERROR", "OK"]


def _ts(ms: int) -> str:
    return f"{datetime.fromtimestamp(ms / 1000, UTC):%Y-%m-%d %H:%M:%S}.{ms % 1000:03d}000000"


@pytest.fixture(scope="module")
def readings(write_client: Any, database: str) -> dict[str, Any]:
    """Temperatures (DOUBLE, with the status as a dimension) and counts (BIGINT) per sensor."""
    write_client.create_table(DatabaseName=database, TableName="timeseries")
    start = (now_ms() // 60_000 - 30) * 60_000
    points: dict[str, list[tuple[int, float, str, int]]] = {}
    records = []
    for sensor, seconds in SENSORS.items():
        for n, second in enumerate(seconds):
            time_ms, temperature, status = start + second * 1000, 20.0 + 1.5 * n * n, STATUSES[n]
            points.setdefault(sensor, []).append((time_ms, temperature, status, 10 * n))
            dims = [{"Name": "sensor_id", "Value": sensor}, {"Name": "status", "Value": status}]
            records.append({"Dimensions": dims, "MeasureName": "temperature",
                            "MeasureValue": repr(temperature),
                            "Time": str(time_ms)})  # fmt: skip
            records.append({"Dimensions": dims, "MeasureName": "count", "MeasureValue": str(10 * n),
                            "MeasureValueType": "BIGINT", "Time": str(time_ms)})  # fmt: skip
    write_client.write_records(DatabaseName=database, TableName="timeseries", Records=records)
    return {"table": f'"{database}"."timeseries"', "start": start, "points": points}


def _series_query(readings: dict[str, Any], expression: str, measure: str = "temperature") -> str:
    return (
        f"SELECT sensor_id, {expression} AS result FROM {readings['table']} "
        f"WHERE measure_name = '{measure}' GROUP BY sensor_id ORDER BY sensor_id"
    )


def _linear(points: list[tuple[int, float]], at: int) -> float | None:
    times = [t for t, _ in points]
    if not times or at < times[0] or at > times[-1]:
        return None
    i = bisect.bisect_right(times, at) - 1
    if times[i] == at:
        return points[i][1]
    (t0, v0), (t1, v1) = points[i], points[i + 1]
    return v0 + (v1 - v0) * (at - t0) / (t1 - t0)


def _locf(points: list[tuple[int, Any]], at: int) -> Any:
    i = bisect.bisect_right([t for t, _ in points], at) - 1
    return points[i][1] if i >= 0 else None


def _seconds(readings: dict[str, Any], first: int, last: int) -> list[int]:
    return [readings["start"] + s * 1000 for s in range(first, last + 1)]


def _sequence(readings: dict[str, Any], first: int, last: int) -> str:
    start = readings["start"]
    return (
        f"SEQUENCE(from_milliseconds({start + first * 1000}), from_milliseconds({start + last * 1000}), 1s)"
    )


def test_interpolate_linear_at_every_second_equals_python(
    query_client: Any, readings: dict[str, Any]
) -> None:
    """Linear values at 1 s points from before the first to after the last reading: no extrapolation."""
    # GIVEN two sensors' temperatures at irregular times
    sequence = _sequence(readings, -2, 12)
    # WHEN each sensor's series is interpolated at every second
    sql = _series_query(
        readings, f"INTERPOLATE_LINEAR(CREATE_TIME_SERIES(time, measure_value::double), {sequence})"
    )
    page = query_client.query(QueryString=sql)
    # THEN each point is Python's interpolation, and only points inside the series' time range exist
    for row in page["Rows"]:
        sensor = row["Data"][0]["ScalarValue"]
        points = [(t, v) for t, v, _, _ in readings["points"][sensor]]
        expected = [
            (_ts(at), _linear(points, at))
            for at in _seconds(readings, -2, 12)
            if _linear(points, at) is not None
        ]
        got = [(p["Time"], float(p["Value"]["ScalarValue"])) for p in row["Data"][1]["TimeSeriesValue"]]
        assert [g[0] for g in got] == [e[0] for e in expected]
        assert [g[1] for g in got] == pytest.approx([e[1] for e in expected])
    assert page["ColumnInfo"][1]["Type"] == {
        "TimeSeriesMeasureValueColumnInfo": {"Type": {"ScalarType": "DOUBLE"}}
    }


def test_interpolate_locf_carries_a_varchar_forward(query_client: Any, readings: dict[str, Any]) -> None:
    """LOCF over the status dimension: each second gets the last status at or before it (none before)."""
    sequence = _sequence(readings, -1, 12)
    sql = _series_query(readings, f"INTERPOLATE_LOCF(CREATE_TIME_SERIES(time, status), {sequence})")
    page = query_client.query(QueryString=sql)
    for row in page["Rows"]:
        sensor = row["Data"][0]["ScalarValue"]
        points = [(t, status) for t, _, status, _ in readings["points"][sensor]]
        expected = [
            [_ts(at), _locf(points, at)] for at in _seconds(readings, -1, 12) if _locf(points, at) is not None
        ]
        got = [[p["Time"], p["Value"]["ScalarValue"]] for p in row["Data"][1]["TimeSeriesValue"]]
        assert got == expected
    assert page["ColumnInfo"][1]["Type"]["TimeSeriesMeasureValueColumnInfo"]["Type"] == {
        "ScalarType": "VARCHAR"
    }


def test_interpolate_fill_uses_the_constant_where_no_reading_exists(
    query_client: Any, readings: dict[str, Any]
) -> None:
    """FILL: the reading at exactly that time, else the fill value, at every sequence point."""
    sequence = _sequence(readings, 0, 4)
    sql = _series_query(
        readings, f"INTERPOLATE_FILL(CREATE_TIME_SERIES(time, measure_value::double), {sequence}, -1.0)"
    )
    rows = query_client.query(QueryString=sql)["Rows"]
    s1 = {t: v for t, v, _, _ in readings["points"]["s1"]}
    got = [float(p["Value"]["ScalarValue"]) for p in rows[0]["Data"][1]["TimeSeriesValue"]]
    assert got == [s1.get(at, -1.0) for at in _seconds(readings, 0, 4)]


def test_interpolate_spline_cubic_equals_the_natural_spline(
    query_client: Any, readings: dict[str, Any]
) -> None:
    """SPLINE_CUBIC is the natural cubic spline through the readings (solved here as a dense system)."""
    import numpy as np

    sequence = _sequence(readings, 0, 10)
    sql = _series_query(
        readings, f"INTERPOLATE_SPLINE_CUBIC(CREATE_TIME_SERIES(time, measure_value::double), {sequence})"
    )
    row = query_client.query(QueryString=sql)["Rows"][0]
    x = np.array([(t - readings["start"]) / 1000 for t, _, _, _ in readings["points"]["s1"]])
    y = np.array([v for _, v, _, _ in readings["points"]["s1"]])
    n, h = len(x), np.diff(x)
    matrix, rhs = np.zeros((n, n)), np.zeros(n)
    matrix[0, 0] = matrix[-1, -1] = 1.0
    for i in range(1, n - 1):
        matrix[i, i - 1 : i + 2] = [h[i - 1], 2 * (h[i - 1] + h[i]), h[i]]
        rhs[i] = 6 * ((y[i + 1] - y[i]) / h[i] - (y[i] - y[i - 1]) / h[i - 1])
    m = np.linalg.solve(matrix, rhs)

    def spline(at: float) -> float:
        i = min(max(int(np.searchsorted(x, at, side="right")) - 1, 0), n - 2)
        a, b = at - x[i], x[i + 1] - at
        cubic = m[i] * b**3 / (6 * h[i]) + m[i + 1] * a**3 / (6 * h[i])
        return float(
            cubic + (y[i] / h[i] - m[i] * h[i] / 6) * b + (y[i + 1] / h[i] - m[i + 1] * h[i] / 6) * a
        )

    got = [float(p["Value"]["ScalarValue"]) for p in row["Data"][1]["TimeSeriesValue"]]
    assert got == pytest.approx([spline(s) for s in range(0, 11)])


def test_a_single_point_series_and_a_scalar_timestamp(query_client: Any, readings: dict[str, Any]) -> None:
    """A one-point series interpolates only at its own time; a timestamp argument returns one DOUBLE."""
    start = readings["start"]
    at_reading, between = f"from_milliseconds({start + 7000})", f"from_milliseconds({start + 5000})"
    sql = (
        f"SELECT INTERPOLATE_LINEAR(CREATE_TIME_SERIES(time, measure_value::double), {at_reading}) AS exact, "
        f"INTERPOLATE_LINEAR(CREATE_TIME_SERIES(time, measure_value::double), "
        f"SEQUENCE({at_reading}, {at_reading}, 1s)) AS single, "
        f"INTERPOLATE_LOCF(CREATE_TIME_SERIES(time, measure_value::double), {between}) AS carried, "
        "INTERPOLATE_LINEAR(CREATE_TIME_SERIES(time, measure_value::double), "
        f"ARRAY[{between}, {at_reading}]) AS listed "
        f"FROM {readings['table']} WHERE measure_name = 'temperature' AND sensor_id = 's2' "
        f"AND time > from_milliseconds({start + 5000})"
    )
    page = query_client.query(QueryString=sql)
    exact, single, carried, listed = page["Rows"][0]["Data"]
    value = readings["points"]["s2"][1][1]
    assert exact == {"ScalarValue": repr(value)}
    assert single["TimeSeriesValue"] == [{"Time": _ts(start + 7000), "Value": {"ScalarValue": repr(value)}}]
    assert carried == {"NullValue": True}  # the only reading is after the requested time
    assert listed["TimeSeriesValue"] == single["TimeSeriesValue"]  # an ARRAY[...] of times, without SEQUENCE
    assert page["ColumnInfo"][0]["Type"] == {"ScalarType": "DOUBLE"}


def test_an_empty_series_is_an_empty_time_series_value(query_client: Any, readings: dict[str, Any]) -> None:
    """filter() that keeps nothing, and interpolation before the first reading, give TimeSeriesValue []."""
    sequence = _sequence(readings, -10, -5)
    sql = (
        "SELECT sensor_id, "
        "filter(CREATE_TIME_SERIES(time, measure_value::double), x -> x.value > 1000) AS kept, "
        f"INTERPOLATE_LINEAR(CREATE_TIME_SERIES(time, measure_value::double), {sequence}) AS early "
        f"FROM {readings['table']} WHERE measure_name = 'temperature' GROUP BY sensor_id"
    )
    for row in query_client.query(QueryString=sql)["Rows"]:
        assert row["Data"][1] == {"TimeSeriesValue": []}
        assert row["Data"][2] == {"TimeSeriesValue": []}


def test_null_values_cannot_build_a_time_series(query_client: Any, readings: dict[str, Any]) -> None:
    """CREATE_TIME_SERIES's value cannot be NULL (as documented): the query fails naming the function."""
    sql = _series_query(
        readings, "CREATE_TIME_SERIES(time, CASE WHEN measure_value::double > 30 THEN 1.0 END)"
    )
    with pytest.raises(
        query_client.exceptions.ValidationException, match="CREATE_TIME_SERIES: a measure value is NULL"
    ):
        query_client.query(QueryString=sql)


def test_filter_reduce_and_transform_with_lambdas(query_client: Any, readings: dict[str, Any]) -> None:
    """filter on x.value, reduce to a sum of squares, transform to a value array: Python's answers."""
    sql = _series_query(
        readings,
        "filter(CREATE_TIME_SERIES(time, measure_value::double), x -> x.value > 25.0) AS hot, "
        "reduce(CREATE_TIME_SERIES(time, measure_value::double), 0.0, "
        "(s, x) -> s + x.value * x.value, s -> s) AS squares, "
        "transform(CREATE_TIME_SERIES(time, measure_value::double), x -> x.value * 2)",
    )
    page = query_client.query(QueryString=sql)
    for row in page["Rows"]:
        points = readings["points"][row["Data"][0]["ScalarValue"]]
        hot = [[_ts(t), repr(v)] for t, v, _, _ in points if v > 25.0]
        assert [[p["Time"], p["Value"]["ScalarValue"]] for p in row["Data"][1]["TimeSeriesValue"]] == hot
        assert float(row["Data"][2]["ScalarValue"]) == pytest.approx(sum(v * v for _, v, _, _ in points))
        assert [float(d["ScalarValue"]) for d in row["Data"][3]["ArrayValue"]] == [
            2 * v for _, v, _, _ in points
        ]
    assert page["ColumnInfo"][3]["Type"] == {"ArrayColumnInfo": {"Type": {"ScalarType": "DOUBLE"}}}


def test_derivative_integral_and_correlation(query_client: Any, readings: dict[str, Any]) -> None:
    """derivative_linear per minute, integral_trapezoidal per second and Pearson correlation, as in Python."""
    sql = _series_query(
        readings,
        "derivative_linear(CREATE_TIME_SERIES(time, measure_value::double), 1m) AS rate, "
        "non_negative_derivative_linear(CREATE_TIME_SERIES(time, measure_value::double), 1m) AS up, "
        "integral_trapezoidal(CREATE_TIME_SERIES(time, measure_value::double)) AS area, "
        "correlate_pearson(CREATE_TIME_SERIES(time, measure_value::double), "
        "CREATE_TIME_SERIES(time, measure_value::double * -2))",
    )
    for row in query_client.query(QueryString=sql)["Rows"]:
        points = [(t, v) for t, v, _, _ in readings["points"][row["Data"][0]["ScalarValue"]]]
        pairs = list(itertools.pairwise(points))
        rates = [(_ts(t1), (v1 - v0) / (t1 - t0) * 60_000) for (t0, v0), (t1, v1) in pairs]
        got = [(p["Time"], float(p["Value"]["ScalarValue"])) for p in row["Data"][1]["TimeSeriesValue"]]
        assert [g[0] for g in got] == [r[0] for r in rates]
        assert [g[1] for g in got] == pytest.approx([r[1] for r in rates])
        assert len(row["Data"][2]["TimeSeriesValue"]) == sum(r[1] >= 0 for r in rates)
        area = sum((v0 + v1) / 2 * (t1 - t0) / 1000 for (t0, v0), (t1, v1) in pairs)
        assert float(row["Data"][3]["ScalarValue"]) == pytest.approx(area)
        assert float(row["Data"][4]["ScalarValue"]) == pytest.approx(-1.0)


def test_unnest_a_time_series_with_ordinality(query_client: Any, readings: dict[str, Any]) -> None:
    """CROSS JOIN UNNEST(series) WITH ORDINALITY AS t(time, value, n) gives one typed row per point."""
    sql = (
        "WITH series AS ("
        f"{_series_query(readings, 'CREATE_TIME_SERIES(time, measure_value::bigint)', 'count')}) "
        "SELECT sensor_id, t.time, t.value, t.n FROM series "
        "CROSS JOIN UNNEST(result) WITH ORDINALITY AS t(time, value, n) "
        "ORDER BY sensor_id, t.n"
    )
    page = query_client.query(QueryString=sql)
    expected = [
        [s, _ts(t), str(c), str(n + 1)]
        for s in sorted(SENSORS)
        for n, (t, _, _, c) in enumerate(readings["points"][s])
    ]
    assert [[d["ScalarValue"] for d in row["Data"]] for row in page["Rows"]] == expected
    assert [c["Type"]["ScalarType"] for c in page["ColumnInfo"]] == [
        "VARCHAR",
        "TIMESTAMP",
        "BIGINT",
        "BIGINT",
    ]


def test_arrays_and_rows_come_back_in_the_service_shapes(query_client: Any) -> None:
    """ARRAY -> ArrayColumnInfo (element type, no name) / ArrayValue; ROW -> RowColumnInfo / RowValue."""
    sql = (
        "SELECT ARRAY[1.5, 2.5] AS a, CAST(ROW(1, 'x') AS ROW(id BIGINT, tag VARCHAR)) AS r, "
        "ARRAY[ARRAY['p']] AS nested"
    )
    page = query_client.query(QueryString=sql)
    assert page["ColumnInfo"] == [
        {"Name": "a", "Type": {"ArrayColumnInfo": {"Type": {"ScalarType": "DOUBLE"}}}},
        {"Name": "r", "Type": {"RowColumnInfo": [{"Name": "id", "Type": {"ScalarType": "BIGINT"}},
                                                 {"Name": "tag", "Type": {"ScalarType": "VARCHAR"}}]}},
        {"Name": "nested", "Type": {"ArrayColumnInfo": {"Type": {"ArrayColumnInfo": {"Type": VARCHAR}}}}},
    ]  # fmt: skip
    assert page["Rows"][0]["Data"] == [
        {"ArrayValue": [{"ScalarValue": "1.5"}, {"ScalarValue": "2.5"}]},
        {"RowValue": {"Data": [{"ScalarValue": "1"}, {"ScalarValue": "x"}]}},
        {"ArrayValue": [{"ArrayValue": [{"ScalarValue": "p"}]}]},
    ]
