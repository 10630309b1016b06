"""Mathematical, string, regular-expression, bitwise, comparison and conditional functions."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlglot import exp

from local.timestream.dialect import duck_sql, raw
from local.timestream.functions.registry import diff, family, literal_text, ok, refused, sql

_RE2 = "patterns run on RE2 (DuckDB), not Java regex: no lookaround or backreferences"


def _replacement(node: exp.Expression) -> str:
    """Trino's $1 / ${name} group references in a regexp_replace replacement -> RE2's \\1."""
    text = literal_text(node, "regexp_replace's replacement")
    return "'" + re.sub(r"\$(\d)", r"\\\1", text).replace("'", "''") + "'"


def _regexp_replace(args: Sequence[exp.Expression]) -> exp.Expression:
    text, pattern = duck_sql(args[0]), duck_sql(args[1])
    replacement = _replacement(args[2]) if len(args) > 2 else "''"
    return raw(f"regexp_replace({text}, {pattern}, {replacement}, 'g')")


def _regexp_extract(text: str, pattern: str, group: str = "0") -> str:
    # Trino returns NULL when nothing matches (DuckDB returns '').
    return f"CASE WHEN regexp_matches({text}, {pattern}) THEN regexp_extract({text}, {pattern}, {group}) END"


def _split_part(text: str, delimiter: str, index: str) -> str:
    # Trino returns NULL past the last field (DuckDB returns '').
    fields = f"len(string_split({text}, {delimiter}))"
    return f"CASE WHEN {fields} >= {index} THEN split_part({text}, {delimiter}, {index}) END"


def _null_if_any(function: str):
    """greatest/least: NULL when any argument is NULL (DuckDB would ignore the NULLs)."""

    def render(*texts: str) -> str:
        nulls = " OR ".join(f"({t}) IS NULL" for t in texts)
        return f"CASE WHEN {nulls} THEN NULL ELSE {function}({', '.join(texts)}) END"

    return sql(render)


MATH = family(
    "Math",
    ("abs", *ok({1: "abs({0})"})),
    ("cbrt", *ok({1: "cbrt({0})"})),
    ("ceil", *ok({1: "ceil({0})"})),
    ("ceiling", *ok({1: "ceil({0})"})),
    ("degrees", *ok({1: "degrees({0})"})),
    ("e", *ok({0: "exp(1)"})),
    ("exp", *ok({1: "exp({0})"})),
    ("floor", *ok({1: "floor({0})"})),
    ("from_base", *refused("no DuckDB equivalent for arbitrary radixes")),
    ("ln", *ok({1: "ln({0})"})),
    ("log2", *ok({1: "log2({0})"})),
    ("log10", *ok({1: "log10({0})"})),
    ("mod", *ok({2: "(({0}) % ({1}))"})),
    ("pi", *ok({0: "pi()"})),
    ("pow", *ok({2: "pow({0}, {1})"})),
    ("power", *ok({2: "pow({0}, {1})"})),
    ("radians", *ok({1: "radians({0})"})),
    ("rand", *ok({0: "random()"})),
    ("random", *ok({0: "random()", 1: "CAST(floor(random() * ({0})) AS BIGINT)"})),
    ("round", *ok({1: "round({0})", 2: "round({0}, {1})"})),
    ("sign", *ok({1: "sign({0})"})),
    ("sqrt", *ok({1: "sqrt({0})"})),
    ("to_base", *refused("no DuckDB equivalent for arbitrary radixes")),
    ("truncate", *ok({1: "trunc(CAST({0} AS DOUBLE))"})),
    ("acos", *ok({1: "acos({0})"})),
    ("asin", *ok({1: "asin({0})"})),
    ("atan", *ok({1: "atan({0})"})),
    ("atan2", *ok({2: "atan2({0}, {1})"})),
    ("cos", *ok({1: "cos({0})"})),
    ("cosh", *ok({1: "cosh({0})"})),
    ("sin", *ok({1: "sin({0})"})),
    ("tan", *ok({1: "tan({0})"})),
    ("tanh", *ok({1: "tanh({0})"})),
    ("infinity", *ok({0: "CAST('Infinity' AS DOUBLE)"})),
    ("is_finite", *ok({1: "isfinite({0})"})),
    ("is_infinite", *ok({1: "isinf({0})"})),
    ("is_nan", *ok({1: "isnan({0})"})),
    ("nan", *ok({0: "CAST('NaN' AS DOUBLE)"})),
)
STRING = family(
    "String",
    ("chr", *ok({1: "chr(CAST({0} AS INTEGER))"})),
    ("codepoint", *ok({1: "CAST(unicode({0}) AS INTEGER)"})),
    ("hamming_distance", *ok({2: "CAST(hamming({0}, {1}) AS BIGINT)"})),
    ("length", *ok({1: "CAST(length({0}) AS BIGINT)"})),
    ("levenshtein_distance", *ok({2: "CAST(levenshtein({0}, {1}) AS BIGINT)"})),
    ("lower", *ok({1: "lower({0})"})),
    ("lpad", *ok({3: "lpad({0}, CAST({1} AS INTEGER), {2})"})),
    ("ltrim", *ok({1: "ltrim({0})"})),
    ("replace", *ok({2: "replace({0}, {1}, '')", 3: "replace({0}, {1}, {2})"})),
    ("rpad", *ok({3: "rpad({0}, CAST({1} AS INTEGER), {2})"})),
    ("rtrim", *ok({1: "rtrim({0})"})),
    ("split", *diff({2: "string_split({0}, {1})"}, "the limit argument is refused", "array")),
    ("split_part", *ok(sql(_split_part))),
    ("strpos", *ok({2: "CAST(strpos({0}, {1}) AS BIGINT)"})),
    ("substr", *ok({2: "substring({0}, {1})", 3: "substring({0}, {1}, {2})"})),
    ("substring", *ok({2: "substring({0}, {1})", 3: "substring({0}, {1}, {2})"})),
    ("upper", *ok({1: "upper({0})"})),
    ("starts_with", *ok({2: "starts_with({0}, {1})"})),
    ("to_utf8", *refused("VARBINARY has no Timestream result type")),
    ("from_utf8", *refused("VARBINARY has no Timestream result type")),
    ("normalize", *refused("no DuckDB equivalent of Unicode normal forms")),
)
REGEX = family(
    "Regular expression",
    (
        "regexp_extract_all",
        *diff({2: "regexp_extract_all({0}, {1})", 3: "regexp_extract_all({0}, {1}, {2})"}, _RE2, "array"),
    ),
    ("regexp_extract", *diff(sql(_regexp_extract), _RE2)),
    ("regexp_like", *diff({2: "regexp_matches({0}, {1})"}, _RE2)),
    ("regexp_replace", *diff(_regexp_replace, f"{_RE2}; the lambda form is refused")),
    ("regexp_split", *diff({2: "regexp_split_to_array({0}, {1})"}, _RE2, "array")),
)
BITWISE = family(
    "Bitwise",
    (
        "bit_count",
        *diff(
            {2: "CAST(bit_count(CAST({0} AS BIGINT)) AS BIGINT)"},
            "counts the 64-bit two's complement whatever the bits argument",
        ),
    ),
    ("bitwise_and", *ok({2: "(CAST({0} AS BIGINT) & CAST({1} AS BIGINT))"})),
    ("bitwise_not", *ok({1: "(~CAST({0} AS BIGINT))"})),
    ("bitwise_or", *ok({2: "(CAST({0} AS BIGINT) | CAST({1} AS BIGINT))"})),
    ("bitwise_xor", *ok({2: "xor(CAST({0} AS BIGINT), CAST({1} AS BIGINT))"})),
    ("bitwise_left_shift", *ok({2: "(CAST({0} AS BIGINT) << CAST({1} AS BIGINT))"})),
    ("bitwise_right_shift_arithmetic", *ok({2: "(CAST({0} AS BIGINT) >> CAST({1} AS BIGINT))"})),
    (
        "bitwise_right_shift",
        *refused("DuckDB shifts signed integers arithmetically; use bitwise_right_shift_arithmetic"),
    ),
)
CONDITIONAL = family(
    "Comparison and conditional",
    ("greatest", *ok(_null_if_any("greatest"), "NULL if any argument is NULL")),
    ("least", *ok(_null_if_any("least"), "NULL if any argument is NULL")),
    ("coalesce", *ok({-1: "coalesce({args})"})),
    ("nullif", *ok({2: "nullif({0}, {1})"})),
    ("try", *ok({1: "try({0})"}, "NULL instead of an error")),
)
FUNCTIONS = [*MATH, *STRING, *REGEX, *BITWISE, *CONDITIONAL]
