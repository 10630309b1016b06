"""Array functions, the lambda functions (over arrays and time series) and the array operators.

Order matters in Trino's array functions: array_distinct/array_union/array_intersect/array_except
keep the first occurrence of each element in input order, which DuckDB's list_distinct does not.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlglot import exp

from local.timestream.dialect import duck_sql, kind_of, raw
from local.timestream.exceptions import ValidationException
from local.timestream.functions.registry import diff, family, ok, refused, sql
from local.timestream.functions.timeseries import bind

# Keep an element when it is the first occurrence of its value (list_position matches NULL too).
_FIRST = "list_position(__b.x, __v) = __i"


def _distinct(values: str, other: str = "NULL", extra: str = "") -> str:
    return bind({"x": values, "y": other}, f"list_filter(__b.x, lambda __v, __i: {_FIRST}{extra})")


def _lambda(node: exp.Expression, name: str) -> exp.Lambda:
    if not isinstance(node, exp.Lambda):
        raise ValidationException(
            f"{name}: the last argument must be a lambda expression such as x -> x > 0."
        )
    return node


def _substitute(function: exp.Lambda, values: dict[str, str]) -> str:
    """The lambda's body as DuckDB SQL, each parameter replaced by the SQL in `values`."""
    body = function.this.copy()

    def is_parameter(node: exp.Expression) -> bool:
        if isinstance(node, exp.Column):
            return not node.table and node.name in values
        if isinstance(node, exp.Identifier) and node.name in values:
            parent = node.parent
            return not isinstance(parent, exp.Column | exp.Dot) or (
                isinstance(parent, exp.Dot) and node is parent.this
            )
        return False

    for node in [n for n in body.walk() if is_parameter(n)]:
        replacement = exp.Var(this=values[node.name])
        if node is body:
            return values[node.name]
        node.replace(replacement)
    return duck_sql(body)


def _reduce(args: Sequence[exp.Expression]) -> exp.Expression:
    """reduce(array, initial, (s, x) -> ..., s -> ...): DuckDB's list_reduce, then the output lambda."""
    if len(args) != 4:
        raise ValidationException("REDUCE takes an array or timeseries, an initial state and two lambdas.")
    values, initial = duck_sql(args[0]), duck_sql(args[1])
    step, finish = _lambda(args[2], "REDUCE"), _lambda(args[3], "REDUCE")
    state = f"list_reduce({values}, {duck_sql(step)}, {initial})"
    return raw(bind({"s": state}, _substitute(finish, {finish.expressions[0].name: "__b.s"})))


def _zip_with(args: Sequence[exp.Expression]) -> exp.Expression:
    if len(args) != 3:
        raise ValidationException("ZIP_WITH takes two arrays and a lambda (x, y) -> ...")
    function = _lambda(args[2], "ZIP_WITH")
    first, second = (e.name for e in function.expressions)
    body = _substitute(function, {first: "__b.x[__k]", second: "__b.y[__k]"})
    items = f"[{body} for __k in range(1, greatest(len(__b.x), len(__b.y)) + 1)]"
    return raw(bind({"x": duck_sql(args[0]), "y": duck_sql(args[1])}, items), "array")


def _reverse(args: Sequence[exp.Expression]) -> exp.Expression:
    text = duck_sql(args[0])
    return raw(f"list_reverse({text})" if kind_of(args[0]) == "array" else f"reverse({text})")


def _concat(args: Sequence[exp.Expression]) -> exp.Expression:
    kind = "array" if any(kind_of(a) == "array" for a in args) else "varchar"
    return raw(" || ".join(f"({duck_sql(a)})" for a in args), kind)


def _sequence(args: Sequence[exp.Expression]) -> exp.Expression:
    texts = [duck_sql(a) for a in args]
    kinds = {kind_of(a) for a in args[:2]}
    if "date" in kinds:
        step = texts[2] if len(texts) > 2 else "INTERVAL 1 DAY"
        return raw(f"CAST(generate_series({texts[0]}, {texts[1]}, {step}) AS DATE[])", "array")
    if len(texts) == 2:
        return raw(f"generate_series({texts[0]}, {texts[1]})", "array")
    return raw(f"generate_series({texts[0]}, {texts[1]}, {texts[2]})", "array")


def _join(values: str, delimiter: str, nulls: str | None = None) -> str:
    if nulls is None:
        return f"array_to_string({values}, {delimiter})"
    return bind(
        {"x": values},
        f"array_to_string([coalesce(CAST(__v AS VARCHAR), {nulls}) for __v in __b.x], {delimiter})",
    )


def _shuffle(values: str) -> str:
    return f"[__s.v for __s in list_sort([{{'r': random(), 'v': __v}} for __v in {values}])]"


FUNCTIONS = family(
    "Array",
    ("array_distinct", *ok(sql(_distinct, "array"), "keeps the first occurrence, in order")),
    ("array_intersect", *ok(sql(lambda x, y: _distinct(x, y, " AND list_contains(__b.y, __v)"), "array"))),
    ("array_union", *ok(sql(lambda x, y: _distinct(f"{x} || {y}"), "array"))),
    (
        "array_except",
        *ok(
            sql(lambda x, y: _distinct(x, y, " AND NOT coalesce(list_contains(__b.y, __v), false)"), "array")
        ),
    ),
    ("array_join", *ok(sql(_join))),
    ("array_max", *ok({1: "list_max({0})"})),
    ("array_min", *ok({1: "list_min({0})"})),
    ("array_position", *ok({2: "CAST(coalesce(list_position({0}, {1}), 0) AS BIGINT)"})),
    ("array_remove", *ok({2: "list_filter({0}, lambda __v: __v IS DISTINCT FROM {1})"}, "", "array")),
    (
        "array_sort",
        *diff(
            {1: "list_sort({0}, 'ASC', 'NULLS LAST')"},
            "the comparator form array_sort(x, f) is refused",
            "array",
        ),
    ),
    ("arrays_overlap", *ok({2: "list_has_any({0}, {1})"})),
    ("cardinality", *ok({1: "CAST(len({0}) AS BIGINT)"})),
    ("concat", *ok(_concat, "arrays or strings; NULL if any argument is NULL")),
    ("contains", *ok({2: "list_contains({0}, {1})"})),
    ("element_at", *ok({2: "({0})[{1}]"})),
    ("filter", *ok({2: "list_filter({0}, {1})"}, "arrays and timeseries")),
    ("flatten", *ok({1: "flatten({0})"}, "", "array")),
    ("ngrams", *refused("no DuckDB equivalent; build the n-grams with transform and slice")),
    ("reduce", *ok(_reduce, "arrays and timeseries")),
    ("repeat", *ok({2: "[{0} for __r in range({1})]"}, "", "array")),
    (
        "reverse",
        *diff(_reverse, "an array argument must be written as an array (ARRAY[...] or an array function)"),
    ),
    (
        "sequence",
        *ok(_sequence, "integers, dates, timestamps; the step of a timestamp sequence is an interval"),
    ),
    ("shuffle", *ok(sql(_shuffle, "array"))),
    ("slice", *ok({3: "list_slice({0}, {1}, {1} + {2} - 1)"}, "", "array")),
    ("transform", *ok({2: "list_transform({0}, {1})"}, "", "array")),
    ("zip", *ok({-1: "list_zip({args})"}, "", "array")),
    ("zip_with", *ok(_zip_with)),
)
