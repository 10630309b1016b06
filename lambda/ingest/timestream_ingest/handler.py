"""Lambda entry point `timestream_ingest.handler.handler`: wiring only.

The processor and its clients are built once per container, from the environment, at the first
invocation; later invocations reuse them (one timestream-write client per container).
"""

from __future__ import annotations

import gc
from typing import Any

from timestream_ingest.clients import build_clients
from timestream_ingest.config import IngestConfig
from timestream_ingest.processor import Ingestor
from timestream_ingest.retry_budget import Deadline

_ingestor: Ingestor | None = None
# About one collection per invocation of 500 records (the deployed batch size), not dozens.
GC_ALLOCATIONS_PER_COLLECTION = 50_000


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
        _tune_garbage_collection()
    return _ingestor


def _tune_garbage_collection() -> None:
    """Collections that find nothing cost a tenth to a fifth of the handler's CPU: run fewer.

    An invocation allocates tens of thousands of objects that all live until it returns (the
    event, the decoded records), and no reference cycles on its path: with the default threshold
    (700 allocations) the collector runs dozens of times per invocation, frees nothing, and walks the
    older generations too. What the cold start built (modules, botocore's models, the clients) lives
    as long as the container: frozen, no collection walks it again.
    """
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(GC_ALLOCATIONS_PER_COLLECTION, older, oldest)


def reset() -> None:
    """Forget the cached processor, so the next invocation reads the environment again (tests)."""
    global _ingestor
    if _ingestor is not None:
        _ingestor.close()
    _ingestor = None
