"""Every user mistake on the command lines ends as one line and a non-zero status: input -> line, code.

Each case runs the real command in a subprocess, as a user would, with no AWS credentials or region
unless the case gives them (and instance metadata off, so nothing leaves this machine).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline_config.checkout import copy_checkout
from pipeline_config.command_line import CLOSED_STDOUT, USAGE_ERROR
from pipeline_config.settings import REPO_ROOT

NO_AWS = {
    "AWS_ACCESS_KEY_ID": None,
    "AWS_SECRET_ACCESS_KEY": None,
    "AWS_SESSION_TOKEN": None,
    "AWS_REGION": None,
    "AWS_DEFAULT_REGION": None,
    "AWS_PROFILE": None,
    "AWS_CONFIG_FILE": "/nonexistent/aws-config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
    "AWS_EC2_METADATA_DISABLED": "true",
}


def run(
    argv: list[str],
    *,
    cwd: Path = REPO_ROOT,
    env: dict[str, str | None] | None = None,
    close_stdout: bool = False,
) -> tuple[int, str, str]:
    """Run `argv` (a `python -m` module or a program) and return (status, stdout, stderr)."""
    environment = dict(os.environ)
    for key, value in (env or {}).items():
        if value is None:
            environment.pop(key, None)
        else:
            environment[key] = value
    command = [sys.executable, "-m", *argv] if not argv[0].startswith(("make", "/")) else argv
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=environment,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    if close_stdout:  # the reader went away before the first write, like `| head` after its lines
        assert process.stdout is not None
        process.stdout.close()
        stderr = process.stderr.read() if process.stderr else ""
        return process.wait(timeout=120), "", stderr
    stdout, stderr = process.communicate(timeout=300)
    return process.returncode, stdout, stderr


def one_line(stderr: str) -> str:
    """The single line on stderr (fails on a traceback or a usage dump)."""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


@pytest.mark.parametrize(
    ("argv", "env", "expected", "status"),
    [
        (["local", "query", ""], {}, "error: the SQL is empty: pass a statement", 1),
        (["local", "query", "   "], {}, "error: the SQL is empty", 1),
        (
            ["local", "query", "SELECT 1", "--max-rows", "-1"],
            {},
            "argument --max-rows: '-1' must be 1 or more (see python -m local query --help)",
            USAGE_ERROR,
        ),
        (["local", "restart", "kinesis"], {}, "argument server: invalid choice: 'kinesis'", USAGE_ERROR),
        (
            ["generators", "sensors", "--count", "-5"],
            {},
            "python -m generators sensors: error: argument --count: '-5' must be 1 or more",
            USAGE_ERROR,
        ),
        (
            ["generators", "sensors", "--no-local-stack", "--region", "eu-west-1", "--count", "1"],
            NO_AWS,
            "no AWS credentials found (needed to read the outputs of stack TimestreamPipeline): "
            "set AWS_PROFILE",
            1,
        ),
        (
            ["generators", "sensors", "--no-local-stack", "--stream", "s", "--region", "eu-west-1"],
            NO_AWS,
            "python -m generators sensors: error: no AWS credentials found (needed to send to stream s)",
            1,
        ),
        (
            ["generators", "sensors", "--no-local-stack", "--count", "1"],
            NO_AWS,
            "no AWS region is set to read stack 'TimestreamPipeline': pass --region or set AWS_REGION",
            1,
        ),
        (
            [
                "infra.deploy_dags",
                "--bucket",
                "my-mwaa",
                "--data-lake-bucket",
                "lake-b",
                "-c",
                "lambda_batchsize=5",
            ],
            {},
            "error: unknown setting 'lambda_batchsize': did you mean lambda_batch_size?",
            USAGE_ERROR,
        ),
        (
            ["infra.deploy_dags", "--bucket", "my-mwaa", "--data-lake-bucket", "lake-b"],
            NO_AWS,
            "error: no AWS region: pass --region (make deploy-dags ... REGION=eu-west-1) or set AWS_REGION",
            USAGE_ERROR,
        ),
        (
            [
                "infra.deploy_dags",
                "--bucket",
                "my-mwaa",
                "--data-lake-bucket",
                "lake-b",
                "--region",
                "eu-west-1",
            ],
            NO_AWS,
            "error: no AWS credentials found (needed to upload to s3://my-mwaa): set AWS_PROFILE",
            1,
        ),
    ],
)
def test_a_mistake_is_one_line_and_a_non_zero_status(
    argv: list[str], env: dict[str, str | None], expected: str, status: int, tmp_path: Path
) -> None:
    """The input, the one line it gets on stderr, and the exit status."""
    # GIVEN no local stack for this state file (the local commands get their own)
    if argv[0] == "local":
        argv = ["local", "--state-file", str(tmp_path / "stack.json"), *argv[1:]]
    # WHEN the command runs
    code, _, stderr = run(argv, env=env)
    # THEN it prints one line holding the expected message and exits with the status
    assert expected in one_line(stderr)
    assert code == status


def test_query_without_a_running_stack_says_how_to_start_one(tmp_path: Path) -> None:
    """`python -m local query` with nothing running: one line naming the make targets."""
    # GIVEN no stack for this state file / WHEN a query is run
    code, _, stderr = run(["local", "--state-file", str(tmp_path / "s.json"), "query", "SELECT 1"])
    # THEN
    assert one_line(stderr).startswith("error: the local stack is not running: start it with `make local-up`")
    assert code == 1


def test_make_deploy_dags_passes_the_region(checkout: Path) -> None:
    """`make deploy-dags MWAA_BUCKET=... REGION=...` reaches the upload (then stops: no credentials)."""
    # GIVEN a clone and no AWS credentials
    # WHEN the make target is given a region
    code, stdout, stderr = run(
        [
            "make",
            "--no-print-directory",
            "deploy-dags",
            "MWAA_BUCKET=my-mwaa",
            "REGION=eu-west-1",
            "DATA_LAKE_BUCKET=lake-b",
        ],
        cwd=checkout,
        env=NO_AWS,
    )
    # THEN the region got through (no region error); the credentials are what is missing
    assert '--region "eu-west-1"' in stdout
    assert "no AWS credentials found (needed to upload to s3://my-mwaa)" in stderr
    assert "no AWS region" not in stderr and "Traceback" not in stderr
    assert code != 0


@pytest.fixture(scope="module")
def running_clone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A clone whose local stack runs at its default state path (what generators find by themselves)."""
    clone = copy_checkout(tmp_path_factory.mktemp("clone") / "a clone")
    code, _, stderr = run(["local", "up"], cwd=clone)
    assert code == 0, stderr
    try:
        yield clone
    finally:
        run(["local", "down"], cwd=clone)


def test_invalid_sql_is_one_line(running_clone: Path) -> None:
    """SQL the local Timestream refuses: one line with the service's message, status 1."""
    # GIVEN a running stack / WHEN a query has a syntax error
    code, _, stderr = run(
        ["local", "query", "SELEC count(*) FROM timeseries_pipeline.raw"], cwd=running_clone
    )
    # THEN
    assert one_line(stderr).startswith("error: the query failed: ")
    assert code == 1


def test_a_closed_stdout_ends_the_query_quietly(running_clone: Path) -> None:
    """`python -m local query ... | head`: no BrokenPipeError, the usual status of a closed pipe."""
    # GIVEN a running stack / WHEN the reader of stdout has gone away
    code, _, stderr = run(
        ["local", "query", "SHOW TABLES FROM timeseries_pipeline"], cwd=running_clone, close_stdout=True
    )
    # THEN nothing is printed on stderr and the status says "stopped by a closed pipe"
    assert stderr == ""
    assert code == CLOSED_STDOUT


def test_a_closed_stdout_ends_the_generator_quietly(running_clone: Path) -> None:
    """`python -m generators ... --target stdout | head`: no traceback."""
    # GIVEN / WHEN the generator's stdout closes before it writes
    code, _, stderr = run(
        ["generators", "sensors", "--target", "stdout", "--count", "5000", "--seed", "1"],
        cwd=running_clone,
        close_stdout=True,
    )
    # THEN only its first informational line is on stderr
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr
    assert code == CLOSED_STDOUT


def test_a_missing_stream_on_the_running_stack_does_not_suggest_starting_it(running_clone: Path) -> None:
    """The stack runs: the message names the streams it has, not "start the local stack"."""
    # GIVEN a running stack / WHEN a generator is pointed at a stream it does not have
    code, _, stderr = run(
        ["generators", "sensors", "--stream", "no-such-stream", "--count", "1"], cwd=running_clone
    )
    # THEN one line names the missing stream and the existing ones, and does not say "start"
    line = one_line(stderr)
    assert "stream 'no-such-stream' does not exist on the running local stack" in line
    assert "TimestreamPipeline-raw" in line and "start the local stack" not in line
    assert code == 1
