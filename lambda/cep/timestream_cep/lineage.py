"""A shard's parents, so a shard seen for the first time continues their state after a reshard.

Kinesis splits and merges shards (on-demand streams do it on their own); the mapping reads a parent
to its end before its children. A partial match open in a parent at the split, and the readings the
parent's watermark had not yet passed, belong to the same sensors in a child, so a child with no
state of its own starts from its parents' (see CepStage.merged).
"""

from __future__ import annotations

from typing import Any


def parent_shard_ids(kinesis: Any, stream_arn: str, shard_id: str) -> list[str]:
    """The shard's parent and adjacent parent (a merge), [] for a shard the stream started with."""
    for page in kinesis.get_paginator("list_shards").paginate(StreamARN=stream_arn):
        for shard in page["Shards"]:
            if shard["ShardId"] == shard_id:
                parents = (shard.get("ParentShardId"), shard.get("AdjacentParentShardId"))
                return [parent for parent in parents if parent]
    return []
