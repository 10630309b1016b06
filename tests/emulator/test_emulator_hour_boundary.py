"""The export window [start, end): a record exactly at start is in, one exactly at end is out."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from emulator_support import double_record, now_ms, query_all, scalar_rows

HOUR_MS = 3_600_000


def test_half_open_hour_includes_start_and_excludes_end(
    write_client: Any, query_client: Any, database: str, table: str
) -> None:
    """`time >= start AND time < end` keeps the record at start and at end - 1 ms, not the one at end."""
    # GIVEN records at the previous hour's start, one millisecond before its end, and exactly at its end
    start_ms = (now_ms() // HOUR_MS - 1) * HOUR_MS
    end_ms = start_ms + HOUR_MS
    records = [
        double_record("at-start", 1, start_ms),
        double_record("before-end", 2, end_ms - 1),
        double_record("at-end", 3, end_ms),
    ]
    write_client.write_records(DatabaseName=database, TableName=table, Records=records)
    start = datetime.fromtimestamp(start_ms / 1000, tz=UTC)
    end = datetime.fromtimestamp(end_ms / 1000, tz=UTC)
    # WHEN the export's window predicate is applied
    sql = (
        f'SELECT host FROM "{database}"."{table}" '
        f"WHERE time >= '{start:%Y-%m-%d %H:%M:%S}' AND time < '{end:%Y-%m-%d %H:%M:%S}' ORDER BY time"
    )
    hosts = [row[0] for row in scalar_rows(query_all(query_client, sql))]
    # THEN the record at end belongs to the next hour
    assert hosts == ["at-start", "before-end"]
