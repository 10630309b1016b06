"""Settings from the environment: named errors for what is missing, explicit endpoints for local stacks."""

from __future__ import annotations

import pytest

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
