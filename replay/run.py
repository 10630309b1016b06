"""Plan and apply a replay: every kept record not stored and not replayed yet, put back on its stream once.

A record is left out, and counted as such, when
- the handler's ledger says it was written (it was kept only because an earlier record of its
  invocation failed: Lambda keeps everything from the lowest failed record on);
- it was already replayed (a `replayed/` mark), or appears in two kept objects (e.g. a batch kept
  twice around a restart): each record goes back at most once.
The records of one kept object are put back in sequence order with their partition key (so their
order per key is kept) through the generators' Kinesis sink, which re-sends only failed entries.
The object is marked once all of its records are accepted; if some are not, it is left unmarked and
the report says to run again (a second run may then put some records twice, which the idempotent
ingest handler absorbs).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from generators.kinesis_sink import KinesisSink
from generators.records import GeneratedRecord
from replay.kept import KeptObject, KeptRecord, KeptRecordsBucket, RecordId


@dataclass
class ReplayPlan:
    """What a replay would do; the counts add up to `kept`."""

    bucket: str
    objects: int = 0
    kept: int = 0
    stored_per_ledger: int = 0
    already_replayed: int = 0
    kept_twice: int = 0
    to_replay: dict[str, tuple[KeptObject, list[KeptRecord]]] = field(default_factory=dict)

    @property
    def records_to_replay(self) -> int:
        return sum(len(records) for _, records in self.to_replay.values())

    def streams(self) -> Counter[str]:
        return Counter(
            r.stream_arn.rsplit("/", 1)[-1] for _, records in self.to_replay.values() for r in records
        )


@dataclass
class ReplayResult:
    sent: int = 0
    failed: int = 0
    calls: int = 0
    marked: list[str] = field(default_factory=list)
    unmarked: list[str] = field(default_factory=list)


def plan_replay(bucket: KeptRecordsBucket) -> ReplayPlan:
    plan = ReplayPlan(bucket.bucket)
    stored = bucket.stored_per_ledger()
    replayed = bucket.replayed()
    done: set[RecordId] = set().union(*replayed.values()) if replayed else set()
    seen: set[RecordId] = set()
    # Batches in stream order, not name order: two batches of a shard kept in the same second have
    # names that differ only by a random suffix.
    for kept in sorted(bucket.kept_objects(), key=_stream_order):
        plan.objects += 1
        plan.kept += len(kept.records)
        records = []
        for record in kept.records:
            if record.identity in stored:
                plan.stored_per_ledger += 1
            elif record.identity in done:
                plan.already_replayed += 1
            elif record.identity in seen:
                plan.kept_twice += 1
            else:
                seen.add(record.identity)
                records.append(record)
        if records:
            plan.to_replay[kept.key] = (
                kept,
                sorted(records, key=lambda r: (r.shard_id, int(r.sequence_number))),
            )
    return plan


def _stream_order(kept: Any) -> tuple[str, int, str]:
    """(shard, first sequence number, key) of a kept batch; a batch's records are of one shard."""
    first = min(kept.records, key=lambda r: int(r.sequence_number), default=None)
    return (first.shard_id, int(first.sequence_number), kept.key) if first else ("", 0, kept.key)


def apply_replay(plan: ReplayPlan, bucket: KeptRecordsBucket, kinesis: Any) -> ReplayResult:
    result = ReplayResult()
    replayed_at = datetime.now(UTC).isoformat(timespec="seconds")
    for key, (kept, records) in plan.to_replay.items():
        failed = 0
        for stream_arn in sorted({r.stream_arn for r in records}):
            sink = KinesisSink(kinesis, stream_arn)
            report = sink.send(_as_generated(r) for r in records if r.stream_arn == stream_arn)
            result.sent, result.calls = result.sent + report.sent, result.calls + report.calls
            failed += report.failed
        result.failed += failed
        if failed:
            result.unmarked.append(key)
        else:
            result.marked.append(bucket.mark_replayed(kept, records, replayed_at))
    return result


def describe(plan: ReplayPlan, result: ReplayResult | None) -> str:
    lines = [
        f"kept-records bucket s3://{plan.bucket}: {plan.objects} kept batches, {plan.kept} records",
        f"  already stored (written before Lambda gave up, per the ledger): {plan.stored_per_ledger}",
        f"  already replayed: {plan.already_replayed}",
        f"  kept twice (one copy replayed): {plan.kept_twice}",
        f"  to replay: {plan.records_to_replay}"
        + "".join(f"; {count} to {stream}" for stream, count in sorted(plan.streams().items())),
    ]
    if result is None:
        lines.append("dry run: nothing was put on a stream; run again with --apply to replay")
        return "\n".join(lines)
    lines.append(
        f"replayed {result.sent} records in {result.calls} PutRecords calls; marked {len(result.marked)}"
    )
    if result.failed:
        lines.append(
            f"{result.failed} records were not accepted; {len(result.unmarked)} batches stay unmarked: "
            "run the replay again"
        )
    return "\n".join(lines)


def _as_generated(record: KeptRecord) -> GeneratedRecord:
    return GeneratedRecord(data=record.data, partition_key=record.partition_key, event_time_ms=0, due_ms=0)
