"""The numeric kernels of the time-series functions, as vectorised DuckDB Python UDFs over Arrow lists.

SQL cannot binary-search a list or solve a spline, so these few steps run in numpy: each UDF gets a
whole batch of rows (one list per row), and returns one list (or value) per row. Times are epoch
nanoseconds, values doubles; the SQL side (functions/timeseries.py) builds the time series around them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

_INT_LISTS, _DOUBLE_LISTS = pa.list_(pa.int32()), pa.list_(pa.float64())


def register(connection: duckdb.DuckDBPyConnection) -> None:
    """Make the kernels callable from SQL on `connection` (names start with `__ts_`)."""
    functions: list[tuple[str, Callable[..., Any], list[str], str]] = [
        ("__ts_floor_index", floor_index, ["BIGINT[]", "BIGINT[]"], "INTEGER[]"),
        ("__ts_linear", linear, ["BIGINT[]", "DOUBLE[]", "BIGINT[]"], "DOUBLE[]"),
        ("__ts_spline", spline, ["BIGINT[]", "DOUBLE[]", "BIGINT[]"], "DOUBLE[]"),
        ("__ts_correlate", correlate, ["BIGINT[]", "DOUBLE[]", "BIGINT[]", "DOUBLE[]", "VARCHAR"], "DOUBLE"),
    ]
    for name, function, parameters, returns in functions:
        connection.create_function(name, function, parameters, returns, type="arrow")  # type: ignore[arg-type]


def _rows(*columns: Any) -> Iterator[list[np.ndarray | None]]:
    """Per row, each list column's values as a numpy array (None for a NULL list)."""
    arrays = [c.combine_chunks() if isinstance(c, pa.ChunkedArray) else c for c in columns]
    for row in range(len(arrays[0])):
        values = []
        for array in arrays:
            item = array[row]
            values.append(None if not item.is_valid else item.values.to_numpy(zero_copy_only=False))
        yield values


def floor_index(times: pa.Array, points: pa.Array) -> pa.Array:
    """Per point, the 1-based position of the last time at or before it (0: before the first)."""
    out = []
    for series, wanted in _rows(times, points):
        if series is None or wanted is None:
            out.append(None)
            continue
        out.append(np.searchsorted(series, wanted, side="right").astype(np.int32))
    return pa.array(out, type=_INT_LISTS)


def linear(times: pa.Array, values: pa.Array, points: pa.Array) -> pa.Array:
    """Linear interpolation at each point inside [first time, last time]; NULL outside."""
    return _interpolate(times, values, points, _linear_at)


def spline(times: pa.Array, values: pa.Array, points: pa.Array) -> pa.Array:
    """Natural cubic spline at each point inside [first time, last time]; NULL outside."""
    return _interpolate(times, values, points, _spline_at)


def _interpolate(
    times: pa.Array, values: pa.Array, points: pa.Array, kernel: Callable[..., np.ndarray]
) -> pa.Array:
    out: list[list[float | None] | None] = []
    for series, measured, wanted in _rows(times, values, points):
        if series is None or measured is None or wanted is None:
            out.append(None)
            continue
        result: list[float | None] = [None] * len(wanted)
        if len(series):
            inside = (wanted >= series[0]) & (wanted <= series[-1])
            if inside.any():
                computed = kernel(series.astype(np.float64), measured.astype(np.float64), wanted[inside])
                for position, value in zip(np.flatnonzero(inside), computed, strict=True):
                    result[position] = float(value)
        out.append(result)
    return pa.array(out, type=_DOUBLE_LISTS)


def _linear_at(x: np.ndarray, y: np.ndarray, at: np.ndarray) -> np.ndarray:
    return np.interp(at.astype(np.float64), x, y)


def _spline_at(x: np.ndarray, y: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The natural cubic spline through (x, y) (second derivative 0 at both ends), evaluated at `at`."""
    n = len(x)
    if n < 3:
        return _linear_at(x, y, at)  # the natural spline through two points is the line
    h = np.diff(x)
    slope = np.diff(y) / h
    # Tridiagonal system for the second derivatives m[1..n-2] (m[0] = m[n-1] = 0).
    lower, diagonal, upper = h[1:-1].copy(), 2 * (h[:-1] + h[1:]), h[1:-1].copy()
    rhs = 6 * np.diff(slope)
    for i in range(1, n - 2):  # Thomas algorithm, forward sweep
        factor = lower[i - 1] / diagonal[i - 1]
        diagonal[i] -= factor * upper[i - 1]
        rhs[i] -= factor * rhs[i - 1]
    inner = np.zeros(n - 2)
    inner[-1] = rhs[-1] / diagonal[-1]
    for i in range(n - 4, -1, -1):
        inner[i] = (rhs[i] - upper[i] * inner[i + 1]) / diagonal[i]
    m = np.concatenate([[0.0], inner, [0.0]])
    segment = np.clip(np.searchsorted(x, at, side="right") - 1, 0, n - 2)
    left, width = at - x[segment], h[segment]
    right = width - left
    return (
        m[segment] * right**3 / (6 * width)
        + m[segment + 1] * left**3 / (6 * width)
        + (y[segment] / width - m[segment] * width / 6) * right
        + (y[segment + 1] / width - m[segment + 1] * width / 6) * left
    )


def correlate(
    times1: pa.Array, values1: pa.Array, times2: pa.Array, values2: pa.Array, method: pa.Array
) -> pa.Array:
    """Pearson or Spearman correlation over the points both series have at the same time."""
    out: list[float | None] = []
    methods = (
        method.to_pylist() if not isinstance(method, pa.ChunkedArray) else method.combine_chunks().to_pylist()
    )
    for row, (t1, v1, t2, v2) in enumerate(_rows(times1, values1, times2, values2)):
        if t1 is None or v1 is None or t2 is None or v2 is None:
            out.append(None)
            continue
        _, first, second = np.intersect1d(t1, t2, return_indices=True)
        x, y = v1[first].astype(np.float64), v2[second].astype(np.float64)
        if methods[row] == "spearman":
            x, y = _ranks(x), _ranks(y)
        out.append(_pearson(x, y))
    return pa.array(out, type=pa.float64())


def _pearson(x: np.ndarray, y: np.ndarray) -> float | None:
    if len(x) < 2:
        return None
    dx, dy = x - x.mean(), y - y.mean()
    denominator = float(np.sqrt((dx * dx).sum() * (dy * dy).sum()))
    return float((dx * dy).sum() / denominator) if denominator else None


def _ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks, ties sharing their average rank (as Spearman's coefficient defines them)."""
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(1, len(values) + 1)
    for value in np.unique(values):
        tied = values == value
        ranks[tied] = ranks[tied].mean()
    return ranks
