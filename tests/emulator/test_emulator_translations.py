"""A query text is translated once, yet each run sees its own start time and the catalog as it is then.

The service keeps each query's DuckDB translation (`translations.py`); these tests run the same text
again after what a kept translation must not hide: the clock moved (`now()`), the table was dropped,
and the table was created again under the same name (a new storage table).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from emulator_support import double_record

from local.timestream.exceptions import ValidationException
from local.timestream.service import TimestreamService

HOUR_NS = 3_600 * 10**9


class Clock:
    def __init__(self) -> None:
        self.ns = 1_700_000_000 * 10**9

    def __call__(self) -> int:
        return self.ns


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def service(clock: Clock) -> Iterator[TimestreamService]:
    service = TimestreamService(clock_ns=clock)
    service.catalog.create_database("lab", None)
    yield service
    service.close()


def scalars(service: TimestreamService, sql: str) -> list[list[str]]:
    page = service.query(sql)
    return [[datum["ScalarValue"] for datum in row["Data"]] for row in _rows(page)]


def _rows(page: dict) -> list[dict]:
    import json

    return json.loads(page["Rows"].text)


def test_now_is_each_runs_start_time(service: TimestreamService, clock: Clock) -> None:
    """GIVEN a query of now() already run once WHEN it runs again an hour later THEN it shows the new time."""
    sql = "SELECT now() AS started, ago(1h) AS hour_before"
    first = scalars(service, sql)
    clock.ns += HOUR_NS
    second = scalars(service, sql)
    assert first == [["2023-11-14 22:13:20.000000000", "2023-11-14 21:13:20.000000000"]]
    assert second == [["2023-11-14 23:13:20.000000000", "2023-11-14 22:13:20.000000000"]]


def test_a_dropped_table_fails_as_on_a_first_translation(service: TimestreamService) -> None:
    """GIVEN a query already run on a table WHEN the table is dropped THEN the same text fails with the
    message of a first translation, and a query of another table is not affected."""
    for name in ("kept", "dropped"):
        service.catalog.create_table("lab", name, {}, {})
    sql = 'SELECT count(*) AS n FROM "lab"."kept" k JOIN "lab"."dropped" d ON k.time = d.time'
    assert scalars(service, sql) == [["0"]]
    service.catalog.delete_table("lab", "dropped")
    with pytest.raises(ValidationException) as cached:
        service.query(sql)
    with pytest.raises(ValidationException) as fresh:
        service.query(sql + " ")  # another text: translated for the first time
    assert str(cached.value) == str(fresh.value) == "Table 'lab.dropped' does not exist"
    assert scalars(service, 'SELECT count(*) AS n FROM "lab"."kept"') == [["0"]]


def test_a_table_created_again_is_read_from_its_new_storage(service: TimestreamService, clock: Clock) -> None:
    """GIVEN a query already run on a table holding a record WHEN the table is dropped and created again
    empty THEN the same text counts the new table's rows, not the old storage's."""
    service.catalog.create_table("lab", "metrics", {}, {})
    service.catalog.create_table("lab", "newer", {}, {})  # the table created again gets a new storage id
    service.write_records("lab", "metrics", [double_record("h1", 1.5, clock.ns // 10**6)], None)
    sql = 'SELECT count(*) AS n FROM "lab"."metrics"'
    assert scalars(service, sql) == [["1"]]
    service.catalog.delete_table("lab", "metrics")
    service.catalog.create_table("lab", "metrics", {}, {})
    assert scalars(service, sql) == [["0"]]
