"""Structured logs and CloudWatch embedded metrics, with Powertools when it is there.

The Lambda gets Powertools from the public layer; without it (a bare runtime, a local run) a small
stdlib fallback prints the same EMF JSON to stdout, so CloudWatch extracts the same metrics.
Nothing here is global state: each invocation's metrics are built and flushed on their own, so two
processors (raw and CEP) can share a process.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from timestream_ingest import names

try:  # The public layer provides it on Lambda; requirements-dev.txt in tests.
    from aws_lambda_powertools import Logger
    from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

    POWERTOOLS = True
except ImportError:  # pragma: no cover - exercised by running without the layer
    POWERTOOLS = False


@dataclass
class InvocationCounts:
    """What one invocation did with its records (each record counted exactly once)."""

    received: int = 0
    written: int = 0
    retried: int = 0
    write_calls: int = 0
    quarantined: dict[str, int] = field(default_factory=dict)

    @property
    def quarantined_total(self) -> int:
        return sum(self.quarantined.values())


def get_logger(service: str) -> Any:
    """Powertools' JSON Logger, or a stdlib logger printing one JSON object per line."""
    if POWERTOOLS:
        return Logger(service=service)
    logger = logging.getLogger(service)
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(_JsonFormatter(service))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return logger


def publish_metrics(counts: InvocationCounts, namespace: str, service: str, table: str) -> None:
    """One EMF document with the totals, and one per quarantine reason (dimension `reason`)."""
    totals = {
        names.METRIC_RECORDS_RECEIVED: counts.received,
        names.METRIC_RECORDS_WRITTEN: counts.written,
        names.METRIC_RECORDS_QUARANTINED: counts.quarantined_total,
        names.METRIC_RECORDS_RETRIED: counts.retried,
        names.METRIC_WRITE_RECORDS_CALLS: counts.write_calls,
    }
    dimensions = {names.METRIC_DIMENSION_TABLE: table}
    emit = _emit_powertools if POWERTOOLS else emit_emf
    emit(totals, namespace, service, dimensions)
    for reason, count in sorted(counts.quarantined.items()):
        reason_dimensions = {**dimensions, names.METRIC_DIMENSION_REASON: reason}
        emit({names.METRIC_RECORDS_QUARANTINED: count}, namespace, service, reason_dimensions)


def emit_emf(metrics: Mapping[str, int], namespace: str, service: str, dimensions: Mapping[str, str]) -> None:
    """The stdlib fallback: print one CloudWatch EMF document (the format Powertools prints)."""
    all_dimensions = {"service": service, **dimensions}
    document: dict[str, Any] = {
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": namespace,
                    "Dimensions": [list(all_dimensions)],
                    "Metrics": [{"Name": name, "Unit": "Count"} for name in metrics],
                }
            ],
        },
        **all_dimensions,
        **metrics,
    }
    print(json.dumps(document, separators=(",", ":")), flush=True)


def _emit_powertools(
    metrics: Mapping[str, int], namespace: str, service: str, dimensions: Mapping[str, str]
) -> None:
    emitter = EphemeralMetrics(namespace=namespace, service=service)
    for name, value in dimensions.items():
        emitter.add_dimension(name=name, value=value)
    for name, value in metrics.items():
        emitter.add_metric(name=name, unit=MetricUnit.Count, value=value)
    emitter.flush_metrics()


class _JsonFormatter(logging.Formatter):
    _STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}

    def __init__(self, service: str) -> None:
        super().__init__()
        self._service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "level": record.levelname,
            "location": f"{record.funcName}:{record.lineno}",
            "message": record.getMessage(),
            "timestamp": self.formatTime(record),
            "service": self._service,
        }
        entry.update({k: v for k, v in record.__dict__.items() if k not in self._STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)
