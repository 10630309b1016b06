"""Both transports send the validated request exactly as built: MWAA InvokeRestApi and Airflow's HTTP API."""

from __future__ import annotations

import json
import re
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from tests.dags.backfill_support import (
    CREATED_AT,
    EXPECTED_BODY,
    EXPORT_DAG_IDS,
    HOURS,
    PROBE_DAG_ID,
    VALID_CONF,
    RecordedRequest,
    RecordingApi,
    backfill_run,
    recording_api,
)
from timestream_pipeline import backfill_request as br
from timestream_pipeline.backfill_client import start_backfill
from timestream_pipeline.backfill_transport import BackfillApiError, HttpTransport, MwaaTransport

ENVIRONMENT = "pipeline-airflow"
REQUEST = br.validate_backfill_conf(VALID_CONF, allowed_dag_ids=EXPORT_DAG_IDS, max_span_days=31)
RUNS_QUERY = {
    "dag_id_pattern": PROBE_DAG_ID,
    "run_type": "backfill",
    "logical_date_gte": "2026-11-01T00:00:00Z",
    "logical_date_lte": "2026-11-01T05:00:00Z",
    "order_by": "logical_date",
    "limit": 100,
    "offset": 0,
}
RUNS = [backfill_run(hour, "queued") for hour in HOURS]


def mwaa_hook_and_stubber() -> tuple[object, Stubber]:
    from airflow.providers.amazon.aws.hooks.mwaa import MwaaHook

    hook = MwaaHook(aws_conn_id=None, region_name="us-east-1")
    return hook, Stubber(hook.conn)


def test_mwaa_hook_transport_sends_the_exact_invoke_rest_api_calls() -> None:
    """Through MwaaHook: POST /backfills with the expected body, then the runs query (no /api/v2 prefix)."""
    # GIVEN the MwaaHook's own boto3 client, stubbed to expect exactly these two calls
    hook, stubber = mwaa_hook_and_stubber()
    stubber.add_response(
        "invoke_rest_api",
        {"RestApiStatusCode": 200, "RestApiResponse": {"id": 3, "created_at": CREATED_AT}},
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
        {
            "Name": ENVIRONMENT,
            "Path": "/dags/~/dagRuns",
            "Method": "GET",
            "Body": {},
            "QueryParameters": RUNS_QUERY,
        },
    )
    # WHEN the backfill is started
    with stubber:
        outcome = start_backfill(MwaaTransport.from_hook(hook, ENVIRONMENT), REQUEST)
        stubber.assert_no_pending_responses()
    # THEN the id and the six runs come back
    assert (outcome.backfill_id, outcome.logical_dates) == (3, HOURS)


def test_boto3_transport_dry_run_returns_the_planned_dates() -> None:
    """The CLI's plain boto3 client: a dry run is one call to /backfills/dry_run."""
    # GIVEN a stubbed boto3 'mwaa' client
    client = boto3.client("mwaa", region_name="us-east-1")
    stubber = Stubber(client)
    planned = {"backfills": [{"logical_date": hour} for hour in HOURS], "total_entries": 6}
    stubber.add_response(
        "invoke_rest_api",
        {"RestApiStatusCode": 200, "RestApiResponse": planned},
        {
            "Name": ENVIRONMENT,
            "Path": "/backfills/dry_run",
            "Method": "POST",
            "Body": EXPECTED_BODY,
            "QueryParameters": {},
        },
    )
    dry_run = br.validate_backfill_conf(
        {**VALID_CONF, "dry_run": True}, allowed_dag_ids=EXPORT_DAG_IDS, max_span_days=31
    )
    # WHEN the dry run is sent
    with stubber:
        outcome = start_backfill(MwaaTransport.from_boto3_client(client, ENVIRONMENT), dry_run)
    # THEN no backfill id, and the planned dates
    assert (outcome.backfill_id, outcome.logical_dates) == (None, HOURS)


def test_mwaa_rest_api_error_keeps_airflow_status_and_detail() -> None:
    """A refusal by Airflow behind MWAA surfaces its HTTP status and message, not a bare ClientError."""
    # GIVEN MWAA answering with Airflow's 409
    client = boto3.client("mwaa", region_name="us-east-1")
    stubber = Stubber(client)
    stubber.add_client_error(
        "invoke_rest_api",
        service_error_code="RestApiClientException",
        http_status_code=400,
        service_message="conflict",
        response_meta={},
        modeled_fields={"RestApiStatusCode": 409, "RestApiResponse": {"detail": "already running"}},
    )
    # WHEN the backfill is started THEN the error names the call and Airflow's answer
    with stubber, pytest.raises(BackfillApiError, match=r"POST /backfills failed with 409.*already running"):
        start_backfill(MwaaTransport.from_boto3_client(client, ENVIRONMENT), REQUEST)


def test_a_path_over_mwaa_limit_is_refused_before_sending() -> None:
    """MWAA takes paths of 64 characters at most; a longer one is refused locally."""
    # GIVEN a client with no stubbed response (any call would fail the test)
    client = boto3.client("mwaa", region_name="us-east-1")
    with Stubber(client), pytest.raises(BackfillApiError, match="at most 64"):
        # WHEN a 65-character path is sent THEN it is refused before any request
        MwaaTransport.from_boto3_client(client, ENVIRONMENT).send(br.ApiCall("GET", "/" + "x" * 64))


def test_http_transport_sends_the_exact_request_with_a_login_token(api: RecordingApi) -> None:
    """Login/password are exchanged at /auth/token, then POST /api/v2/backfills carries the bearer."""
    # GIVEN the recording API and a transport with credentials
    api.runs = RUNS
    transport = HttpTransport(api.url, username="backfiller", password="s3cret")
    # WHEN the backfill is started
    outcome = start_backfill(transport, REQUEST)
    # THEN login, create and list were sent, in that order, exactly
    login, create, runs = api.requests
    assert (login.method, login.path, login.body) == (
        "POST",
        "/auth/token",
        {"username": "backfiller", "password": "s3cret"},
    )
    assert (create.method, create.path, create.body) == ("POST", "/api/v2/backfills", EXPECTED_BODY)
    assert create.headers["Authorization"] == "Bearer token-from-login"
    assert (runs.method, runs.path) == ("GET", "/api/v2/dags/~/dagRuns")
    assert {k: v[0] for k, v in runs.query.items()} == {k: str(v) for k, v in RUNS_QUERY.items()}
    assert (outcome.backfill_id, outcome.logical_dates) == (7, HOURS)


def test_http_transport_from_connection_uses_the_extra_token(
    api: RecordingApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An Airflow HTTP connection with `extra.token` calls the API with that bearer and no login."""
    from timestream_pipeline.airflow_compat import get_connection

    # GIVEN a connection defined as AIRFLOW_CONN_BACKFILL_API, read the way the DAG reads it
    connection = {"conn_type": "http", "host": api.url, "extra": {"token": "t0k"}}
    monkeypatch.setenv("AIRFLOW_CONN_BACKFILL_API", json.dumps(connection))
    conn = get_connection("backfill_api")
    dry_run = br.validate_backfill_conf(
        {**VALID_CONF, "dry_run": True}, allowed_dag_ids=EXPORT_DAG_IDS, max_span_days=31
    )
    # WHEN a dry run is sent
    start_backfill(HttpTransport.from_connection(conn), dry_run)
    # THEN one request, to the dry-run path, with the connection's token
    (request,) = api.requests
    assert (request.path, request.headers["Authorization"]) == ("/api/v2/backfills/dry_run", "Bearer t0k")


def test_http_error_keeps_the_status_and_airflow_detail(api: RecordingApi) -> None:
    """An HTTP error from the API server becomes a BackfillApiError with status and detail."""
    # GIVEN a transport to a path the server does not know WHEN called THEN 404 and its detail
    with pytest.raises(BackfillApiError, match="GET /nowhere failed with 404: Not Found"):
        HttpTransport(api.url, token="t").send(br.ApiCall("GET", "/nowhere"))


def test_an_unreachable_api_server_is_a_clear_error() -> None:
    """No server listening: the error names the URL instead of a socket traceback."""
    # GIVEN a URL where nothing listens WHEN called THEN the message names it
    with pytest.raises(BackfillApiError, match=re.escape("unreachable: http://127.0.0.1:9")):
        HttpTransport("http://127.0.0.1:9", token="t").send(br.backfill_call(REQUEST))


def test_a_non_http_url_is_refused() -> None:
    """Only http(s) URLs: urllib would otherwise open file:// and friends."""
    # GIVEN a file URL WHEN a transport is made THEN it is refused
    with pytest.raises(ValueError, match="must start with http"):
        HttpTransport("file:///etc/passwd", token="t")


def test_a_redirect_to_another_host_is_refused_and_the_token_stays_home(api: RecordingApi) -> None:
    """An API server answering with a redirect elsewhere: not followed, the bearer never leaves its host."""
    with recording_api() as elsewhere:
        # GIVEN an API server that redirects every API call to another server
        api.answer = lambda request: (307, {}, {"Location": f"{elsewhere.url}{request.path}"})  # type: ignore[method-assign]
        transport = HttpTransport(api.url, token="secret-token")
        # WHEN a backfill is sent THEN it fails naming the redirect, and the other server saw nothing
        with pytest.raises(BackfillApiError, match=r"redirected to .* not followed, so the token stays"):
            start_backfill(transport, REQUEST)
        assert elsewhere.requests == []


def test_a_login_redirected_to_another_host_is_refused(api: RecordingApi) -> None:
    """The /auth/token exchange too: the username and password are never posted to another host."""
    with recording_api() as elsewhere:
        # GIVEN an API server whose login endpoint redirects elsewhere
        api.answer = lambda request: (308, {}, {"Location": f"{elsewhere.url}/auth/token"})  # type: ignore[method-assign]
        transport = HttpTransport(api.url, username="admin", password="s3cret")
        # WHEN a backfill is sent THEN the redirect is refused before any credential leaves
        with pytest.raises(BackfillApiError, match="redirect refused"):
            start_backfill(transport, REQUEST)
        assert elsewhere.requests == []


def test_a_redirect_within_the_same_server_is_followed(api: RecordingApi) -> None:
    """A redirect to another path of the same origin (e.g. a trailing slash) still works, with the token."""
    answer_as_recorded = api.answer

    def moved(request: RecordedRequest) -> tuple[Any, ...]:
        if request.path == "/api/v2/backfills/7":
            return 302, {}, {"Location": f"{api.url}/api/v2/backfills/7/"}
        return answer_as_recorded(request)

    # GIVEN an API server that moves GET /backfills/7 to a path of its own
    api.answer = moved  # type: ignore[method-assign]
    # WHEN the backfill is read THEN the answer comes from the new path, asked for with the token
    backfill = HttpTransport(api.url, token="t").send(br.get_backfill_call(7))
    assert backfill["id"] == 7
    followed = [r for r in api.api_requests if r.path == "/api/v2/backfills/7/"]
    assert [r.headers["Authorization"] for r in followed] == ["Bearer t"]


def locked_for(api: RecordingApi, answers: int) -> None:
    """Make the API answer POST /backfills with Airflow's 'database is locked' 503, `answers` times."""
    answer_as_recorded = api.answer

    def answer(request: RecordedRequest) -> tuple[Any, ...]:
        posts = [r for r in api.api_requests if (r.method, r.path) == ("POST", "/api/v2/backfills")]
        if request.path == "/api/v2/backfills" and len(posts) <= answers:
            return 503, {"detail": "Database is locked. Backfill creation is not supported on SQLite"}
        return answer_as_recorded(request)

    api.answer = answer  # type: ignore[method-assign]


def test_a_locked_database_is_asked_again(api: RecordingApi, monkeypatch: pytest.MonkeyPatch) -> None:
    """Airflow's 503 (metadata DB locked, half-made backfill undone) is transient: the call is sent again."""
    from timestream_pipeline import backfill_client

    # GIVEN an API whose database is locked for the first two attempts
    monkeypatch.setattr(backfill_client, "FIRST_RETRY_DELAY_SECONDS", 0.01)
    locked_for(api, answers=2)
    # WHEN a backfill is started THEN the third attempt creates it
    outcome = start_backfill(HttpTransport(api.url, token="t"), REQUEST)
    posts = [r for r in api.api_requests if (r.method, r.path) == ("POST", "/api/v2/backfills")]
    assert (len(posts), outcome.backfill_id) == (3, 7)


def test_a_database_locked_for_good_fails_after_four_attempts(
    api: RecordingApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Retries are bounded: four attempts, then Airflow's 503 and its reason reach the caller."""
    from timestream_pipeline import backfill_client

    # GIVEN an API whose database stays locked
    monkeypatch.setattr(backfill_client, "FIRST_RETRY_DELAY_SECONDS", 0.01)
    locked_for(api, answers=10**6)
    # WHEN a backfill is started THEN it fails with the 503 after four POSTs, and nothing else is tried
    with pytest.raises(BackfillApiError, match="failed with 503: Database is locked"):
        start_backfill(HttpTransport(api.url, token="t"), REQUEST)
    assert [(r.method, r.path) for r in api.api_requests] == [("POST", "/api/v2/backfills")] * 4


def test_a_refusal_is_not_sent_again(api: RecordingApi) -> None:
    """Only 503 is retried: a 409 (a backfill already running) is final at the first answer."""
    # GIVEN an API refusing the backfill
    api.answer = lambda request: (409, {"detail": "already a running backfill"})  # type: ignore[method-assign]
    # WHEN a backfill is started THEN one POST, and the refusal
    with pytest.raises(BackfillApiError, match="409"):
        start_backfill(HttpTransport(api.url, token="t"), REQUEST)
    assert len(api.api_requests) == 1
