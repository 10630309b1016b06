"""Lambda's filter patterns as the local mapping evaluates them: what passes, is dropped, is refused."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from local.event_filter import EventFilter, UnsupportedFilterError


def _filter(*patterns: dict[str, Any]) -> EventFilter:
    return EventFilter([json.dumps(pattern) for pattern in patterns], "test-mapping")


def _data(document: Any) -> bytes:
    return json.dumps(document).encode()


SENSOR = {
    "data": {field: [{"exists": True}] for field in ("sensor_id", "temperature", "status", "event_time")}
}
READING = {"sensor_id": "s-1", "temperature": 42, "status": "OK", "event_time": 1_767_225_600_000}


@pytest.mark.parametrize(
    ("data", "passes"),
    [
        (_data(READING), True),
        (_data({**READING, "extra": 1}), True),  # other fields are ignored
        (_data({**READING, "status": None}), True),  # null is a value: it exists
        (_data({**READING, "status": ["OK"]}), True),  # an array's elements are its values
        (_data({k: v for k, v in READING.items() if k != "status"}), False),  # a field missing
        (_data({**READING, "status": {"code": "OK"}}), False),  # an object is not a leaf value
        (_data({**READING, "status": []}), False),  # an empty array holds no value
        (_data({"MeasureName": "cpu_user", "MeasureValue": "1.0", "Time": "1"}), False),  # DevOps
        (b'{"sensor\\u005fid": "s-1", "temperature": 42, "status": "OK", "event_time": 1}', True),
        (b'{"note": "sensor_id temperature status event_time"}', False),  # the names, but as a value
    ],
)
def test_exists_true_passes_records_holding_every_field(data: bytes, passes: bool) -> None:
    """The CEP stage's filter: each sensor field present with a leaf value, escaped keys included."""
    assert _filter(SENSOR).matches(data) is passes


@pytest.mark.parametrize(
    "data",
    [
        b"id=1||status=ALARM",  # text
        b"\xff\xfe not text",  # not UTF-8
        b"",  # nothing
        b'{"sensor_id": "s", "temperature": NaN, "status": "OK", "event_time": 1}',  # NaN is not JSON
        b'[{"sensor_id": "s", "temperature": 1, "status": "OK", "event_time": 1}]',  # JSON, not an object
        b'"sensor_id temperature status event_time"',  # a JSON string
    ],
)
def test_data_that_is_not_a_json_object_never_matches_a_data_pattern(data: bytes) -> None:
    """Lambda drops a record whose data is not JSON when the filter has a pattern on `data`."""
    assert not _filter(SENSOR).matches(data)
    assert not _filter({"data": {"sensor_id": [{"exists": False}]}}).matches(data)


def test_exists_false_passes_records_without_the_field() -> None:
    """`exists: false`: the field is absent (or holds no leaf value)."""
    no_region = _filter({"data": {"region": [{"exists": False}]}})
    assert no_region.matches(_data({"a": 1}))
    assert no_region.matches(_data({"region": {"name": "eu"}}))
    assert not no_region.matches(_data({"region": "eu-west-1"}))


def test_literal_values_match_exactly_and_by_type() -> None:
    """Strings and numbers compare by their text and type (300 is not 300.0 nor "300"); true is not 1."""
    status = _filter({"data": {"status": ["OK", "WARNING"]}})
    assert status.matches(_data({"status": "WARNING"}))
    assert not status.matches(_data({"status": "ok"}))  # no case folding
    count = _filter({"data": {"count": [300]}})
    assert count.matches(b'{"count": 300}')
    assert not count.matches(b'{"count": 300.0}')
    assert not count.matches(b'{"count": "300"}')
    flags = _filter({"data": {"flag": [True], "gone": [None]}})
    assert flags.matches(b'{"flag": true, "gone": null}')
    assert not flags.matches(b'{"flag": 1, "gone": null}')
    assert not flags.matches(b'{"flag": true}')


def test_prefix_matches_the_start_of_a_text_value() -> None:
    """`prefix`: string values only (a number's text does not count)."""
    region = _filter({"data": {"region": [{"prefix": "eu-"}]}})
    assert region.matches(_data({"region": "eu-west-1"}))
    assert region.matches(_data({"region": ["us-east-1", "eu-central-1"]}))
    assert not region.matches(_data({"region": "us-east-1"}))
    assert not _filter({"data": {"code": [{"prefix": "4"}]}}).matches(b'{"code": 404}')


def test_nested_objects_descend_into_the_data() -> None:
    """A nested pattern matches the object at that field, or one element of an array of objects."""
    nested = _filter({"data": {"order": {"type": ["buy"], "stock": [{"exists": True}]}}})
    assert nested.matches(_data({"order": {"type": "buy", "stock": "ANYCO", "qty": 1}}))
    assert nested.matches(_data({"order": [{"type": "sell", "stock": "X"}, {"type": "buy", "stock": "Y"}]}))
    # both fields must come from the same element
    assert not nested.matches(_data({"order": [{"type": "buy"}, {"stock": "Y"}]}))
    assert not nested.matches(_data({"order": {"type": "sell", "stock": "ANYCO"}}))
    assert not nested.matches(_data({"order": "buy"}))
    assert _filter({"data": {"order": {"id": [{"exists": False}]}}}).matches(_data({"other": 1}))


def test_patterns_are_ored() -> None:
    """A record passes when any of the mapping's filters matches it."""
    either = _filter({"data": {"kind": ["a"]}}, {"data": {"level": [{"exists": True}]}})
    assert either.matches(_data({"kind": "a"}))
    assert either.matches(_data({"level": 3}))
    assert not either.matches(_data({"kind": "b"}))


def test_base64_data_is_decoded_first() -> None:
    """The mapping filters the data as GetRecords carries it (base64); invalid base64 never matches."""
    sensor = _filter(SENSOR)
    assert sensor.matches_base64(base64.b64encode(_data(READING)).decode())
    assert not sensor.matches_base64("not base64!")


@pytest.mark.parametrize(
    ("pattern", "operator"),
    [
        ({"data": {"temperature": [{"numeric": [">", 100]}]}}, "'numeric' at data.temperature"),
        ({"data": {"status": [{"anything-but": ["OK"]}]}}, "'anything-but' at data.status"),
        ({"data": {"file": [{"suffix": ".png"}]}}, "'suffix' at data.file"),
        ({"data": {"a": [{"equals-ignore-case": "x"}]}}, "'equals-ignore-case' at data.a"),
        ({"data": {"a": [{"wildcard": "x*"}]}}, "'wildcard' at data.a"),
        ({"data": {"$or": [{"a": ["x"]}, {"b": ["y"]}]}}, "'$or' at data.$or"),
        ({"data": {"a": [{"prefix": {"equals-ignore-case": "x"}}]}}, "'prefix' at data.a"),
        ({"data": {"a": [{"exists": "yes"}]}}, "'exists' at data.a"),
    ],
)
def test_an_operator_it_cannot_evaluate_is_refused_naming_it_and_the_mapping(
    pattern: dict[str, Any], operator: str
) -> None:
    """Never treated as matching everything (or nothing): the mapping refuses to start, in one line."""
    with pytest.raises(UnsupportedFilterError) as refused:
        _filter(pattern)
    message = str(refused.value)
    assert "test-mapping" in message and operator in message and "\n" not in message


@pytest.mark.parametrize(
    ("pattern", "says"),
    [
        ('{"partitionKey": ["1"]}', "filters on 'partitionKey'"),
        ('{"data": ["x"]}', "pattern on 'data' is not a JSON object"),
        ('{"data": {"a": []}}', "a field's rules are a non-empty list"),
        ('{"data": {}}', "at data is an empty object"),
        ('{"data": {"a": {}}}', "at data.a is an empty object"),
        ("{not json", "is not JSON"),
        ("[]", "is not a JSON object"),
    ],
)
def test_a_pattern_lambda_would_not_accept_for_kinesis_is_refused(pattern: str, says: str) -> None:
    """Kinesis mappings filter on `data` only, and a pattern is a JSON object of fields."""
    with pytest.raises(UnsupportedFilterError, match="test-mapping") as refused:
        EventFilter([pattern], "test-mapping")
    assert says in str(refused.value)
