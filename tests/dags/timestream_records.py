"""Timestream WriteRecords entries the export SQL reads: sensor readings and CEP events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from timestream_ingest import names as ingest_names


def millis(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1000))


def reading(sensor: str, status: str, temperature: float, at: datetime) -> dict[str, Any]:
    return {
        "Dimensions": [{"Name": "sensor_id", "Value": sensor}, {"Name": "status", "Value": status}],
        "MeasureName": ingest_names.SENSOR_TEMPERATURE_MEASURE,
        "MeasureValue": str(temperature),
        "MeasureValueType": "DOUBLE",
        "Time": millis(at),
    }


def cep_event(sensor: str, at: datetime) -> dict[str, Any]:
    measures = [
        ("non_errors", "2", "BIGINT"),
        ("history", "OK-WARNING", "VARCHAR"),
        ("min_temperature", "120.0", "DOUBLE"),
        ("avg_temperature", "150.5", "DOUBLE"),
        ("max_temperature", "171.0", "DOUBLE"),
        ("elapsed", "12", "BIGINT"),
    ]
    return {
        "Dimensions": [{"Name": "sensor_id", "Value": sensor}],
        "MeasureName": ingest_names.CEP_MEASURE,
        "MeasureValueType": "MULTI",
        "MeasureValues": [{"Name": n, "Value": v, "Type": t} for n, v, t in measures],
        "Time": millis(at),
    }
