"""Plan WriteRecords calls: at most 100 records each, shared attributes lifted into CommonAttributes.

Records are ordered by series first so that neighbours share dimensions and time (a DevOps host's
20 measures of one tick become one call whose dimensions and time are sent once). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from operator import attrgetter, itemgetter
from typing import Any

from timestream_ingest.decoders.values import TimestreamRecord

MAX_RECORDS_PER_WRITE = 100  # Timestream's limit per WriteRecords call
# Record attributes that may move to CommonAttributes when every record of a call has the same one.
COMMON_SCALARS = ("MeasureName", "MeasureValueType", "Time", "TimeUnit", "Version")
_ABSENT = object()
DimensionKey = tuple[str, str]  # name, value (Timestream's only dimension type is VARCHAR)
_DIMENSION_KEY = itemgetter("Name", "Value")


@dataclass(frozen=True)
class PendingRecord:
    """A Timestream record and the Kinesis record (by index in the event) it came from."""

    source_index: int
    record: TimestreamRecord

    @cached_property
    def dimension_keys(self) -> tuple[DimensionKey, ...]:
        """Each dimension's identity, in the record's order: computed once, read by sort and batching."""
        return tuple(map(_DIMENSION_KEY, self.record.get("Dimensions", ())))

    @cached_property
    def series_key(self) -> tuple[Any, ...]:
        """Series then time: neighbours in this order share dimensions and time."""
        record = self.record
        return (tuple(sorted(self.dimension_keys)), record.get("MeasureName", ""), int(record.get("Time", 0)))


@dataclass(frozen=True)
class Batch:
    """One WriteRecords call: `records[i]` is `items[i].record` minus what `common` holds."""

    items: tuple[PendingRecord, ...]
    records: list[TimestreamRecord]
    common: TimestreamRecord = field(default_factory=dict)


def plan_batches(items: Sequence[PendingRecord], size: int = MAX_RECORDS_PER_WRITE) -> list[Batch]:
    """Every item in exactly one batch of at most `size`, ordered so batches share the most."""
    ordered = sorted(items, key=attrgetter("series_key"))
    return [make_batch(ordered[start : start + size]) for start in range(0, len(ordered), size)]


def make_batch(items: Sequence[PendingRecord]) -> Batch:
    """One call's worth of items with their shared dimensions and attributes factored out."""
    records = [item.record for item in items]
    if len(records) < 2:
        return Batch(tuple(items), [dict(record) for record in records])
    common: TimestreamRecord = {}
    shared = _shared_dimension_keys(items)
    if shared:
        first = items[0]
        common["Dimensions"] = [
            d
            for d, key in zip(first.record["Dimensions"], first.dimension_keys, strict=True)
            if key in shared
        ]
    for key in COMMON_SCALARS:
        seen = {_hashable(record.get(key, _ABSENT)) for record in records}
        if len(seen) == 1 and _ABSENT not in seen:
            common[key] = records[0][key]
    return Batch(tuple(items), [_without(item, common, shared) for item in items], common)


def _shared_dimension_keys(items: Sequence[PendingRecord]) -> frozenset[DimensionKey]:
    first, *rest = items
    shared = set(first.dimension_keys)
    for item in rest:
        shared.intersection_update(item.dimension_keys)
        if not shared:
            break
    return frozenset(shared)


def _without(
    item: PendingRecord, common: TimestreamRecord, lifted: frozenset[DimensionKey]
) -> TimestreamRecord:
    record = item.record
    stripped = {key: value for key, value in record.items() if key not in common or key == "Dimensions"}
    if lifted:
        remaining = [
            d
            for d, key in zip(record.get("Dimensions", ()), item.dimension_keys, strict=True)
            if key not in lifted
        ]
        if remaining:
            stripped["Dimensions"] = remaining
        else:
            stripped.pop("Dimensions", None)
    return stripped


def _hashable(value: Any) -> Any:
    return tuple(sorted(value.items())) if isinstance(value, dict) else value
