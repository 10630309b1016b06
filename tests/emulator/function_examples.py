"""Documented examples of the Timestream reference's functions (its pages and the Trino pages they quote).

name -> [(SQL expression or full SELECT, expected value, expected ScalarType)]. A value is the
ScalarValue text, None for NULL, a list for an array and a tuple for a row.
"""

from __future__ import annotations

from typing import Any

T = "TIMESTAMP '2022-07-07 17:44:43.123'"
V4 = "FROM (VALUES 1, 2, 3, 4) AS t(c)"
XY = "FROM (VALUES (1, 2), (2, 4), (3, 6)) AS t(x, y)"


def agg(expression: str, source: str = V4) -> str:
    return f"SELECT {expression} {source}"


def window(expression: str) -> str:
    return f"SELECT {expression} FROM (VALUES 1) AS t(c)"


E = "2.718281828459045"
PI = "3.141592653589793"
EXAMPLES: dict[str, list[tuple[str, Any, str | None]]] = {
    # Math
    "abs": [("abs(-17.4)", "17.4", "DOUBLE"), ("abs(-3)", "3", "INTEGER")],
    "cbrt": [("cbrt(27.0)", "3.0", "DOUBLE")],
    "ceil": [("ceil(4.2)", "5.0", "DOUBLE")],
    "ceiling": [("ceiling(-4.2)", "-4.0", "DOUBLE")],
    "degrees": [("degrees(pi())", "180.0", "DOUBLE")],
    "e": [("e()", E, "DOUBLE")],
    "exp": [("exp(1)", E, "DOUBLE")],
    "floor": [("floor(4.7)", "4.0", "DOUBLE")],
    "ln": [("ln(e())", "1.0", "DOUBLE")],
    "log2": [("log2(8)", "3.0", "DOUBLE")],
    "log10": [("log10(1000)", "3.0", "DOUBLE")],
    "mod": [("mod(7, 3)", "1", "INTEGER"), ("mod(-7, 3)", "-1", "INTEGER")],
    "pi": [("pi()", PI, "DOUBLE")],
    "pow": [("pow(2, 10)", "1024.0", "DOUBLE")],
    "power": [("power(2, 3)", "8.0", "DOUBLE")],
    "radians": [("radians(180)", PI, "DOUBLE")],
    "rand": [("rand() < 1.0", "true", "BOOLEAN")],
    "random": [("random() < 1.0", "true", "BOOLEAN"), ("random(10) < 10", "true", "BOOLEAN")],
    "round": [("round(2.5)", "3.0", "DOUBLE"), ("round(3.14159, 2)", "3.14", "DOUBLE")],
    "sign": [("sign(-3.5)", "-1", None)],
    "sqrt": [("sqrt(16)", "4.0", "DOUBLE")],
    "truncate": [("truncate(-4.7)", "-4.0", "DOUBLE")],
    "acos": [("acos(1)", "0.0", "DOUBLE")],
    "asin": [("asin(0)", "0.0", "DOUBLE")],
    "atan": [("atan(0)", "0.0", "DOUBLE")],
    "atan2": [("atan2(0, 1)", "0.0", "DOUBLE")],
    "cos": [("cos(0)", "1.0", "DOUBLE")],
    "cosh": [("cosh(0)", "1.0", "DOUBLE")],
    "sin": [("sin(0)", "0.0", "DOUBLE")],
    "tan": [("tan(0)", "0.0", "DOUBLE")],
    "tanh": [("tanh(0)", "0.0", "DOUBLE")],
    "infinity": [("infinity()", "Infinity", "DOUBLE")],
    "is_finite": [("is_finite(1.0)", "true", "BOOLEAN")],
    "is_infinite": [("is_infinite(infinity())", "true", "BOOLEAN")],
    "is_nan": [("is_nan(nan())", "true", "BOOLEAN")],
    "nan": [("nan()", "NaN", "DOUBLE")],
    # String
    "chr": [("chr(65)", "A", "VARCHAR")],
    "codepoint": [("codepoint('A')", "65", "INTEGER")],
    "concat": [
        ("concat('a', 'b', 'c')", "abc", "VARCHAR"),
        ("concat('a', NULL)", None, None),
        ("concat(ARRAY[1], ARRAY[2, 3])", ["1", "2", "3"], None),
    ],
    "hamming_distance": [("hamming_distance('abcde', 'abdde')", "1", "BIGINT")],
    "length": [("length('hello')", "5", "BIGINT")],
    "levenshtein_distance": [("levenshtein_distance('kitten', 'sitting')", "3", "BIGINT")],
    "lower": [("lower('ABC')", "abc", "VARCHAR")],
    "lpad": [("lpad('7', 3, '0')", "007", "VARCHAR")],
    "ltrim": [("ltrim('  a ')", "a ", "VARCHAR")],
    "replace": [
        ("replace('abcabc', 'b')", "acac", "VARCHAR"),
        ("replace('abc', 'b', 'x')", "axc", "VARCHAR"),
    ],
    "rpad": [("rpad('7', 3, '0')", "700", "VARCHAR")],
    "rtrim": [("rtrim(' a  ')", " a", "VARCHAR")],
    "split": [("split('a,b,c', ',')", ["a", "b", "c"], None)],
    "split_part": [
        ("split_part('a,b,c', ',', 2)", "b", "VARCHAR"),
        ("split_part('a,b', ',', 5)", None, None),
    ],
    "strpos": [("strpos('high', 'ig')", "2", "BIGINT"), ("position('ig' IN 'high')", "2", "BIGINT")],
    "substr": [("substr('hello', 2)", "ello", "VARCHAR"), ("substr('hello', 2, 3)", "ell", "VARCHAR")],
    "substring": [("substring('hello', -3)", "llo", "VARCHAR")],
    "upper": [("upper('abc')", "ABC", "VARCHAR"), ("trim('  a  ')", "a", "VARCHAR")],
    "starts_with": [("starts_with('hello', 'he')", "true", "BOOLEAN")],
    # Regular expressions
    "regexp_extract_all": [("regexp_extract_all('1a 2b 14m', '\\d+')", ["1", "2", "14"], None)],
    "regexp_extract": [
        ("regexp_extract('1a 2b 14m', '\\d+')", "1", "VARCHAR"),
        ("regexp_extract('1a 2b 14m', '(\\d+)([a-z]+)', 2)", "a", "VARCHAR"),
        ("regexp_extract('abc', '\\d+')", None, None),
    ],
    "regexp_like": [("regexp_like('1a 2b 14m', '\\d+b')", "true", "BOOLEAN")],
    "regexp_replace": [
        ("regexp_replace('1a 2b 14m', '\\d+[ab] ')", "14m", "VARCHAR"),
        ("regexp_replace('1a 2b 14m', '(\\d+)([ab]) ', '3c$2 ')", "3ca 3cb 14m", "VARCHAR"),
    ],
    "regexp_split": [("regexp_split('1a 2b 14m', '\\s*[a-z]+\\s*')", ["1", "2", "14", ""], None)],
    # Bitwise
    "bit_count": [("bit_count(9, 64)", "2", "BIGINT")],
    "bitwise_and": [("bitwise_and(19, 25)", "17", "BIGINT")],
    "bitwise_not": [("bitwise_not(5)", "-6", "BIGINT")],
    "bitwise_or": [("bitwise_or(19, 25)", "27", "BIGINT")],
    "bitwise_xor": [("bitwise_xor(19, 25)", "10", "BIGINT")],
    "bitwise_left_shift": [("bitwise_left_shift(1, 2)", "4", "BIGINT")],
    "bitwise_right_shift_arithmetic": [("bitwise_right_shift_arithmetic(-8, 1)", "-4", "BIGINT")],
    # Comparison and conditional
    "greatest": [("greatest(1, 5, 3)", "5", "INTEGER"), ("greatest(1, NULL)", None, None)],
    "least": [("least(1, 5, 3)", "1", "INTEGER")],
    "coalesce": [("coalesce(NULL, 2)", "2", "INTEGER")],
    "nullif": [("nullif(1, 1)", None, None)],
    "try": [("try(1 / 0)", None, None)],
    # Date/time
    "now": [("now() = current_timestamp", "true", "BOOLEAN")],
    "ago": [("ago(1h) < now()", "true", "BOOLEAN")],
    "bin": [(f"bin({T}, 15m)", "2022-07-07 17:30:00.000000000", "TIMESTAMP")],
    "current_timezone": [("current_timezone()", "UTC", "VARCHAR")],
    "date": [("date('2022-07-07')", "2022-07-07", "DATE"), (f"date({T})", "2022-07-07", "DATE")],
    "last_day_of_month": [(f"last_day_of_month({T})", "2022-07-31", "DATE")],
    "from_iso8601_timestamp": [
        (
            "from_iso8601_timestamp('2022-06-17T08:04:05.000000000+05:00')",
            "2022-06-17 03:04:05.000000000",
            "TIMESTAMP",
        )
    ],
    "from_iso8601_date": [("from_iso8601_date('2022-06-17')", "2022-06-17", "DATE")],
    "to_iso8601": [
        ("to_iso8601(TIMESTAMP '2022-06-17 03:04:05')", "2022-06-17T03:04:05.000000000Z", "VARCHAR"),
        ("to_iso8601(date '2022-06-17')", "2022-06-17", "VARCHAR"),
    ],
    "from_milliseconds": [("from_milliseconds(1)", "1970-01-01 00:00:00.001000000", "TIMESTAMP")],
    "from_nanoseconds": [("from_nanoseconds(300000001)", "1970-01-01 00:00:00.300000001", "TIMESTAMP")],
    "from_unixtime": [("from_unixtime(1)", "1970-01-01 00:00:01.000000000", "TIMESTAMP")],
    "to_unixtime": [("to_unixtime(TIMESTAMP '1970-01-01 00:00:01')", "1.0", "DOUBLE")],
    "to_milliseconds": [
        ("to_milliseconds(interval '2' day)", "172800000", "BIGINT"),
        ("to_milliseconds(TIMESTAMP '1970-01-01 00:00:01')", "1000", "BIGINT"),
    ],
    "to_nanoseconds": [
        ("to_nanoseconds(interval '1' second)", "1000000000", "BIGINT"),
        ("to_nanoseconds(TIMESTAMP '1970-01-01 00:00:01')", "1000000000", "BIGINT"),
    ],
    "date_trunc": [
        (f"date_trunc('hour', {T})", "2022-07-07 17:00:00.000000000", "TIMESTAMP"),
        ("date_trunc('month', date '2022-07-07')", "2022-07-01", "DATE"),
    ],
    "date_add": [
        (f"date_add('day', 2, {T})", "2022-07-09 17:44:43.123000000", "TIMESTAMP"),
        ("date_add('month', 1, date '2022-01-31')", "2022-02-28", "DATE"),
    ],
    "date_diff": [
        ("date_diff('day', TIMESTAMP '2022-07-07 23:00:00', TIMESTAMP '2022-07-09 01:00:00')", "1", "BIGINT")
    ],
    "parse_duration": [("parse_duration('1h')", "0 01:00:00.000000000", "INTERVAL_DAY_TO_SECOND")],
    "date_format": [(f"date_format({T}, '%Y-%m-%d %H:%i:%s')", "2022-07-07 17:44:43", "VARCHAR")],
    "date_parse": [
        ("date_parse('2022/07/07 17:44', '%Y/%m/%d %H:%i')", "2022-07-07 17:44:00.000000000", "TIMESTAMP")
    ],
    "format_datetime": [(f"format_datetime({T}, 'yyyy-MM-dd HH:mm:ss')", "2022-07-07 17:44:43", "VARCHAR")],
    "parse_datetime": [
        (
            "parse_datetime('2022-07-07 17:44', 'yyyy-MM-dd HH:mm')",
            "2022-07-07 17:44:00.000000000",
            "TIMESTAMP",
        )
    ],
    "year": [(f"year({T})", "2022", "BIGINT"), (f"EXTRACT(YEAR FROM {T})", "2022", "BIGINT")],
    "quarter": [(f"quarter({T})", "3", "BIGINT")],
    "month": [(f"month({T})", "7", "BIGINT")],
    "week": [(f"week({T})", "27", "BIGINT")],
    "week_of_year": [(f"week_of_year({T})", "27", "BIGINT")],
    "day": [(f"day({T})", "7", "BIGINT")],
    "day_of_month": [(f"day_of_month({T})", "7", "BIGINT")],
    "day_of_week": [(f"day_of_week({T})", "4", "BIGINT")],
    "dow": [(f"dow({T})", "4", "BIGINT")],
    "day_of_year": [(f"day_of_year({T})", "188", "BIGINT")],
    "doy": [(f"doy({T})", "188", "BIGINT")],
    "year_of_week": [(f"year_of_week({T})", "2022", "BIGINT")],
    "yow": [(f"yow({T})", "2022", "BIGINT")],
    "hour": [(f"hour({T})", "17", "BIGINT")],
    "minute": [(f"minute({T})", "44", "BIGINT")],
    "second": [(f"second({T})", "43", "BIGINT")],
    "millisecond": [(f"millisecond({T})", "123", "BIGINT")],
    # Array
    "array_distinct": [
        ("array_distinct(ARRAY[1,2,2,3])", ["1", "2", "3"], None),
        ("array_distinct(ARRAY[3,1,3,2])", ["3", "1", "2"], None),
    ],
    "array_intersect": [("array_intersect(ARRAY[1,2,3], ARRAY[3,4,5])", ["3"], None)],
    "array_union": [("array_union(ARRAY[1,2,3], ARRAY[3,4,5])", ["1", "2", "3", "4", "5"], None)],
    "array_except": [
        ("array_except(ARRAY[1,2,3], ARRAY[3,4,5])", ["1", "2"], None),
        ("array_except(ARRAY[3,1,3,2], ARRAY[2])", ["3", "1"], None),
    ],
    "array_join": [
        ("array_join(ARRAY[1,2,3], ';', '')", "1;2;3", "VARCHAR"),
        ("array_join(ARRAY['a', NULL], ',', 'N')", "a,N", "VARCHAR"),
    ],
    "array_max": [("array_max(ARRAY[1,2,3])", "3", "INTEGER")],
    "array_min": [("array_min(ARRAY[1,2,3])", "1", "INTEGER")],
    "array_position": [
        ("array_position(ARRAY[3,4,5,9], 5)", "3", "BIGINT"),
        ("array_position(ARRAY[3], 7)", "0", "BIGINT"),
    ],
    "array_remove": [("array_remove(ARRAY[3,4,5,9], 4)", ["3", "5", "9"], None)],
    "array_sort": [("array_sort(ARRAY[6,8,2,9,3])", ["2", "3", "6", "8", "9"], None)],
    "arrays_overlap": [("arrays_overlap(ARRAY[1,2], ARRAY[2,3])", "true", "BOOLEAN")],
    "cardinality": [("cardinality(ARRAY[1,2,3])", "3", "BIGINT")],
    "contains": [("contains(ARRAY[1,2], 2)", "true", "BOOLEAN")],
    "element_at": [
        ("element_at(ARRAY[1,2,3], 2)", "2", "INTEGER"),
        ("element_at(ARRAY[1,2,3], -1)", "3", "INTEGER"),
    ],
    "filter": [("filter(ARRAY[5,-6,NULL,7], x -> x > 0)", ["5", "7"], None)],
    "flatten": [("flatten(ARRAY[ARRAY[1,2], ARRAY[3]])", ["1", "2", "3"], None)],
    "reduce": [("reduce(ARRAY[5,20,50], 0, (s, x) -> s + x, s -> s)", "75", "INTEGER")],
    "repeat": [("repeat('a', 3)", ["a", "a", "a"], None)],
    "reverse": [("reverse(ARRAY[1,2,3])", ["3", "2", "1"], None), ("reverse('abc')", "cba", "VARCHAR")],
    "sequence": [
        ("sequence(1, 5)", ["1", "2", "3", "4", "5"], None),
        ("sequence(5, 1, -2)", ["5", "3", "1"], None),
        ("sequence(date '2022-01-01', date '2022-01-03')", ["2022-01-01", "2022-01-02", "2022-01-03"], None),
        (
            "sequence(date '2022-01-15', date '2022-03-15', interval '1' month)",
            ["2022-01-15", "2022-02-15", "2022-03-15"],
            None,
        ),
        (
            "sequence(TIMESTAMP '2022-01-01 00:00:00', TIMESTAMP '2022-01-01 00:00:01', 500ms)",
            [
                "2022-01-01 00:00:00.000000000",
                "2022-01-01 00:00:00.500000000",
                "2022-01-01 00:00:01.000000000",
            ],
            None,
        ),
    ],
    "shuffle": [("array_sort(shuffle(ARRAY[3,1,2]))", ["1", "2", "3"], None)],
    "slice": [("slice(ARRAY[1,2,3,4], 2, 2)", ["2", "3"], None)],
    "transform": [("transform(ARRAY[5,6], x -> x + 1)", ["6", "7"], None)],
    "zip": [("zip(ARRAY[1,2], ARRAY['a','b'])", [("1", "a"), ("2", "b")], None)],
    "zip_with": [("zip_with(ARRAY[1,3], ARRAY[2,4], (x, y) -> x + y)", ["3", "7"], None)],
    # Aggregate
    "arbitrary": [(agg("arbitrary(c)", "FROM (VALUES 1) AS t(c)"), "1", "INTEGER")],
    "array_agg": [(agg("array_sort(array_agg(c))"), ["1", "2", "3", "4"], None)],
    "avg": [(agg("avg(c)"), "2.5", "DOUBLE")],
    "bool_and": [(agg("bool_and(c > 1)"), "false", "BOOLEAN")],
    "bool_or": [(agg("bool_or(c > 1)"), "true", "BOOLEAN")],
    "every": [(agg("every(c > 0)"), "true", "BOOLEAN")],
    "count": [(agg("count(*)"), "4", "BIGINT"), (agg("count(DISTINCT c % 2)"), "2", "BIGINT")],
    "count_if": [(agg("count_if(c > 2)"), "2", "BIGINT")],
    "geometric_mean": [(agg("geometric_mean(c)", "FROM (VALUES 1, 4) AS t(c)"), "2.0", "DOUBLE")],
    "max_by": [(agg("max_by(n, v)", "FROM (VALUES ('a', 1), ('b', 3)) AS t(n, v)"), "b", "VARCHAR")],
    "min_by": [(agg("min_by(n, v)", "FROM (VALUES ('a', 1), ('b', 3)) AS t(n, v)"), "a", "VARCHAR")],
    "max": [(agg("max(c)"), "4", "INTEGER")],
    "min": [(agg("min(c)"), "1", "INTEGER")],
    "sum": [(agg("sum(c)"), "10", "BIGINT")],
    "bitwise_and_agg": [(agg("bitwise_and_agg(c)", "FROM (VALUES 3, 5) AS t(c)"), "1", None)],
    "bitwise_or_agg": [(agg("bitwise_or_agg(c)", "FROM (VALUES 3, 5) AS t(c)"), "7", None)],
    "approx_distinct": [(agg("approx_distinct(c % 2)"), "2", "BIGINT")],
    "approx_percentile": [(agg("approx_percentile(c, 0.5)"), "2", "INTEGER")],
    "corr": [(agg("corr(y, x)", XY), "1.0", "DOUBLE")],
    "covar_pop": [(agg("covar_pop(y, x)", XY), "1.3333333333333333", "DOUBLE")],
    "covar_samp": [(agg("covar_samp(y, x)", XY), "2.0", "DOUBLE")],
    "regr_intercept": [(agg("regr_intercept(y, x)", XY), "0.0", "DOUBLE")],
    "regr_slope": [(agg("regr_slope(y, x)", XY), "2.0", "DOUBLE")],
    "kurtosis": [(agg("kurtosis(c)"), "-1.2", "DOUBLE")],
    "skewness": [
        (agg("skewness(c)", "FROM (VALUES 1.0, 2.0, 10.0) AS t(c)"), "0.6745554845457661", "DOUBLE")
    ],
    "stddev": [(agg("stddev(c)"), "1.2909944487358056", "DOUBLE")],
    "stddev_samp": [(agg("stddev_samp(c)"), "1.2909944487358056", "DOUBLE")],
    "stddev_pop": [(agg("stddev_pop(c)"), "1.118033988749895", "DOUBLE")],
    "variance": [(agg("variance(c)"), "1.6666666666666667", "DOUBLE")],
    "var_samp": [(agg("var_samp(c)"), "1.6666666666666667", "DOUBLE")],
    "var_pop": [(agg("var_pop(c)"), "1.25", "DOUBLE")],
    # Window
    "cume_dist": [(window("cume_dist() OVER (ORDER BY c)"), "1.0", "DOUBLE")],
    "dense_rank": [(window("dense_rank() OVER (ORDER BY c)"), "1", "BIGINT")],
    "ntile": [(window("ntile(2) OVER (ORDER BY c)"), "1", "BIGINT")],
    "percent_rank": [(window("percent_rank() OVER (ORDER BY c)"), "0.0", "DOUBLE")],
    "rank": [(window("rank() OVER (ORDER BY c)"), "1", "BIGINT")],
    "row_number": [(window("row_number() OVER (ORDER BY c)"), "1", "BIGINT")],
    "first_value": [(window("first_value(c) OVER (ORDER BY c)"), "1", "INTEGER")],
    "last_value": [(window("last_value(c) OVER (ORDER BY c)"), "1", "INTEGER")],
    "nth_value": [(window("nth_value(c, 1) OVER (ORDER BY c)"), "1", "INTEGER")],
    "lead": [(window("lead(c) OVER (ORDER BY c)"), None, None)],
    "lag": [(window("lag(c) OVER (ORDER BY c)"), None, None)],
}
# The date/time operators' documented examples (Trino's table, which Timestream's reference quotes).
OPERATORS: list[tuple[str, str, str]] = [
    ("date '2012-08-08' + interval '2' day", "2012-08-10", "DATE"),
    ("timestamp '2012-08-08 01:00' + interval '29' hour", "2012-08-09 06:00:00.000000000", "TIMESTAMP"),
    ("timestamp '2012-10-31 01:00' + interval '1' month", "2012-11-30 01:00:00.000000000", "TIMESTAMP"),
    ("interval '2' day + interval '3' hour", "2 03:00:00.000000000", "INTERVAL_DAY_TO_SECOND"),
    ("interval '3' year + interval '5' month", "3-5", "INTERVAL_YEAR_TO_MONTH"),
    ("date '2012-08-08' - interval '2' day", "2012-08-06", "DATE"),
    ("timestamp '2012-08-08 01:00' - interval '29' hour", "2012-08-06 20:00:00.000000000", "TIMESTAMP"),
    ("interval '2' day - interval '3' hour", "1 21:00:00.000000000", "INTERVAL_DAY_TO_SECOND"),
    ("interval '3' year - interval '5' month", "2-7", "INTERVAL_YEAR_TO_MONTH"),
    ("interval '6' day - interval '4' hour", "5 20:00:00.000000000", "INTERVAL_DAY_TO_SECOND"),
    ("interval '4' year + interval '2' month", "4-2", "INTERVAL_YEAR_TO_MONTH"),
    ("from_unixtime(0) < TIMESTAMP '1970-01-01 00:00:01'", "true", "BOOLEAN"),
]
