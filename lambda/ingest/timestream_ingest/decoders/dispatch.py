"""Recognise a payload by its shape and hand it to the one decoder that understands it.

No configuration: JSON objects are matched against each format's signature (the keys it must
have); exactly one format may match. Text is an alarm line, or base64 of one of these (unwrapped
up to MAX_UNWRAP times on top of Kinesis's own encoding).

Hostile payloads end in quarantine with a precise reason, never as a decoder failure: a byte order
mark, JSON nested deeper than the parser's recursion limit, numbers longer than Python's integer
digit limit, and `\\uD800`-style escapes of lone UTF-16 surrogates (valid JSON, but no Unicode text:
Timestream cannot store them). Those checks run only on payloads that need them (error paths, or a
payload holding a `\\u` escape), so the common payload pays nothing for them.
"""

from __future__ import annotations

import binascii
import json
import re
import sys
from collections.abc import Callable
from datetime import timedelta
from typing import Any, NamedTuple

from timestream_ingest.decoders import alarm, cep, devops_single, devops_wide, generic, sensor
from timestream_ingest.decoders.text_rules import check_storable_text
from timestream_ingest.decoders.values import TimestreamRecord
from timestream_ingest.exceptions import DecodeError, QuarantineReason, UndecodableError

MAX_UNWRAP = 2
FUTURE_TOLERANCE = timedelta(minutes=15)  # Timestream rejects records further ahead than this
_FUTURE_TOLERANCE_NS = FUTURE_TOLERANCE // timedelta(microseconds=1) * 1_000
JsonDecoder = Callable[[dict[str, Any]], list[TimestreamRecord]]

JSON_FORMATS: dict[str, tuple[frozenset[str], JsonDecoder]] = {
    "devops_single": (devops_single.SIGNATURE, devops_single.decode),
    "devops_wide": (devops_wide.SIGNATURE, devops_wide.decode),
    "sensor": (sensor.SIGNATURE, sensor.decode),
    "cep": (cep.SIGNATURE, cep.decode),
    "generic": (generic.SIGNATURE, generic.decode),
}
ALARM_FORMAT = "alarm"
_NANOS_PER_UNIT = {"NANOSECONDS": 1, "MICROSECONDS": 10**3, "MILLISECONDS": 10**6, "SECONDS": 10**9}
_BYTE_ORDER_MARK = "\ufeff"
_scan_once = json.JSONDecoder().scan_once
# Format by a document's keys, in order: a producer sends the same keys every time.
_FORMAT_BY_KEYS: dict[tuple[str, ...], str] = {}
_FORMAT_BY_KEYS_LIMIT = 1_000
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


class Decoded(NamedTuple):
    format: str
    records: list[TimestreamRecord]


def decode_payload(payload: bytes, now_ns: int) -> Decoded:
    """The Timestream records of one producer payload; raises DecodeError saying why it cannot be."""
    try:
        text = payload.decode("utf-8").strip()
    except UnicodeDecodeError as error:
        raise UndecodableError(f"payload is not UTF-8 text ({error.reason} at byte {error.start})") from None
    for _ in range(MAX_UNWRAP + 1):
        if not text:
            raise UndecodableError("payload is empty; send one JSON object or alarm line per Kinesis record")
        if text.startswith("{"):
            decoded = _decode_json(text)
            break
        if alarm.looks_like(text):
            decoded = Decoded(ALARM_FORMAT, alarm.decode(text))
            break
        text = _unwrapped(text)
    else:
        raise UndecodableError(
            f"payload is still base64 after {MAX_UNWRAP} unwraps; send JSON or an alarm line"
        )
    for record in decoded.records:
        _check_not_in_future(record, now_ns)
    return decoded


def _decode_json(text: str) -> Decoded:
    try:
        document, end = _scan_once(text, 0)  # json.loads' own C scanner, without its two wrappers
    except (StopIteration, ValueError, RecursionError):
        end = -1
    if end != len(text):  # invalid, or data after the object: json.loads says what and where
        document = _parsed_or_explained(text)
    if type(document) is not dict:  # the scanner builds plain dicts
        raise UndecodableError("payload JSON is not an object; send one object per Kinesis record")
    keys = tuple(document)
    name = _FORMAT_BY_KEYS.get(keys) or _format(document, keys)
    records = JSON_FORMATS[name][1](document)
    if "\\u" in text and _SURROGATE_ESCAPE.search(text):
        check_storable_text(records)
    return Decoded(name, records)


def _format(document: dict[str, Any], keys: tuple[str, ...]) -> str:
    """The one format whose signature `document` holds; remembered for its keys (producers repeat them)."""
    matches = [name for name, (signature, _) in JSON_FORMATS.items() if signature <= document.keys()]
    if len(matches) != 1:
        problem = "matches no known format" if not matches else f"is ambiguous ({' and '.join(matches)})"
        known = "; ".join(f"{name}: {sorted(sig)}" for name, (sig, _) in JSON_FORMATS.items())
        raise UndecodableError(
            f"JSON object with keys {sorted(keys)[:12]} {problem}; required keys are {known}"
        )
    if len(_FORMAT_BY_KEYS) >= _FORMAT_BY_KEYS_LIMIT:
        _FORMAT_BY_KEYS.clear()
    _FORMAT_BY_KEYS[keys] = matches[0]
    return matches[0]


def _parsed_or_explained(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise UndecodableError(
            f"payload is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}"
        ) from None
    except RecursionError:
        raise UndecodableError(
            f"payload JSON nests deeper than the parser allows (about {sys.getrecursionlimit()} levels); "
            "send a flat object"
        ) from None
    except ValueError as error:  # CPython's limit on the digits of an integer literal
        raise UndecodableError(
            f"payload JSON holds an integer of more than {sys.get_int_max_str_digits()} digits ({error}); "
            "Timestream stores 64-bit integers and doubles"
        ) from None


def _unwrapped(text: str) -> str:
    try:
        inner = binascii.a2b_base64(text, strict_mode=True)  # b64decode(validate=True), unwrapped
        return inner.decode("utf-8").strip()
    except (binascii.Error, ValueError):
        if text.startswith(_BYTE_ORDER_MARK):
            raise UndecodableError(
                "payload starts with a byte order mark (U+FEFF, bytes EF BB BF); send UTF-8 without it"
            ) from None
        raise UndecodableError(
            "payload is neither a JSON object, an alarm line (id=...||status=...) nor base64 of one"
        ) from None


def _check_not_in_future(record: TimestreamRecord, now_ns: int) -> None:
    unit = record.get("TimeUnit", "MILLISECONDS")
    ahead_ns = int(record["Time"]) * _NANOS_PER_UNIT[unit] - now_ns
    if ahead_ns > _FUTURE_TOLERANCE_NS:
        raise DecodeError(
            QuarantineReason.FUTURE_TIMESTAMP,
            f"time {record['Time']} {unit} is {ahead_ns / 60e9:.1f} min in the future; Timestream "
            f"accepts at most {FUTURE_TOLERANCE.total_seconds() / 60:.0f} min ahead: check the producer's "
            "clock and time unit",
        )
