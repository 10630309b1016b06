"""Value rules: what Timestream cannot store is quarantined with a reason, what it stores is normalised."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from ingest_support import Event, kinesis_event, measures, quarantine_objects, sequences, stored

from timestream_ingest.decoders import decode_payload
from timestream_ingest.exceptions import DecodeError, QuarantineReason

Invoke = Callable[[Event], dict[str, Any]]
NOW_NS = 1_700_000_000_000_000_000
NOW_MS = NOW_NS // 1_000_000


def _devops(value: str, value_type: str = "DOUBLE") -> bytes:
    return (
        f'{{"MeasureName": "cpu_user", "MeasureValue": "{value}", "MeasureValueType": "{value_type}", '
        f'"Time": "{NOW_MS // 1000}", "TimeUnit": "SECONDS", "instance_name": "i-1"}}'
    ).encode()


def test_negative_zero_is_written_as_zero() -> None:
    """Timestream rejects -0.0, so a -0.0 measure is stored as 0.0."""
    # GIVEN a DevOps measure of -0.0
    payload = _devops("-0.0")
    # WHEN it is decoded
    (record,) = decode_payload(payload, NOW_NS).records
    # THEN the value is 0.0
    assert record["MeasureValue"] == "0.0"


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-inf"])
def test_non_finite_doubles_are_invalid_values(value: str) -> None:
    """NaN and Infinity are not DOUBLEs Timestream can store: the error names the field."""
    # GIVEN a DevOps measure that is not finite
    payload = _devops(value)
    # WHEN / THEN decoding fails as an invalid value naming MeasureValue
    with pytest.raises(DecodeError, match="MeasureValue") as raised:
        decode_payload(payload, NOW_NS)
    assert raised.value.reason is QuarantineReason.INVALID_VALUE


@pytest.mark.parametrize("value", ["2.5", "9223372036854775808", "--5"])
def test_bigint_accepts_only_64_bit_whole_numbers(value: str) -> None:
    """A BIGINT measure that is fractional, too large or malformed is an invalid value."""
    # GIVEN a BIGINT measure that is not a 64-bit integer
    payload = _devops(value, "BIGINT")
    # WHEN / THEN decoding fails as an invalid value
    with pytest.raises(DecodeError) as raised:
        decode_payload(payload, NOW_NS)
    assert raised.value.reason is QuarantineReason.INVALID_VALUE


def test_sixteen_minutes_ahead_is_quarantined_but_fourteen_is_written(invoke: Invoke) -> None:
    """Timestream takes records at most 15 min ahead; later ones are quarantined as future_timestamp."""
    # GIVEN one reading 14 min ahead of now and one 16 min ahead
    now_ms = time.time_ns() // 1_000_000
    readings = [
        {"sensor_id": f"sensor-{m}", "temperature": 20, "status": "OK", "event_time": now_ms + m * 60_000}
        for m in (14, 16)
    ]
    event = kinesis_event(readings)
    # WHEN the handler processes them
    response = invoke(event)
    # THEN the first is written, the second quarantined with the future_timestamp reason
    assert response == {"batchItemFailures": []}
    assert [measures(r) for r in stored()] == [{"temperature": ("20.0", "DOUBLE")}]
    (lines,) = quarantine_objects().values()
    assert [(line["sequence_number"], line["reason"]) for line in lines] == [
        (sequences(event, 1)[0], "future_timestamp")
    ]


def test_an_unrecognised_json_object_names_the_formats_it_could_have_been() -> None:
    """A JSON object matching no format is undecodable, and the message lists each format's required keys."""
    # GIVEN JSON that is none of the known formats
    payload = b'{"device": "x", "reading": 1}'
    # WHEN / THEN decoding fails as undecodable, listing what would have matched
    with pytest.raises(DecodeError, match=r"matches no known format.*sensor: \['event_time'") as raised:
        decode_payload(payload, NOW_NS)
    assert raised.value.reason is QuarantineReason.UNDECODABLE


def test_an_alarm_line_missing_a_field_says_which() -> None:
    """An alarm line without its time is an invalid value naming the missing field."""
    # GIVEN an alarm line with no time= field
    payload = b"id=abc||status=Normal||location=BLOG||sensor=Alarm"
    # WHEN / THEN decoding fails naming 'time'
    with pytest.raises(DecodeError, match="field 'time': is missing"):
        decode_payload(payload, NOW_NS)


@pytest.mark.parametrize(
    ("line", "status", "sensor"),
    [
        ("id=x|||status=OK||time=5||location=L||sensor=S", "OK", "S"),  # an id ending in '|'
        ("id=a=b||status=A=B||time=5||location=L||sensor=S|", "A=B", "S|"),  # '=' in values
        ("id=a||b||status=OK||time=5||location=L||sensor=S", "OK", "S"),  # '||' not before a field
        ("status=OK||id=a||time=5||sensor=S||location=L", "OK", "S"),  # fields in another order
    ],
)
def test_alarm_lines_split_only_where_a_field_follows(line: str, status: str, sensor: str) -> None:
    """Separators inside values never split a field, whatever the order of the fields."""
    # GIVEN an alarm line whose values hold '|' or '='
    # WHEN it is decoded
    (record,) = decode_payload(line.encode(), NOW_NS).records
    # THEN status and sensor are read whole
    assert record["MeasureValue"] == status
    assert {d["Name"]: d["Value"] for d in record["Dimensions"]} == {"Location": "L", "Sensor": sensor}


def test_generic_form_rejects_an_unknown_top_level_key_instead_of_dropping_it() -> None:
    """A typo in the generic form (`dimension`) is reported, never silently ignored."""
    # GIVEN a generic payload with 'dimension' instead of 'dimensions'
    payload = b'{"time": 1, "measures": {"t": 1.5}, "dimension": {"site": "a"}}'
    # WHEN / THEN decoding fails naming the unknown key
    with pytest.raises(DecodeError, match="'dimension': is not a field of the generic form"):
        decode_payload(payload, NOW_NS)


def test_an_empty_payload_is_undecodable_and_says_so() -> None:
    """An empty Kinesis record is quarantined with a message saying it was empty."""
    # GIVEN an empty payload
    payload = b"  "
    # WHEN / THEN decoding fails as undecodable, naming the emptiness
    with pytest.raises(DecodeError, match="payload is empty") as raised:
        decode_payload(payload, NOW_NS)
    assert raised.value.reason is QuarantineReason.UNDECODABLE
