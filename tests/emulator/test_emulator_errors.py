"""Query errors speak Timestream (Trino), never DuckDB: one test per message, and no DuckDB words anywhere."""

from __future__ import annotations

from typing import Any

import pytest

DUCKDB_WORDS = (
    "Binder Error",
    "Catalog Error",
    "Conversion Error",
    "Invalid Input Error",
    "Parser Error",
    "error_on_division_by_zero",
    "STRING_LITERAL",
    "INTEGER_LITERAL",
    "DuckDB",
    "TRY(",
)


def _message(query_client: Any, sql: str) -> str:
    with pytest.raises(query_client.exceptions.ValidationException) as raised:
        query_client.query(QueryString=sql)
    message = raised.value.response["Error"]["Message"]
    assert not [word for word in DUCKDB_WORDS if word in message], message
    return message


def test_an_unknown_column_is_named_with_its_position(query_client: Any, database: str, table: str) -> None:
    """line 1:8: Column 'nope' does not exist (the service's message)."""
    assert (
        _message(query_client, f'SELECT nope FROM "{database}"."{table}"')
        == "line 1:8: Column 'nope' does not exist"
    )


def test_an_empty_tables_measure_column_does_not_exist_yet(
    query_client: Any, database: str, table: str
) -> None:
    """Before any DOUBLE was written, measure_value::double is an unknown column, as on the service."""
    sql = f'SELECT avg(measure_value::double) FROM "{database}"."{table}"'
    assert _message(query_client, sql) == "line 1:12: Column 'measure_value::double' does not exist"


def test_integer_division_by_zero(query_client: Any) -> None:
    """1 / 0 fails with the service's 'Division by zero' (no DuckDB setting in the message)."""
    assert _message(query_client, "SELECT 1 / 0") == "Division by zero"


def test_an_operator_on_mismatched_types(query_client: Any) -> None:
    """'a' + 1: Cannot apply operator: varchar + integer."""
    assert _message(query_client, "SELECT 'a' + 1") == "Cannot apply operator: varchar + integer"


def test_a_function_on_the_wrong_argument_type(query_client: Any) -> None:
    """abs('x'): Unexpected parameters (varchar) for function abs."""
    assert _message(query_client, "SELECT abs('x')") == "Unexpected parameters (varchar) for function abs"


def test_a_failed_cast(query_client: Any) -> None:
    """CAST('abc' AS integer): Cannot cast 'abc' to integer."""
    assert _message(query_client, "SELECT CAST('abc' AS integer)") == "Cannot cast 'abc' to integer"


def test_a_missing_table_and_a_missing_database(query_client: Any, database: str) -> None:
    """The service's wording for a table, and for a database, that does not exist."""
    assert (
        _message(query_client, f"SELECT * FROM {database}.no_table")
        == f"Table '{database}.no_table' does not exist"
    )
    assert (
        _message(query_client, "SELECT * FROM no_db.t1")
        == "Requested database 'no_db' not found for identifier 'no_db.t1'"
    )


def test_a_syntax_error_names_its_line_and_column(query_client: Any) -> None:
    """A parse error starts with line L:C: like the service's."""
    assert _message(query_client, "SELECT FROM WHERE").startswith("line 1:")


def test_a_timeseries_function_on_a_scalar(query_client: Any) -> None:
    """interpolate_locf(1, 2) names the function and what its first argument must be."""
    message = _message(query_client, "SELECT interpolate_locf(1, 2)")
    assert message.startswith("Unexpected parameters for function interpolate_locf")
