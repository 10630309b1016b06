"""Text that is not Unicode (a lone UTF-16 surrogate) is rejected per record, never answered with a 500."""

from __future__ import annotations

from typing import Any

import pytest
from emulator_support import double_record, now_ms, query_all, scalar_rows


@pytest.mark.parametrize(
    ("where", "record"),
    [
        ("dimension value", double_record("bad\ud800", 1.0, 0)),
        ("dimension name", {**double_record("h", 1.0, 0), "Dimensions": [{"Name": "h\udc00", "Value": "x"}]}),
        ("measure name", double_record("h", 1.0, 0, measure="m\ud800")),
        (
            "VARCHAR value",
            {**double_record("h", 1.0, 0), "MeasureValue": "\udfff", "MeasureValueType": "VARCHAR"},
        ),
    ],
)
def test_a_lone_surrogate_rejects_its_record_and_the_others_are_written(
    write_client: Any, query_client: Any, database: str, table: str, where: str, record: dict[str, Any]
) -> None:
    """RejectedRecordsException names the record and says why; its neighbour is stored."""
    # GIVEN a good record and one holding a lone surrogate in its `where`
    now = now_ms()
    records = [double_record("good", 1.0, now), {**record, "Time": str(now)}]
    # WHEN both are written in one call
    with pytest.raises(write_client.exceptions.RejectedRecordsException) as caught:
        write_client.write_records(DatabaseName=database, TableName=table, Records=records)
    # THEN only the second is rejected, as not valid Unicode, and the first is stored
    (rejected,) = caught.value.response["RejectedRecords"]
    assert rejected["RecordIndex"] == 1
    assert "not valid Unicode: lone surrogate" in rejected["Reason"]
    rows = scalar_rows(query_all(query_client, f'SELECT host FROM "{database}"."{table}"'))
    assert rows == [["good"]]
