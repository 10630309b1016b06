"""Where records go when not told: the local stack's address book, else a clear error."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from generators.destinations import Destination, DestinationError, resolve
from pipeline_config.local_state import LocalStackState


@pytest.fixture
def listening_port() -> Iterator[int]:
    """A port something listens on, standing in for a running moto server."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server.getsockname()[1]


def _state(tmp_path: Path, port: int) -> Path:
    path = tmp_path / "stack.json"
    LocalStackState(
        moto_endpoint=f"http://127.0.0.1:{port}",
        timestream_endpoint="http://127.0.0.1:9999",
        region="us-east-1",
        account="123456789012",
        database="db",
        raw_table="raw",
        cep_table="cep",
        raw_stream="stack-raw",
        cep_stream="stack-cep",
        bucket="bucket",
        kept_bucket="kept",
    ).save(path)
    return path


def test_a_running_local_stack_supplies_endpoint_and_names(tmp_path: Path, listening_port: int) -> None:
    """With the local stack up, sensors go to its raw stream and cep to its CEP stream, on its endpoint."""
    # GIVEN a local stack whose moto endpoint answers
    path = _state(tmp_path, listening_port)
    # WHEN destinations are resolved with nothing given
    raw = resolve(Destination(), "raw", "kinesis", state_path=path)
    cep = resolve(Destination(), "cep", "kinesis", state_path=path)
    wave = resolve(Destination(), None, "timestream", state_path=path)
    # THEN names and endpoints come from it
    assert (raw.stream, raw.endpoint_url, raw.region) == (
        "stack-raw",
        f"http://127.0.0.1:{listening_port}",
        "us-east-1",
    )
    assert cep.stream == "stack-cep"
    assert (wave.endpoint_url, wave.database, wave.table) == ("http://127.0.0.1:9999", "db", "raw")


def test_options_given_win_over_the_local_stack(tmp_path: Path, listening_port: int) -> None:
    """An explicit --stream replaces the local stack's name; the rest still comes from the stack."""
    # GIVEN a running local stack / WHEN --stream is given
    resolved = resolve(
        Destination(stream="mine"), "raw", "kinesis", state_path=_state(tmp_path, listening_port)
    )
    # THEN the given name is kept with the stack's endpoint
    assert (resolved.stream, resolved.endpoint_url) == ("mine", f"http://127.0.0.1:{listening_port}")


def test_no_local_stack_and_no_deployed_stack_is_a_clear_error(tmp_path: Path) -> None:
    """Without a running local stack or readable stack outputs, the error says what to pass."""
    # GIVEN no local stack state and a CloudFormation endpoint that does not answer
    missing = tmp_path / "none.json"
    # WHEN / THEN resolving fails with a message naming the options
    with pytest.raises(DestinationError, match="--stream"):
        resolve(
            Destination(endpoint_url="http://127.0.0.1:9", region="us-east-1"),
            "raw",
            "kinesis",
            state_path=missing,
        )
