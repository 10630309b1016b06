"""UNNEST in FROM: Trino's `CROSS JOIN UNNEST(x) [WITH ORDINALITY] AS t(a, b)` as DuckDB subqueries."""

from __future__ import annotations

import itertools

from sqlglot import exp

from local.timestream.dialect import duck_sql

_NUMBERED = itertools.count(1)  # names of the row-numbered copies an UNNEST correlates on


def rewrite_unnest(node: exp.Unnest) -> exp.Expression:
    """UNNEST(a [, b...]) [WITH ORDINALITY] AS t(c...): a lateral subquery with one column per alias.

    One array whose elements are rows (or time series points) with more aliases than arrays expands
    each row into its fields, as Trino does; several arrays are zipped (NULL-padded).
    """
    arrays = [duck_sql(a) for a in node.expressions]
    alias = node.args.get("alias")
    names = [c.name for c in alias.columns] if alias else []
    offset = node.args.get("offset")
    ordinality = offset not in (None, False)
    if isinstance(offset, exp.Identifier):
        names.append(offset.name)
    longest = (
        f"greatest({', '.join(f'len({a})' for a in arrays)})" if len(arrays) > 1 else f"len({arrays[0]})"
    )
    ordinal = [f"unnest(range(1, {longest} + 1))"] if ordinality else []
    base = _row_numbered_base(node)
    source = f" FROM {base}" if base else ""
    if len(arrays) == 1 and len(names) - len(ordinal) > 1:
        inner = ", ".join([f"unnest({arrays[0]}) AS __row", *(f"{o} AS __n" for o in ordinal)])
        select = f"SELECT unnest(__row){', __n' if ordinal else ''} FROM (SELECT {inner}{source})"
    else:
        select = "SELECT " + ", ".join([*(f"unnest({a})" for a in arrays), *ordinal]) + source
    if alias is None:
        return exp.Var(this=f"({select})")
    columns = f"({', '.join(exp.to_identifier(n).sql() for n in names)})" if names else ""
    return exp.Var(this=f"({select}) AS {exp.to_identifier(alias.name).sql()}{columns}")


def _row_numbered_base(node: exp.Unnest) -> str:
    """`FROM r CROSS JOIN UNNEST(r.x) ... WHERE ...`: read `r` from a row-numbered copy, correlated by row.

    DuckDB decorrelates a lateral UNNEST by hashing the correlated columns (whole lists, here) and
    builds the full cross product of two UNNESTs before filtering on `t.time = s.time`. Correlating
    on a row number instead lets it hash-join the UNNESTs on (row, time): seed query Q1 over an
    hour of per-second points goes from minutes to milliseconds. Returns the subquery's FROM text
    (empty when the FROM clause is not one relation followed only by UNNESTs).
    """
    join, select = node.parent, node.parent.parent if node.parent else None
    if not isinstance(join, exp.Join) or not isinstance(select, exp.Select):
        return ""
    first = select.args.get("from_")
    joins = select.args.get("joins") or []
    if first is None or not isinstance(first.this, exp.Table) or any(e.is_star for e in select.expressions):
        return ""
    if first.this.args.get("db"):  # a stored table: its rows are scalars, and a copy would defeat its filters
        return ""
    if not all(isinstance(j.this, exp.Unnest | exp.Var) for j in joins):
        return ""
    name = first.this.alias_or_name
    numbered = select.meta.get("row_numbered")
    if numbered is None:
        numbered = select.meta["row_numbered"] = f"__rows_{next(_NUMBERED)}"
        body = exp.Var(this=f"SELECT row_number() OVER () AS __rid, * FROM {duck_sql(first.this)}")
        cte = exp.CTE(this=body, alias=exp.TableAlias(this=exp.to_identifier(numbered)), materialized=True)
        if select.args.get("with_") is None:
            select.set("with_", exp.With(expressions=[]))
        select.args["with_"].append("expressions", cte)
        first.set(
            "this",
            exp.Table(this=exp.to_identifier(numbered), alias=exp.TableAlias(this=exp.to_identifier(name))),
        )
    inner = exp.to_identifier(name).sql(dialect="duckdb")
    rows = f"(SELECT __rid AS __rid_inner, * EXCLUDE (__rid) FROM {numbered})"
    return f"{rows} AS {inner} WHERE __rid_inner = __rid"
