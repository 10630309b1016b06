"""`python -m local.timestream query`: prints a table, and errors as one-line messages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from emulator_support import double_record, now_ms

from local.timestream.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_query_prints_a_table_of_every_row(
    write_client: Any, database: str, table: str, endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CLI prints a header, a rule and one line per row."""
    # GIVEN two stored records
    stamp = now_ms()
    records = [double_record("alpha", 1, stamp), double_record("beta", 2, stamp)]
    write_client.write_records(DatabaseName=database, TableName=table, Records=records)
    # WHEN the CLI queries them
    sql = f'SELECT host, measure_value::double AS v FROM "{database}"."{table}" ORDER BY host'
    code = main(["query", sql, "--endpoint", endpoint])
    # THEN it prints an aligned table
    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    assert [line.split() for line in (lines[0], lines[2], lines[3])] == [
        ["host", "v"],
        ["alpha", "1.0"],
        ["beta", "2.0"],
    ]
    assert set(lines[1]) <= {"-", " "}
    assert lines[0].index("v") == lines[2].index("1.0") == lines[3].index("2.0")


def test_query_errors_end_as_a_message(endpoint: str) -> None:
    """A refused function ends the CLI with the service's message naming it, not a traceback."""
    # GIVEN / WHEN / THEN
    with pytest.raises(SystemExit, match=r"^error: Function ngrams is not supported"):
        main(["query", "SELECT ngrams(ARRAY['a'], 2)", "--endpoint", endpoint])


def test_query_against_a_closed_port_says_so() -> None:
    """Nothing listening: the message names the endpoint and asks whether it runs."""
    with pytest.raises(SystemExit, match="is the emulator running"):
        main(["query", "SELECT 1", "--endpoint", "http://127.0.0.1:9"])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["query", "   "], "error: the SQL statement is empty"),
        (["query", "SELECT 1", "--max-rows", "-1"], "error: argument --max-rows: invalid count '-1'"),
        (["query", "SELECT 1", "--max-rows", "0"], "error: argument --max-rows: invalid count '0'"),
        (["serve", "--port", "-5"], "error: argument --port: invalid port '-5'"),
        (["serve", "--port", "70000"], "error: argument --port: invalid port '70000'"),
    ],
)
def test_usage_mistakes_end_in_one_line(argv: list[str], message: str) -> None:
    """Empty SQL and negative or out-of-range numbers: one line naming the mistake, non-zero exit."""
    with pytest.raises(SystemExit) as ended:
        main(argv)
    assert str(ended.value.code).startswith(message)
    assert "\n" not in str(ended.value.code)


def test_invalid_sql_ends_as_the_services_message(endpoint: str) -> None:
    """Invalid SQL: the service's one-line message."""
    with pytest.raises(SystemExit, match=r"^error: line 1:"):
        main(["query", "SELECT FROM WHERE", "--endpoint", endpoint])


def test_a_closed_stdout_ends_in_one_line_and_a_non_zero_exit(endpoint: str) -> None:
    """`... | head -1`: the reader goes away; the CLI says so in one line instead of a BrokenPipeError."""
    # GIVEN a query with many rows, read by a consumer that stops after the first line
    sql = "SELECT x FROM UNNEST(sequence(1, 20000)) AS t(x)"
    command = [sys.executable, "-m", "local.timestream", "query", sql, "--endpoint", endpoint]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.readline()
    process.stdout.close()
    # WHEN it finishes
    errors = process.stderr.read().decode().strip().splitlines()
    code = process.wait(timeout=60)
    # THEN one line, non-zero
    assert code != 0
    assert errors == ["error: the output was closed before every row was printed"]


def test_max_rows_limits_the_printed_rows(endpoint: str, capsys: pytest.CaptureFixture[str]) -> None:
    """--max-rows 2 prints the header, the rule and two rows."""
    assert (
        main(
            [
                "query",
                "SELECT x FROM UNNEST(sequence(1, 5)) AS t(x)",
                "--endpoint",
                endpoint,
                "--max-rows",
                "2",
            ]
        )
        == 0
    )
    assert len(capsys.readouterr().out.splitlines()) == 4
