"""Generic helpers to point an Airflow `aws` connection at local endpoints (moto, the local stack)."""

from __future__ import annotations

import json
import socket

from pipeline_config import names


def free_port() -> int:
    """A TCP port nothing listens on right now (for a server, or as a dead endpoint)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def aws_connection_uri(endpoints: dict[str, str], region: str = names.LOCAL_REGION) -> str:
    """An Airflow `aws` connection (JSON form) with one endpoint per service in `service_config`.

    One attempt per call and a short connect timeout: a test of a failure fails fast. Glue (the lake's
    Iceberg catalog, as on MWAA) goes to the S3 endpoint's server unless named: moto serves both.
    """
    if "s3" in endpoints:
        endpoints = {"glue": endpoints["s3"], **endpoints}
    extra = {
        "region_name": region,
        "service_config": {service: {"endpoint_url": url} for service, url in endpoints.items()},
        "config_kwargs": {"retries": {"max_attempts": 1, "mode": "standard"}, "connect_timeout": 2},
    }
    return json.dumps({"conn_type": "aws", "login": "testing", "password": "testing", "extra": extra})
