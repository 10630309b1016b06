"""Text Timestream can store: byte limits of names and values, and valid Unicode.

A JSON payload may escape a lone UTF-16 surrogate (`\\uD800`): valid JSON, but not Unicode text, so
no UTF-8 encoding and no Timestream record can hold it. The dispatcher runs `check_storable_text`
only on payloads holding such an escape; `check_bytes` encodes only strings long enough to break a
limit. The common record pays nothing for either.
"""

from __future__ import annotations

from typing import Any

from timestream_ingest.exceptions import InvalidValueError

# Timestream's limits, in UTF-8 bytes.
MAX_DIMENSION_NAME_BYTES = 60
MAX_DIMENSION_VALUE_BYTES = 2048
MAX_MEASURE_NAME_BYTES = 256
MAX_VARCHAR_BYTES = 2048
_MAX_UTF8_BYTES_PER_CHARACTER = 4
_VARCHAR = "VARCHAR"


def check_storable_text(records: list[dict[str, Any]]) -> None:
    """Every name and text of `records` is valid Unicode: a lone UTF-16 surrogate is not."""
    for record in records:
        for dimension in record.get("Dimensions", ()):
            _check_unicode(dimension["Name"], f"dimension name {dimension['Name']!r}")
            _check_unicode(dimension["Value"], f"dimension {dimension['Name']!r}")
        _check_unicode(record["MeasureName"], "measure name")
        check_bytes(record["MeasureName"], MAX_MEASURE_NAME_BYTES, "measure name")
        if record.get("MeasureValueType") == _VARCHAR:
            _check_unicode(record["MeasureValue"], f"measure {record['MeasureName']!r}")
        for measure in record.get("MeasureValues", ()):
            _check_unicode(measure["Name"], f"measure name {measure['Name']!r}")
            if measure["Type"] == _VARCHAR:
                _check_unicode(measure["Value"], f"measure {measure['Name']!r}")


def _check_unicode(text: str, field: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        character = f"U+{ord(text[error.start]):04X}"
        raise InvalidValueError(
            field,
            f"holds a lone UTF-16 surrogate ({character} at character {error.start}), which is not "
            "Unicode text and which Timestream cannot store",
            "send valid Unicode (a \\uD83D\\uDE00 pair is fine, a lone \\uD800 is not)",
        ) from None


def check_bytes(text: str, max_bytes: int, field: str) -> None:
    """At most `max_bytes` in UTF-8; strings too short to exceed it are not encoded at all."""
    if len(text) * _MAX_UTF8_BYTES_PER_CHARACTER <= max_bytes:
        return
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise InvalidValueError(
            field, f"is {size} bytes long; Timestream takes at most {max_bytes}", "shorten it"
        )
