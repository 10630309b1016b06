"""Send an ApiCall to Airflow's REST API: through MWAA's InvokeRestApi or straight over HTTP(S).

Both transports take the call as data (method, path, body, query) and return the decoded JSON
response; an HTTP error becomes a BackfillApiError naming the status and Airflow's own message.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from inspect import signature
from typing import Any, Protocol

from timestream_pipeline.backfill_request import ApiCall

API_PREFIX = "/api/v2"
TOKEN_PATH = "/auth/token"  # noqa: S105 - the endpoint that issues tokens
MWAA_MAX_PATH = 64
HTTP_TIMEOUT_SECONDS = 30


class BackfillApiError(RuntimeError):
    """Airflow (or MWAA) refused or failed a call; the message carries its status and detail."""

    def __init__(self, call: ApiCall, status: int | str, detail: Any) -> None:
        self.status = status
        self.detail = detail
        super().__init__(f"{call.method} {call.path} failed with {status}: {detail}")


class Transport(Protocol):
    def send(self, call: ApiCall) -> Any: ...


class MwaaTransport:
    """`mwaa:InvokeRestApi` with IAM auth; `invoke` is boto3's `client.invoke_rest_api` signature."""

    def __init__(
        self, invoke: Callable[..., Mapping[str, Any]], environment_name: str, region: str = ""
    ) -> None:
        self._invoke = invoke
        self.environment_name = environment_name
        self.region = region

    @classmethod
    def from_boto3_client(cls, client: Any, environment_name: str) -> MwaaTransport:
        return cls(client.invoke_rest_api, environment_name, client.meta.region_name or "")

    @classmethod
    def from_hook(cls, hook: Any, environment_name: str) -> MwaaTransport:
        """Through the Amazon provider's MwaaHook (its connection, retries and token fallback).

        Providers from 9.13 take `airflow_version` (for their local-token fallback); MWAA 3.0.6's
        constraints install an older one without it, which only knows Airflow 3's API anyway.
        """
        version = (
            {"airflow_version": 3} if "airflow_version" in signature(hook.invoke_rest_api).parameters else {}
        )

        def invoke(*, Name: str, Path: str, Method: str, Body: Any, QueryParameters: Any) -> Any:
            return hook.invoke_rest_api(
                env_name=Name, path=Path, method=Method, body=Body, query_params=QueryParameters, **version
            )

        return cls(invoke, environment_name)

    def send(self, call: ApiCall) -> Any:
        if len(call.path) > MWAA_MAX_PATH:
            raise BackfillApiError(
                call, "not sent", f"MWAA accepts paths of at most {MWAA_MAX_PATH} characters"
            )
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            response = self._invoke(
                Name=self.environment_name,
                Path=call.path,
                Method=call.method,
                Body=call.body or {},
                QueryParameters=call.query,
            )
        except ClientError as error:
            status = error.response.get("RestApiStatusCode") or error.response["Error"].get("Code")
            detail = error.response.get("RestApiResponse") or error.response["Error"].get("Message")
            raise BackfillApiError(call, status, detail) from error
        except BotoCoreError as error:  # no credentials, no network, bad region
            raise BackfillApiError(call, "not sent", str(error)) from error
        return response.get("RestApiResponse")


class RedirectRefused(Exception):
    """The API server redirected a request to another origin; it was not followed."""


class _SameOriginRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only within the origin the request went to. urllib would otherwise resend
    the Authorization header (or the /auth/token login) to whatever host the redirect names."""

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> Any:
        if _origin(newurl) != _origin(req.full_url):
            raise RedirectRefused(
                f"{_origin(req.full_url)[1]} redirected to {newurl.split('?')[0]}; not followed, so the "
                "token stays with its host: point the connection (or --airflow-url) at the API server itself"
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urllib.parse.urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, f"{(parts.hostname or '').lower()}:{parts.port or default}", parts.port or default


class HttpTransport:
    """Airflow's API server over HTTP(S) with a bearer token (given, or from /auth/token)."""

    def __init__(self, base_url: str, *, token: str = "", username: str = "", password: str = "") -> None:
        scheme = urllib.parse.urlsplit(base_url).scheme
        if scheme not in ("http", "https"):
            raise ValueError(f"Airflow API URL {base_url!r} must start with http:// or https://")
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._credentials = (username, password)
        self._opener = urllib.request.build_opener(_SameOriginRedirects)

    @classmethod
    def from_connection(cls, conn: Any) -> HttpTransport:
        """From an Airflow connection: host (with or without scheme), schema http/https, port, and
        either `extra.token` (a bearer token) or login/password exchanged at /auth/token."""
        host = (conn.host or "").rstrip("/")
        if not host:
            raise ValueError(f"connection {conn.conn_id!r} has no host; set it to the Airflow API server URL")
        if "://" not in host:
            scheme = conn.schema if conn.schema in ("http", "https") else "https"
            host = f"{scheme}://{host}"
        if conn.port:
            parts = urllib.parse.urlsplit(host)
            host = parts._replace(netloc=f"{parts.hostname}:{conn.port}").geturl()
        extra = conn.extra_dejson or {}
        return cls(
            host, token=extra.get("token", ""), username=conn.login or "", password=conn.password or ""
        )

    def _request(self, method: str, url: str, body: Any, headers: dict[str, str]) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__
            url, data=data, method=method, headers={"Content-Type": "application/json", **headers}
        )
        try:
            with self._opener.open(request, timeout=HTTP_TIMEOUT_SECONDS) as response:
                payload = response.read()
                return response.status, json.loads(payload) if payload else None
        except urllib.error.HTTPError as error:
            payload = error.read()
            try:
                detail = json.loads(payload).get("detail", payload.decode(errors="replace"))
            except (ValueError, AttributeError):
                detail = payload.decode(errors="replace")
            return error.code, detail

    def _bearer(self) -> str:
        if not self._token:
            username, password = self._credentials
            call = ApiCall("POST", TOKEN_PATH, {"username": username, "password": password})
            status, payload = self._request("POST", self.base_url + TOKEN_PATH, call.body, {})
            if status >= 400 or not isinstance(payload, dict) or "access_token" not in payload:
                raise BackfillApiError(
                    call,
                    status,
                    f"{payload} (check the connection's login/password "
                    'or put a token in its extra as {"token": ...})',
                )
            self._token = payload["access_token"]
        return self._token

    def send(self, call: ApiCall) -> Any:
        query = urllib.parse.urlencode(call.query, doseq=True)
        url = f"{self.base_url}{API_PREFIX}{urllib.parse.quote(call.path)}" + (f"?{query}" if query else "")
        try:
            status, payload = self._request(
                call.method, url, call.body, {"Authorization": f"Bearer {self._bearer()}"}
            )
        except RedirectRefused as error:
            raise BackfillApiError(call, "redirect refused", str(error)) from error
        except urllib.error.URLError as error:
            raise BackfillApiError(call, "unreachable", f"{self.base_url}: {error.reason}") from error
        if status >= 300:  # a redirect urllib does not follow (POST 307/308) is an answer we cannot use
            raise BackfillApiError(call, status, payload)
        return payload
