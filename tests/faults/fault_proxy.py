"""A small HTTP proxy that forwards to a real local service and injects faults for a window.

The ingest handler's endpoint points at the proxy; the proxy forwards every request to the real local
Timestream or moto S3, except while a fault is active for the request it sees: then it answers as the
service would under that fault (HTTP 500, 503, throttling) or closes the connection without an answer
(a service that is down). A fault starts after a number of matching requests has gone through (so a
test can break a service mid-stream, deterministically) and lasts a number of seconds; it may hit
only a share of the requests. Nothing of the project's code is replaced.
"""

from __future__ import annotations

import http.client
import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

Matcher = Callable[[str, str, Any, bytes], bool]  # (method, path, headers, body) -> does it apply?

# Error bodies as each protocol's clients parse them (Timestream: JSON 1.0; S3: XML).
_JSON_ERRORS = {
    "server_error": (500, "InternalServerException", "Internal server error"),
    "unavailable": (503, "ServiceUnavailableException", "Service unavailable"),
    "throttle": (400, "ThrottlingException", "Rate exceeded"),
}
_S3_ERRORS = {
    "server_error": (500, "InternalError", "We encountered an internal error. Please try again."),
    "unavailable": (503, "ServiceUnavailable", "Service is unable to handle request."),
    "throttle": (503, "SlowDown", "Please reduce your request rate."),
}


def any_request(_method: str, _path: str, _headers: Any, _body: bytes) -> bool:
    return True


def write_records(_method: str, _path: str, headers: Any, _body: bytes) -> bool:
    return headers.get("X-Amz-Target", "").endswith(".WriteRecords")


def s3_put(method: str, _path: str, _headers: Any, _body: bytes) -> bool:
    return method == "PUT"


def write_records_holding(text: str) -> Matcher:
    """WriteRecords calls whose request carries `text` (e.g. one record's unique value)."""
    token = text.encode()
    return lambda method, path, headers, body: write_records(method, path, headers, body) and token in body


@dataclass
class Fault:
    """`kind` (server_error, unavailable, throttle, down) for `seconds` once `after` requests passed."""

    kind: str
    after: int = 0
    seconds: float = math.inf
    share: float = 1.0
    matches: Matcher = any_request
    on_start: Callable[[], None] | None = None  # e.g. stop the real server behind the proxy
    seen: int = 0
    started_at: float | None = None
    injected: int = 0

    def applies(self, method: str, path: str, headers: Any, body: bytes, rng: random.Random) -> bool:
        if not self.matches(method, path, headers, body):
            return False
        self.seen += 1
        now = time.monotonic()
        if self.started_at is None:
            if self.seen <= self.after:
                return False
            self.started_at = now
            if self.on_start:
                self.on_start()
        if now - self.started_at > self.seconds:
            return False
        return rng.random() < self.share


@dataclass
class FaultProxy:
    upstream: str
    protocol: str  # "json" (Timestream) or "s3"
    faults: list[Fault] = field(default_factory=list)
    seed: int = 7

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(self.seed)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fault_for(self, method: str, path: str, headers: Any, body: bytes) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.applies(method, path, headers, body, self._rng):
                    fault.injected += 1
                    return fault
        return None

    def error(self, kind: str) -> tuple[int, dict[str, str], bytes]:
        if self.protocol == "s3":
            status, code, message = _S3_ERRORS[kind]
            body = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>".encode()
            return status, {"Content-Type": "application/xml"}, body
        status, code, message = _JSON_ERRORS[kind]
        body = f'{{"__type": "com.amazonaws.timestream.v20181101#{code}", "message": "{message}"}}'.encode()
        return status, {"Content-Type": "application/x-amz-json-1.0"}, body


def _handler(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    upstream = urlsplit(proxy.upstream)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            fault = proxy.fault_for(self.command, self.path, self.headers, body)
            if fault is not None and fault.kind == "down":
                self.close_connection = True  # no answer at all: the service is not there
                return
            if fault is not None:
                self._answer(*proxy.error(fault.kind))
                return
            try:
                connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                connection.request(self.command, self.path, body=body, headers=headers)
                response = connection.getresponse()
                payload = response.read()
                passed = {k: v for k, v in response.getheaders() if k.lower() not in ("transfer-encoding",)}
                connection.close()
            except OSError:  # the real service is down: so is the proxy, for this request
                self.close_connection = True
                return
            self._answer(response.status, passed, payload)

        def _answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for key, value in headers.items():
                if key.lower() not in ("content-length", "connection", "date", "server"):
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler
