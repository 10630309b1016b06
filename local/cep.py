"""The CEP stage on the local stack: its DynamoDB state table, as the CDK app declares it.

The stage itself runs like every stream function, from the synthesized template (local/ingest.py):
the deployed handler on the raw stream, its per-shard state in this table (moto's), its matches on
the CEP stream, where the CEP ingest mapping stores them in the CEP table.
"""

from __future__ import annotations

from typing import Any

from local.deployed_config import CEP_STAGE as ROLE
from timestream_cep import names

__all__ = ["ROLE", "ensure_state_table"]


def ensure_state_table(dynamodb: Any, table: str) -> None:
    """Create the state table as the CDK app declares it (key `shard`, on demand) unless it exists."""
    try:
        dynamodb.create_table(
            TableName=table,
            KeySchema=[{"AttributeName": names.STATE_KEY, "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": names.STATE_KEY, "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    except dynamodb.exceptions.ResourceInUseException:
        pass
