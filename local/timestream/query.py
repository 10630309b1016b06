"""Timestream SQL -> DuckDB SQL: pre-process Timestream syntax, parse as Trino with sqlglot, rewrite.

Mappings (each is exact, or the construct is refused with a ValidationException naming it):
- `measure_value::double` etc. -> the storage column of that name; `15s`/`1h`/`100ms` -> INTERVAL literals.
- `bin(t, i)` -> `time_bucket(i, t, TIMESTAMP '1970-01-01')` (bins aligned to the epoch, like Timestream).
- `now()`/`current_timestamp` -> the query's start time (one value per query); `ago(i)` -> start - i.
- `approx_percentile(x, p)` -> `quantile_disc(x, p)`: the nearest-rank percentile, i.e. the
  ceil(p * n)-th smallest value of the group (the minimum for p = 0). Timestream's estimate is
  approximate; on small groups it returns one of the group's values, as this does.
- `from_iso8601_timestamp(s)` -> the instant in UTC; `from_milliseconds`/`to_milliseconds` and the
  nanosecond variants -> DuckDB's epoch functions. Integer division stays integer (DuckDB setting).
- `"db"."table"` -> the table's DuckDB view (the alias defaults to the table name).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import sqlglot
from sqlglot import exp

from local.timestream.exceptions import ValidationException

UNSUPPORTED_FUNCTIONS = {
    "create_time_series": "CREATE_TIME_SERIES (timeseries values)",
    "interpolate_linear": "INTERPOLATE_LINEAR",
    "interpolate_locf": "INTERPOLATE_LOCF",
    "interpolate_fill": "INTERPOLATE_FILL",
    "interpolate_spline_cubic": "INTERPOLATE_SPLINE_CUBIC",
    "derivative_rate": "DERIVATIVE_RATE",
    "integral": "INTEGRAL",
    "correlate_pearson": "CORRELATE_PEARSON",
    "correlate_spearman": "CORRELATE_SPEARMAN",
    "filter": "FILTER (timeseries lambda)",
    "reduce": "REDUCE (timeseries lambda)",
    "transform": "TRANSFORM (timeseries lambda)",
}
_UNSUPPORTED_NODES = {
    exp.Unnest: "UNNEST",
    exp.GenerateSeries: "SEQUENCE",
    exp.Lambda: "lambda expressions",
}
_MEASURE_VALUE = re.compile(
    r"\bmeasure_value\s*::\s*(double|bigint|varchar|boolean|timestamp)\b", re.IGNORECASE
)
_DURATION = re.compile(r"(?<![\w.\"])(\d+)(ns|us|ms|s|m|h|d)\b")
_DURATION_UNITS = {
    "us": "MICROSECOND",
    "ms": "MILLISECOND",
    "s": "SECOND",
    "m": "MINUTE",
    "h": "HOUR",
    "d": "DAY",
}
_SEGMENT = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|/\*.*?\*/", re.DOTALL)
EPOCH = exp.cast(exp.Literal.string("1970-01-01 00:00:00"), exp.DataType.build("TIMESTAMP"))

TableResolver = Callable[[str, str], str]


def segments(sql: str) -> Iterator[tuple[bool, str]]:
    """(is_code, text) pieces: string literals, quoted identifiers and comments are not code."""
    position = 0
    for match in _SEGMENT.finditer(sql):
        if match.start() > position:
            yield True, sql[position : match.start()]
        yield False, match.group(0)
        position = match.end()
    if position < len(sql):
        yield True, sql[position:]


def preprocess(sql: str) -> str:
    """Rewrite Timestream-only tokens (typed measure columns, duration literals) into Trino SQL."""
    pieces = []
    for is_code, text in segments(sql):
        if is_code:
            text = _MEASURE_VALUE.sub(lambda m: f'"measure_value::{m.group(1).lower()}"', text)
            text = _DURATION.sub(_interval_literal, text)
        pieces.append(text)
    return "".join(pieces)


def _interval_literal(match: re.Match[str]) -> str:
    amount, unit = int(match.group(1)), match.group(2)
    if unit == "ns":
        if amount % 1000:
            raise ValidationException(
                f"Duration {match.group(0)}: the local Timestream has microsecond precision; "
                "use a multiple of 1000ns."
            )
        amount, unit = amount // 1000, "us"
    return f"INTERVAL '{amount}' {_DURATION_UNITS[unit]}"


def translate(sql: str, resolve_table: TableResolver, now_ns: int) -> str:
    """DuckDB SQL for one Timestream SELECT; ValidationException when it cannot be mapped exactly."""
    try:
        statements = sqlglot.parse(preprocess(sql), read="trino")
    except sqlglot.errors.ParseError as error:
        raise ValidationException(f"Query syntax error: {_first_error(error)}") from None
    statements = [s for s in statements if s is not None]
    if len(statements) != 1 or not isinstance(statements[0], exp.Query):
        raise ValidationException("Send exactly one SELECT (or UNLOAD) statement per query.")
    tree = statements[0]
    _refuse_unsupported(tree)
    _name_unnamed_columns(tree)
    cte_names = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    now = exp.cast(exp.Literal.string(_timestamp_text(now_ns)), exp.DataType.build("TIMESTAMP"))
    tree = tree.transform(lambda node: _rewrite(node, now, cte_names, resolve_table))
    return tree.sql(dialect="duckdb")


def _name_unnamed_columns(tree: exp.Query) -> None:
    """Timestream names an unnamed result column `_col<position>` (`count(*)` -> `_col0`)."""
    if not isinstance(tree, exp.Select):
        return
    tree.set(
        "expressions",
        [
            node if isinstance(node, (exp.Alias, exp.Column, exp.Star)) else exp.alias_(node, f"_col{i}")
            for i, node in enumerate(tree.expressions)
        ],
    )


def _refuse_unsupported(tree: exp.Expression) -> None:
    for node in tree.walk():
        for node_type, construct in _UNSUPPORTED_NODES.items():
            if isinstance(node, node_type):
                raise _unsupported(construct)
        if isinstance(node, exp.Anonymous) and node.name.lower() in UNSUPPORTED_FUNCTIONS:
            raise _unsupported(UNSUPPORTED_FUNCTIONS[node.name.lower()])
        if isinstance(node, exp.ApproxQuantile) and (node.args.get("weight") or node.args.get("accuracy")):
            raise _unsupported("approx_percentile with a weight or accuracy argument")


def _unsupported(construct: str) -> ValidationException:
    return ValidationException(
        f"{construct} is not supported by the local Timestream (DuckDB emulator); run this query on the real "
        "service, or rewrite it with supported SQL (bin, ago, now, aggregates, CASE, CTEs, joins)."
    )


def _rewrite(
    node: exp.Expression, now: exp.Expression, cte_names: set[str], resolve: TableResolver
) -> exp.Expression:
    if isinstance(node, exp.Table):
        return _rewrite_table(node, cte_names, resolve)
    if isinstance(node, exp.CurrentTimestamp):
        return now.copy()
    if isinstance(node, exp.ApproxQuantile):
        return exp.Anonymous(this="quantile_disc", expressions=[node.this, node.args["quantile"]])
    if isinstance(node, exp.FromISO8601Timestamp):
        as_utc = exp.cast(node.this, exp.DataType.build("TIMESTAMPTZ"))
        return exp.cast(as_utc, exp.DataType.build("TIMESTAMP"))
    if isinstance(node, exp.Anonymous):
        return _rewrite_function(node, now)
    return node


def _rewrite_function(node: exp.Anonymous, now: exp.Expression) -> exp.Expression:
    name, args = node.name.lower(), node.expressions
    if name == "now" and not args:
        return now.copy()
    if name == "ago" and len(args) == 1:
        return exp.Paren(this=exp.Sub(this=now.copy(), expression=args[0]))
    if name == "bin" and len(args) == 2:
        return exp.Anonymous(this="time_bucket", expressions=[args[1], args[0], EPOCH.copy()])
    renamed = {
        "from_milliseconds": "epoch_ms",
        "to_milliseconds": "epoch_ms",
        "from_nanoseconds": "make_timestamp_ns",
        "to_nanoseconds": "epoch_ns",
    }
    if name in renamed and len(args) == 1:
        return exp.Anonymous(this=renamed[name], expressions=args)
    return node


def _rewrite_table(node: exp.Table, cte_names: set[str], resolve: TableResolver) -> exp.Expression:
    if not isinstance(node.this, exp.Identifier):
        raise ValidationException(
            f"Unsupported FROM item {node.sql('trino')!r}: read from database.table names."
        )
    if not node.args.get("db"):
        if node.name in cte_names:
            return node
        raise ValidationException(
            f'Table {node.name!r} needs its database: write it as "database"."{node.name}".'
        )
    if node.args.get("catalog"):
        raise ValidationException(f"Table {node.sql('trino')!r} has too many name parts: use database.table.")
    view = resolve(node.args["db"].name, node.name)
    schema, _, name = view.partition(".")
    alias = node.args.get("alias") or exp.TableAlias(this=exp.to_identifier(node.name, quoted=True))
    return exp.Table(this=exp.to_identifier(name), db=exp.to_identifier(schema), alias=alias)


def _timestamp_text(time_ns: int) -> str:
    instant = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=time_ns // 1000)
    return instant.strftime("%Y-%m-%d %H:%M:%S.%f")


def _first_error(error: sqlglot.errors.ParseError) -> str:
    details = error.errors[0] if error.errors else {}
    if details:
        return f"{details.get('description')} at line {details.get('line')}, column {details.get('col')}"
    return str(error).splitlines()[0]
