"""Date/time functions. Timestream works in UTC; `now()` is the query's start (one value per query).

NOW is a marker the translator replaces with the query's start time, so that every mention of the
current time in one query has the same value.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlglot import exp

from local.timestream.dialect import duck_sql, kind_of, raw
from local.timestream.exceptions import ValidationException
from local.timestream.functions import formats
from local.timestream.functions.registry import diff, family, literal_text, ok, refused

NOW = "__ts_query_start"
_UNITS = {
    "millisecond": "MILLISECOND", "second": "SECOND", "minute": "MINUTE", "hour": "HOUR", "day": "DAY",
    "week": "WEEK", "month": "MONTH", "quarter": "QUARTER", "year": "YEAR",
}  # fmt: skip
# Trino's field functions -> DuckDB's (ISO day of week 1 = Monday, ISO week-year).
FIELDS = {
    "year": "year", "quarter": "quarter", "month": "month", "week": "week", "week_of_year": "week",
    "day": "day", "day_of_month": "day", "day_of_week": "isodow", "dow": "isodow", "day_of_year": "dayofyear",
    "doy": "dayofyear", "year_of_week": "isoyear", "yow": "isoyear", "hour": "hour", "minute": "minute",
    "second": "second", "millisecond": "millisecond",
}  # fmt: skip


def _unit(node: exp.Expression, name: str) -> str:
    unit = literal_text(node, f"{name}'s unit").lower()
    if unit not in _UNITS:
        raise ValidationException(f"{name}: unit {unit!r} is not one of {', '.join(_UNITS)}.")
    return unit


def _as_kind_of(source: exp.Expression, sql: str) -> exp.Expression:
    """A date stays a date (Timestream: date + interval is a DATE), anything else is a timestamp."""
    if kind_of(source) == "date":
        return raw(f"CAST({sql} AS DATE)", "date")
    return raw(sql, "timestamp")


def field(name: str, value: exp.Expression) -> exp.Expression:
    """year(x), EXTRACT(YEAR FROM x), ...: a BIGINT."""
    text = f"{FIELDS[name]}({duck_sql(value)})"
    if name == "millisecond":
        text = f"({text} % 1000)"
    return raw(f"CAST({text} AS BIGINT)")


def _date_add(args: Sequence[exp.Expression]) -> exp.Expression:
    unit, amount, value = args
    name = _UNITS[_unit(unit, "date_add")]
    return _as_kind_of(value, f"{duck_sql(value)} + INTERVAL ({duck_sql(amount)}) {name}")


def _date_diff(args: Sequence[exp.Expression]) -> exp.Expression:
    unit, first, second = args
    # date_sub counts whole units elapsed, like Trino's date_diff (date_diff counts boundaries).
    return raw(
        f"CAST(date_sub('{_unit(unit, 'date_diff')}', {duck_sql(first)}, {duck_sql(second)}) AS BIGINT)"
    )


def _date_trunc(args: Sequence[exp.Expression]) -> exp.Expression:
    unit, value = args
    return _as_kind_of(value, f"date_trunc('{_unit(unit, 'date_trunc')}', {duck_sql(value)})")


def _to_iso8601(args: Sequence[exp.Expression]) -> exp.Expression:
    text = duck_sql(args[0])
    if kind_of(args[0]) == "date":
        return raw(f"strftime({text}, '%Y-%m-%d')")
    nanos = f"lpad(CAST(epoch_ns(CAST({text} AS TIMESTAMP_NS)) % 1000000000 AS VARCHAR), 9, '0')"
    return raw(f"strftime({text}, '%Y-%m-%dT%H:%M:%S.') || {nanos} || 'Z'")


def _scaled(factor: str):
    """to_milliseconds / to_nanoseconds of a timestamp or of an interval."""

    def build(args: Sequence[exp.Expression]) -> exp.Expression:
        text = duck_sql(args[0])
        if factor == "1e9" and not kind_of(args[0]).startswith("interval"):
            return raw(f"epoch_ns(CAST({text} AS TIMESTAMP_NS))")
        return raw(f"CAST(floor(epoch({text}) * {factor}) AS BIGINT)")

    return build


def _pattern(convert, function: str, kind: str = ""):
    def build(args: Sequence[exp.Expression]) -> exp.Expression:
        value, pattern = args
        converted = convert(literal_text(pattern, "The format pattern")).replace("'", "''")
        return raw(f"{function}({duck_sql(value)}, '{converted}')", kind)

    return build


_TZ = "Timestream uses UTC only and has no TIMESTAMP WITH TIME ZONE"
FUNCTIONS = family(
    "Date/time",
    ("now", *ok({0: NOW}, "", "timestamp")),
    ("ago", *ok({1: f"({NOW} - {{0}})"}, "", "timestamp")),
    (
        "bin",
        *ok({2: "time_bucket({1}, {0}, TIMESTAMP '1970-01-01')"}, "bins aligned to the epoch", "timestamp"),
    ),
    ("current_timezone", *ok({0: "'UTC'"})),
    ("date", *ok({1: "CAST({0} AS DATE)"}, "", "date")),
    ("last_day_of_month", *ok({1: "last_day({0})"}, "", "date")),
    (
        "from_iso8601_timestamp",
        *ok({1: "CAST(CAST({0} AS TIMESTAMPTZ) AS TIMESTAMP)"}, "the instant in UTC", "timestamp"),
    ),
    ("from_iso8601_date", *ok({1: "CAST({0} AS DATE)"}, "", "date")),
    ("to_iso8601", *ok(_to_iso8601)),
    ("from_milliseconds", *ok({1: "make_timestamp(CAST({0} AS BIGINT) * 1000)"}, "", "timestamp")),
    ("from_nanoseconds", *ok({1: "make_timestamp_ns(CAST({0} AS BIGINT))"}, "", "timestamp")),
    (
        "from_unixtime",
        *ok(
            {1: "make_timestamp(CAST(round({0} * 1000000) AS BIGINT))"},
            "a timestamp (UTC, no zone)",
            "timestamp",
        ),
    ),
    ("to_unixtime", *ok({1: "epoch({0})"})),
    ("to_milliseconds", *ok(_scaled("1000"))),
    ("to_nanoseconds", *diff(_scaled("1e9"), "intervals are counted with microsecond precision")),
    ("date_trunc", *ok(_date_trunc)),
    ("date_add", *ok(_date_add)),
    ("date_diff", *ok(_date_diff)),
    (
        "parse_duration",
        *diff(
            {1: "CAST({0} AS INTERVAL)"}, "DuckDB's interval syntax: '1h', '42ms', '3 days'", "interval_ds"
        ),
    ),
    (
        "date_format",
        *ok(
            _pattern(formats.from_mysql, "strftime"), "MySQL format specifiers; the pattern must be a literal"
        ),
    ),
    ("date_parse", *ok(_pattern(formats.from_mysql, "strptime", "timestamp"))),
    (
        "format_datetime",
        *ok(_pattern(formats.from_joda, "strftime"), "Joda-Time pattern letters; a literal pattern"),
    ),
    ("parse_datetime", *ok(_pattern(formats.from_joda, "strptime", "timestamp"))),
    *((name, *ok(lambda args, name=name: field(name, args[0]))) for name in FIELDS),
    ("at_timezone", *refused(_TZ)),
    ("with_timezone", *refused(_TZ)),
    ("timezone_hour", *refused(_TZ)),
    ("timezone_minute", *refused(_TZ)),
)
