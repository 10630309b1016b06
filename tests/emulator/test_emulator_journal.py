"""Acknowledged writes wait in the journal to be committed together: none is lost, none applied twice.

A WriteRecords call is answered once its rows are journaled; DuckDB commits them later, in groups. A
process killed in between must keep them (the next start commits them), a start after a kill between the
commit and the emptying of the journal must not store them twice, and a read must see them at once.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from emulator_support import REPO_ROOT, double_record, now_ms, serve_process

from local.processes import free_port
from local.timestream import commit_queue
from local.timestream.exceptions import InternalServerException
from local.timestream.journal import SUFFIX
from local.timestream.service import TimestreamService

NEVER_S = 3600.0  # a commit interval no test waits for: rows stay in the journal until a read or close
DATABASE, TABLE = "journal_db", "journal_table"


def _service(db_path: Path) -> TimestreamService:
    return TimestreamService(db_path, commit_interval_s=NEVER_S)


def _write(service: TimestreamService, first_host: int, count: int) -> int:
    stamp = now_ms()
    records = [double_record(f"h{first_host + i}", i, stamp) for i in range(count)]
    return service.write_records(DATABASE, TABLE, records, None)["RecordsIngested"]["Total"]


def _count(service: TimestreamService) -> int:
    _, _, rows = service.execute(f'SELECT count(*) AS n FROM "{DATABASE}"."{TABLE}"')
    return rows.column("n").to_pylist()[0]


def _new_table(db_path: Path) -> TimestreamService:
    service = _service(db_path)
    service.catalog.create_database(DATABASE, None)
    service.catalog.create_table(DATABASE, TABLE, {}, {})
    return service


def test_a_read_sees_acknowledged_writes_still_in_the_journal(tmp_path: Path) -> None:
    # GIVEN writes acknowledged while the background commit is far off
    service = _new_table(tmp_path / "ts.duckdb")
    try:
        acknowledged = _write(service, 0, 100) + _write(service, 100, 100)
        journal = tmp_path / ("ts.duckdb" + SUFFIX)
        assert journal.stat().st_size > 0
        # WHEN a query reads the table
        # THEN it sees every acknowledged record, and the journal is empty again
        assert _count(service) == acknowledged == 200
        assert journal.stat().st_size == 0
    finally:
        service.close()


def test_a_killed_server_keeps_the_writes_it_had_only_journaled(tmp_path: Path) -> None:
    # GIVEN the emulator as its own process with a DuckDB file, committing only when asked
    db_path = tmp_path / "timestream.duckdb"
    server, write = serve_process(db_path, DATABASE, "--commit-interval", str(NEVER_S))
    try:
        write.create_table(DatabaseName=DATABASE, TableName=TABLE)
        stamp, acknowledged = now_ms(), 0
        for call in range(5):  # the first through the rules (it adds the columns), the rest the fast path
            records = [double_record(f"k{call}-{i}", i, stamp) for i in range(100)]
            answer = write.write_records(DatabaseName=DATABASE, TableName=TABLE, Records=records)
            acknowledged += answer["RecordsIngested"]["Total"]
        # WHEN it is killed with every acknowledged row still in the journal alone
        assert (tmp_path / ("timestream.duckdb" + SUFFIX)).stat().st_size > 0
    finally:
        os.kill(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
    # THEN the next start commits them: all are stored, once, and stay so across another start
    for _ in range(2):
        service = _service(db_path)
        try:
            assert _count(service) == acknowledged == 500
        finally:
            service.close()


def _journal_after_writes(db_path: Path) -> bytes:
    """The journal's bytes after 200 acknowledged records, which close() then commits."""
    service = _new_table(db_path)
    try:
        _write(service, 0, 100)
        _write(service, 100, 100)
        return db_path.with_name(db_path.name + SUFFIX).read_bytes()
    finally:
        service.close()


def test_frames_committed_before_a_kill_are_not_applied_twice(tmp_path: Path) -> None:
    # GIVEN a journal still holding frames DuckDB has committed (a kill between the commit and emptying it)
    db_path = tmp_path / "ts.duckdb"
    frames = _journal_after_writes(db_path)
    db_path.with_name(db_path.name + SUFFIX).write_bytes(frames)
    # WHEN the storage starts again
    service = _service(db_path)
    # THEN each record is stored once
    try:
        assert _count(service) == 200
    finally:
        service.close()


def test_a_torn_last_frame_is_left_out_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN a database holding a first call's 100 records (which made the columns), saved aside
    db_path, saved = tmp_path / "ts.duckdb", tmp_path / "saved.duckdb"
    journal = db_path.with_name(db_path.name + SUFFIX)
    service = _new_table(db_path)
    _write(service, 0, 100)
    service.close()
    shutil.copyfile(db_path, saved)
    # AND the journal of two more calls, as a kill would leave it with the second only half written
    service = _service(db_path)
    try:
        _write(service, 100, 100)
        first = journal.read_bytes()
        _write(service, 200, 100)
        second = journal.read_bytes()[len(first) :]
    finally:
        service.close()
    shutil.copyfile(saved, db_path)
    journal.write_bytes(first + second[: len(second) // 2])
    # WHEN the storage starts again
    with caplog.at_level(logging.WARNING):
        service = _service(db_path)
    # THEN the whole frame is committed, and the log says the torn one was left out
    try:
        assert _count(service) == 200
        assert "cut short" in caplog.text
    finally:
        service.close()


def test_a_journal_that_is_not_ours_stops_the_server_with_one_line(tmp_path: Path) -> None:
    # GIVEN a database whose journal holds bytes this server never wrote
    db_path = tmp_path / "ts.duckdb"
    _new_table(db_path).close()
    db_path.with_name(db_path.name + SUFFIX).write_bytes(b"not a journal frame" * 10)
    # WHEN the emulator starts on it
    argv = [sys.executable, "-m", "local.timestream", "serve", "--port", str(free_port())]
    argv += ["--db", str(db_path)]
    result = subprocess.run(argv, cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    # THEN it exits with one line that names the file and the way out, and no traceback
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert f"{db_path}{SUFFIX} is damaged at byte 0" in line
    assert "make local-reset" in line


def test_a_long_queue_is_committed_by_the_writer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a queue bound of 150 rows and a background commit far off
    monkeypatch.setattr(commit_queue, "MAX_QUEUED_ROWS", 150)
    service = _new_table(tmp_path / "ts.duckdb")
    journal = tmp_path / ("ts.duckdb" + SUFFIX)
    try:
        # WHEN two calls of 100 records are acknowledged
        _write(service, 0, 100)
        assert journal.stat().st_size > 0
        _write(service, 100, 100)
        # THEN the second committed the queue itself: the journal is empty without any read
        assert journal.stat().st_size == 0
        assert _count(service) == 200
    finally:
        service.close()


def test_the_commit_interval_is_checked_on_the_command_line() -> None:
    argv = [sys.executable, "-m", "local.timestream", "serve", "--commit-interval", "soon"]
    result = subprocess.run(argv, cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "invalid interval 'soon': use seconds from 0 to 3600" in result.stderr


def test_a_write_that_outlives_the_stop_is_refused_not_journaled(tmp_path: Path) -> None:
    # GIVEN a storage that has been closed (a request thread still running as the server stops)
    service = _new_table(tmp_path / "ts.duckdb")
    _write(service, 0, 100)
    service.close()
    journal = tmp_path / ("ts.duckdb" + SUFFIX)
    # WHEN that request's rows arrive
    # THEN the call fails, asking for a retry, and the journal (whose descriptor is closed) is untouched
    with pytest.raises(InternalServerException, match="stopping: retry the call"):
        _write(service, 100, 100)
    assert journal.stat().st_size == 0
