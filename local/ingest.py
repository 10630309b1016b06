"""The local event source mappings: the ingest Lambda on both streams, the CEP stage on the raw stream.

raw stream -> raw table, raw stream -> CEP stage -> CEP stream, CEP stream -> CEP table; in that
order, so one pass of `run_until_idle` over the mappings carries readings all the way to CEP rows.
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import Any

from local.cep import ROLE as CEP_STAGE
from local.cep import cep_mapping
from local.esm import LocalEventSourceMapping, MappingConfig
from local.resources import client
from local.stack import checkpoint_dir
from pipeline_config.local_state import DEFAULT_STATE_PATH, LocalStackState
from pipeline_config.settings import Settings
from timestream_ingest.config import IngestConfig
from timestream_ingest.processor import Ingestor

ROLES = ("raw", "cep")


def ingest_handler(settings: Settings, state: LocalStackState, role: str) -> Any:
    """The Lambda processor for one table, with clients on the local endpoints (no metrics output)."""
    config = IngestConfig(
        database=state.database,
        table=state.raw_table if role == "raw" else state.cep_table,
        quarantine_bucket=state.bucket,
        quarantine_prefix=settings.quarantine_prefix,
        timestream_endpoint_url=state.timestream_endpoint,
        s3_endpoint_url=state.moto_endpoint,
    )
    processor = Ingestor(
        config,
        client("timestream-write", state.timestream_endpoint),
        client("s3", state.moto_endpoint),
        publish=False,
    )
    return lambda event, context: processor.process(event)


def build_mappings(
    settings: Settings, state: LocalStackState, checkpoints: Path
) -> dict[str, LocalEventSourceMapping]:
    """The deployed stack's mappings, configured from the same settings: raw, cep-stage, cep."""
    kinesis, sqs = client("kinesis", state.moto_endpoint), client("sqs", state.moto_endpoint)
    ingest = {}
    for role in ROLES:
        stream = state.raw_stream if role == "raw" else state.cep_stream
        ingest[role] = LocalEventSourceMapping(
            kinesis=kinesis,
            sqs=sqs,
            stream_name=stream,
            handler=ingest_handler(settings, state, role),
            config=MappingConfig.from_settings(settings, f"{settings.stack_name}-ingest-{role}"),
            on_failure_queue_url=state.dlq_url,
            checkpoint_path=checkpoints / f"{stream}.json",
        )
    stage = cep_mapping(settings, state, checkpoints, kinesis, sqs)
    return {"raw": ingest["raw"], CEP_STAGE: stage, "cep": ingest["cep"]}


def run_mappings(settings: Settings, *, follow: bool, state_path: Path = DEFAULT_STATE_PATH) -> int:
    """`python -m local esm`: run every mapping until idle (or keep polling with --follow)."""
    from local.stack import running_state

    state = running_state(state_path)
    if state is None:
        raise SystemExit("error: the local stack is not running: start it with `make local-up`")
    mappings = build_mappings(settings, state, checkpoint_dir(state_path))
    if not follow:
        for role, mapping in mappings.items():
            stats = mapping.run_until_idle()
            print(f"{role}: {stats.records_succeeded} delivered, {stats.records_discarded} sent to the DLQ")
        return 0
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    workers = [
        threading.Thread(target=mapping.run_forever, args=(stop.is_set,), name=role, daemon=True)
        for role, mapping in mappings.items()
    ]
    for worker in workers:
        worker.start()
    print("polling both streams for ingest and CEP; Ctrl-C to stop (checkpoints are kept, a restart resumes)")
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        stop.set()
    for worker in workers:
        worker.join()
    return 0
