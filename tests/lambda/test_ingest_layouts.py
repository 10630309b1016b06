"""Decoding by layout (decoders/layouts.py) gives exactly the records, and the errors, of the rules."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from generators.devops import DevopsOptions
from generators.workloads import generate
from timestream_ingest.decoders import cep, devops_wide
from timestream_ingest.exceptions import InvalidValueError

CEP_MATCH = {
    "sensor_id": "sensor-1",
    "event_time": 1_714_564_800_000,
    "non_errors": 2,
    "history": "OK-OK",
    "min_temperature": 20.5,
    "avg_temperature": 21.25,
    "max_temperature": 22.0,
    "elapsed": 6,
}
WIDE_METRICS = {"@type": "metrics", "time": 1_714_564_800, "host": "h-1", "cpu_user": 35.25, "cpu_idle": 60.5}


def _documents(fmt: str) -> list[dict[str, Any]]:
    start = datetime.now(UTC) - timedelta(hours=20)
    workload, options = ("cep", None) if fmt == "cep" else ("devops", DevopsOptions(format="wide"))
    return [json.loads(r.data) for r in generate(workload, seed=3, start=start, count=300, options=options)]


def _plain(records: list[dict[str, Any]]) -> str:
    """Records as JSON, with each list's own text: what is compared is content and rendering."""
    return json.dumps(records) + "".join(
        value.text for record in records for value in record.values() if hasattr(value, "text")
    )


@pytest.mark.parametrize(("fmt", "decoder"), [("cep", cep), ("devops_wide", devops_wide)])
def test_generated_documents_decode_as_the_rules_decode_them(fmt: str, decoder: Any) -> None:
    """Every generated document gives the same record (and the same JSON text) both ways."""
    # GIVEN a producer's documents, decoded twice so that the second pass uses the learned layouts
    documents = _documents(fmt)
    for document in documents:
        decoder.decode(document)
    # WHEN / THEN each decodes by layout exactly as by the rules
    for document in documents:
        assert _plain(decoder.decode(document)) == _plain(decoder.decode_by_rules(document))


@pytest.mark.parametrize(
    ("field", "value"),
    [("min_temperature", 0.0), ("min_temperature", -0.0), ("avg_temperature", 21), ("history", "ü")],
)
def test_values_the_layout_leaves_to_the_rules_decode_as_the_rules_do(field: str, value: Any) -> None:
    """A zero (normalised), an integer where a float was, non-ASCII text: same record as the rules'."""
    # GIVEN a known layout, then a document of that shape with an unusual value
    cep.decode(CEP_MATCH)
    document = {**CEP_MATCH, field: value}
    # WHEN / THEN both paths give the same record
    assert _plain(cep.decode(document)) == _plain(cep.decode_by_rules(document))


@pytest.mark.parametrize("value", [float("nan"), float("inf"), [1.5], None, True])
def test_invalid_measures_fail_with_the_rules_error(value: Any) -> None:
    """A measure that cannot be stored fails as the rules word it, naming the field."""
    # GIVEN a known wide layout
    devops_wide.decode(WIDE_METRICS)
    document = {**WIDE_METRICS, "cpu_idle": value}
    # WHEN / THEN the layout path raises what the rules raise
    with pytest.raises(InvalidValueError) as by_rules:
        devops_wide.decode_by_rules(document)
    with pytest.raises(InvalidValueError) as by_layout:
        devops_wide.decode(document)
    assert str(by_layout.value) == str(by_rules.value)
