"""DuckDB storage: the catalog and one table per Timestream table, with a view that queries read.

Each Timestream table is a DuckDB table `_ts_data.t<id>` (time TIMESTAMP_NS, measure_name, a VARCHAR
column per dimension and a typed column per measure, added on demand, plus internal `__ts_*` columns
for the record key, version and value) and a view `_ts_view.t<id>` that shows only the Timestream
columns and hides data older than the magnetic-store retention. One lock serialises every call; new rows
are journaled, acknowledged and committed in groups (commit_queue.py, journal.py).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from local.timestream import timeseries_udf
from local.timestream.commit_queue import COMMIT_INTERVAL_S, CommitQueue, rows_by_table
from local.timestream.journal import SUFFIX as JOURNAL_SUFFIX
from local.timestream.journal import Journal, JournalDamaged
from local.timestream.record_columns import PAYLOAD_COLUMN, SERIES_COLUMN, VERSION_COLUMN, records_to_arrow
from local.timestream.records import Record

_LOG = logging.getLogger(__name__)
COLUMN_SQL_TYPES = {
    "DOUBLE": "DOUBLE",
    "BIGINT": "BIGINT",
    "VARCHAR": "VARCHAR",
    "BOOLEAN": "BOOLEAN",
    "TIMESTAMP": "TIMESTAMP_NS",
}
_NEVER = -(2**63) - 1  # before any time_ns: the latest time of a series with nothing stored
FSYNC_MODE = "NONE"  # local data: kept across a killed process, not across a crash of the machine
# A call's rows are one small Arrow scan into one table: a second DuckDB thread adds only hand-offs
# to it, and the optimizer finds nothing to improve in `INSERT ... SELECT *` yet costs a third of a
# 100-row INSERT (measured on 2 cores: 2.3 ms of CPU with both, 1.6 ms with neither). Queries want
# every core and the optimizer: the settings are switched when the kind of statement changes.
_INSERT_SETTINGS = "SET threads = 1; PRAGMA disable_optimizer"


def quote(identifier: str) -> str:
    """A DuckDB quoted identifier."""
    return '"' + identifier.replace('"', '""') + '"'


def data_table(storage_id: int) -> str:
    return f"_ts_data.t{storage_id}"


def view_name(storage_id: int) -> str:
    return f"_ts_view.t{storage_id}"


class Storage:
    """One DuckDB database (a file, or memory when `path` is None or ':memory:')."""

    def __init__(self, path: str | Path | None = None, commit_interval_s: float = COMMIT_INTERVAL_S) -> None:
        self.path = str(path) if path else ":memory:"
        self.lock = threading.RLock()
        # storage id -> series -> latest stored time_ns: a record later than its series' latest time
        # cannot meet a stored record, so most calls need no version-check query at all.
        self._latest: dict[int, dict[str, int]] = {}
        self._conn = duckdb.connect(self.path)
        threads = self._conn.execute("SELECT current_setting('threads')").fetchone()[0]  # type: ignore[index]
        self._query_settings = f"SET threads = {int(threads)}; PRAGMA enable_optimizer"
        self._settings = self._query_settings
        # Timestream (Presto) divides integers as integers and works in UTC.
        self._conn.execute("SET integer_division = true")
        self._conn.execute("SET TimeZone = 'UTC'")
        # A commit writes the WAL before it returns, so an acknowledged write survives the process being
        # killed; it is not also forced to the disk (fsync), which only an OS crash or power loss needs and
        # which cost ~0.5 ms of every 100-record WriteRecords (a fifth of its time, measured here).
        self._conn.execute(f"SET fsync_mode = '{FSYNC_MODE}'")
        timeseries_udf.register(self._conn)
        for schema in ("_ts_meta", "_ts_data", "_ts_view"):
            self._conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS _ts_meta.catalog "
            "(kind VARCHAR, db VARCHAR, name VARCHAR, doc VARCHAR, PRIMARY KEY (kind, db, name))"
        )
        # A database in memory is gone with the process: its rows need no journal.
        self._journal = None if self.path == ":memory:" else Journal(self.path + JOURNAL_SUFFIX)
        try:
            last_sequence = self._apply_journal()
        except BaseException:
            if self._journal is not None:
                self._journal.close()
            self._conn.close()
            raise
        self.commits = CommitQueue(
            self.lock, self._insert_group, self._journal, last_sequence + 1, commit_interval_s
        )

    def close(self) -> None:
        self.commits.close()
        with self.lock:
            self._conn.close()

    def _apply_journal(self) -> int:
        """Commit the acknowledged rows a killed process left in the journal; the last sequence number."""
        self._conn.execute("CREATE TABLE IF NOT EXISTS _ts_meta.journal_state (committed BIGINT)")
        committed = self._conn.execute("SELECT max(committed) FROM _ts_meta.journal_state").fetchone()[0]  # type: ignore[index]
        if committed is None:
            committed = 0
            self._conn.execute("INSERT INTO _ts_meta.journal_state VALUES (0)")
        if self._journal is None:
            return committed
        # Frames at or below `committed` were committed just before the process ended.
        frames = [frame for frame in self._journal.frames() if frame.sequence > committed]
        last = max((frame.sequence for frame in frames), default=committed)
        if frames:
            rows = rows_by_table((frame.storage_id, frame.rows) for frame in frames)
            try:
                self._insert_group(rows, last)
            except duckdb.CatalogException as error:
                raise JournalDamaged(
                    f"{self._journal.path} holds writes for tables {self.path} does not have ({error}): the "
                    "database file was replaced. Move the journal away to start without them, or "
                    "`make local-reset`."
                ) from None
            _LOG.warning(
                "committed %d acknowledged rows that the last run left in %s",
                sum(t.num_rows for t in rows.values()),
                self._journal.path,
            )
        self._journal.empty()
        return last

    # --- catalog -------------------------------------------------------------------------
    def load_catalog(self) -> list[tuple[str, dict[str, Any]]]:
        """Every saved (kind, document): databases and tables, as the models persisted them."""
        with self.lock:
            rows = self._conn.execute(
                "SELECT kind, doc FROM _ts_meta.catalog ORDER BY kind, db, name"
            ).fetchall()
        return [(kind, json.loads(doc)) for kind, doc in rows]

    def save_entry(self, kind: str, db: str, name: str, doc: dict[str, Any]) -> None:
        with self.lock:
            self._conn.execute(
                "INSERT OR REPLACE INTO _ts_meta.catalog VALUES (?, ?, ?, ?)",
                [kind, db, name, json.dumps(doc)],
            )

    def delete_entry(self, kind: str, db: str, name: str) -> None:
        with self.lock:
            self._conn.execute(
                "DELETE FROM _ts_meta.catalog WHERE kind = ? AND db = ? AND name = ?", [kind, db, name]
            )

    # --- table data ----------------------------------------------------------------------
    def create_data_table(self, storage_id: int) -> None:
        with self.lock:
            self._conn.execute(
                f"CREATE TABLE IF NOT EXISTS {data_table(storage_id)} ("
                f"{SERIES_COLUMN} VARCHAR, time TIMESTAMP_NS, {VERSION_COLUMN} BIGINT, "
                f"{PAYLOAD_COLUMN} VARCHAR, measure_name VARCHAR)"
            )

    def drop_data_table(self, storage_id: int) -> None:
        with self.lock:
            self.commits.flush()
            self._latest.pop(storage_id, None)
            self._conn.execute(f"DROP VIEW IF EXISTS {view_name(storage_id)}")
            self._conn.execute(f"DROP TABLE IF EXISTS {data_table(storage_id)}")

    def add_columns(self, storage_id: int, columns: dict[str, str]) -> None:
        """Add dimension (VARCHAR) and measure columns, typed by Timestream scalar type."""
        with self.lock:
            for name, scalar_type in columns.items():
                self._conn.execute(
                    f"ALTER TABLE {data_table(storage_id)} ADD COLUMN IF NOT EXISTS "
                    f"{quote(name)} {COLUMN_SQL_TYPES[scalar_type]}"
                )

    def refresh_view(self, storage_id: int, columns: Sequence[str], magnetic_days: int) -> None:
        """The queryable view: Timestream's columns only, without data past magnetic retention."""
        listed = ", ".join(quote(name) for name in columns)
        with self.lock:
            self._conn.execute(
                f"CREATE OR REPLACE VIEW {view_name(storage_id)} AS SELECT {listed} "
                f"FROM {data_table(storage_id)} "
                f"WHERE time >= CAST(current_timestamp AS TIMESTAMP) - INTERVAL {int(magnetic_days)} DAY"
            )

    def existing_versions(
        self, storage_id: int, keys: Iterable[tuple[str, int]]
    ) -> dict[tuple[str, int], tuple[int, str]]:
        """(series, time_ns) -> (version, payload) of the stored records among `keys`.

        Only keys at or before their series' latest stored time can be stored: the others are answered
        from memory, and a call of only new points (the usual stream) runs no query.
        """
        with self.lock:
            latest = self._latest_times(storage_id)
            keys = [(series, time_ns) for series, time_ns in keys if time_ns <= latest.get(series, _NEVER)]
            if not keys:
                return {}
            self.commits.flush()  # a queued call's rows may be the stored ones
            self._use(self._query_settings)
            times = [time_ns for _, time_ns in keys]
            series = sorted({series for series, _ in keys})
            rows = self._conn.execute(
                f"SELECT {SERIES_COLUMN}, epoch_ns(time), {VERSION_COLUMN}, {PAYLOAD_COLUMN} "
                f"FROM {data_table(storage_id)} "
                "WHERE time BETWEEN make_timestamp_ns(?) AND make_timestamp_ns(?) "
                f"AND list_contains(?, {SERIES_COLUMN})",
                [min(times), max(times), series],
            ).fetchall()
        wanted = set(keys)
        return {(s, t): (v, p) for s, t, v, p in rows if (s, t) in wanted}

    def upsert(
        self,
        storage_id: int,
        records: Sequence[Record],
        replaced: Iterable[tuple[str, int]],
        rows: pa.Table | None = None,
    ) -> None:
        """Delete the `replaced` keys (a higher version wins) and append `records` (under `lock`).

        `rows` is `records` already built by records_to_arrow, if the caller has them. Appends alone
        are journaled and queued for the next group commit; a call that replaces records commits at once.
        Either way the call may be acknowledged when this returns.
        """
        replaced = list(replaced)
        with self.lock:  # the writer holds it already (re-entrant): its checks and this are one step
            if not records and not replaced:
                return
            latest = self._latest_times(storage_id)
            for record in records:
                if record.time_ns > latest.get(record.series_key, _NEVER):
                    latest[record.series_key] = record.time_ns
            if not replaced:
                self.commits.put(storage_id, records_to_arrow(records) if rows is None else rows)
                return
            self.commits.flush()
            self._use(self._query_settings)  # each DELETE finds its row through the optimizer's pruning
            self._conn.execute("BEGIN TRANSACTION")
            try:
                for series, time_ns in replaced:
                    self._conn.execute(
                        f"DELETE FROM {data_table(storage_id)} WHERE {SERIES_COLUMN} = ? "
                        "AND time = make_timestamp_ns(?)",
                        [series, time_ns],
                    )
                self._insert(storage_id, records_to_arrow(records) if rows is None else rows)
                self._conn.execute("COMMIT")
            except Exception:
                self._conn.execute("ROLLBACK")
                self._latest.pop(storage_id, None)  # reloaded from the table on the next write
                raise

    def append_new_points(
        self, storage_id: int, series: Sequence[str], times: Sequence[int], rows: pa.Table
    ) -> bool:
        """Queue `rows` for the next group commit if none can meet a stored record or another of them.

        That is: each (series, time) is later than its series' latest stored time and appears once.
        Otherwise nothing is queued (False): the version rules have to read the stored records.
        """
        with self.lock:
            latest = self._latest_times(storage_id)
            later = all(time_ns > latest.get(key, _NEVER) for key, time_ns in zip(series, times, strict=True))
            if not later or len(set(zip(series, times, strict=True))) < len(times):
                return False
            self.commits.put(storage_id, rows)  # first: a call it refuses leaves the index as it was
            for key, time_ns in zip(series, times, strict=True):
                if time_ns > latest.get(key, _NEVER):
                    latest[key] = time_ns
            return True

    def append(self, storage_id: int, batch: pa.Table) -> None:
        """Bulk-append rows whose columns already exist (fast loaders that bypass the version rules)."""
        with self.lock:
            self.commits.flush()
            self._latest.pop(storage_id, None)  # reloaded from the table on the next write
            self._insert(storage_id, batch)

    def _insert_group(self, batches: dict[int, pa.Table], sequence: int) -> None:
        """One transaction for a group commit's rows (one INSERT per table) and its last journal frame."""
        self._conn.execute("BEGIN TRANSACTION")
        try:
            for storage_id, batch in batches.items():
                self._insert(storage_id, batch)
            if self._journal is not None:
                self._conn.execute("UPDATE _ts_meta.journal_state SET committed = ?", [sequence])
            self._conn.execute("COMMIT")
        except Exception:  # the rows stay queued and journaled: the index, which counts them, stays
            self._conn.execute("ROLLBACK")
            raise

    def _insert(self, storage_id: int, batch: pa.Table) -> None:
        # DuckDB reads `batch` from this frame (a replacement scan): a third cheaper per call than
        # register() / unregister(), which is most of a 100-record WriteRecords.
        self._use(_INSERT_SETTINGS)
        self._conn.execute(f"INSERT INTO {data_table(storage_id)} BY NAME SELECT * FROM batch")

    def _latest_times(self, storage_id: int) -> dict[str, int]:
        """The latest stored time of each series, read from the table once per storage (then kept)."""
        latest = self._latest.get(storage_id)
        if latest is None:
            self._use(self._query_settings)
            rows = self._conn.execute(
                f"SELECT {SERIES_COLUMN}, max(epoch_ns(time)) FROM {data_table(storage_id)} GROUP BY 1"
            ).fetchall()
            latest = self._latest[storage_id] = dict(rows)
        return latest

    # --- queries -------------------------------------------------------------------------
    def run_query(self, sql: str) -> tuple[list[str], list[str], pa.Table]:
        """Column names, DuckDB type names and the rows of a read-only query."""
        with self.lock:
            self.commits.flush()
            self._use(self._query_settings)
            relation = self._conn.sql(sql)
            if relation is None:
                return [], [], pa.table({})
            return list(relation.columns), [str(t) for t in relation.types], relation.to_arrow_table()

    def _use(self, settings: str) -> None:
        """Insert or query settings for the next statements (run only on a change: writes come in runs)."""
        if settings is not self._settings:
            self._conn.execute(settings)
            self._settings = settings
