"""Keep an export table from growing without bound: expire old snapshots, delete what only they used.

pyiceberg's ExpireSnapshots removes snapshots from the metadata but leaves their files in S3. After the
expiry commit, this deletes every file (data file, manifest, manifest list) that an expired snapshot
used and that no snapshot of the table as it is NOW still uses. Files of a concurrent writer are
never candidates: they are new, so no expired snapshot used them. Old metadata JSON files are deleted
by pyiceberg on commit (`write.metadata.delete-after-commit.enabled`).
"""

from __future__ import annotations

import logging
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from timestream_pipeline.hour_partition import delete_keys
from timestream_pipeline.iceberg_schema import SNAPSHOT_MAX_AGE_HOURS

if TYPE_CHECKING:
    from pyiceberg.io import FileIO
    from pyiceberg.table import Table
    from pyiceberg.table.metadata import TableMetadata

log = logging.getLogger(__name__)
MAX_AGE_PROPERTY = "history.expire.max-snapshot-age-ms"
COMMIT_ATTEMPTS = 6
_BACKOFF_SECONDS = 0.5


@dataclass(frozen=True)
class Expiry:
    expired_snapshots: int
    deleted_files: int


def expire_snapshots(
    table: Table, delete_files: Callable[[list[str]], object], *, now: datetime | None = None
) -> Expiry:
    """Expire snapshots older than the table's max age (the current one always stays), then clean up.

    `delete_files` takes the garbage's URIs (`s3_deleter`: batched DeleteObjects, and unlike the
    FileIO's one-by-one deletes it leaves no empty "folder" objects behind).
    """
    from pyiceberg.exceptions import CommitFailedException

    max_age_ms = int(table.properties.get(MAX_AGE_PROPERTY, SNAPSHOT_MAX_AGE_HOURS * 3_600_000))
    cutoff = (now or datetime.now(UTC)) - timedelta(milliseconds=max_age_ms)
    for attempt in range(COMMIT_ATTEMPTS):
        table.refresh()
        before = table.metadata
        expired = expirable(before, cutoff)
        if not expired:
            return Expiry(0, 0)
        try:
            table.maintenance.expire_snapshots().by_ids(expired).commit()
            break
        except CommitFailedException:  # an export committed meanwhile: start over on fresh metadata
            if attempt == COMMIT_ATTEMPTS - 1:
                raise
            time.sleep(_BACKOFF_SECONDS * 2**attempt * (1 + random.random() / 10))
    table.refresh()
    used_before = files_used(before, expired, table.io)
    still_used = files_used(table.metadata, [s.snapshot_id for s in table.metadata.snapshots], table.io)
    garbage = sorted(used_before - still_used)
    delete_files(garbage)
    log.info("expired %d snapshot(s), deleted %d file(s) only they used", len(expired), len(garbage))
    return Expiry(len(expired), len(garbage))


def s3_deleter(s3: Any) -> Callable[[list[str]], object]:
    """Delete `s3://bucket/key` URIs with a boto3 client, in DeleteObjects batches per bucket."""

    def delete(uris: list[str]) -> None:
        by_bucket: dict[str, list[str]] = defaultdict(list)
        for uri in uris:
            bucket, _, key = uri.removeprefix("s3://").partition("/")
            by_bucket[bucket].append(key)
        for bucket, keys in by_bucket.items():
            delete_keys(s3, bucket, keys)

    return delete


def expirable(metadata: TableMetadata, cutoff: datetime) -> list[int]:
    """Snapshots older than `cutoff`, except branch and tag heads (the current snapshot among them)."""
    protected = {ref.snapshot_id for ref in metadata.refs.values()}
    cutoff_ms = int(cutoff.timestamp() * 1000)
    return sorted(
        s.snapshot_id
        for s in metadata.snapshots
        if s.timestamp_ms < cutoff_ms and s.snapshot_id not in protected
    )


def files_used(metadata: TableMetadata, snapshot_ids: Iterable[int], io: FileIO) -> set[str]:
    """Manifest lists, manifests and live data files the given snapshots read."""
    used: set[str] = set()
    seen_manifests: set[str] = set()
    for snapshot_id in snapshot_ids:
        snapshot = metadata.snapshot_by_id(snapshot_id)
        if snapshot is None:
            continue
        used.add(snapshot.manifest_list)
        for manifest in snapshot.manifests(io):
            used.add(manifest.manifest_path)
            if manifest.manifest_path in seen_manifests:
                continue
            seen_manifests.add(manifest.manifest_path)
            used.update(entry.data_file.file_path for entry in manifest.fetch_manifest_entry(io))
    return used
