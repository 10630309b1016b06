"""The deployed functions behind the local event source mappings.

raw stream -> ingest (raw table); raw stream -> CEP stage -> CEP stream; CEP stream -> ingest (CEP
table). They run in that order, so one pass of `run_until_idle` carries readings all the way to CEP
rows.

Everything about the functions and their mappings comes from the synthesized template
(deployed_config.py): the handler entry point, timeout, memory, environment and every mapping
setting. Only what differs between AWS and this machine is added to the environment: what the
Lambda runtime sets itself (region, function name, locale), the local endpoints and credentials.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from local.deployed_config import CEP_STAGE, DeployedFunction, deployed_functions
from local.esm import LocalEventSourceMapping, MappingStats
from local.kinesis_event import function_arn
from local.lambda_runtime import ConcurrentFunction, LocalFunction
from local.resources import client
from local.stack import checkpoint_dir
from pipeline_config.bundles import REPO_ROOT
from pipeline_config.local_state import DEFAULT_STATE_PATH, LOCAL_CREDENTIALS, LocalStackState
from timestream_ingest import names

# Variables the Lambda runtime sets for every function (a subset handlers and Powertools read).
RUNTIME_LOCALE = {"LANG": "en_US.UTF-8", "TZ": ":UTC"}
PASSED_THROUGH = ("PATH", "POWERTOOLS_LOG_LEVEL")
# Readings reach CEP rows in one pass: raw ingest, then the CEP stage, then CEP ingest.
RUN_ORDER = ("raw", CEP_STAGE, "cep")
# `esm` drains the raw stream's two consumers side by side (independent mappings, as on AWS), then the
# CEP stream, which the CEP stage has filled by then.
DRAIN_WAVES = (("raw", CEP_STAGE), ("cep",))


def function_environment(function: DeployedFunction, state: LocalStackState) -> dict[str, str]:
    """The deployed environment, plus what Lambda's runtime sets, plus the local endpoints."""
    return {
        **function.environment,
        **RUNTIME_LOCALE,
        **{key: os.environ[key] for key in PASSED_THROUGH if key in os.environ},
        "AWS_REGION": state.region,
        "AWS_DEFAULT_REGION": state.region,
        "AWS_LAMBDA_FUNCTION_NAME": function.mapping.function_name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_mb),
        "AWS_ACCESS_KEY_ID": LOCAL_CREDENTIALS["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": LOCAL_CREDENTIALS["aws_secret_access_key"],
        "AWS_SESSION_TOKEN": LOCAL_CREDENTIALS["aws_session_token"],
        names.ENV_AWS_ENDPOINT_URL_TIMESTREAM_WRITE: state.timestream_endpoint,
        names.ENV_AWS_ENDPOINT_URL_S3: state.moto_endpoint,
        # The CEP stage's clients: boto3 reads these service-specific endpoint variables itself.
        "AWS_ENDPOINT_URL_KINESIS": state.moto_endpoint,
        "AWS_ENDPOINT_URL_DYNAMODB": state.moto_endpoint,
    }


@contextmanager
def open_mappings(
    state: LocalStackState,
    checkpoints: Path,
    *,
    functions: Mapping[str, DeployedFunction] | None = None,
    log_dir: Path | None = None,
    environment: Mapping[str, Mapping[str, str]] | None = None,
) -> Iterator[dict[str, LocalEventSourceMapping]]:
    """One mapping per deployed function, each invoking its function in a local execution environment.

    `functions` defaults to the deployed ones; `environment` replaces a role's computed environment
    (tests point a function at a fault-injecting proxy); `log_dir` receives each function's output.
    """
    functions = dict(functions or deployed_functions())
    _check_matches_stack(functions, state)
    kinesis, s3 = client("kinesis", state.moto_endpoint), client("s3", state.moto_endpoint)
    runtimes: list[ConcurrentFunction] = []
    mappings: dict[str, LocalEventSourceMapping] = {}
    try:
        for role, function in sorted(functions.items(), key=lambda item: RUN_ORDER.index(item[0])):
            concurrency = _concurrency(kinesis, function.stream_name)
            runtime = ConcurrentFunction(
                partial(
                    LocalFunction,
                    name=function.mapping.function_name,
                    arn=function_arn(function.mapping.function_name, state.region, state.account),
                    handler=function.handler,
                    asset_dir=REPO_ROOT / function.asset_dir,
                    environment=(environment or {}).get(role) or function_environment(function, state),
                    memory_mb=function.memory_mb,
                    log_path=log_dir / f"lambda-{role}.log" if log_dir else None,
                ),
                concurrency,
            )
            runtime.start()  # every function's init runs at once, in the background
            runtimes.append(runtime)
            mappings[role] = LocalEventSourceMapping(
                kinesis=kinesis,
                s3=s3,
                stream_name=function.stream_name,
                handler=runtime,
                config=function.mapping,
                # Two functions read the raw stream: each mapping keeps its own checkpoints, as on AWS.
                checkpoint_path=checkpoints / f"{function.stream_name}.{role}.json",
                concurrency=concurrency,
            )
        yield mappings
    finally:
        for mapping in mappings.values():
            mapping.close()
        for runtime in runtimes:
            runtime.close()


def _concurrency(kinesis: Any, stream_name: str) -> int:
    """One invocation per shard at a time, as Lambda runs them, up to this machine's cores: more
    environments than cores would only take turns on them."""
    summary = kinesis.describe_stream_summary(StreamName=stream_name)["StreamDescriptionSummary"]
    return max(1, min(int(summary.get("OpenShardCount") or 1), os.cpu_count() or 1))


def _check_matches_stack(functions: Mapping[str, DeployedFunction], state: LocalStackState) -> None:
    streams = {state.raw_stream, state.cep_stream}
    for function in functions.values():
        if function.stream_name not in streams or function.mapping.on_failure_bucket != state.kept_bucket:
            raise SystemExit(
                f"error: the template's {function.role} mapping reads {function.stream_name} and keeps "
                f"failures in {function.mapping.on_failure_bucket}, but the running local stack has "
                f"{sorted(streams)} and {state.kept_bucket}: restart it (`make local-down local-up`) "
                "after changing cdk.json"
            )


def run_mappings(*, follow: bool, state_path: Path = DEFAULT_STATE_PATH) -> int:
    """`python -m local esm`: drain both streams (or keep polling with --follow) on the running stack."""
    from local.stack import running_state

    state = running_state(state_path)
    if state is None:
        raise SystemExit("error: the local stack is not running: start it with `make local-up`")
    log_dir = state_path.parent / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    with open_mappings(state, checkpoint_dir(state_path), log_dir=log_dir) as mappings:
        if not follow:
            drained = _drain(mappings)
            for role, stats in drained.items():
                filtered = (
                    f"{stats.records_filtered} filtered out, "
                    if mappings[role].config.filter_patterns
                    else ""
                )
                print(
                    f"{role}: {stats.records_succeeded} delivered, {filtered}{stats.records_kept} kept for "
                    f"replay in s3://{state.kept_bucket}, {stats.records_dropped} dropped "
                    f"(function logs: {log_dir}/lambda-{role}.log)"
                )
            return 0
        _follow(mappings)
    return 0


def _drain(mappings: Mapping[str, LocalEventSourceMapping]) -> dict[str, MappingStats]:
    """Every mapping run until idle, wave after wave (DRAIN_WAVES), the mappings of a wave side by side."""
    drained: dict[str, MappingStats] = {}
    for wave in DRAIN_WAVES:
        roles = [role for role in wave if role in mappings]
        with ThreadPoolExecutor(max(1, len(roles)), thread_name_prefix="esm-drain") as pool:
            drained |= zip(roles, pool.map(lambda role: mappings[role].run_until_idle(), roles), strict=True)
    return {role: drained[role] for role in RUN_ORDER if role in drained}


def _follow(mappings: Mapping[str, LocalEventSourceMapping]) -> None:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    workers = [
        threading.Thread(target=mapping.run_forever, args=(stop.is_set,), name=role, daemon=True)
        for role, mapping in mappings.items()
    ]
    for worker in workers:
        worker.start()
    print("polling both streams; Ctrl-C to stop (checkpoints are kept, a restart resumes)")
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        stop.set()
    for worker in workers:
        worker.join()
