"""One line for each way a backfill request from the terminal fails: what went wrong and how to fix it.

The transports keep the underlying error (botocore's, urllib's) as the BackfillApiError's cause;
this module reads it back, so a missing credential or region, an unreachable endpoint or a refused
token reads as the fix, not as "failed with not sent: Unable to locate credentials".
"""

from __future__ import annotations

import urllib.error

from botocore.exceptions import EndpointConnectionError, NoCredentialsError, PartialCredentialsError

from timestream_pipeline.backfill_transport import BackfillApiError

CREDENTIALS_HINT = (
    "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary ones), or "
    "AWS_PROFILE=<profile> (run `aws sso login` first for SSO); the identity needs airflow:InvokeRestApi"
)
REJECTED_CREDENTIALS = frozenset(
    {"UnrecognizedClientException", "InvalidClientTokenId", "ExpiredToken", "ExpiredTokenException"}
)
NO_REGION = (
    "no AWS region for the MWAA environment: pass --region (e.g. --region eu-west-1) or set AWS_REGION"
)


def explain(error: BackfillApiError, *, environment: str = "", region: str = "", url: str = "") -> str:
    """The one-line message for a failed request (`environment`/`region` for MWAA, `url` for HTTP)."""
    cause, status = error.__cause__, error.status
    where = f"MWAA environment {environment!r} in {region or 'your default region'}"
    if isinstance(cause, NoCredentialsError):
        return f"no AWS credentials found to call the {where}: {CREDENTIALS_HINT}"
    if isinstance(cause, PartialCredentialsError):
        return f"incomplete AWS credentials ({cause}): {CREDENTIALS_HINT}"
    if isinstance(cause, EndpointConnectionError):
        endpoint = cause.kwargs.get("endpoint_url", "")
        return (
            f"cannot reach the MWAA API at {endpoint}: check --region (the environment's region, "
            "e.g. eu-west-1) and your network or proxy"
        )
    if status in REJECTED_CREDENTIALS:
        return f"AWS rejected your credentials ({status}): refresh them (`aws sso login`); {CREDENTIALS_HINT}"
    if status == "ResourceNotFoundException":
        return f"no {where}: check --environment and --region ({error.detail})"
    if status == "AccessDeniedException":
        return f"your AWS identity may not call airflow:InvokeRestApi on the {where}: {error.detail}"
    if isinstance(cause, urllib.error.URLError):
        return f"cannot reach the Airflow API server at {url} ({cause.reason}): is it up? check --airflow-url"
    if status == 401:
        return (
            f"the Airflow API server at {url} refused the token (401): pass a valid one with --token or "
            "AIRFLOW_API_TOKEN (POST /auth/token issues one)"
        )
    return str(error)
