"""Aggregate and window functions (DuckDB has most under the same or a close name).

approx_percentile(x, p) is the nearest-rank percentile (quantile_disc: the ceil(p * n)-th smallest
value); Timestream's estimate is approximate, and on small groups also returns one of the values.
approx_distinct counts exactly (a HyperLogLog estimate would differ by up to ~2 %).
"""

from __future__ import annotations

from local.timestream.functions.registry import diff, family, ok, refused

_MAP = "MAP results have no Timestream column type"


def _same(name: str, duck: str | None = None, note: str = "") -> tuple:
    return (name, *ok({-1: f"{duck or name}({{args}})"}, note))


AGGREGATE = family(
    "Aggregate",
    _same("arbitrary", "any_value"),
    _same("array_agg", "list"),
    _same("avg"),
    _same("bool_and"),
    _same("bool_or"),
    _same("every", "bool_and"),
    _same("count"),
    ("count_if", *ok({1: "count_if({0})"})),
    _same("geometric_mean", "geomean"),
    _same("max_by", "arg_max"),
    _same("min_by", "arg_min"),
    ("max", *diff({1: "max({0})"}, "max(x, n) is refused")),
    ("min", *diff({1: "min({0})"}, "min(x, n) is refused")),
    _same("sum"),
    _same("bitwise_and_agg", "bit_and"),
    _same("bitwise_or_agg", "bit_or"),
    ("approx_distinct", *diff({1: "count(DISTINCT {0})"}, "exact count of distinct values")),
    (
        "approx_percentile",
        *diff(
            {2: "quantile_disc({0}, {1})"}, "nearest-rank percentile; weight and accuracy forms are refused"
        ),
    ),
    _same("corr"),
    _same("covar_pop"),
    _same("covar_samp"),
    _same("regr_intercept"),
    _same("regr_slope"),
    _same("kurtosis"),
    # Fisher's moment coefficient (population), as Trino computes it; DuckDB's is sample-adjusted.
    ("skewness", *ok({1: "skewness({0}) * (count({0}) - 2) / sqrt(count({0}) * (count({0}) - 1))"})),
    _same("stddev", "stddev_samp"),
    _same("stddev_samp"),
    _same("stddev_pop"),
    _same("variance", "var_samp"),
    _same("var_samp"),
    _same("var_pop"),
    ("checksum", *refused("VARBINARY has no Timestream result type")),
    ("histogram", *refused(_MAP)),
    ("map_agg", *refused(_MAP)),
    ("map_union", *refused(_MAP)),
    ("multimap_agg", *refused(_MAP)),
)
WINDOW = family(
    "Window",
    _same("cume_dist"),
    _same("dense_rank"),
    _same("ntile"),
    _same("percent_rank"),
    _same("rank"),
    _same("row_number"),
    _same("first_value"),
    _same("last_value"),
    _same("nth_value"),
    _same("lead"),
    _same("lag"),
)
FUNCTIONS = [*AGGREGATE, *WINDOW]
