"""The AWS clients of one container: built once, with explicit endpoints for local stacks."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config
from botocore.useragent import UserAgentString

from timestream_ingest import write_body
from timestream_ingest.config import IngestConfig
from timestream_ingest.retry_budget import CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS


def build_clients(config: IngestConfig) -> tuple[Any, Any]:
    """(timestream-write, s3) clients; an explicit endpoint_url also turns off endpoint discovery.

    One attempt per call: the handler retries within the invocation's deadline (retry_budget.py),
    and a second, deadline-blind retry layer in botocore would only multiply the waits.
    """
    client_config = Config(
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
        retries={"mode": "standard", "total_max_attempts": 1},
        max_pool_connections=max(10, 2 * config.write_concurrency),
    )
    # The decoders already checked every field WriteRecords takes (decoders/values.py, text_rules.py):
    # botocore's own walk over each record's shape would be a third of the invocation's CPU, and
    # its serializer's walk most of the rest: the request is dumped as it is (write_body.py).
    write_config = client_config.merge(Config(parameter_validation=False))
    # botocore rebuilds the User-Agent from its parts twice per call (a quarter of its per-call CPU);
    # this container's is fixed, so it is built once, the way botocore builds it (without the
    # per-call feature ids it would append).
    write_config = write_config.merge(Config(user_agent=user_agent(write_config)))
    write_client = boto3.client(
        "timestream-write", endpoint_url=config.timestream_endpoint_url, config=write_config
    )
    write_body.install(write_client)
    s3_client = boto3.client("s3", endpoint_url=config.s3_endpoint_url, config=client_config)
    return write_client, s3_client


def user_agent(config: Config) -> str:
    """The User-Agent botocore would send for a boto3 client with `config`, built once."""
    return (
        UserAgentString.from_environment()
        .set_session_config("Boto3", boto3.__version__, None)
        .with_client_config(config)
        .to_string()
    )
