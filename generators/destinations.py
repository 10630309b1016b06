"""Where records go when the command line does not say: the running local stack, else the CDK stack.

Order per value: an explicit option; the local stack's address book (`.local/stack.json`) when its
moto endpoint answers; the deployed stack's CloudFormation outputs; else an error naming the options
to pass. With a local endpoint, every client gets `endpoint_url` explicitly (Timestream would
otherwise run endpoint discovery against real AWS).
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from pipeline_config import names
from pipeline_config.command_line import missing_credentials
from pipeline_config.local_state import DEFAULT_STATE_PATH, LocalStackState
from pipeline_config.settings import SettingsError, load_settings

LOCAL_STACK_SOURCE = "local stack"


class DestinationError(ValueError):
    """No destination could be worked out; the message lists what to pass."""


@dataclass(frozen=True)
class Destination:
    """Everything a sink needs to reach its stream or table."""

    region: str | None = None
    endpoint_url: str | None = None
    stream: str | None = None
    database: str | None = None
    table: str | None = None
    source: str = "command line"


def endpoint_is_up(url: str, timeout: float = 0.5) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 80), timeout=timeout):
            return True
    except OSError:
        return False


def from_local_stack(role: str | None, state_path: Path = DEFAULT_STATE_PATH) -> Destination | None:
    """The local stack's names and endpoint for this workload, if it is running."""
    state = LocalStackState.load(state_path)
    if state is None or not endpoint_is_up(state.moto_endpoint):
        return None
    if role is None:  # direct Timestream writes
        return Destination(
            state.region, state.timestream_endpoint, None, state.database, state.raw_table, LOCAL_STACK_SOURCE
        )
    stream = state.cep_stream if role == "cep" else state.raw_stream
    table = state.cep_table if role == "cep" else state.raw_table
    return Destination(state.region, state.moto_endpoint, stream, state.database, table, LOCAL_STACK_SOURCE)


def from_stack_outputs(role: str | None, region: str | None, endpoint_url: str | None) -> Destination:
    """Names from the deployed CDK stack's outputs (needs AWS credentials)."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError

    try:
        stack_name = load_settings().stack_name
    except SettingsError as error:
        raise DestinationError(f"cannot read the stack name from cdk.json: {error}") from error
    try:
        client = boto3.client("cloudformation", region_name=region, endpoint_url=endpoint_url)
        stack = client.describe_stacks(StackName=stack_name)["Stacks"][0]
    except NoCredentialsError as error:
        purpose = f"read the outputs of stack {stack_name}"
        raise DestinationError(
            f"no local stack is running, and {missing_credentials(purpose)}; "
            "or start the local stack (make local-up)"
        ) from error
    except NoRegionError as error:
        raise DestinationError(
            f"no local stack is running, and no AWS region is set to read stack {stack_name!r}: "
            "pass --region or set AWS_REGION, or start the local stack (make local-up)"
        ) from error
    except (BotoCoreError, ClientError) as error:
        raise DestinationError(
            f"no local stack is running and stack {stack_name!r} could not be read ({error}); "
            "start the local stack (make local-up) or pass --stream (Kinesis) or --database and "
            "--table (Timestream), with --region or --endpoint-url"
        ) from error
    outputs = {item["OutputKey"]: item["OutputValue"] for item in stack.get("Outputs", [])}
    stream_key = names.OUTPUT_CEP_STREAM if role == "cep" else names.OUTPUT_RAW_STREAM
    table_key = names.OUTPUT_CEP_TABLE if role == "cep" else names.OUTPUT_RAW_TABLE
    return Destination(
        region=region or client.meta.region_name,
        stream=outputs.get(stream_key),
        database=outputs.get(names.OUTPUT_DATABASE),
        table=outputs.get(table_key),
        source=f"outputs of stack {stack_name}",
    )


def resolve(
    given: Destination,
    role: str | None,
    target: str,
    *,
    use_local_stack: bool = True,
    state_path: Path = DEFAULT_STATE_PATH,
) -> Destination:
    """Fill what `given` leaves empty; raise DestinationError if the target still lacks a name.

    A running local stack fills every value not given (endpoint and region included); the stack's
    outputs are read only when some name is still missing.
    """
    if target == "stdout":
        return given
    needed = ("database", "table") if target == "timestream" else ("stream",)
    found = from_local_stack(role, state_path) if use_local_stack else None
    if found is None and not all(getattr(given, key) for key in needed):
        found = from_stack_outputs(role, given.region, given.endpoint_url)
    if found is None:
        return given
    explicit = {key: value for key, value in vars(given).items() if value is not None and key != "source"}
    merged = replace(found, **explicit)
    missing = [key for key in needed if not getattr(merged, key)]
    if missing:
        options = " ".join(f"--{key} NAME" for key in missing)
        raise DestinationError(f"no {', '.join(missing)} found in the {merged.source}: pass {options}")
    return merged


def check_local_destination(client: Any, where: Destination, target: str) -> None:
    """On the running local stack, a missing stream or table is named with what exists instead.

    (Elsewhere the first call says it; here the stack is up, so "start the stack" would mislead.)
    """
    if where.source != LOCAL_STACK_SOURCE:
        return
    if target == "kinesis":
        existing = client.list_streams()["StreamNames"]
        if where.stream not in existing and not (where.stream or "").startswith("arn:"):
            raise DestinationError(
                f"stream {where.stream!r} does not exist on the running local stack (its streams: "
                f"{', '.join(existing) or 'none'}): pass one of them with --stream, or run "
                "`python -m local up` to re-create the pipeline's resources"
            )
    elif target == "timestream":
        tables = client.list_tables(DatabaseName=where.database)["Tables"] if where.database else []
        if where.table not in {table["TableName"] for table in tables}:
            raise DestinationError(
                f"table {where.database}.{where.table} does not exist on the running local stack: "
                "pass --database and --table, or run `python -m local up` to re-create the pipeline's tables"
            )
