"""WriteRecords: ingestion window, schema consistency and Version semantics, with partial success.

Accepted records are stored even when others of the same call are rejected; the rejections then
come back as RejectedRecordsException, exactly like the service.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from local.timestream.exceptions import RejectedRecordsException
from local.timestream.models import DIMENSION, Catalog, Table
from local.timestream.record_columns import records_to_arrow
from local.timestream.records import Record, RecordProblem, check_record_count, merge_common, parse_record

FUTURE_LIMIT_NS = 15 * 60 * 1_000_000_000
_HOUR_NS = 3600 * 1_000_000_000
_DAY_NS = 24 * _HOUR_NS

Key = tuple[str, int]
VERSION_CONFLICT_REASON = (
    "A record with the same dimensions, time and measure name exists with a different measure value; "
    "send a higher Version to update it."
)


class IngestionWindow:
    """The times a table takes now: the memory store's, or the magnetic store's if it takes writes."""

    def __init__(self, table: Table, now: int) -> None:
        self.memory_floor = now - table.memory_hours * _HOUR_NS
        self.magnetic_writes = table.magnetic_writes_enabled
        self.floor = now - table.magnetic_days * _DAY_NS if self.magnetic_writes else self.memory_floor
        self.ceiling = now + FUTURE_LIMIT_NS

    def check(self, time_ns: int) -> None:
        if not self.floor <= time_ns <= self.ceiling:
            raise RecordProblem(
                f"The record timestamp is outside the time range [{_iso(self.floor)}, {_iso(self.ceiling)}) "
                "of the data ingestion window."
                + ("" if self.magnetic_writes else " Enable magnetic store writes to ingest late data.")
            )


class RecordWriter:
    """Applies one WriteRecords call to a table of the catalog."""

    def __init__(self, catalog: Catalog, clock_ns: Callable[[], int] = time.time_ns) -> None:
        self.catalog = catalog
        self.clock_ns = clock_ns

    def write_records(
        self, database: str, table_name: str, records: Any, common: dict[str, Any] | None
    ) -> dict[str, Any]:
        table = self.catalog.table(database, table_name)
        merged = [merge_common(i, r, common or {}) for i, r in enumerate(check_record_count(records))]
        window = IngestionWindow(table, self.clock_ns())
        rejected: list[dict[str, Any]] = []
        parsed: list[tuple[int, Record]] = []
        # Parsing needs no lock: it runs while another call's rows are being committed.
        for index, fields in enumerate(merged):
            try:
                record = parse_record(fields)
                window.check(record.time_ns)
            except RecordProblem as problem:
                rejected.append({"RecordIndex": index, "Reason": str(problem)})
                continue
            parsed.append((index, record))
        # The usual call stores every record: its rows are built before taking the lock, too.
        rows = records_to_arrow([record for _, record in parsed])
        with self.catalog.storage.lock:
            accepted = self._store(table, parsed, rejected, rows)
        if rejected:
            raise RejectedRecordsException(sorted(rejected, key=lambda r: r["RecordIndex"]))
        magnetic = sum(1 for record in accepted if record.time_ns < window.memory_floor)
        return {"Total": len(accepted), "MemoryStore": len(accepted) - magnetic, "MagneticStore": magnetic}

    def _store(
        self,
        table: Table,
        parsed: list[tuple[int, Record]],
        rejected: list[dict[str, Any]],
        rows: pa.Table,
    ) -> list[Record]:
        """Schema and version rules against what is stored (under the storage lock), then the upsert."""
        # Columns and measure types of earlier records of this call count as schema too.
        pending_columns, pending_types = dict(table.columns), dict(table.measure_types)
        candidates: list[tuple[int, Record]] = []
        for index, record in parsed:
            try:
                _check_schema(record, pending_columns, pending_types)
            except RecordProblem as problem:
                rejected.append({"RecordIndex": index, "Reason": str(problem)})
                continue
            candidates.append((index, record))
        to_insert, replaced, accepted = self._apply_versions(table, candidates, rejected)
        self._grow_schema(table, to_insert.values())
        stored = list(to_insert.values())
        every_parsed = len(stored) == len(parsed) and all(
            a is b for a, (_, b) in zip(stored, parsed, strict=True)
        )
        self.catalog.storage.upsert(table.storage_id, stored, replaced, rows if every_parsed else None)
        return accepted

    def _apply_versions(
        self, table: Table, candidates: list[tuple[int, Record]], rejected: list[dict[str, Any]]
    ) -> tuple[dict[Key, Record], set[Key], list[Record]]:
        """Version rules, in call order: identical is accepted, different needs a higher Version."""
        keys = [(record.series_key, record.time_ns) for _, record in candidates]
        current = self.catalog.storage.existing_versions(table.storage_id, keys)
        stored_keys = set(current)
        to_insert: dict[Key, Record] = {}
        replaced: set[Key] = set()
        accepted: list[Record] = []
        for (index, record), key in zip(candidates, keys, strict=True):
            if key in current:
                version, payload = current[key]
                if record.version <= version:
                    if payload != record.payload:
                        rejected.append(
                            {
                                "RecordIndex": index,
                                "Reason": VERSION_CONFLICT_REASON,
                                "ExistingVersion": version,
                            }
                        )
                    else:
                        accepted.append(record)
                    continue
                if key in stored_keys:
                    replaced.add(key)
            current[key] = (record.version, record.payload)
            to_insert[key] = record
            accepted.append(record)
        return to_insert, replaced, accepted

    def _grow_schema(self, table: Table, records: Any) -> None:
        new_columns: dict[str, str] = {}
        new_types: dict[str, str] = {}
        for record in records:
            for name in record.dimensions:
                if name not in table.columns:
                    new_columns[name] = DIMENSION
            for name, scalar_type in record.types.items():
                if name not in table.columns:
                    new_columns[name] = scalar_type
            if record.measure_name not in table.measure_types:
                new_types[record.measure_name] = (
                    "MULTI" if record.is_multi else next(iter(record.types.values()))
                )
        if not new_columns and not new_types:
            return
        self.catalog.storage.add_columns(
            table.storage_id, {n: ("VARCHAR" if k == DIMENSION else k) for n, k in new_columns.items()}
        )
        table.columns.update(new_columns)
        table.measure_types.update(new_types)
        self.catalog.save_table(table)


def _check_schema(record: Record, columns: dict[str, str], measure_types: dict[str, str]) -> None:
    """One type per measure name; a column is a dimension or a measure of one type; case-unique names."""
    record_type = "MULTI" if record.is_multi else next(iter(record.types.values()))
    known_type = measure_types.get(record.measure_name)
    if known_type and known_type != record_type:
        raise RecordProblem(
            f"Measure name {record.measure_name!r} already has type {known_type} in this table; "
            f"this record sends {record_type}."
        )
    wanted = dict.fromkeys(record.dimensions, DIMENSION) | record.types
    if all(columns.get(name) == kind for name, kind in wanted.items()):  # the usual record: known columns
        measure_types.setdefault(record.measure_name, record_type)
        return
    lowered = {name.lower(): name for name in columns}
    for name, kind in wanted.items():
        existing = columns.get(name)
        if existing is None and name.lower() in lowered:
            raise RecordProblem(
                f"Column {name!r} differs only in case from existing column {lowered[name.lower()]!r} "
                "(the local Timestream's DuckDB columns are case-insensitive)."
            )
        if existing is not None and existing != kind:
            raise RecordProblem(f"{name!r} is already a {existing} column of this table, not {kind}.")
    columns.update(wanted)
    measure_types.setdefault(record.measure_name, record_type)


def _iso(time_ns: int) -> str:
    return datetime.fromtimestamp(time_ns / 1e9, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
