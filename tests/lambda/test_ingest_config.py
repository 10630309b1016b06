"""Settings from the environment: named errors for what is missing, explicit endpoints for local stacks."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import boto3
import botocore
import pytest
from botocore.awsrequest import AWSResponse

from timestream_ingest import names
from timestream_ingest.clients import build_clients
from timestream_ingest.config import IngestConfig
from timestream_ingest.exceptions import ConfigError

REQUIRED = {
    names.ENV_TIMESTREAM_DATABASE: "pipeline",
    names.ENV_TIMESTREAM_TABLE: "raw",
    names.ENV_QUARANTINE_BUCKET: "bucket",
}


def test_a_missing_variable_is_named_in_the_error() -> None:
    """Without TIMESTREAM_TABLE the cold start fails with a message naming that variable."""
    # GIVEN an environment lacking the table
    environ = {k: v for k, v in REQUIRED.items() if k != names.ENV_TIMESTREAM_TABLE}
    # WHEN / THEN reading the config names it
    with pytest.raises(ConfigError, match=names.ENV_TIMESTREAM_TABLE):
        IngestConfig.from_env(environ)


def test_the_service_specific_endpoint_wins_over_the_shared_one() -> None:
    """AWS_ENDPOINT_URL_TIMESTREAM_WRITE overrides AWS_ENDPOINT_URL; S3 falls back to the shared one."""
    # GIVEN a shared endpoint and a Timestream-specific one
    environ = {
        **REQUIRED,
        names.ENV_AWS_ENDPOINT_URL: "http://localhost:5000",
        names.ENV_AWS_ENDPOINT_URL_TIMESTREAM_WRITE: "http://localhost:8087",
    }
    # WHEN the config is read
    config = IngestConfig.from_env(environ)
    # THEN each client gets its endpoint
    assert (config.timestream_endpoint_url, config.s3_endpoint_url) == (
        "http://localhost:8087",
        "http://localhost:5000",
    )


def test_a_non_numeric_concurrency_is_refused_with_an_example() -> None:
    """INGEST_WRITE_CONCURRENCY must be an integer; the error says which variable and gives an example."""
    # GIVEN a concurrency that is not a number
    environ = {**REQUIRED, names.ENV_INGEST_WRITE_CONCURRENCY: "many"}
    # WHEN / THEN the error names the variable
    with pytest.raises(ConfigError, match=f"{names.ENV_INGEST_WRITE_CONCURRENCY}='many' is not an integer"):
        IngestConfig.from_env(environ)


def test_the_clients_are_built_against_the_configured_endpoints() -> None:
    """With an endpoint configured, the timestream-write and S3 clients talk to it (no endpoint discovery)."""
    # GIVEN a config pointing both services at a local stack
    config = IngestConfig.from_env({**REQUIRED, names.ENV_AWS_ENDPOINT_URL: "http://localhost:5000"})
    # WHEN the container's clients are built
    write_client, s3_client = build_clients(config)
    # THEN both use that endpoint
    assert (write_client.meta.endpoint_url, s3_client.meta.endpoint_url) == ("http://localhost:5000",) * 2


def test_the_write_client_sends_botocore_user_agent_built_once() -> None:
    """The User-Agent is botocore's own (SDK, versions, platform, retry mode), the same on every call."""
    # GIVEN the container's write client, its HTTP send answered on before-send
    config = IngestConfig.from_env({**REQUIRED, names.ENV_AWS_ENDPOINT_URL: "http://localhost:5000"})
    write_client, _ = build_clients(config)
    sent: list[str] = []

    def answer(request: Any, **_: Any) -> AWSResponse:
        agent = request.headers["User-Agent"]
        sent.append(agent.decode() if isinstance(agent, bytes) else agent)
        return AWSResponse(request.url, 200, {}, SimpleNamespace(stream=lambda **_: iter([b"{}"])))

    write_client.meta.events.register("before-send", answer)
    # WHEN it makes two calls
    for _ in range(2):
        write_client.describe_database(DatabaseName="pipeline")
    # THEN both carry botocore's User-Agent for this client
    expected = f"Boto3/{boto3.__version__} md/Botocore#{botocore.__version__} ua/2.1 "
    assert sent[0] == sent[1] and sent[0].startswith(expected) and "cfg/retry-mode#standard" in sent[0]
