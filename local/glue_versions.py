"""moto's Glue with Glue's optimistic locking: an UpdateTable naming a stale `VersionId` is refused.

pyiceberg's Glue catalog commits an Iceberg table with UpdateTable and the `VersionId` it read. Glue
refuses the update (ConcurrentModificationException) when another commit came in between, and pyiceberg
then retries on the new metadata. moto ignores `VersionId`, so two concurrent commits would both "land"
and the first would silently vanish from the table: the local stack would lose an hour that AWS keeps.
"""

from __future__ import annotations

import threading
from typing import Any

from moto.glue import responses
from moto.glue.exceptions import GlueClientError

_UNLOCKED_UPDATE_TABLE = responses.GlueResponse.update_table
# moto's threaded server answers requests concurrently: the check and the update must be one step.
_UPDATE = threading.Lock()


class ConcurrentModificationError(GlueClientError):
    def __init__(self, table: str, expected: str, current: str) -> None:
        super().__init__(
            "ConcurrentModificationException",
            f"Update table failed due to concurrent modifications: {table} is at version {current}, "
            f"the update was made from version {expected}",
        )


def _update_table_if_current(self: Any) -> Any:
    expected = self.parameters.get("VersionId")
    database = self.parameters.get("DatabaseName")
    table = (self.parameters.get("TableInput") or {}).get("Name")
    with _UPDATE:
        if expected is not None:
            current = self.glue_backend.get_table(database, table).as_dict()["VersionId"]
            if str(expected) != current:
                raise ConcurrentModificationError(f"{database}.{table}", str(expected), current)
        return _UNLOCKED_UPDATE_TABLE(self)


def install() -> None:
    """Make this process's moto Glue check `VersionId` on UpdateTable (idempotent)."""
    responses.GlueResponse.update_table = _update_table_if_current
