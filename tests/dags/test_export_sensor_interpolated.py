"""The sensor_interpolated export (seed query Q1) against the local Timestream: per second, per sensor,
the interpolated temperature and carried-forward status, checked against the same values computed here."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pyarrow.parquet as pq

from tests.dags import export_support as support
from tests.dags.test_export_emulator import HOUR_END, HOUR_START, emulator, reading  # noqa: F401 - fixture

READINGS = {  # sensor -> (seconds into the hour, status, temperature)
    "sensor-01": [(0, "OK", 20.0), (4, "ERROR", 60.0), (6, "OK", 40.0)],
    "sensor-02": [(10, "WARNING", 80.0)],
}


def _expected() -> list[dict[str, Any]]:
    """Every whole second from each sensor's first to last reading: linear temperature, last status."""
    rows = []
    for sensor, points in sorted(READINGS.items()):
        for second in range(points[0][0], points[-1][0] + 1):
            before = [p for p in points if p[0] <= second][-1]
            after = next(p for p in points if p[0] >= second)
            span = after[0] - before[0]
            temperature = (
                before[2] if span == 0 else before[2] + (after[2] - before[2]) * (second - before[0]) / span
            )
            moment = (HOUR_START + timedelta(seconds=second)).replace(tzinfo=None)
            rows.append(
                {"sensor_id": sensor, "time": moment, "temperature": temperature, "status": before[1]}
            )
    return rows


def test_sensor_interpolated_exports_each_second_of_each_sensor(
    emulator: Any,  # noqa: F811 - the fixture imported above
    moto: str,
    airflow_db: None,
) -> None:
    """One row per sensor and second between its readings; the reading of the next hour is left out."""
    # GIVEN readings inside the hour and one exactly at its end (the next hour's)
    lake = support.create_bucket(moto)
    records = [
        reading(sensor, status, temperature, HOUR_START + timedelta(seconds=second))
        for sensor, points in READINGS.items()
        for second, status, temperature in points
    ]
    records.append(reading("sensor-01", "OK", 99.0, HOUR_END))
    emulator.write_records(
        DatabaseName=support.SETTINGS.database, TableName=support.SETTINGS.raw_table, Records=records
    )
    # WHEN the hour is exported (as plain Parquet: the file is the easiest place to read every row)
    run = support.run_hour(support.plain_export_dag("sensor_interpolated"), HOUR_END)
    # THEN the file holds exactly the per-second rows computed above, in the declared columns
    assert run.state == "success"
    prefix = support.partition_prefix("sensor_interpolated", HOUR_START)
    table = pq.read_table(io.BytesIO(support.objects(lake, prefix)[prefix + "part-00000.parquet"]["body"]))
    assert table.schema.names == [c.name for c in support.export_spec("sensor_interpolated").columns]
    assert table.to_pylist() == _expected()
    assert support.marker(lake, prefix)["rows"] == len(_expected())
