"""The column-wise Datum encoder writes exactly what the row-wise reference encoder writes.

Query pages are encoded a column at a time with Arrow compute (`column_encoding`); UNLOAD and the
nested types still use the row-wise `encoding.encode_rows`. Every cell of both must be the same text,
so these tests compare them over the values where a vectorised form could differ: nulls in every
type, doubles at and beyond Java's plain range, many decimals, timestamps of every unit and zone,
the largest bigints, text JSON must escape, and nested arrays, rows and time series.
"""

from __future__ import annotations

import random
import struct
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pyarrow as pa
import pytest

from local.timestream.column_encoding import compact, encode_columns, row_bytes
from local.timestream.encoding import encode_rows, java_double
from local.timestream.service import TimestreamService

DOUBLES = [0.0, -0.0, 1.0, -2.0, 0.001, 0.000999, 1e7, 9_999_999.999999, 1e-7, 1e22, -3.5e-300,
           1.7976931348623157e308, 5e-324, 0.1 + 0.2, 123.456789012345678, 2.0 / 3, float("nan"),
           float("inf"), float("-inf"), None]  # fmt: skip
TEXTS = ["plain", "", 'quo"te', "back\\slash", "tab\tnew\nline", "\x00\x1f\x7f", "é café", "日本語",
         "emoji 🚀 astral", "</script>", " ~", None]  # fmt: skip
INSTANTS = [datetime(1970, 1, 1), datetime(2026, 11, 22, 9, 0, 15, 123456),
            datetime(1969, 12, 31, 23, 59, 59, 1), datetime(2262, 4, 11), datetime(1677, 9, 22),
            None]  # fmt: skip


def random_doubles(count: int) -> list[float]:
    """Any bit pattern (every exponent, NaNs) plus values rounded to 0..16 decimals, as SQL rounds."""
    rng = random.Random(16)
    bits = [struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0] for _ in range(count)]
    rounded = [round(rng.uniform(-1e8, 1e8), rng.randrange(17)) for _ in range(count)]
    return bits + rounded


def assert_same_as_row_wise(table: pa.Table) -> None:
    """Each row text of the column encoder equals the compact JSON of the reference encoder's row."""
    names = table.column_names
    reference_info, reference_rows = encode_rows(names, table)
    info, texts = encode_columns(names, table)
    assert info == reference_info
    assert texts.to_pylist() == [compact(row) for row in reference_rows]


@pytest.mark.parametrize(
    "column",
    [
        pa.array(DOUBLES, pa.float64()),
        pa.array(random_doubles(20_000), pa.float64()),
        pa.array([1.5, 0.1, None, 3e38, 1e-5], pa.float32()),
        pa.array([0, -1, 2**63 - 1, -(2**63), None], pa.int64()),
        pa.array([7, -8, None], pa.int32()),
        pa.array([2**64 - 1, 0, None], pa.uint64()),
        pa.array([True, False, None]),
        pa.array(TEXTS, pa.string()),
        pa.array(TEXTS, pa.large_string()),
        pa.array([date(2024, 2, 29), date(1, 1, 1), None]),
        pa.array([time(1, 2, 3), time(23, 59, 59, 999999), None]),
        pa.array([Decimal("12345678901234567890"), None], pa.decimal128(38, 0)),
        pa.array([Decimal("1.25"), Decimal("-0.5"), None], pa.decimal128(4, 2)),
        pa.array([None, None], pa.null()),
        pa.array([timedelta(days=1, seconds=5), None], pa.duration("us")),
    ],
    ids=lambda column: str(column.type),
)
def test_scalar_columns_match_the_row_wise_encoder(column: pa.Array) -> None:
    """Every scalar type, nulls included, is written as the reference encoder writes it, whether its
    values are encoded cell by cell or (repeated, as dimensions are) once per distinct value."""
    assert_same_as_row_wise(pa.table({"c": column}))
    if len(column) < 100:
        assert_same_as_row_wise(pa.table({"c": pa.concat_arrays([column] * 100)}))


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
@pytest.mark.parametrize("zone", [None, "UTC", "America/New_York"])
def test_timestamps_of_every_unit_and_zone_have_nine_fraction_digits_in_utc(
    unit: str, zone: str | None
) -> None:
    """TIMESTAMP cells are the UTC instant as 'YYYY-MM-DD HH:MM:SS.nnnnnnnnn' whatever the Arrow type."""
    naive = pa.array(INSTANTS, pa.timestamp("us")).cast(pa.timestamp(unit), safe=False)
    column = naive.cast(pa.timestamp(unit, tz=zone)) if zone else naive
    assert_same_as_row_wise(pa.table({"time": column}))
    assert_same_as_row_wise(pa.table({"time": pa.concat_arrays([column] * 20)}))
    _, texts = encode_columns(["time"], pa.table({"time": column}))
    if unit == "us":
        assert texts[1].as_py() == '{"Data":[{"ScalarValue":"2026-11-22 09:00:15.123456000"}]}'


def test_timestamps_beyond_nanosecond_range_are_still_written() -> None:
    """Year 1 and 9999 do not fit int64 nanoseconds; the column encoder formats them in their own unit."""
    column = pa.array([datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59, 59, 999999)], pa.timestamp("us"))
    _, texts = encode_columns(["t"], pa.table({"t": column}))
    assert texts.to_pylist() == [
        '{"Data":[{"ScalarValue":"0001-01-01 00:00:00.000000000"}]}',
        '{"Data":[{"ScalarValue":"9999-12-31 23:59:59.999999000"}]}',
    ]


def test_doubles_follow_javas_double_to_string() -> None:
    """Plain digits between 1e-3 and 1e7, scientific 'E' notation outside, as java_double defines."""
    column = pa.array([2.0, 1e7, 0.000123, float("nan"), -0.0], pa.float64())
    _, texts = encode_columns(["d"], pa.table({"d": column}))
    cells = [
        text.removeprefix('{"Data":[{"ScalarValue":"').removesuffix('"}]}') for text in texts.to_pylist()
    ]
    assert cells == ["2.0", "1.0E7", "1.23E-4", "NaN", "-0.0"]
    assert cells == [java_double(value) for value in column.to_pylist()]


def test_nested_types_and_many_columns_match_the_row_wise_encoder() -> None:
    """Arrays (with nulls and nested arrays), rows, time series and scalars side by side in one row."""
    point = pa.struct([("time", pa.timestamp("ns")), ("value", pa.float64())])
    table = pa.table(
        {
            "host": pa.array(["h1", None, 'h"3']),
            "values": pa.array([[1, None, 3], None, []], pa.list_(pa.int64())),
            "nested": pa.array([[["a"], ["é"]], [None], None], pa.list_(pa.list_(pa.string()))),
            "row": pa.array(
                [{"id": 1, "tag": "x"}, None, {"id": None, "tag": "y"}],
                pa.struct([("id", pa.int64()), ("tag", pa.string())]),
            ),
            "series": pa.array(
                [[{"time": 0, "value": 1.5}], None, [{"time": 10**18, "value": None}]], pa.list_(point)
            ),
            "when": pa.array([datetime(2024, 1, 1, tzinfo=UTC), None, None], pa.timestamp("us", tz="UTC")),
        }
    )
    assert_same_as_row_wise(table)


def test_a_result_without_rows_has_column_info_and_no_row_texts() -> None:
    info, texts = encode_columns(
        ["a", "b"], pa.table({"a": pa.array([], pa.int64()), "b": pa.array([], pa.string())})
    )
    assert info == [
        {"Name": "a", "Type": {"ScalarType": "BIGINT"}},
        {"Name": "b", "Type": {"ScalarType": "VARCHAR"}},
    ]
    assert len(texts) == 0


def test_query_results_of_duckdb_match_the_row_wise_encoder() -> None:
    """What DuckDB hands over for a varied SELECT (types as the server sees them) encodes alike."""
    service = TimestreamService()
    try:
        sql = (
            "SELECT 1 AS i, BIGINT '9223372036854775807' AS b, 1.123456789012345E0 AS d, 'ü\"x' AS v, "
            "true AS t, NULL AS n, TIMESTAMP '2024-01-01 00:00:00.123456' AS ts, DATE '2024-01-01' AS dt, "
            "TIME '01:02:03' AS tm, interval '1' day AS ds, interval '2' year AS ym, ARRAY[1, NULL] AS a, "
            "CAST(ROW(1, 'x') AS ROW(id BIGINT, tag VARCHAR)) AS r, 7 / 2 AS q, 7.0 / 2 AS dq"
        )
        names, _, table = service.execute(sql)
        assert_same_as_row_wise(table.rename_columns(names))
    finally:
        service.close()


def test_the_row_size_estimate_is_close_for_scalars_and_none_for_other_types() -> None:
    """`row_bytes` (which tells how many rows a 1 MB first page takes) is about the mean row text length
    with its suffix for scalar columns, nulls included; for a type it cannot judge it says None."""
    rng = random.Random(16)
    table = pa.table(
        {
            "host": pa.array([f"host-{rng.randrange(10 ** rng.randrange(1, 8))}" for _ in range(2_000)]),
            "value": pa.array([round(rng.uniform(-1e3, 1e3), rng.randrange(5)) for _ in range(2_000)]),
            "count": pa.array(
                [rng.randrange(-(10**6), 10**6) if rng.random() > 0.1 else None for _ in range(2_000)]
            ),
            "time": pa.array([datetime(2026, 1, 1) + timedelta(seconds=n) for n in range(2_000)]),
            "flag": pa.array([rng.random() > 0.5 for _ in range(2_000)]),
        }
    )
    info, texts = encode_columns(table.column_names, table)
    actual = sum(len(text) + 1 for text in texts.to_pylist()) / len(texts)
    estimate = row_bytes(table, info, suffix=",")
    assert estimate is not None and abs(estimate - actual) < 0.02 * actual
    nested = pa.table({"values": pa.array([[1, 2]], pa.list_(pa.int64()))})
    assert row_bytes(nested, encode_columns(["values"], nested)[0]) is None
    assert row_bytes(table.slice(0, 0), info) is None
