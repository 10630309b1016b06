"""The AWS clients of one container: built once, with explicit endpoints for local stacks."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

from timestream_ingest.config import IngestConfig


def build_clients(config: IngestConfig) -> tuple[Any, Any]:
    """(timestream-write, s3) clients; an explicit endpoint_url also turns off endpoint discovery."""
    client_config = Config(
        connect_timeout=5,
        read_timeout=20,
        retries={"mode": "standard", "max_attempts": 3},
        max_pool_connections=max(10, 2 * config.write_concurrency),
    )
    write_client = boto3.client(
        "timestream-write", endpoint_url=config.timestream_endpoint_url, config=client_config
    )
    s3_client = boto3.client("s3", endpoint_url=config.s3_endpoint_url, config=client_config)
    return write_client, s3_client
