"""`python -m local.timestream query`: prints a table, and errors as one-line messages."""

from __future__ import annotations

from typing import Any

import pytest
from emulator_support import double_record, now_ms

from local.timestream.cli import main


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
    with pytest.raises(SystemExit, match="^error: Function ngrams is not supported"):
        main(["query", "SELECT ngrams(ARRAY['a'], 2)", "--endpoint", endpoint])


def test_query_against_a_closed_port_says_so() -> None:
    """Nothing listening: the message names the endpoint and asks whether it runs."""
    with pytest.raises(SystemExit, match="is the emulator running"):
        main(["query", "SELECT 1", "--endpoint", "http://127.0.0.1:9"])
