"""The ingest Lambda under test, moto for AWS.

The asset folder `lambda/ingest` is on sys.path (pyproject's pytest `pythonpath`), as the Lambda
runtime has the asset's root, so the handler is imported as `timestream_ingest.handler`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from ingest_support import BUCKET, CEP_TABLE, DATABASE, PREFIX, RAW_TABLE, Event
from ingest_timestream_rules import TimestreamRules
from moto import mock_aws

from timestream_ingest import handler, names


@pytest.fixture
def ingest_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The variables the CDK app sets on the raw-table function."""
    monkeypatch.setenv(names.ENV_TIMESTREAM_DATABASE, DATABASE)
    monkeypatch.setenv(names.ENV_TIMESTREAM_TABLE, RAW_TABLE)
    monkeypatch.setenv(names.ENV_QUARANTINE_BUCKET, BUCKET)
    monkeypatch.setenv(names.ENV_QUARANTINE_PREFIX, PREFIX)
    # The Lambda logs at INFO; the local stack quietens the same-named logger when it runs in this
    # process first, and Powertools keeps a logger's first configuration, so set the level back.
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "INFO")
    monkeypatch.setattr(logging.getLogger(names.SERVICE_NAME), "level", logging.INFO)


# One session for every test: a new boto3 session re-reads the service models (~0.3 s per client).
_SESSION = boto3.Session()


@pytest.fixture
def aws(ingest_env: None) -> Iterator[None]:
    """moto with the database, both tables and the quarantine bucket; boto3's default session shared."""
    with mock_aws():  # moto sets boto3.DEFAULT_SESSION to None until it stops
        boto3.DEFAULT_SESSION = _SESSION
        write = boto3.client("timestream-write")
        write.create_database(DatabaseName=DATABASE)
        for table in (RAW_TABLE, CEP_TABLE):
            write.create_table(DatabaseName=DATABASE, TableName=table)
        boto3.client("s3").create_bucket(Bucket=BUCKET)
        yield


@pytest.fixture
def timestream(aws: None) -> Iterator[TimestreamRules]:
    """Timestream's write rules on every client built from now on (the handler's included)."""
    rules = TimestreamRules()
    _SESSION.events.register(TimestreamRules.EVENT, rules)
    handler.reset()
    yield rules
    handler.reset()
    _SESSION.events.unregister(TimestreamRules.EVENT, rules)


@pytest.fixture
def invoke(timestream: TimestreamRules) -> Callable[[Event], dict[str, Any]]:
    """Call the real handler without a Lambda context: one attempt per call, no retries."""
    return lambda event: handler.handler(event, None)


@pytest.fixture
def invoke_within(timestream: TimestreamRules) -> Callable[[Event, int], dict[str, Any]]:
    """Call the real handler as Lambda does, with a context whose timeout is `seconds`."""
    from local.kinesis_event import LocalLambdaContext

    def call(event: Event, seconds: int) -> dict[str, Any]:
        arn = "arn:aws:lambda:us-east-1:123456789012:function:ingest"
        return handler.handler(event, LocalLambdaContext("ingest", arn, seconds))

    return call
