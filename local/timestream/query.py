"""Timestream SQL -> DuckDB SQL: pre-process Timestream tokens, parse as Trino, map every construct.

- `measure_value::double` etc. -> the storage column of that name; `15s`/`1h`/`100ms` -> INTERVAL literals.
- Every function call goes through the registry in `functions/` (a mapping, a documented difference,
  or a ValidationException naming the function); an unknown name gets Timestream's error.
- `now()`/`current_timestamp`/`ago()` use the query's start time (one value per query).
- `UNNEST(x) AS t(a, b)` -> a lateral subquery; rows (and time series points) expand into columns.
- `date +/- interval` stays a DATE; `"db"."table"` -> the table's DuckDB view.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

from sqlglot import exp

from local.timestream import functions
from local.timestream.dialect import bottom_up, duck_sql, kind_of, parse, raw
from local.timestream.exceptions import ValidationException
from local.timestream.functions.datetime import FIELDS, NOW, field
from local.timestream.unnest import rewrite_unnest

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
# Calls whose result DuckDB prints without the parentheses a raw expression gets (f(x) OVER ...).
_CALL_WRAPPERS = (exp.Window, exp.Filter, exp.IgnoreNulls, exp.RespectNulls, exp.WithinGroup)

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


def translate(sql: str, resolve_table: TableResolver, now_ns: int | None) -> str:
    """DuckDB SQL for one Timestream SELECT; ValidationException when it cannot be mapped exactly.
    With `now_ns` None the query's start time is left as the NOW marker (`now_literal` replaces it)."""
    statements = parse(preprocess(sql))
    if len(statements) != 1 or not isinstance(statements[0], exp.Query):
        raise ValidationException("Send exactly one SELECT, UNLOAD, SHOW or DESCRIBE statement per query.")
    tree = statements[0]
    _name_unnamed_columns(tree)
    cte_names = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    tree = bottom_up(tree, lambda node: _rewrite(node, cte_names, resolve_table))
    text = duck_sql(tree)
    return text if now_ns is None else text.replace(NOW, now_literal(now_ns))


def now_literal(now_ns: int) -> str:
    """The query's start time as DuckDB SQL, in place of every NOW marker."""
    return f"CAST('{_timestamp_text(now_ns)}' AS TIMESTAMP)"


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


def _rewrite(node: exp.Expression, cte_names: set[str], resolve: TableResolver) -> exp.Expression:
    if isinstance(node, exp.Anonymous) and node.name.lower() == "row":  # ROW(...) is syntax, not a function
        return raw(f"row({', '.join(duck_sql(a) for a in node.expressions)})")
    if isinstance(node, exp.Anonymous):
        translated = functions.lookup(node.name).translate(node.expressions)
        if isinstance(node.parent, _CALL_WRAPPERS) and translated.this.startswith("("):
            translated.set("this", translated.this[1:-1])
        return translated
    if isinstance(node, exp.Table):
        return _rewrite_table(node, cte_names, resolve)
    if isinstance(node, exp.Unnest) and isinstance(node.parent, exp.Join | exp.From):
        return rewrite_unnest(node)
    return _rewrite_syntax(node)


def _rewrite_syntax(node: exp.Expression) -> exp.Expression:
    """The constructs sqlglot parses into typed nodes: current time, EXTRACT, POSITION, date arithmetic."""
    if isinstance(node, exp.CurrentTimestamp | exp.Localtimestamp):
        return raw(NOW, "timestamp")
    if isinstance(node, exp.CurrentDate):
        return raw(f"CAST({NOW} AS DATE)", "date")
    if isinstance(node, exp.CurrentTime | exp.Localtime):
        return raw(f"CAST({NOW} AS TIME)", "time")
    if isinstance(node, exp.Extract):
        name = node.this.name.lower()
        if name not in FIELDS:
            raise ValidationException(
                f"EXTRACT: field {name.upper()} is not one of {', '.join(FIELDS).upper()}."
            )
        return field(name, node.expression)
    if isinstance(node, exp.StrPosition):
        return raw(f"CAST(strpos({duck_sql(node.this)}, {duck_sql(node.args['substr'])}) AS BIGINT)")
    if isinstance(node, exp.Add | exp.Sub) and kind_of(node.this) == "date":
        if kind_of(node.expression).startswith("interval"):
            return raw(f"CAST({duck_sql(node)} AS DATE)", "date")
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
