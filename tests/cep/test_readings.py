"""Which raw-stream records the CEP stage reads: sensor readings only, with the values ingest stores."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from local.event_filter import EventFilter
from timestream_cep.pattern import Reading
from timestream_cep.readings import InvalidReading, mapping_filter_pattern, sensor_reading

ARRIVAL_MS = 1_767_225_600_000
EVENTS = Path(__file__).resolve().parents[1] / "events"


def _payload(**fields: object) -> bytes:
    document = {"sensor_id": "sensor-01", "temperature": 99, "status": "OK", "event_time": ARRIVAL_MS}
    document.update(fields)
    return json.dumps({k: v for k, v in document.items() if v is not ...}).encode()


def test_a_seed_sensor_record_is_a_reading() -> None:
    """The seed's generator format, integer temperature included."""
    assert sensor_reading(_payload(), ARRIVAL_MS) == Reading("sensor-01", 99.0, "OK", ARRIVAL_MS)


@pytest.mark.parametrize(
    "payload",
    [
        b'{"MeasureName": "cpu_user", "MeasureValue": "1.0", "Time": "1"}',  # DevOps single-measure
        b"id=1||status=ALARM",  # an alarm line
        b"\xff\xfe",  # not text
        b"[1, 2]",  # JSON, not an object
        _payload(status=...),  # a key missing: not the sensor format
    ],
)
def test_other_formats_are_not_cep_input(payload: bytes) -> None:
    """Records of other formats pass by (ingest stores or quarantines them on its own)."""
    assert sensor_reading(payload, ARRIVAL_MS) is None


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (_payload(extra=1), "'extra' is not a sensor field"),
        (_payload(temperature="hot"), "temperature 'hot' is not a number"),
        (_payload(temperature=True), "temperature True is not a number"),
        (_payload(status=""), "status '' is not a non-empty text"),
        (_payload(event_time=-1), "event_time -1 is not epoch milliseconds"),
        (_payload(event_time=1.5), "event_time 1.5 is not epoch milliseconds"),
        (_payload(event_time=ARRIVAL_MS + 16 * 60_000), "16.0 min after the record reached the stream"),
    ],
)
def test_a_bad_sensor_reading_is_refused_with_its_reason(payload: bytes, reason: str) -> None:
    """A sensor-shaped record with a bad value is left out of CEP, saying which field and why."""
    with pytest.raises(InvalidReading, match=reason.replace("(", r"\(").replace(".", r"\.")):
        sensor_reading(payload, ARRIVAL_MS)


def test_numeric_text_is_read_as_flink_and_ingest_read_it() -> None:
    """Numeric text ("101.5", "1767225600000") is a number to Flink's JSON format and to ingest."""
    reading = sensor_reading(_payload(temperature="101.5", event_time=str(ARRIVAL_MS)), None)
    assert reading == Reading("sensor-01", 101.5, "OK", ARRIVAL_MS)


def _event_payloads() -> list[bytes]:
    """Every payload of the repository's test events (each format the raw stream carries, poison too)."""
    return [
        base64.b64decode(record["kinesis"]["data"])
        for path in sorted(EVENTS.glob("*.json"))
        for record in json.loads(path.read_text())["Records"]
    ]


@pytest.mark.parametrize(
    "payload",
    [
        *_event_payloads(),
        _payload(),
        _payload(extra=1),
        _payload(status=None),
        _payload(status={"code": "OK"}),
        _payload(temperature=[]),
        _payload(temperature="101.5", event_time=str(ARRIVAL_MS)),
        b'{"sensor_id": "s", "temperature": NaN, "status": "OK", "event_time": 1}',
        b'{"sensor\\u005fid": "s", "temperature": 1, "status": "OK", "event_time": 1}',
    ],
)
def test_the_mapping_filter_drops_no_reading_cep_can_use(payload: bytes) -> None:
    """The stage's event source mapping filter, as Lambda evaluates it: every record `sensor_reading`
    reads passes; what it drops is a record `sensor_reading` ignores or refuses."""
    passes = EventFilter([json.dumps(mapping_filter_pattern())], "cep-stage").matches(payload)
    try:
        reading = sensor_reading(payload, None)
    except InvalidReading:
        return  # refused either way: counted by the stage when it passes, quarantined by ingest
    assert passes is (reading is not None)
