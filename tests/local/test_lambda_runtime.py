"""A function's local execution environment: the asset's handler in its own process, failing as on Lambda."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from local.kinesis_event import LocalLambdaContext
from local.lambda_runtime import FunctionError, LocalFunction
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
