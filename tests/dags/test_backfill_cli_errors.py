"""`python -m dags.backfill` turns each way a request cannot be sent into one line that says the fix.

Real boto3 clients and real HTTP, made to fail the way a user's setup does: no credentials, no
region, an endpoint that does not answer, an environment that does not exist, a refused token.
"""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from tests.dags.backfill_support import RecordingApi, write_exports_file
from tests.dags.moto_connection import free_port
from timestream_pipeline.backfill_cli import EXIT_FAILED, EXIT_INVALID, main, parse_args, run
from timestream_pipeline.backfill_transport import MwaaTransport

ENVIRONMENT = "pipeline-airflow"
DRY_RUN = ["--from-date", "2026-11-01T00:00:00Z", "--to-date", "2026-11-01T05:00:00Z", "--dry-run"]


@pytest.fixture
def argv(tmp_path: Path) -> list[str]:
    """A valid dry-run request for the probe export; tests add the target."""
    exports = write_exports_file(tmp_path)
    return ["--dag-id", "timestream_export_backfill_probe", *DRY_RUN, "--exports-file", str(exports)]


@pytest.fixture
def no_aws_configuration(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Nothing for boto3 to find: no keys, no profile, no config files, no instance metadata."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    # boto3's default session keeps the credentials it found first; start from a fresh one.
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    return lines[0]


@pytest.mark.usefixtures("no_aws_configuration")
def test_missing_aws_credentials_say_which_and_how_to_set_them(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """No credentials: which variables to set (or a profile), and the permission they need."""
    # GIVEN no AWS credentials anywhere WHEN the CLI calls MWAA
    code = main([*argv, "--environment", ENVIRONMENT, "--region", "eu-west-1"])
    # THEN exit 1 and one line naming the variables to set and the permission needed
    message = one_line_error(capsys)
    assert code == EXIT_FAILED
    assert "no AWS credentials found to call the MWAA environment 'pipeline-airflow' in eu-west-1" in message
    assert "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY" in message and "AWS_PROFILE" in message
    assert "airflow:InvokeRestApi" in message


@pytest.mark.usefixtures("no_aws_configuration")
def test_a_missing_region_is_a_usage_error_naming_the_option(
    argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No region anywhere: a usage error (exit 2, nothing sent) naming --region."""
    # GIVEN no region in the environment or a config file, and no --region
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    # WHEN the CLI runs THEN exit 2 before any request, telling to pass --region
    code = main([*argv, "--environment", ENVIRONMENT])
    assert code == EXIT_INVALID
    assert "no AWS region for the MWAA environment: pass --region" in one_line_error(capsys)


def test_an_mwaa_endpoint_that_does_not_answer_points_at_the_region(
    argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unreachable MWAA endpoint (a wrong region, no network): the endpoint and --region."""
    # GIVEN an MWAA endpoint nobody listens on (as for a mistyped region), one attempt only
    monkeypatch.setenv("AWS_ENDPOINT_URL_MWAA", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    # WHEN the CLI calls it THEN exit 1 with the endpoint and the option to check
    code = main([*argv, "--environment", ENVIRONMENT, "--region", "eu-west-1"])
    message = one_line_error(capsys)
    assert code == EXIT_FAILED
    assert "cannot reach the MWAA API at http://env.127.0.0.1:" in message and "check --region" in message


def test_an_unknown_environment_names_the_options_to_check(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """MWAA has no such environment: its name, its region, and the two options to check."""
    # GIVEN MWAA answering that the environment does not exist
    client = boto3.client("mwaa", region_name="eu-west-1")
    stubber = Stubber(client)
    stubber.add_client_error(
        "invoke_rest_api", service_error_code="ResourceNotFoundException", service_message="not found"
    )
    # WHEN the CLI sends the request through it
    with stubber:
        code = run(
            parse_args([*argv, "--environment", ENVIRONMENT]),
            lambda args: MwaaTransport.from_boto3_client(client, args.environment),
        )
    # THEN exit 1, naming the environment, its region and both options
    assert code == EXIT_FAILED
    message = one_line_error(capsys)
    assert "no MWAA environment 'pipeline-airflow' in eu-west-1: check --environment and --region" in message


def test_an_airflow_url_that_does_not_answer_says_so(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Nothing listens at --airflow-url: the URL and the option, not a socket traceback."""
    # GIVEN an --airflow-url nobody listens on WHEN the CLI sends the request
    url = f"http://127.0.0.1:{free_port()}"
    code = main([*argv, "--airflow-url", url, "--token", "t"])
    # THEN exit 1 with the URL and the option to check
    assert code == EXIT_FAILED
    assert f"cannot reach the Airflow API server at {url} (" in one_line_error(capsys)


def test_a_refused_token_says_how_to_pass_a_valid_one(
    argv: list[str], api: RecordingApi, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 401 from the API server: the two ways to pass a valid token and where to get one."""
    # GIVEN an API server refusing the token
    api.answer = lambda request: (401, {"detail": "Invalid JWT token"})  # type: ignore[method-assign]
    # WHEN the CLI sends the request with it THEN exit 1 and the ways to pass a valid token
    code = main([*argv, "--airflow-url", api.url, "--token", "expired"])
    message = one_line_error(capsys)
    assert code == EXIT_FAILED
    assert "refused the token (401): pass a valid one with --token or AIRFLOW_API_TOKEN" in message
