"""Helpers of the CEP tests: run the stage as Flink runs a bounded input (every reading, then flush)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from timestream_cep.pattern import Reading
from timestream_cep.stage import CepStage


def run_to_end(readings: Iterable[Reading], stage: CepStage | None = None) -> list[dict[str, Any]]:
    """Every match the readings give once the input has ended (Flink's final watermark)."""
    stage = stage or CepStage()
    matches = stage.process(readings).matches
    return matches + stage.flush()


def ordered(matches: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Matches in a fixed order (sensor, time): completion order across sensors is not specified."""
    return sorted(matches, key=lambda m: (m["sensor_id"], m["event_time"]))


def reading_json(reading: Reading) -> bytes:
    """A reading as the seed's generator puts it on the raw stream."""
    document = {
        "sensor_id": reading.sensor_id,
        "temperature": reading.temperature,
        "status": reading.status,
        "event_time": reading.event_time,
    }
    return json.dumps(document).encode()
