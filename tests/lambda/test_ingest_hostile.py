"""Hostile payloads are quarantined with a precise reason, never as decoder bugs, never with neighbours."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from ingest_support import Event, kinesis_event, quarantine_objects, sensor_payloads, sequences, stored

Invoke = Callable[[Event], dict[str, Any]]
NOW_MS = 1_617_143_893_158


def _generic(dimensions: dict[str, Any], measures: dict[str, Any]) -> bytes:
    return json.dumps({"time": NOW_MS, "dimensions": dimensions, "measures": measures}).encode()


HOSTILE: dict[str, tuple[bytes, str, str]] = {
    # name: (payload, reason, words the detail must contain)
    "byte order mark": (
        b"\xef\xbb\xbf" + json.dumps(sensor_payloads(1)[0]).encode(),
        "undecodable",
        "byte order mark",
    ),
    "deep nesting": (
        b'{"time": 1, "measures": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        "undecodable",
        "nests deeper",
    ),
    "integer past the digit limit": (
        b'{"time": 1, "measures": {"x": 1' + b"0" * 5000 + b"}}",
        "undecodable",
        "integer of more than 4300 digits",
    ),
    "integer past the double range": (
        _generic({"site": "a"}, {"x": int("9" * 400)}),
        "invalid_value",
        "beyond the DOUBLE range",
    ),
    "lone surrogate in a dimension": (
        b'{"time": 1617143893158, "dimensions": {"site": "ab\\ud800"}, "measures": {"x": 1.5}}',
        "invalid_value",
        "lone UTF-16 surrogate (U+D800 at character 2)",
    ),
    "lone surrogate in a text measure": (
        b'{"time": 1617143893158, "dimensions": {"site": "a"}, "measures": {"note": "\\udc00"}}',
        "invalid_value",
        "measure 'note'",
    ),
    "dimension value over 2048 bytes": (
        _generic({"site": "é" * 1500}, {"x": 1.0}),
        "invalid_value",
        "3000 bytes long; Timestream takes at most 2048",
    ),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_payload_is_quarantined_with_a_precise_reason(invoke: Invoke, name: str) -> None:
    """The hostile record goes to quarantine saying what is wrong; its neighbours are written."""
    # GIVEN a hostile payload between two good readings
    payload, reason, words = HOSTILE[name]
    good = sensor_payloads(2)
    event = kinesis_event([good[0], payload, good[1]])
    # WHEN the handler processes the batch
    response = invoke(event)
    # THEN nothing is retried, both neighbours are written and the hostile one is quarantined precisely
    assert response == {"batchItemFailures": []}
    assert len(stored()) == 2
    ((line,),) = quarantine_objects().values()
    assert line["sequence_number"] == sequences(event, 1)[0]
    assert line["reason"] == reason
    assert words in line["detail"]
    assert "report this payload as a bug" not in line["detail"]


def test_a_valid_surrogate_pair_is_stored(invoke: Invoke) -> None:
    """An escaped emoji (a surrogate pair) is Unicode text and is written, not quarantined."""
    payload = b'{"time": 1617143893158, "dimensions": {"site": "\\ud83d\\ude00"}, "measures": {"x": 1.5}}'
    assert invoke(kinesis_event([payload])) == {"batchItemFailures": []}
    assert [d["Value"] for r in stored() for d in r["Dimensions"]] == ["\N{GRINNING FACE}"]
    assert quarantine_objects() == {}
