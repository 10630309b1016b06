"""Per-invocation embedded metrics and logs: counts by outcome, quarantine by reason, never a payload."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
from ingest_support import Event, kinesis_event, sensor_payloads

from timestream_ingest import names, telemetry

Invoke = Callable[[Event], dict[str, Any]]


def _emf_documents(output: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    return [line for line in lines if "_aws" in line]


def _value(document: dict[str, Any], name: str) -> float:
    value = document[name]
    return value[0] if isinstance(value, list) else value


def test_each_invocation_emits_its_counts_as_embedded_metrics(
    invoke: Invoke, capsys: pytest.CaptureFixture[str]
) -> None:
    """Received, written, quarantined, retried and WriteRecords calls are published for every invocation."""
    # GIVEN two good readings and one undecodable record
    event = kinesis_event([*sensor_payloads(2), "garbage"])
    # WHEN the handler processes them
    invoke(event)
    # THEN the totals document carries the counts, and a second one the quarantine count by reason
    totals, by_reason = _emf_documents(capsys.readouterr().out)
    counts = {name: _value(totals, name) for name in (
        names.METRIC_RECORDS_RECEIVED, names.METRIC_RECORDS_WRITTEN, names.METRIC_RECORDS_QUARANTINED,
        names.METRIC_RECORDS_RETRIED, names.METRIC_WRITE_RECORDS_CALLS,
    )}  # fmt: skip
    assert counts == {
        names.METRIC_RECORDS_RECEIVED: 3,
        names.METRIC_RECORDS_WRITTEN: 2,
        names.METRIC_RECORDS_QUARANTINED: 1,
        names.METRIC_RECORDS_RETRIED: 0,
        names.METRIC_WRITE_RECORDS_CALLS: 1,
    }
    assert totals["_aws"]["CloudWatchMetrics"][0]["Namespace"] == names.METRICS_NAMESPACE
    assert (
        by_reason[names.METRIC_DIMENSION_REASON],
        _value(by_reason, names.METRIC_RECORDS_QUARANTINED),
    ) == (
        "undecodable",
        1,
    )


def test_the_stdlib_fallback_prints_the_same_metrics_as_powertools(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Without Powertools the handler prints EMF with the same namespace, dimensions and metric names."""
    # GIVEN the same metrics sent through Powertools and through the fallback
    metrics = {names.METRIC_RECORDS_RECEIVED: 5, names.METRIC_RECORDS_WRITTEN: 4}
    dimensions = {names.METRIC_DIMENSION_TABLE: "raw"}
    telemetry._emit_powertools(metrics, names.METRICS_NAMESPACE, names.SERVICE_NAME, dimensions)
    telemetry.emit_emf(metrics, names.METRICS_NAMESPACE, names.SERVICE_NAME, dimensions)
    # WHEN both documents are read back
    powertools, fallback = _emf_documents(capsys.readouterr().out)

    # THEN they declare the same metrics under the same namespace and dimension set, with the same values
    def shape(document: dict[str, Any]) -> tuple[Any, ...]:
        (directive,) = document["_aws"]["CloudWatchMetrics"]
        metric_names = sorted(m["Name"] for m in directive["Metrics"])
        return directive["Namespace"], sorted(directive["Dimensions"][0]), metric_names

    assert shape(powertools) == shape(fallback)
    assert {name: _value(fallback, name) for name in metrics} == {n: _value(powertools, n) for n in metrics}


def test_payloads_never_reach_the_logs(
    invoke: Invoke, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """Logs carry counts, sequence numbers and reasons, never the record's content (raw or base64)."""
    # GIVEN an undecodable record holding a recognisable secret
    secret = "customer-secret-4711"
    event = kinesis_event([f"not json {secret}"])
    caplog.set_level(logging.INFO)
    # WHEN the handler processes it
    invoke(event)
    # THEN no log record at INFO or above, extras included, holds the text or its base64
    logged = " ".join(json.dumps(vars(record), default=str) for record in caplog.records)
    assert "records quarantined" in logged
    assert secret not in logged + capsys.readouterr().out
    assert base64.b64encode(f"not json {secret}".encode()).decode() not in logged
