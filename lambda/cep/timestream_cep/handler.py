"""Lambda entry point `timestream_cep.handler.handler`: wiring only.

The processor and its clients are built once per container at the first invocation. Powertools
comes from the public layer, boto3 from the runtime.
"""

from __future__ import annotations

from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit
from botocore.config import Config

from timestream_cep import names
from timestream_cep.config import CepConfig
from timestream_cep.processor import CepCounts, CepProcessor
from timestream_cep.publisher import MatchPublisher
from timestream_cep.state_store import StateStore

logger = Logger(service=names.SERVICE_NAME)
_processor: CepProcessor | None = None
_config: CepConfig | None = None


def handler(event: dict[str, Any], context: Any) -> dict[str, list[Any]]:
    """Kinesis batch in; raises on any failure so the mapping retries the whole batch."""
    processor, config = _build()
    counts = processor.process(event)
    for reason in counts.invalid_reasons:
        logger.warning(f"reading left out of CEP (ingest quarantines it): {reason}")
    publish_metrics(counts, config)
    return {"batchItemFailures": []}


def publish_metrics(counts: CepCounts, config: CepConfig) -> None:
    """One EMF document per invocation, dimension stage=cep."""
    metrics = EphemeralMetrics(namespace=config.metrics_namespace, service=config.service_name)
    metrics.add_dimension(name=names.METRIC_DIMENSION_STAGE, value=names.STAGE_NAME)
    for name, value in (
        (names.METRIC_RECORDS_RECEIVED, counts.received),
        (names.METRIC_RECORDS_ALREADY_APPLIED, counts.already_applied),
        (names.METRIC_READINGS, counts.readings),
        (names.METRIC_READINGS_LATE, counts.late),
        (names.METRIC_READINGS_INVALID, counts.invalid),
        (names.METRIC_MATCHES, counts.matches),
    ):
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    metrics.flush_metrics()


def _build() -> tuple[CepProcessor, CepConfig]:
    global _processor, _config
    if _processor is None or _config is None:
        _config = CepConfig.from_env()
        client_config = Config(connect_timeout=5, read_timeout=10, retries={"mode": "standard"})
        kinesis = boto3.client("kinesis", config=client_config)
        store = StateStore(boto3.client("dynamodb", config=client_config), _config.state_table)
        _processor = CepProcessor(store, MatchPublisher(kinesis, _config.cep_stream), kinesis)
    return _processor, _config


def reset() -> None:
    """Forget the cached processor, so the next invocation reads the environment again (tests)."""
    global _processor, _config
    _processor, _config = None, None
