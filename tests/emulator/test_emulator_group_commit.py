"""Concurrent WriteRecords calls share commits: every acknowledged record is stored, once, and kept.

The local mapping invokes the handler for several shards side by side, so the emulator groups the calls
that arrive together into one DuckDB commit; the version rules must still see each call's records.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from emulator_support import double_record, now_ms, query_all, scalar_rows, serve_process

from local.timestream.service import TimestreamService

CALLERS = 6


def _side_by_side(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls in threads released together; each result, or the exception it raised."""
    start = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> Any:
        start.wait()
        try:
            return call()
        except Exception as error:  # the caller inspects rejections
            return error

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_concurrent_calls_store_every_acknowledged_record_once(
    write_client: Any, query_client: Any, database: str, table: str
) -> None:
    # GIVEN 6 callers, each with 10 calls of 50 records of its own hosts
    stamp = now_ms()

    def caller(number: int) -> int:
        for call in range(10):
            records = [double_record(f"c{number}-{call}-{i}", i, stamp) for i in range(50)]
            write_client.write_records(DatabaseName=database, TableName=table, Records=records)
        return number

    # WHEN they write side by side
    results = _side_by_side([lambda n=n: caller(n) for n in range(CALLERS)])
    # THEN every call was acknowledged and each record is stored exactly once
    assert results == list(range(CALLERS))
    sql = f'SELECT count(*), count(DISTINCT host) FROM "{database}"."{table}"'
    assert scalar_rows(query_all(query_client, sql)) == [["3000", "3000"]]


def test_concurrent_conflicting_values_keep_one_and_reject_the_others(
    write_client: Any, query_client: Any, database: str, table: str
) -> None:
    # GIVEN 6 callers that each send a different value for the same host and time (version 1)
    stamp = now_ms()

    def caller(number: int) -> Any:
        record = double_record("same-host", number, stamp)
        return write_client.write_records(DatabaseName=database, TableName=table, Records=[record])

    # WHEN they write side by side
    results = _side_by_side([lambda n=n: caller(n) for n in range(CALLERS)])
    # THEN one is stored and the 5 others are rejected with the version they would have to beat
    accepted = [r for r in results if isinstance(r, dict)]
    rejected = [r for r in results if isinstance(r, write_client.exceptions.RejectedRecordsException)]
    assert (len(accepted), len(rejected)) == (1, CALLERS - 1)
    assert all(r.response["RejectedRecords"][0]["ExistingVersion"] == 1 for r in rejected)
    sql = f'SELECT count(*) FROM "{database}"."{table}"'
    assert scalar_rows(query_all(query_client, sql)) == [["1"]]


def test_acknowledged_concurrent_writes_survive_a_sigkill(tmp_path: Path) -> None:
    # GIVEN the emulator as its own process, keeping its data in a DuckDB file
    db_path = tmp_path / "timestream.duckdb"
    server, write = serve_process(db_path, "killed_db")
    try:
        write.create_table(DatabaseName="killed_db", TableName="killed_table")
        stamp = now_ms()

        def caller(number: int) -> int:
            records = [double_record(f"k{number}-{i}", i, stamp) for i in range(100)]
            write.write_records(DatabaseName="killed_db", TableName="killed_table", Records=records)
            return len(records)

        # WHEN a first call has made the columns (the rest take the fast path: new points of known
        # columns), 6 callers' writes are acknowledged and the server is killed at once
        acknowledged = caller(CALLERS)
        acknowledged += sum(_side_by_side([lambda n=n: caller(n) for n in range(CALLERS)]))
    finally:
        os.kill(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
    # THEN the file holds every acknowledged record
    service = TimestreamService(db_path)
    try:
        _, _, rows = service.execute('SELECT count(*) AS n FROM "killed_db"."killed_table"')
        assert rows.column("n").to_pylist() == [acknowledged] == [700]
    finally:
        service.close()
