"""A function's local execution environment: the asset's handler in its own process, failing as on Lambda."""

from __future__ import annotations

import base64
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from local.kinesis_event import LocalLambdaContext, StreamRecord, kinesis_event, kinesis_event_json
from local.lambda_runtime import EventJson, FunctionError, LocalFunction
from pipeline_config.bundles import INGEST_LAMBDA_DIR
from timestream_ingest import names

HANDLER = "timestream_ingest.handler.handler"
ARN = "arn:aws:lambda:us-east-1:123456789012:function:ingest"


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """An endpoint that accepts connections and never answers (a hung service)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


def _function(environment: dict[str, str]) -> LocalFunction:
    return LocalFunction(
        name="ingest",
        arn=ARN,
        handler=HANDLER,
        asset_dir=INGEST_LAMBDA_DIR,
        environment=environment,
        memory_mb=128,
    )


def _event() -> dict:
    from local.kinesis_event import payload_event

    return payload_event(
        [b'{"sensor_id": "s", "temperature": 1, "status": "OK", "event_time": 1}'], stream_arn="arn"
    )


def test_a_missing_variable_is_a_function_error_naming_it() -> None:
    """The handler runs with the function's environment only: without its variables it fails, saying which."""
    function = _function({"PATH": "/usr/bin"})
    try:
        with pytest.raises(FunctionError, match=names.ENV_TIMESTREAM_DATABASE) as raised:
            function(_event(), LocalLambdaContext("ingest", ARN, 5))
    finally:
        function.close()
    assert raised.value.error_type == "Unhandled"


def test_an_invocation_past_its_timeout_is_killed_and_the_next_starts_cold(silent_endpoint: str) -> None:
    """A handler stuck on a hung service is stopped at the timeout, as Lambda stops it."""
    # GIVEN a function whose Timestream never answers, and a 1-second timeout
    environment = {
        names.ENV_TIMESTREAM_DATABASE: "db_x",
        names.ENV_TIMESTREAM_TABLE: "tbl",
        names.ENV_QUARANTINE_BUCKET: "bucket",
        names.ENV_AWS_ENDPOINT_URL: silent_endpoint,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    function = _function(environment)
    try:
        # WHEN it is invoked twice
        for _ in range(2):
            with pytest.raises(FunctionError) as raised:
                function(_event(), LocalLambdaContext("ingest", ARN, 1))
            # THEN each invocation timed out, and each ran in a fresh environment
            assert raised.value.error_type == "Sandbox.Timedout"
        assert function.cold_starts == 2
    finally:
        function.close()


def test_a_handler_that_cannot_be_imported_is_an_init_error() -> None:
    """A wrong handler path fails at init, as Lambda reports it, before any event is handled."""
    function = LocalFunction(
        name="ingest",
        arn=ARN,
        handler="timestream_ingest.no_such_module.handler",
        asset_dir=INGEST_LAMBDA_DIR,
        environment={},
        memory_mb=128,
    )
    try:
        with pytest.raises(
            FunctionError, match=r"No module named 'timestream_ingest\.no_such_module'"
        ) as raised:
            function(_event(), LocalLambdaContext("ingest", ARN, 5))
    finally:
        function.close()
    assert raised.value.error_type == "Runtime.ImportModuleError"


def test_nothing_of_the_repository_is_importable_in_the_environment() -> None:
    """Only the asset folder is on sys.path: a handler path into the repository fails at init."""
    probe = LocalFunction(
        name="probe",
        arn=ARN,
        handler="pipeline_config.names.stream_name",
        asset_dir=INGEST_LAMBDA_DIR,
        environment={},
        memory_mb=128,
    )
    try:
        with pytest.raises(FunctionError, match="No module named 'pipeline_config'"):
            probe({}, LocalLambdaContext("probe", ARN, 5))
    finally:
        probe.close()


def test_an_event_sent_as_json_text_reaches_the_handler_as_the_event_dict(tmp_path: Path) -> None:
    """The mapping's pre-assembled event JSON is the event a dict would be, escapes and bytes included."""
    # GIVEN a function that answers with the event it got, and records with awkward keys and payloads
    (tmp_path / "echo.py").write_text("def handler(event, context):\n    return event\n", encoding="utf-8")
    function = LocalFunction(
        name="echo", arn=ARN, handler="echo.handler", asset_dir=tmp_path, environment={}, memory_mb=128
    )
    arrival = datetime(2026, 12, 4, 21, 0, 0, 123000, tzinfo=UTC)
    keys = ['quote " and \\ backslash', "ключ-é", "tab\tnewline\n"]
    records = [
        StreamRecord("shardId-000000000002", str(100 + n), key, bytes(range(256)), arrival)
        for n, key in enumerate(keys)
    ]
    where = {"stream_arn": "arn:aws:kinesis:eu-west-1:1:stream/s", "region": "eu-west-1", "account": "1"}
    expected = kinesis_event(records, function_name="echo", **where)
    # WHEN it is invoked with the event's JSON text, and with the event as a dict
    try:
        context = LocalLambdaContext("echo", ARN, 5)
        as_text = function(EventJson(kinesis_event_json(records, function_name="echo", **where)), context)
        as_dict = function(expected, context)
    finally:
        function.close()
    # THEN the handler saw the same event both ways, with the keys, bytes and times as they were
    assert as_text == as_dict == expected
    assert [record["kinesis"]["partitionKey"] for record in as_text["Records"]] == keys
    assert {base64.b64decode(record["kinesis"]["data"]) for record in as_text["Records"]} == {
        bytes(range(256))
    }
    assert as_text["Records"][0]["kinesis"]["approximateArrivalTimestamp"] == arrival.timestamp()
    assert as_text["Records"][0]["invokeIdentityArn"] == "arn:aws:iam::1:role/echo-role"
