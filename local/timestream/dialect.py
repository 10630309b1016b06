"""Parsing Timestream SQL (Trino syntax) into sqlglot trees whose function calls keep their names.

sqlglot's Trino parser turns many calls into typed expressions with its own (approximate) DuckDB
mappings. The emulator maps every function itself (see `functions/`), so this dialect leaves every
call as `exp.Anonymous` with the name the user wrote; only syntax (CAST, EXTRACT, TRIM, POSITION,
IF, lambdas, UNNEST, intervals...) is parsed into typed nodes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import sqlglot
from sqlglot import exp
from sqlglot.dialects.duckdb import DuckDB
from sqlglot.dialects.trino import Trino

from local.timestream.exceptions import ValidationException


class TimestreamSQL(Trino):
    """Trino syntax with every function call left as a named call."""

    class Parser(Trino.Parser):
        FUNCTIONS: ClassVar[dict] = {}  # sqlglot reads these class attributes
        # Only the calls with a syntax of their own (CAST(x AS t), EXTRACT(f FROM x), ...).
        FUNCTION_PARSERS: ClassVar[dict] = {
            name: parser
            for name, parser in Trino.Parser.FUNCTION_PARSERS.items()
            if name in ("CAST", "TRY_CAST", "EXTRACT", "POSITION", "TRIM")
        }


class DuckSQL(DuckDB):
    """DuckDB output; lambdas use DuckDB 2's `lambda x: ...` syntax."""

    class Generator(DuckDB.Generator):
        def lambda_sql(self, expression: exp.Lambda, arrow_sep: str = ":", wrap: bool = True) -> str:
            params = ", ".join(self.sql(e) for e in expression.expressions)
            return f"lambda {params}: {self.sql(expression, 'this')}"


def parse(sql: str) -> list[exp.Expression]:
    """The statements of `sql`; a ValidationException in Timestream's words on a syntax error."""
    try:
        return [s for s in sqlglot.parse(sql, read=TimestreamSQL) if s is not None]
    except sqlglot.errors.ParseError as error:
        details = error.errors[0] if error.errors else {}
        if details:
            where = f"line {details.get('line')}:{details.get('col')}: "
            raise ValidationException(f"{where}{details.get('description')}") from None
        raise ValidationException(f"Query syntax error: {str(error).splitlines()[0]}") from None


def duck_sql(node: exp.Expression) -> str:
    """DuckDB SQL text of a (rewritten) tree."""
    return node.sql(dialect=DuckSQL)


def raw(sql: str, kind: str = "") -> exp.Expression:
    """A node printed verbatim (DuckDB SQL built by the function mappings), tagged with its `kind`."""
    node = exp.Var(this=f"({sql})")
    if kind:
        node.meta["kind"] = kind
    return node


def kind_of(node: exp.Expression) -> str:
    """What a translated argument is known to be, from its syntax: date, timestamp, array, ... or ''."""
    if isinstance(node, exp.Paren):
        return kind_of(node.this)
    if "kind" in node.meta:
        return str(node.meta["kind"])
    if isinstance(node, exp.Array):
        return "array"
    if isinstance(node, exp.Cast | exp.TryCast):
        target = node.to.this
        if target == exp.DataType.Type.DATE:
            return "date"
        if target in (exp.DataType.Type.TIMESTAMP, exp.DataType.Type.TIMESTAMP_NS):
            return "timestamp"
        if target == exp.DataType.Type.ARRAY:
            return "array"
    if isinstance(node, exp.Interval):
        unit = node.unit.name.upper() if node.unit else ""
        return "interval_ym" if unit in ("YEAR", "MONTH") else "interval_ds"
    if isinstance(node, exp.Literal):
        return "varchar" if node.is_string else "number"
    if isinstance(node, exp.Column) and node.name == "time":
        return "timestamp"
    if isinstance(node, exp.CurrentDate):
        return "date"
    return ""


def bottom_up(node: exp.Expression, rewrite: Callable[[exp.Expression], exp.Expression]) -> exp.Expression:
    """Rewrite the children first, then the node: a mapping always sees rewritten arguments."""
    for child in list(node.iter_expressions()):
        replaced = bottom_up(child, rewrite)
        if replaced is not child:
            child.replace(replaced)
    return rewrite(node)
