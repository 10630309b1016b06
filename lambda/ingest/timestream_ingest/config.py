"""The ingest Lambda's settings, read once from the environment into a typed object."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from timestream_ingest import names
from timestream_ingest.exceptions import ConfigError

DEFAULT_WRITE_CONCURRENCY = 4
MAX_WRITE_CONCURRENCY = 32


@dataclass(frozen=True)
class IngestConfig:
    """Where one processor writes; the local event source mapping builds these directly."""

    database: str
    table: str
    quarantine_bucket: str
    quarantine_prefix: str = "quarantine"
    timestream_endpoint_url: str | None = None
    s3_endpoint_url: str | None = None
    kept_records_bucket: str | None = None  # the mappings' on-failure bucket, for the handled ledger
    write_concurrency: int = DEFAULT_WRITE_CONCURRENCY
    service_name: str = names.SERVICE_NAME
    metrics_namespace: str = names.METRICS_NAMESPACE

    def __post_init__(self) -> None:
        if not 1 <= self.write_concurrency <= MAX_WRITE_CONCURRENCY:
            raise ConfigError(
                f"write_concurrency={self.write_concurrency} is out of range; "
                f"use 1..{MAX_WRITE_CONCURRENCY} (set {names.ENV_INGEST_WRITE_CONCURRENCY})"
            )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> IngestConfig:
        """Read the variables the CDK app sets; a missing one is named in the error."""
        env = os.environ if environ is None else environ
        shared_endpoint = env.get(names.ENV_AWS_ENDPOINT_URL) or None
        return cls(
            database=_required(env, names.ENV_TIMESTREAM_DATABASE),
            table=_required(env, names.ENV_TIMESTREAM_TABLE),
            quarantine_bucket=_required(env, names.ENV_QUARANTINE_BUCKET),
            quarantine_prefix=env.get(names.ENV_QUARANTINE_PREFIX, "quarantine"),
            timestream_endpoint_url=env.get(names.ENV_AWS_ENDPOINT_URL_TIMESTREAM_WRITE) or shared_endpoint,
            s3_endpoint_url=env.get(names.ENV_AWS_ENDPOINT_URL_S3) or shared_endpoint,
            kept_records_bucket=env.get(names.ENV_KEPT_RECORDS_BUCKET, "").strip() or None,
            write_concurrency=_integer(env, names.ENV_INGEST_WRITE_CONCURRENCY, DEFAULT_WRITE_CONCURRENCY),
            service_name=env.get(names.ENV_POWERTOOLS_SERVICE_NAME) or names.SERVICE_NAME,
            metrics_namespace=env.get(names.ENV_POWERTOOLS_METRICS_NAMESPACE) or names.METRICS_NAMESPACE,
        )


def _required(env: Mapping[str, str], key: str) -> str:
    value = env.get(key, "").strip()
    if not value:
        raise ConfigError(
            f"environment variable {key} is not set; the CDK app sets it on the function "
            f"(set it yourself when running the handler locally)"
        )
    return value


def _integer(env: Mapping[str, str], key: str, default: int) -> int:
    raw = env.get(key, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(
            f"environment variable {key}={raw!r} is not an integer; use e.g. {default}"
        ) from None
