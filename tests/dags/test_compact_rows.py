"""Compact scalar Rows cut at their separators (`compact_rows`) are the page Arrow's JSON reader gives.

Each page is written twice: with its Rows compact, as the local Timestream writes them (cut at the
separators), and with spaces after every separator (only the JSON reader takes it). Both must give the
same members and the same Arrow columns, for the values a split could get wrong: nulls first, last and
alone, empty texts, non-ASCII text (as UTF-8; a \\u escape is left to the reader), text that looks like
the separators, one row, one column, and the members in the service model's order and in alphabetical
order (Rows last). Pages that are not compact rows of scalars are left to the JSON reader, as before.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from timestream_pipeline.compact_rows import split_rows
from timestream_pipeline.query_parser import ScalarRows, parse_page

ROWS = {
    "varied": [
        ["region-0", "", "1.5", None],
        [None, "é café 日本語 🚀", "-0.0", "2026-11-22 09:00:15.000000000"],
        ["]}]},{", "},{", "[]{}:,", "x"],
    ],
    "one row": [["a", None]],
    "one column": [["a"], [None], [""]],
    "all nulls": [[None, None], [None, None]],
}


def datum(value: str | None) -> dict[str, Any]:
    return {"NullValue": True} if value is None else {"ScalarValue": value}


def page_body(rows: list[list[str | None]], *, compact_rows: bool, rows_last: bool = False) -> bytes:
    """A Query response: the members as the local Timestream orders them, or alphabetically."""
    width = len(rows[0])
    members: dict[str, Any] = {
        "QueryId": "q",
        "NextToken": "t",
        "Rows": "ROWS",
        "ColumnInfo": [{"Name": f"c{i}", "Type": {"ScalarType": "VARCHAR"}} for i in range(width)],
        "QueryStatus": {
            "ProgressPercentage": 100.0,
            "CumulativeBytesScanned": 1,
            "CumulativeBytesMetered": 2,
        },
    }
    separators = (",", ":") if compact_rows else (", ", ": ")
    rows_json = [{"Data": [datum(v) for v in row]} for row in rows]
    text = json.dumps(rows_json, separators=separators, ensure_ascii=False)  # as UTF-8, not \u escapes
    body = json.dumps(members, sort_keys=rows_last)
    return body.replace('"ROWS"', text).encode("utf-8")


def columns(page: dict[str, Any]) -> list[tuple[list[Any], list[Any]]]:
    rows = page["Rows"]
    assert isinstance(rows, ScalarRows)
    return [(rows.texts(i).to_pylist(), rows.null_flags(i).to_pylist()) for i in range(rows.width)]


@pytest.mark.parametrize("rows_last", [False, True], ids=["model order", "rows last"])
@pytest.mark.parametrize("name", list(ROWS))
def test_compact_rows_give_the_json_readers_page(name: str, rows_last: bool) -> None:
    """GIVEN a page of scalar rows WHEN its Rows are compact THEN they are cut at the separators, and the
    page equals the JSON reader's page of the same rows written with spaces, and json.loads's."""
    compact = page_body(ROWS[name], compact_rows=True, rows_last=rows_last)
    spaced = page_body(ROWS[name], compact_rows=False, rows_last=rows_last)
    assert split_rows(compact) is not None and split_rows(spaced) is None
    cut, read = parse_page(compact), parse_page(spaced)
    assert cut is not None and read is not None
    assert columns(cut) == columns(read)
    assert {**cut, "Rows": list(cut["Rows"])} == {**read, "Rows": list(read["Rows"])} == json.loads(compact)


@pytest.mark.parametrize(
    "rows_text",
    [
        '[{"Data":[{"ScalarValue":"a"}]},{"Data":[{"ScalarValue":"b"},{"NullValue":true}]}]',
        '[{"Data":[{"ScalarValue":"a"},{"ArrayValue":[{"ScalarValue":"1"}]}]}]',
        '[{"Data":[{"ScalarValue":"a"},{"ArrayValue":[{"ScalarValue":"1"}]},{"ScalarValue":"b"}]}]',
        '[{"Data":[{"ScalarValue":"a","NullValue":false}]}]',
        '[{"Data":[{"NullValue":false}]}]',
        '[{"Data":[{"ScalarValue":"q\\"uote"}]}]',
        '[{"Data":[{"ScalarValue":"tab\there"}]}]',
        '[{"Data":[]}]',
        "[]",
    ],
    ids=[
        "different widths",
        "an array",
        "an array between scalars",
        "another member",
        "a false null",
        "an escape",
        "a raw tab",
        "no datums",
        "no rows",
    ],
)
def test_anything_but_compact_scalar_rows_is_left_to_the_json_reader(rows_text: str) -> None:
    """GIVEN Rows that are not compact rows of scalars and nulls THEN they are not cut, and the page is
    what the JSON reader makes of it (its columns, or botocore's parse)."""
    body = f'{{"QueryId": "q", "Rows": {rows_text}, "ColumnInfo": []}}'.encode()
    assert split_rows(body) is None


def test_a_second_rows_member_is_left_to_the_json_reader() -> None:
    """GIVEN compact rows, then a second Rows member (json.loads keeps the last) THEN they are not cut."""
    rows = '[{"Data":[{"ScalarValue":"a"}]}]'
    assert split_rows(f'{{"QueryId": "q", "Rows": {rows}, "ColumnInfo": []}}'.encode()) is not None
    assert split_rows(f'{{"QueryId": "q", "Rows": {rows}, "Rows": [], "ColumnInfo": []}}'.encode()) is None
