"""Value rules shared by every decoder: what Timestream accepts, as strings ready for WriteRecords.

Timestream rejects -0.0 (normalised to 0.0 here) and has no NaN/Infinity; BIGINT is signed 64-bit;
names and text have byte limits and must be valid Unicode (text_rules.py).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from timestream_ingest.decoders.text_rules import (
    MAX_DIMENSION_NAME_BYTES,
    MAX_DIMENSION_VALUE_BYTES,
    MAX_VARCHAR_BYTES,
    check_bytes,
)
from timestream_ingest.exceptions import InvalidValueError
from timestream_ingest.wire_json import RenderedList, encode, measure_values

TimestreamRecord = dict[str, Any]
DimensionKey = tuple[str, str]  # name, value (Timestream's only dimension type is VARCHAR)


class DimensionList(RenderedList):
    """A record's dimensions as WriteRecords takes them, with their keys and JSON text computed once.

    `keys`: (name, value) in the record's order; `identity`: the same sorted, the series' identity;
    `parts`: each dimension's JSON text. `dimensions()` hands the same object to every record of a
    series: never modify one.
    """

    __slots__ = ("identity", "keys", "last_without", "parts")

    keys: tuple[DimensionKey, ...]
    identity: tuple[DimensionKey, ...]
    parts: tuple[str, ...]
    last_without: tuple[frozenset[DimensionKey], RenderedList]

    def without(self, lifted: frozenset[DimensionKey]) -> RenderedList:
        """These dimensions minus the `lifted` ones (moved to CommonAttributes), with their text.

        The last answer is kept: a series' calls usually lift the same dimensions every time.
        """
        last = getattr(self, "last_without", None)
        if last is not None and last[0] == lifted:
            return last[1]
        kept = [index for index, key in enumerate(self.keys) if key not in lifted]
        result = RenderedList(map(self.__getitem__, kept))
        result.text = "[" + ",".join(map(self.parts.__getitem__, kept)) + "]"
        self.last_without = (lifted, result)
        return result


DOUBLE, BIGINT, VARCHAR, BOOLEAN, TIMESTAMP, MULTI = (
    "DOUBLE",
    "BIGINT",
    "VARCHAR",
    "BOOLEAN",
    "TIMESTAMP",
    "MULTI",
)
SCALAR_TYPES = (DOUBLE, BIGINT, VARCHAR, BOOLEAN, TIMESTAMP)
TIME_UNITS = ("MILLISECONDS", "SECONDS", "MICROSECONDS", "NANOSECONDS")
_BIGINT_RANGE = range(-(2**63), 2**63)
_BIGINT_LIMIT = 2**63
_BIGINT_DIGITS = len(str(_BIGINT_LIMIT))  # fewer digits than 2**63 has: always in range
_INTEGER_TEXT = re.compile(r"-?[0-9]+")
_BOOLEANS = {"true": "true", "false": "false"}


def double_value(raw: Any, field: str) -> str:
    """A finite number (or numeric string) as Timestream DOUBLE text; -0.0 becomes 0.0."""
    if type(raw) is float and math.isfinite(raw):  # the common case, first
        return "0.0" if raw == 0 else repr(raw)
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise InvalidValueError(field, f"{type(raw).__name__} is not a number", "send a finite number")
    try:
        number = float(raw)
    except ValueError:
        raise InvalidValueError(field, f"{raw!r} is not a number", "send a finite number") from None
    except OverflowError:  # an integer beyond the double range (up to CPython's digit limit)
        raise InvalidValueError(
            field, f"an integer of {len(str(raw))} digits is beyond the DOUBLE range", "send a finite number"
        ) from None
    if isinstance(raw, str) and "_" in raw:
        raise InvalidValueError(field, f"{raw!r} is not a plain number", "send digits without '_'")
    if not math.isfinite(number):
        raise InvalidValueError(field, f"{raw!r} is not a finite number", "Timestream stores no NaN/Infinity")
    return "0.0" if number == 0 else repr(number)


def bigint_value(raw: Any, field: str) -> str:
    """A whole number in the signed 64-bit range as BIGINT text (2.0 is accepted, 2.5 is not)."""
    number: int | None = None
    if isinstance(raw, int) and not isinstance(raw, bool):
        number = raw
    elif isinstance(raw, float) and math.isfinite(raw) and raw.is_integer():
        number = int(raw)
    elif isinstance(raw, str) and _INTEGER_TEXT.fullmatch(raw.strip()):
        number = int(raw)
    if number is None or number not in _BIGINT_RANGE:
        raise InvalidValueError(field, f"{raw!r} is not a 64-bit whole number", "send an integer for BIGINT")
    return str(number)


def varchar_value(raw: Any, field: str) -> str:
    """A non-empty string (Timestream stores no empty VARCHAR measure)."""
    if not isinstance(raw, str) or not raw:
        raise InvalidValueError(field, f"{raw!r} is not a non-empty string", "send text for VARCHAR")
    if len(raw) > MAX_VARCHAR_BYTES or not raw.isascii():
        check_bytes(raw, MAX_VARCHAR_BYTES, field)
    return raw


def boolean_value(raw: Any, field: str) -> str:
    """true/false (JSON booleans or the strings) as BOOLEAN text."""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, str) and raw.lower() in _BOOLEANS:
        return _BOOLEANS[raw.lower()]
    raise InvalidValueError(field, f"{raw!r} is not a boolean", "send true or false")


def timestamp_value(raw: Any, field: str) -> str:
    """A TIMESTAMP measure: a non-negative epoch integer."""
    if type(raw) is int and 0 <= raw < _BIGINT_LIMIT:  # the common cases first, as bigint_value renders them
        return str(raw)
    if type(raw) is str and raw.isdigit() and raw.isascii() and raw[0] != "0" and len(raw) < _BIGINT_DIGITS:
        return raw
    value = bigint_value(raw, field)
    if value.startswith("-"):
        raise InvalidValueError(field, f"{raw!r} is before 1970", "send a non-negative epoch time")
    return value


MEASURE_VALUE_BY_TYPE = {
    DOUBLE: double_value,
    BIGINT: bigint_value,
    VARCHAR: varchar_value,
    BOOLEAN: boolean_value,
    TIMESTAMP: timestamp_value,
}


def measure_value(raw: Any, value_type: str, field: str) -> str:
    """`raw` checked and rendered for `value_type` (one of SCALAR_TYPES)."""
    render = MEASURE_VALUE_BY_TYPE.get(value_type)
    if render is None:
        raise InvalidValueError(
            field, f"type {value_type!r} is unknown", f"use one of {', '.join(SCALAR_TYPES)}"
        )
    return render(raw, field)


def epoch_time(raw: Any, field: str) -> str:
    """A record time: a non-negative integer (or digit string) in the record's TimeUnit."""
    return timestamp_value(raw, field)


def time_unit(raw: Any, field: str) -> str:
    if raw not in TIME_UNITS:
        raise InvalidValueError(field, f"{raw!r} is not a TimeUnit", f"use one of {', '.join(TIME_UNITS)}")
    return str(raw)


# Checked dimension sets by their (name, value) pairs: a fleet repeats a few thousand sets, each
# host's on every tick. Only all-text pairs are kept (1, 1.0 and True are equal keys, not equal text).
_CHECKED_DIMENSIONS: dict[tuple[tuple[str, Any], ...], DimensionList] = {}
_CHECKED_DIMENSIONS_LIMIT = 10_000


def dimensions_of(names: tuple[str, ...], texts: tuple[Any, ...], where: str) -> DimensionList:
    """`dimensions(dict(zip(names, texts)), where)`, without building the dict when the set is known."""
    try:
        known = _CHECKED_DIMENSIONS.get(tuple(zip(names, texts, strict=True)))
    except TypeError:  # an unhashable value: dimensions() names it
        known = None
    return known if known is not None else dimensions(dict(zip(names, texts, strict=True)), where)


def dimensions(pairs: Mapping[str, Any], where: str) -> DimensionList:
    """Timestream dimensions from name -> value; numbers become text, empty values are an error."""
    identity = tuple(pairs.items())
    try:
        known = _CHECKED_DIMENSIONS.get(identity)
    except TypeError:  # an unhashable value: the checks below name it
        known = None
    if known is not None:
        return known
    result = DimensionList()
    all_text = True
    for name, value in pairs.items():
        if type(value) is not str:
            all_text = False
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                raise InvalidValueError(
                    f"{where}.{name}", f"{type(value).__name__} cannot be a dimension", "send text"
                )
        text = str(value)
        if not name or not text:
            raise InvalidValueError(
                f"{where}.{name}", "dimension names and values must be non-empty", "send text"
            )
        # ASCII text is as long in bytes as in characters (isascii() reads a flag): no encoding needed.
        if len(name) > MAX_DIMENSION_NAME_BYTES or not name.isascii():
            check_bytes(name, MAX_DIMENSION_NAME_BYTES, f"{where}.{name} (name)")
        if len(text) > MAX_DIMENSION_VALUE_BYTES or not text.isascii():
            check_bytes(text, MAX_DIMENSION_VALUE_BYTES, f"{where}.{name}")
        result.append({"Name": name, "Value": text})  # DimensionValueType VARCHAR is the default: not sent
    result.keys = tuple((d["Name"], d["Value"]) for d in result)
    result.identity = tuple(sorted(result.keys))
    result.parts = tuple(map(encode, result))
    result.text = "[" + ",".join(result.parts) + "]"
    if all_text:
        if len(_CHECKED_DIMENSIONS) >= _CHECKED_DIMENSIONS_LIMIT:
            _CHECKED_DIMENSIONS.clear()
        _CHECKED_DIMENSIONS[identity] = result
    return result


def single_measure(
    dims: DimensionList, name: str, value: str, value_type: str, time: str, unit: str
) -> TimestreamRecord:
    return {
        "Dimensions": dims,
        "MeasureName": name,
        "MeasureValue": value,
        "MeasureValueType": value_type,
        "Time": time,
        "TimeUnit": unit,
    }


def multi_measure(
    dims: DimensionList, name: str, values: list[tuple[str, str, str]], time: str, unit: str
) -> TimestreamRecord:
    """One MULTI record; `values` holds (measure name, rendered value, type)."""
    return multi_measure_of(dims, name, measure_values(values), time, unit)


def multi_measure_of(
    dims: DimensionList, name: str, measures: RenderedList, time: str, unit: str
) -> TimestreamRecord:
    """One MULTI record of MeasureValues already built (wire_json.measure_values, layouts.py)."""
    return {
        "Dimensions": dims,
        "MeasureName": name,
        "MeasureValueType": MULTI,
        "MeasureValues": measures,
        "Time": time,
        "TimeUnit": unit,
    }
