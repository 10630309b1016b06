"""Plan WriteRecords calls: at most 100 records each, shared attributes lifted into CommonAttributes.

Records are ordered by series first so that neighbours share dimensions and time (a DevOps host's
20 measures of one tick become one call whose dimensions and time are sent once). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from timestream_ingest.decoders.values import TimestreamRecord

MAX_RECORDS_PER_WRITE = 100  # Timestream's limit per WriteRecords call
# Record attributes that may move to CommonAttributes when every record of a call has the same one.
COMMON_SCALARS = ("MeasureName", "MeasureValueType", "Time", "TimeUnit", "Version")
_ABSENT = object()


@dataclass(frozen=True)
class PendingRecord:
    """A Timestream record and the Kinesis record (by index in the event) it came from."""

    source_index: int
    record: TimestreamRecord


@dataclass(frozen=True)
class Batch:
    """One WriteRecords call: `records[i]` is `items[i].record` minus what `common` holds."""

    items: tuple[PendingRecord, ...]
    records: list[TimestreamRecord]
    common: TimestreamRecord = field(default_factory=dict)


def plan_batches(items: Sequence[PendingRecord], size: int = MAX_RECORDS_PER_WRITE) -> list[Batch]:
    """Every item in exactly one batch of at most `size`, ordered so batches share the most."""
    ordered = sorted(items, key=_series_key)
    return [make_batch(ordered[start : start + size]) for start in range(0, len(ordered), size)]


def make_batch(items: Sequence[PendingRecord]) -> Batch:
    """One call's worth of items with their shared dimensions and attributes factored out."""
    records = [item.record for item in items]
    if len(records) < 2:
        return Batch(tuple(items), [dict(record) for record in records])
    common: TimestreamRecord = {}
    shared_dimensions = _shared_dimensions(records)
    if shared_dimensions:
        common["Dimensions"] = shared_dimensions
    for key in COMMON_SCALARS:
        seen = {_hashable(record.get(key, _ABSENT)) for record in records}
        if len(seen) == 1 and _ABSENT not in seen:
            common[key] = records[0][key]
    return Batch(tuple(items), [_without(record, common) for record in records], common)


def _series_key(item: PendingRecord) -> tuple[Any, ...]:
    record = item.record
    dims = tuple(sorted((d["Name"], d["Value"]) for d in record.get("Dimensions", ())))
    return (dims, record.get("MeasureName", ""), int(record.get("Time", 0)))


def _shared_dimensions(records: Sequence[TimestreamRecord]) -> list[dict[str, str]]:
    first, *rest = records
    shared = {_dimension_key(d) for d in first.get("Dimensions", ())}
    for record in rest:
        shared &= {_dimension_key(d) for d in record.get("Dimensions", ())}
        if not shared:
            return []
    return [d for d in first.get("Dimensions", ()) if _dimension_key(d) in shared]


def _without(record: TimestreamRecord, common: TimestreamRecord) -> TimestreamRecord:
    stripped = {key: value for key, value in record.items() if key not in common or key == "Dimensions"}
    if "Dimensions" in common:
        lifted = {_dimension_key(d) for d in common["Dimensions"]}
        remaining = [d for d in record.get("Dimensions", ()) if _dimension_key(d) not in lifted]
        if remaining:
            stripped["Dimensions"] = remaining
        else:
            stripped.pop("Dimensions", None)
    return stripped


def _dimension_key(dimension: dict[str, str]) -> tuple[str, str, str]:
    return (dimension["Name"], dimension["Value"], dimension.get("DimensionValueType", "VARCHAR"))


def _hashable(value: Any) -> Any:
    return tuple(sorted(value.items())) if isinstance(value, dict) else value
