"""Per-shard CEP state in DynamoDB: read once per invocation, written once, never over a newer one.

One item per shard holds the stage's state and the sequence number of the last record applied to
it. The write is conditional on that sequence number being the one read, so two invocations can
never both apply their batch to the same state (the mapping runs one batch per shard at a time;
the condition makes that an invariant rather than an assumption). Records at or below the stored
sequence number were applied already: a redelivered batch is recognised and changes nothing.
"""

from __future__ import annotations

import json
import time
import zlib
from dataclasses import dataclass
from typing import Any

from timestream_cep import names


class StateConflictError(RuntimeError):
    """Another invocation advanced this shard's state first; the batch is retried on the new state."""


@dataclass(frozen=True)
class StoredState:
    """A shard's state as read: None for both fields when the shard has none yet."""

    sequence: str | None
    state: dict[str, Any] | None

    def applied(self, sequence_number: str) -> bool:
        """True when the record with this sequence number is already part of the state."""
        return self.sequence is not None and int(sequence_number) <= int(self.sequence)


class StateStore:
    """Load and conditionally save one shard's state item."""

    def __init__(self, dynamodb: Any, table: str, clock: Any = time.time) -> None:
        self._dynamodb, self._table, self._clock = dynamodb, table, clock

    def load(self, shard_key: str) -> StoredState:
        item = self._dynamodb.get_item(
            TableName=self._table, Key={names.STATE_KEY: {"S": shard_key}}, ConsistentRead=True
        ).get("Item")
        if item is None:
            return StoredState(None, None)
        body = json.loads(zlib.decompress(item[names.STATE_BODY]["B"]))
        return StoredState(item[names.STATE_SEQUENCE]["S"], body)

    def save(self, shard_key: str, previous: str | None, sequence: str, state: dict[str, Any]) -> None:
        """Write the state reached after `sequence`, provided nobody wrote past `previous` meanwhile."""
        body = zlib.compress(json.dumps(state, separators=(",", ":")).encode("utf-8"))
        item = {
            names.STATE_KEY: {"S": shard_key},
            names.STATE_SEQUENCE: {"S": sequence},
            names.STATE_BODY: {"B": body},
            names.STATE_EXPIRES: {"N": str(int(self._clock()) + names.STATE_TTL_DAYS * 86_400)},
        }
        if previous is None:
            condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(#key)"}
            condition["ExpressionAttributeNames"] = {"#key": names.STATE_KEY}
        else:
            condition = {
                "ConditionExpression": "#seq = :previous",
                "ExpressionAttributeNames": {"#seq": names.STATE_SEQUENCE},
                "ExpressionAttributeValues": {":previous": {"S": previous}},
            }
        try:
            self._dynamodb.put_item(TableName=self._table, Item=item, **condition)
        except self._dynamodb.exceptions.ConditionalCheckFailedException:
            raise StateConflictError(
                f"the CEP state of {shard_key} moved past sequence {previous} during this invocation; "
                "the batch is retried on the newer state"
            ) from None
