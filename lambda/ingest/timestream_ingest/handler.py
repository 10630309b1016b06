"""Lambda entry point `timestream_ingest.handler.handler`: wiring only.

The processor and its clients are built once per container, from the environment, at the first
invocation; later invocations reuse them (one timestream-write client per container).
"""

from __future__ import annotations

from typing import Any

from timestream_ingest.clients import build_clients
from timestream_ingest.config import IngestConfig
from timestream_ingest.processor import Ingestor
from timestream_ingest.retry_budget import Deadline

_ingestor: Ingestor | None = None


def handler(event: dict[str, Any], context: Any) -> dict[str, list[dict[str, str]]]:
    """Kinesis batch in, partial-batch response out (the mapping sets ReportBatchItemFailures).

    Transient errors are retried until the function's remaining time, minus a reserve to report,
    is used up (`context.get_remaining_time_in_millis()`).
    """
    processor = _processor()  # first: on a cold start, building it uses some of the time
    return processor.process(event, Deadline.from_context(context))


def _processor() -> Ingestor:
    global _ingestor
    if _ingestor is None:
        config = IngestConfig.from_env()
        write_client, s3_client = build_clients(config)
        _ingestor = Ingestor(config, write_client, s3_client)
    return _ingestor


def reset() -> None:
    """Forget the cached processor, so the next invocation reads the environment again (tests)."""
    global _ingestor
    if _ingestor is not None:
        _ingestor.close()
    _ingestor = None
