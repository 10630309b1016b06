"""`python -m generators`: reproducible output, errors as messages, exit status on undelivered records."""

from __future__ import annotations

import subprocess
import sys
import zlib
from typing import Any

import boto3
import pytest

from generators import cli
from tests.generators.conftest import REGION, REPO_ROOT, STREAM, FlakyKinesis, read_stream

START = "2026-01-01T00:00:00Z"


def _run(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "generators", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        timeout=60,
        check=False,
    )


def test_the_same_seed_reproduces_the_output_byte_for_byte() -> None:
    """Two runs with --seed and --start print identical bytes; another seed prints different ones."""

    # GIVEN / WHEN three dry runs of every workload in one go per seed
    def dry_run(seed: str) -> bytes:
        out = b""
        for workload in ("devops", "sensors", "alarms", "wave", "cep"):
            done = _run(workload, "--target", "stdout", "--count", "300", "--seed", seed, "--start", START)
            assert done.returncode == 0, done.stderr
            out += done.stdout
        return out

    first, second, other = dry_run("42"), dry_run("42"), dry_run("43")
    # THEN the same seed repeats exactly, and the seed matters
    assert first == second
    assert first != other
    assert first.count(b"\n") == 5 * 300


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["sensors", "--count", "0"], "'0' must be 1 or more"),
        (["sensors", "--start", "yesterday"], "is not an ISO 8601 time"),
        (["sensors", "--start", START, "--hours-back", "2"], "not allowed with argument"),
        (["wave", "--target", "kinesis"], "invalid choice: 'kinesis'"),
        (["devops", "--percent-late", "150"], "must be between 0 and 100"),
        (["nosuch"], "invalid choice: 'nosuch'"),
    ],
)
def test_user_errors_end_as_a_message(
    args: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad option exits with status 2 and a one-line reason, never a traceback."""
    # GIVEN / WHEN the CLI is given a bad option
    with pytest.raises(SystemExit) as raised:
        cli.main(args)
    # THEN it exits 2 and stderr says what was wrong
    assert raised.value.code == 2
    assert expected in capsys.readouterr().err


def test_devops_without_any_measures_is_refused_with_a_message() -> None:
    """--no-metrics with --no-events leaves nothing to send: the CLI says so."""
    # GIVEN / WHEN / THEN
    with pytest.raises(SystemExit, match="leave nothing to send"):
        cli.main(["devops", "--no-metrics", "--no-events", "--target", "stdout"])


def test_records_reach_the_stream_named_on_the_command_line(kinesis: Any) -> None:
    """`sensors --target kinesis --stream S --count 120` puts 120 records in S and exits 0."""
    # GIVEN a moto stream
    # WHEN the CLI sends 120 sensor readings of history
    status = cli.main(
        [
            "sensors",
            "--stream",
            STREAM,
            "--region",
            REGION,
            "--no-local-stack",
            "--count",
            "120",
            "--seed",
            "1",
            "--start",
            START,
        ]
    )
    # THEN all arrived
    assert status == 0
    assert len(read_stream(kinesis)) == 120


def test_a_missing_stream_ends_with_status_1_and_the_reason(
    aws: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """Sending to a stream that does not exist exits 1 and the summary names the stream."""
    # GIVEN no stream / WHEN the CLI sends to one
    status = cli.main(
        [
            "alarms",
            "--stream",
            "missing",
            "--region",
            REGION,
            "--no-local-stack",
            "--count",
            "5",
            "--start",
            START,
        ]
    )
    # THEN it fails with a readable reason
    err = capsys.readouterr().err
    assert status == 1
    assert "ResourceNotFoundException" in err and "'missing'" in err


def test_an_exhausted_retry_budget_ends_with_status_1(
    kinesis: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Records Kinesis keeps refusing are given up after --max-attempts, reported, and the exit is 1."""
    # GIVEN boto3 handing out a Kinesis client that refuses every 10th record forever
    real_client = boto3.client
    flaky = FlakyKinesis(kinesis, fails=lambda data, attempt: zlib.crc32(data) % 10 == 0)
    monkeypatch.setattr(
        boto3, "client", lambda service, **kw: flaky if service == "kinesis" else real_client(service, **kw)
    )
    # WHEN the CLI sends sensor readings with 3 attempts per record
    status = cli.main(
        [
            "sensors",
            "--stream",
            STREAM,
            "--region",
            REGION,
            "--no-local-stack",
            "--count",
            "200",
            "--seed",
            "3",
            "--start",
            START,
            "--max-attempts",
            "3",
        ]
    )
    # THEN the refused records are counted with Kinesis's reason and the exit status is 1
    err = capsys.readouterr().err
    refused = sum(1 for data in flaky.attempts if zlib.crc32(data) % 10 == 0)
    assert status == 1 and 5 < refused < 50
    assert all(flaky.attempts[data] == 3 for data in flaky.attempts if zlib.crc32(data) % 10 == 0)
    assert f"{refused} x ProvisionedThroughputExceededException" in err
    assert len(read_stream(kinesis)) == 200 - refused
