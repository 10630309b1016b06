"""The ingestion window: memory-store retention, the 15-minute future limit, magnetic-store writes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from emulator_support import double_record, now_ms

HOUR_MS = 3600 * 1000


def _write(client: Any, database: str, table: str, time_ms: int) -> dict[str, Any]:
    return client.write_records(
        DatabaseName=database, TableName=table, Records=[double_record("h", 1, time_ms)]
    )


def test_a_record_older_than_memory_retention_is_rejected(
    write_client: Any, database: str, table: str
) -> None:
    """With 24 h memory retention and no magnetic writes, a 25-hour-old record is rejected."""
    # GIVEN / WHEN a record 25 h old is written
    with pytest.raises(write_client.exceptions.RejectedRecordsException) as caught:
        _write(write_client, database, table, now_ms() - 25 * HOUR_MS)
    # THEN the reason names the ingestion window
    assert "outside the time range" in caught.value.response["RejectedRecords"][0]["Reason"]


def test_a_record_more_than_15_minutes_ahead_is_rejected(
    write_client: Any, database: str, table: str
) -> None:
    """A record 16 minutes in the future is rejected."""
    # GIVEN / WHEN / THEN
    with pytest.raises(write_client.exceptions.RejectedRecordsException):
        _write(write_client, database, table, now_ms() + 16 * 60 * 1000)


def test_a_record_14_minutes_ahead_is_accepted(write_client: Any, database: str, table: str) -> None:
    """Up to 15 minutes in the future is inside the window."""
    # GIVEN / WHEN a record 14 minutes ahead is written
    response = _write(write_client, database, table, now_ms() + 14 * 60 * 1000)
    # THEN it is ingested into the memory store
    assert response["RecordsIngested"] == {"Total": 1, "MemoryStore": 1, "MagneticStore": 0}


def test_magnetic_writes_accept_late_data_within_magnetic_retention(
    write_client: Any, database: str, make_table: Callable[..., str]
) -> None:
    """With magnetic writes on, a 3-day-old record is ingested into the magnetic store."""
    # GIVEN a table with 24 h memory, 7 d magnetic and magnetic writes enabled
    table = make_table(MagneticStoreWriteProperties={"EnableMagneticStoreWrites": True})
    # WHEN a 3-day-old record is written
    response = _write(write_client, database, table, now_ms() - 72 * HOUR_MS)
    # THEN it lands in the magnetic store
    assert response["RecordsIngested"] == {"Total": 1, "MemoryStore": 0, "MagneticStore": 1}


def test_magnetic_writes_still_reject_data_older_than_magnetic_retention(
    write_client: Any, database: str, make_table: Callable[..., str]
) -> None:
    """Magnetic writes stop at the magnetic retention (7 days here)."""
    # GIVEN a table with magnetic writes and 7 d magnetic retention
    table = make_table(MagneticStoreWriteProperties={"EnableMagneticStoreWrites": True})
    # WHEN / THEN an 8-day-old record is rejected
    with pytest.raises(write_client.exceptions.RejectedRecordsException):
        _write(write_client, database, table, now_ms() - 8 * 24 * HOUR_MS)
