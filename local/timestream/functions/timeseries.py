"""Time series: CREATE_TIME_SERIES, interpolation, derivatives, integrals and correlation.

A timeseries is stored as a DuckDB `STRUCT(time TIMESTAMP_NS, value T)[]` sorted by time (results.py
reports such a list as TimeSeriesMeasureValueColumnInfo). Lambdas see each point as `x.time` /
`x.value`, as in Timestream. Arguments that are used several times are bound once
(`list_transform([...], lambda __b: ...)[1]`), so aggregates such as CREATE_TIME_SERIES(...) inside
them are computed once and never end up inside a lambda.

Interpolation at a sequence of points (Timestream's documented semantics; where the reference is
silent the rule is stated here and in the README):
- LINEAR / SPLINE_CUBIC (natural cubic spline): points between the first and last time of the series;
  points outside that range are left out (no extrapolation). The value is DOUBLE.
- LOCF: points at or after the first time, each with the last value at or before it (any value type).
- FILL: every point, with the series' value at exactly that time, else the fill value.
With a single timestamp instead of an array, the function returns that one value (NULL if none).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlglot import exp

from local.timestream.dialect import duck_sql, kind_of, raw
from local.timestream.exceptions import ValidationException
from local.timestream.functions.registry import diff, family, ok

_NS = "epoch_ns"


def bind(fields: dict[str, str], body: str, name: str = "__b") -> str:
    """`body` with `name.<field>` bound to each field's value, each computed once."""
    packed = ", ".join(f"'{key}': {value}" for key, value in fields.items())
    return f"list_transform([{{{packed}}}], lambda {name}: {body})[1]"


def _points(node: exp.Expression) -> tuple[str, bool]:
    """(epoch-ns list SQL, whether the argument was a single timestamp)."""
    text = duck_sql(node)
    if kind_of(node) in ("timestamp", "date", "varchar"):
        return f"[{_NS}(CAST({text} AS TIMESTAMP_NS))]", True
    return f"[{_NS}(CAST(__p AS TIMESTAMP_NS)) for __p in {text}]", False


def _times(series: str) -> str:
    return f"[{_NS}(__e.time) for __e in {series}]"


def _doubles(series: str) -> str:
    return f"[CAST(__e.value AS DOUBLE) for __e in {series}]"


def _single(sql: str, single: bool) -> exp.Expression:
    return raw(f"({sql})[1].value" if single else sql, "" if single else "timeseries")


def create_time_series(args: Sequence[exp.Expression]) -> exp.Expression:
    time, value = (duck_sql(a) for a in _arity(args, 2, "CREATE_TIME_SERIES"))
    point = f"{{'time': CAST({time} AS TIMESTAMP_NS), 'value': {value}}}"
    null_error = "error('CREATE_TIME_SERIES: a measure value is NULL; filter NULL values out first')"
    return raw(
        f"list(CASE WHEN ({value}) IS NULL THEN {null_error} ELSE {point} END ORDER BY {time})", "timeseries"
    )


def _numeric(kernel: str, name: str):
    def build(args: Sequence[exp.Expression]) -> exp.Expression:
        series, at = _arity(args, 2, name)
        points, single = _points(at)
        values = f"__ts_{kernel}({_times('__b.s')}, {_doubles('__b.s')}, __b.p)"
        body = bind(
            {"p": "__b.p", "v": values},
            "[{'time': make_timestamp_ns(__c.p[__k]), 'value': __c.v[__k]} "
            "for __k in range(1, len(__c.p) + 1) if __c.v[__k] IS NOT NULL]",
            "__c",
        )
        return _single(bind({"s": duck_sql(series), "p": points}, body), single)

    return build


def _indexed(name: str, value_at: str, keep: str):
    """LOCF/FILL: from the floor index of each point (`__c.i[__k]`: last time <= point, 0 if none)."""

    def build(args: Sequence[exp.Expression]) -> exp.Expression:
        series, at, *rest = _arity(args, 3 if name == "INTERPOLATE_FILL" else 2, name)
        points, single = _points(at)
        fill = duck_sql(rest[0]) if rest else "NULL"
        index = f"__ts_floor_index({_times('__b.s')}, __b.p)"
        body = bind(
            {"s": "__b.s", "p": "__b.p", "i": index, "f": fill},
            f"[{{'time': make_timestamp_ns(__c.p[__k]), 'value': {value_at}}} "
            f"for __k in range(1, len(__c.p) + 1) if {keep}]",
            "__c",
        )
        return _single(bind({"s": duck_sql(series), "p": points}, body), single)

    return build


_EXACT = f"__c.i[__k] > 0 AND {_NS}(__c.s[__c.i[__k]].time) = __c.p[__k]"
interpolate_locf = _indexed("INTERPOLATE_LOCF", "__c.s[__c.i[__k]].value", "__c.i[__k] > 0")
interpolate_fill = _indexed(
    "INTERPOLATE_FILL", f"CASE WHEN {_EXACT} THEN __c.s[__c.i[__k]].value ELSE __c.f END", "true"
)


def _interval_ns(node: exp.Expression | None) -> str:
    return "1e9" if node is None else f"(epoch({duck_sql(node)}) * 1e9)"


def _derivative(non_negative: bool):
    def build(args: Sequence[exp.Expression]) -> exp.Expression:
        series, interval = _arity(args, 2, "DERIVATIVE_LINEAR")
        step = f"({_NS}(__b.s[__k].time) - {_NS}(__b.s[__k - 1].time))"
        rate = f"CAST(__b.s[__k].value - __b.s[__k - 1].value AS DOUBLE) / {step} * {_interval_ns(interval)}"
        points = f"[{{'time': __b.s[__k].time, 'value': {rate}}} for __k in range(2, len(__b.s) + 1)]"
        if non_negative:
            points = f"list_filter({points}, lambda __d: __d.value >= 0)"
        return raw(bind({"s": duck_sql(series)}, points), "timeseries")

    return build


def integral_trapezoidal(args: Sequence[exp.Expression]) -> exp.Expression:
    _arity(args, len(args) if len(args) in (1, 2) else 2, "INTEGRAL_TRAPEZOIDAL")
    step = f"({_NS}(__b.s[__k].time) - {_NS}(__b.s[__k - 1].time))"
    area = f"(CAST(__b.s[__k].value AS DOUBLE) + __b.s[__k - 1].value) / 2 * {step}"
    total = f"coalesce(list_sum([{area} for __k in range(2, len(__b.s) + 1)]), 0.0)"
    per = _interval_ns(args[1] if len(args) > 1 else None)
    body = f"CASE WHEN __b.s IS NULL THEN NULL ELSE {total} / {per} END"
    return raw(bind({"s": duck_sql(args[0])}, body))


def _correlate(method: str):
    def build(args: Sequence[exp.Expression]) -> exp.Expression:
        first, second = (duck_sql(a) for a in _arity(args, 2, f"CORRELATE_{method.upper()}"))
        kernel = (
            f"__ts_correlate({_times('__b.a')}, {_doubles('__b.a')}, "
            f"{_times('__b.b')}, {_doubles('__b.b')}, '{method}')"
        )
        return raw(bind({"a": first, "b": second}, kernel))

    return build


def _arity(args: Sequence[exp.Expression], count: int, name: str) -> Sequence[exp.Expression]:
    if len(args) != count:
        raise ValidationException(f"{name} takes {count} arguments, got {len(args)}.")
    if name != "CREATE_TIME_SERIES" and kind_of(args[0]) in (
        "number",
        "varchar",
        "date",
        "timestamp",
        "array",
    ):
        raise ValidationException(
            f"Unexpected parameters for function {name.lower()}: the first argument must be a timeseries "
            "(CREATE_TIME_SERIES(time, value) or an interpolation of one)."
        )
    return args


_EXTRAPOLATION = "points outside the series' first..last time are left out (no extrapolation)"
FUNCTIONS = family(
    "Time series",
    (
        "create_time_series",
        *ok(create_time_series, "values bigint, boolean, double or varchar; NULL is an error"),
    ),
    ("interpolate_linear", *ok(_numeric("linear", "INTERPOLATE_LINEAR"), _EXTRAPOLATION)),
    (
        "interpolate_spline_cubic",
        *ok(_numeric("spline", "INTERPOLATE_SPLINE_CUBIC"), f"natural spline; {_EXTRAPOLATION}"),
    ),
    ("interpolate_locf", *ok(interpolate_locf, "points before the first time are left out")),
    ("interpolate_fill", *ok(interpolate_fill, "every point; the fill value where the series has no value")),
    ("derivative_linear", *ok(_derivative(False))),
    ("non_negative_derivative_linear", *ok(_derivative(True), "negative rates are left out")),
    ("integral_trapezoidal", *ok(integral_trapezoidal)),
    ("correlate_pearson", *ok(_correlate("pearson"), "over the times both series have")),
    ("correlate_spearman", *diff(_correlate("spearman"), "ties get their average rank")),
)
