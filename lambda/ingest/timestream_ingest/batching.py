"""Plan WriteRecords calls: at most 100 records each, shared attributes lifted into CommonAttributes.

Records are ordered by series first so that neighbours share dimensions and time (a DevOps host's
20 measures of one tick become one call whose dimensions and time are sent once). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import attrgetter, itemgetter, methodcaller

from timestream_ingest.decoders.values import DimensionKey, DimensionList, TimestreamRecord
from timestream_ingest.wire_json import RenderedList, rendered

MAX_RECORDS_PER_WRITE = 100  # Timestream's limit per WriteRecords call
# Record attributes that may move to CommonAttributes when every record of a call has the same one.
COMMON_SCALARS = ("MeasureName", "MeasureValueType", "Time", "TimeUnit", "Version")
_ABSENT = object()
_GETTERS = tuple((key, methodcaller("get", key, _ABSENT)) for key in COMMON_SCALARS)
_DIMENSION_KEY = itemgetter("Name", "Value")
_SERIES_KEY = attrgetter("series_key")


class PendingRecord:
    """A Timestream record and the Kinesis record (by index in the event) it came from.

    Its keys are computed once, here: decoders hand over a DimensionList that already holds them
    (and share it between records of one series), so most records only pair up references.
    """

    __slots__ = ("dimension_keys", "record", "series_key", "source_index")

    def __init__(self, source_index: int, record: TimestreamRecord) -> None:
        self.source_index = source_index
        self.record = record
        dims = record.get("Dimensions", ())
        if type(dims) is DimensionList:
            keys, identity = dims.keys, dims.identity
        else:
            keys = tuple(map(_DIMENSION_KEY, dims))
            identity = tuple(sorted(keys))
        self.dimension_keys: tuple[DimensionKey, ...] = keys  # in the record's order
        # Series then time: neighbours in this order share dimensions and time.
        self.series_key = (identity, record.get("MeasureName", ""), int(record.get("Time", 0)))

    def __repr__(self) -> str:
        return f"PendingRecord({self.source_index}, {self.record!r})"


@dataclass(frozen=True)
class Batch:
    """One WriteRecords call: `records[i]` is `items[i].record` minus what `common` holds."""

    items: tuple[PendingRecord, ...]
    records: list[TimestreamRecord]
    common: TimestreamRecord = field(default_factory=dict)


def plan_batches(items: Sequence[PendingRecord], size: int = MAX_RECORDS_PER_WRITE) -> list[Batch]:
    """Every item in exactly one batch of at most `size`, ordered so batches share the most."""
    ordered = sorted(items, key=_SERIES_KEY)
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
    for key, get in _GETTERS:
        seen = set(map(get, records))
        if len(seen) == 1 and _ABSENT not in seen:
            common[key] = records[0][key]
    return Batch(tuple(items), _without(items, common, shared), common)


def _shared_dimension_keys(items: Sequence[PendingRecord]) -> frozenset[DimensionKey]:
    first, *rest = items
    shared = set(first.dimension_keys)
    last: tuple[DimensionKey, ...] = first.dimension_keys
    for item in rest:
        keys = item.dimension_keys
        if keys is last:  # records of one series share one DimensionList: nothing new to intersect
            continue
        last = keys
        shared.intersection_update(keys)
        if not shared:
            break
    return frozenset(shared)


def _without(
    items: Sequence[PendingRecord], common: TimestreamRecord, lifted: frozenset[DimensionKey]
) -> list[TimestreamRecord]:
    """Each record minus what `common` holds (its dimensions minus the lifted ones)."""
    dropped = [key for key in common if key != "Dimensions"]
    remaining_by_keys: dict[int, RenderedList] = {}  # one filtered list per distinct dimension set
    stripped_records = []
    for item in items:
        stripped = item.record.copy()
        for key in dropped:
            del stripped[key]
        if lifted:
            keys = item.dimension_keys
            remaining = remaining_by_keys.get(id(keys))
            if remaining is None:
                dims = stripped.get("Dimensions", ())
                if type(dims) is DimensionList:
                    remaining = dims.without(lifted)
                else:
                    remaining = rendered([d for d, key in zip(dims, keys, strict=True) if key not in lifted])
                remaining_by_keys[id(keys)] = remaining
            if remaining:
                stripped["Dimensions"] = remaining
            else:
                stripped.pop("Dimensions", None)
        stripped_records.append(stripped)
    return stripped_records
