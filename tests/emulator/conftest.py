"""An in-process local Timestream per test module, boto3 clients pointed at it, and a fresh table per test."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config

from local.timestream import TimestreamServer

REGION = "us-east-1"
_table_numbers = itertools.count(1)


@pytest.fixture(scope="module")
def server() -> Iterator[TimestreamServer]:
    """One emulator (in memory) for the module's tests; each test uses its own table."""
    timestream = TimestreamServer()
    timestream.start()
    yield timestream
    timestream.stop()


@pytest.fixture(scope="module")
def endpoint(server: TimestreamServer) -> str:
    return server.url


@pytest.fixture(scope="module")
def write_client(endpoint: str) -> Any:
    return boto3.client("timestream-write", endpoint_url=endpoint, region_name=REGION)


@pytest.fixture(scope="module")
def query_client(endpoint: str) -> Any:
    return boto3.client("timestream-query", endpoint_url=endpoint, region_name=REGION)


@pytest.fixture(scope="module")
def unvalidated_write_client(endpoint: str) -> Any:
    """A client that sends what botocore would refuse locally, to reach the server's own checks."""
    config = Config(parameter_validation=False, retries={"max_attempts": 1})
    return boto3.client("timestream-write", endpoint_url=endpoint, region_name=REGION, config=config)


@pytest.fixture(scope="module")
def database(write_client: Any) -> str:
    write_client.create_database(DatabaseName="emulator_tests")
    return "emulator_tests"


@pytest.fixture
def make_table(write_client: Any, database: str) -> Callable[..., str]:
    """Create a table with a unique name; keyword arguments go to CreateTable."""

    def create(**properties: Any) -> str:
        name = f"table_{next(_table_numbers)}"
        properties.setdefault(
            "RetentionProperties",
            {"MemoryStoreRetentionPeriodInHours": 24, "MagneticStoreRetentionPeriodInDays": 7},
        )
        write_client.create_table(DatabaseName=database, TableName=name, **properties)
        return name

    return create


@pytest.fixture
def table(make_table: Callable[..., str]) -> str:
    return make_table()


@pytest.fixture(scope="module")
def unvalidated_query_client(endpoint: str) -> Any:
    """A query client without botocore's parameter checks, to reach the server's own."""
    config = Config(parameter_validation=False, retries={"max_attempts": 1})
    return boto3.client("timestream-query", endpoint_url=endpoint, region_name=REGION, config=config)
