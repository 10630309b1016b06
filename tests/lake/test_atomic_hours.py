"""An Iceberg hour is replaced in one commit: readers never see a mix, re-runs change no row, concurrent
hours all land, and old snapshots go with the files only they read. Real moto S3, real SQLite catalog."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from lake_support import HOUR, SPEC, Lake, export_hour, read_hour, readings

from timestream_pipeline.iceberg_export import ROWS_PROPERTY
from timestream_pipeline.iceberg_maintenance import expire_snapshots, s3_deleter
from timestream_pipeline.iceberg_table import replace_hour
from timestream_pipeline.part_writer import RollingPartWriter

ROWS = 3000


def versions_seen(table: Any) -> tuple[int, set[float], int]:
    """(rows, distinct versions, distinct sensors) of one read of the hour."""
    return (
        table.num_rows,
        set(table.column("avg_temperature").to_pylist()),
        len(set(table.column("sensor_id").to_pylist())),
    )


def test_a_reader_polling_during_a_re_export_with_another_part_size_never_sees_a_mixed_hour(
    lake: Lake,
) -> None:
    """While the hour is rewritten as 30 files instead of 1, every read is wholly old or wholly new."""
    # GIVEN the hour exported as one file of version 1
    export_hour(lake, readings(ROWS, 1.0))
    reads = [versions_seen(read_hour(lake))]
    # WHEN it is re-exported as version 2 in parts of 100 rows, while a reader polls the table
    writer = threading.Thread(
        target=export_hour, args=(lake, readings(ROWS, 2.0)), kwargs={"rows_per_file": 100}
    )
    writer.start()
    overlapping = 0
    while writer.is_alive():
        reads.append(versions_seen(read_hour(lake)))
        overlapping += 1
    writer.join()
    reads.append(versions_seen(read_hour(lake)))
    # THEN every read saw all rows of exactly one version, once each; the reader ran during the rewrite
    assert overlapping >= 1
    assert {(rows, sensors) for rows, _, sensors in reads} == {(ROWS, ROWS)}
    assert all(len(versions) == 1 for _, versions, _ in reads)
    assert (reads[0][1], reads[-1][1]) == ({1.0}, {2.0})
    # AND the new hour is 30 files, which the old snapshot never read
    assert len(lake.table().scan().plan_files()) == 30


def test_rerunning_an_hour_leaves_the_tables_rows_identical(lake: Lake) -> None:
    """The same rows committed again: another snapshot, the same rows."""
    # GIVEN the hour exported once
    export_hour(lake, readings(50, 1.0))
    before = read_hour(lake).sort_by("sensor_id")
    first_snapshot = lake.table().current_snapshot().snapshot_id
    # WHEN it is exported again with the same rows
    export_hour(lake, readings(50, 1.0))
    # THEN the table's rows are identical and the second run committed
    assert read_hour(lake).sort_by("sensor_id").equals(before)
    assert lake.table().current_snapshot().snapshot_id != first_snapshot
    assert lake.table().current_snapshot().summary[ROWS_PROPERTY] == "50"


def test_concurrent_commits_of_different_hours_all_land(
    lake: Lake, tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Four hours commit from the same table version at once: the losers retry, every hour lands."""
    # GIVEN four hours' files written, and four writers holding the same (stale) table metadata
    hours = [HOUR + timedelta(hours=n) for n in range(4)]
    tables = [lake.table() for _ in hours]
    uris = {
        hour: _uploaded_files(lake, hour, tmp_path / f"h{n}", rows=10 + n) for n, hour in enumerate(hours)
    }
    start = threading.Barrier(len(hours))
    failures: list[BaseException] = []

    def commit(table: Any, hour: datetime) -> None:
        start.wait()
        try:
            replace_hour(table, hour, uris[hour], {"test": "concurrent"})
        except BaseException as error:  # reported below
            failures.append(error)

    # WHEN they commit at the same moment
    caplog.set_level(logging.WARNING, logger="pyiceberg")
    threads = [threading.Thread(target=commit, args=(t, h)) for t, h in zip(tables, hours, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # THEN none failed, conflicts were retried, and each hour has its own rows
    assert failures == []
    assert any("concurrent update, retrying" in record.getMessage() for record in caplog.records)
    assert [read_hour(lake, hour).num_rows for hour in hours] == [10, 11, 12, 13]


def test_expiry_removes_old_snapshots_and_only_the_files_no_snapshot_reads(lake: Lake) -> None:
    """Past the table's max age, replaced hours' files go; the current hour's stay and still read."""
    # GIVEN an hour exported three times with different part sizes
    first, _, _ = export_hour(lake, readings(300, 1.0), rows_per_file=100)
    second, _, _ = export_hour(lake, readings(300, 2.0), rows_per_file=150)
    current, _, _ = export_hour(lake, readings(300, 3.0))
    assert len(lake.keys()) == len(first) + len(second) + len(current) == 6
    # WHEN snapshots are expired as if two days had passed
    expiry = expire_snapshots(lake.table(), s3_deleter(lake.s3), now=datetime.now(UTC) + timedelta(days=2))
    # THEN only the current snapshot remains, the replaced files are gone, the hour reads as before
    assert expiry.expired_snapshots >= 2 and len(lake.table().snapshots()) == 1
    assert sorted(key.rsplit("/", 1)[-1] for key in lake.keys()) == sorted(current)
    assert versions_seen(read_hour(lake)) == (300, {3.0}, 300)
    # AND a second expiry finds nothing more to do
    assert (
        expire_snapshots(
            lake.table(), s3_deleter(lake.s3), now=datetime.now(UTC) + timedelta(days=2)
        ).expired_snapshots
        == 0
    )


def test_fresh_snapshots_are_kept(lake: Lake) -> None:
    """Snapshots younger than the table's max age (24 h) are not expired: a running reader keeps its files."""
    # GIVEN an hour exported twice just now
    export_hour(lake, readings(20, 1.0))
    export_hour(lake, readings(20, 2.0))
    snapshots = len(lake.table().snapshots())
    # WHEN the maintenance runs now  THEN nothing is expired or deleted
    assert expire_snapshots(lake.table(), s3_deleter(lake.s3)).expired_snapshots == 0
    assert len(lake.table().snapshots()) == snapshots and len(lake.keys()) == 2


def _uploaded_files(lake: Lake, hour: datetime, directory: Any, rows: int) -> list[str]:
    """An hour's part files uploaded as write_hour uploads them before it commits."""
    from timestream_pipeline.hour_partition import upload_files
    from timestream_pipeline.iceberg_schema import arrow_table_schema, with_partition_columns

    directory.mkdir()
    writer = RollingPartWriter(directory, "parquet", arrow_table_schema(SPEC))
    for batch in readings(rows, 1.0):
        writer.write(with_partition_columns(batch, hour))
    partition = lake.partition(hour)
    names = upload_files(lake.s3, partition, writer.close(), token=f"t{hour:%H}")
    return [f"s3://{Lake.BUCKET}/{partition.key(name)}" for name in names]


def test_opening_an_existing_table_writes_nothing(lake: Lake) -> None:
    """Every run opens the table; only the first creates it (no stray metadata file per run)."""
    # GIVEN the table, created by a first export
    export_hour(lake, readings(5, 1.0))
    metadata = f"{Lake.PREFIX}/{SPEC.name}/metadata/"

    def count() -> int:
        return len(lake.s3.list_objects_v2(Bucket=Lake.BUCKET, Prefix=metadata).get("Contents", []))

    before = count()
    # WHEN later runs open it  THEN no object is added
    lake.table()
    lake.table()
    assert count() == before
