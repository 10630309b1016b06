"""DuckDB's errors reworded as Timestream (Trino) words them, with the `line L:C:` of the culprit.

Users read these messages, not DuckDB's: "Binder Error", "STRING_LITERAL" or "SET
error_on_division_by_zero" mean nothing to someone who wrote Timestream SQL.
"""

from __future__ import annotations

import re

import duckdb

from local.timestream.query import segments

_TYPES = [
    (re.compile(r"^(STRING_LITERAL|VARCHAR.*)$"), "varchar"),
    (re.compile(r"^(INTEGER_LITERAL|INTEGER|SMALLINT|TINYINT|INT32|INT16|INT8)$"), "integer"),
    (re.compile(r"^(BIGINT|HUGEINT|UBIGINT|INT64)$"), "bigint"),
    (re.compile(r"^(DOUBLE|FLOAT|DECIMAL.*)$"), "double"),
    (re.compile(r"^TIMESTAMP.*$"), "timestamp"),
    (re.compile(r"^(INTERVAL)$"), "interval day to second"),
    (re.compile(r"^STRUCT.*\[\]$"), "array(row)"),
    (re.compile(r"^(.*)\[\]$"), "array"),
]
_OPERATORS = {"+", "-", "*", "/", "%", "//", "=", "<>", "!=", "<", ">", "<=", ">=", "||"}
_CATEGORY = re.compile(r"^[A-Z][A-Za-z ]*Error: ")
_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r'Referenced column "([^"]+)" (?:not found|was not found)'), "column"),
    (re.compile(r"Division by zero"), "division"),
    (re.compile(r"Could not convert string '([^']*)' to (\w+)"), "cast"),
    (re.compile(r'function call "([^"(]+)\(([^)]*)\)"'), "call"),
    (re.compile(r"the given name and argument types '([^'(]+)\(([^)]*)\)'"), "call"),
    (re.compile(r"Cannot compare values of type (\S+) and(?: type)? (\S+)"), "compare"),
    (re.compile(r'Referenced table "([^"]+)" not found'), "alias"),
]


def timestream_message(error: duckdb.Error, sql: str) -> str:
    """One line in Timestream's words for a DuckDB error raised by the translation of `sql`."""
    text = str(error).replace("_ts_view.", "").strip()
    first = text.splitlines()[0] if text else type(error).__name__
    for pattern, kind in _RULES:
        match = pattern.search(first)
        if match:
            return _reworded(kind, match, sql)
    detail = _CATEGORY.sub("", first)
    return f"Query failed: {detail.split(' Use TRY(')[0].split(' Use SET ')[0]}"


def _reworded(kind: str, match: re.Match[str], sql: str) -> str:
    if kind == "column":
        name = match.group(1)
        return f"{_where(sql, name)}Column '{name}' does not exist"
    if kind == "division":
        return "Division by zero"
    if kind == "cast":
        return f"Cannot cast '{match.group(1)}' to {_type(match.group(2))}"
    if kind == "compare":
        return f"Cannot apply operator: {_type(match.group(1))} = {_type(match.group(2))}"
    if kind == "alias":
        return f"{_where(sql, match.group(1))}Table or alias '{match.group(1)}' does not exist"
    name, arguments = match.group(1), [_type(a.strip()) for a in match.group(2).split(",") if a.strip()]
    if name in _OPERATORS and len(arguments) == 2:
        return f"Cannot apply operator: {arguments[0]} {name} {arguments[1]}"
    return f"Unexpected parameters ({', '.join(arguments)}) for function {name.lstrip('_')}"


def _type(duck: str) -> str:
    for pattern, name in _TYPES:
        if pattern.match(duck.upper()):
            return name
    return duck.lower()


def _where(sql: str, name: str) -> str:
    """`line L:C: ` of the first mention of `name` in the code of `sql` (empty if not found)."""
    offset = 0
    for is_code, text in segments(sql):
        found = text.lower().find(name.lower()) if is_code else -1
        if found < 0 and not is_code and text.strip('"').lower() == name.lower():
            found = 0
        if found >= 0:
            before = sql[: offset + found]
            line = before.count("\n") + 1
            return f"line {line}:{offset + found - (before.rfind(chr(10)) + 1) + 1}: "
        offset += len(text)
    return ""
