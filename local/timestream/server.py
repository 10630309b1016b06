"""HTTP server on 127.0.0.1 speaking AWS JSON 1.0 (X-Amz-Target routing), usable in-process or standalone."""

from __future__ import annotations

import gc
import json
import logging
import socket
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from local.timestream.commit_queue import COMMIT_INTERVAL_S
from local.timestream.exceptions import InternalServerException, TimestreamError, ValidationException
from local.timestream.new_points import NewPoints
from local.timestream.responses import TARGET_PREFIX, TimestreamResponses
from local.timestream.service import TimestreamService
from local.timestream.wire import dumps

_LOG = logging.getLogger(__name__)
_CONTENT_TYPE = "application/x-amz-json-1.0"
SWITCH_INTERVAL_S = 0.0005
GC_THRESHOLDS = (50_000, 20, 20)
_WRITE_RECORDS = f"{TARGET_PREFIX}WriteRecords"


class TimestreamServer:
    """The local Timestream: `with TimestreamServer() as url:` or `.start()` / `.stop()`."""

    def __init__(
        self,
        db_path: str | Path | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        s3_endpoint_url: str | None = None,
        region: str = "us-east-1",
        account: str = "123456789012",
        clock_ns: Callable[[], int] = time.time_ns,
        *,
        fast_writes: bool = True,
        commit_interval_s: float = COMMIT_INTERVAL_S,
    ) -> None:
        """`fast_writes=False`: every WriteRecords through the rules alone (new_points is tested on it)."""
        self.service = TimestreamService(
            db_path,
            region=region,
            account=account,
            s3_endpoint_url=s3_endpoint_url,
            clock_ns=clock_ns,
            commit_interval_s=commit_interval_s,
        )
        self.responses = TimestreamResponses(self.service, self._address)
        self.new_points = NewPoints(self.service.writer) if fast_writes else None
        self._httpd = _Server((host, port), _handler_for(self.responses, self.new_points))
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self._address()}"

    def _address(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"{host}:{port}"

    def start(self) -> str:
        """Serve in a background thread; returns the base URL to pass as endpoint_url."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever, args=(0.05,), name="local-timestream", daemon=True
            )
            self._thread.start()
        return self.url

    def serve_forever(self) -> None:
        """Serve in the calling thread (the CLI): the emulator owns this process."""
        # DuckDB takes the GIL back several times per INSERT (its Arrow scan calls into Python); with
        # the default 5 ms switch interval, a request thread parsing JSON would hold each of those for up
        # to 5 ms, and concurrent writes would run slower than one caller's.
        sys.setswitchinterval(SWITCH_INTERVAL_S)
        # A WriteRecords call allocates ~2,000 short-lived objects that form no cycles: with the default
        # thresholds the collector would run every few calls and walk everything the server holds.
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLDS)
        self._httpd.serve_forever()

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()
        self._httpd.close_connections()
        self.service.close()

    def __enter__(self) -> str:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class _Server(ThreadingHTTPServer):
    """Tracks keep-alive connections so that stop() can end their threads (and release DuckDB)."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()

    def close_connections(self) -> None:
        with self.connections_lock:
            for connection in self.connections:
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self.connections.clear()


def _handler_for(
    responses: TimestreamResponses, new_points: NewPoints | None
) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # small answers go out at once, not after a 40 ms delayed ACK
        server: _Server

        def setup(self) -> None:
            super().setup()
            with self.server.connections_lock:
                self.server.connections.add(self.connection)

        def finish(self) -> None:
            with self.server.connections_lock:
                self.server.connections.discard(self.connection)
            super().finish()

        def do_POST(self) -> None:
            target = self.headers.get("X-Amz-Target", "")
            try:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                # A stream's usual call is stored straight from its bytes; any other (None) as always.
                written = new_points.write(body) if new_points and target == _WRITE_RECORDS else None
                if written is not None:
                    self._send(200, written)
                    return
                params = json.loads(body or b"{}")
                if not isinstance(params, dict):
                    raise ValidationException("The request body must be a JSON object.")
                self._send(200, responses.dispatch(target, params))
            except json.JSONDecodeError as error:
                self._send(400, ValidationException(f"The request body is not JSON: {error}").body())
            except TimestreamError as error:
                self._send(error.status, error.body())
            except Exception as error:  # a bug in the emulator: report it as the service would
                _LOG.exception("local Timestream failed on %s", target)
                failure = InternalServerException(
                    f"The local Timestream failed: {type(error).__name__}: {error}"
                )
                self._send(failure.status, failure.body())

        def do_GET(self) -> None:
            self._send(200, {"status": "ok", "service": "local-timestream"})

        def _send(self, status: int, body: dict[str, Any]) -> None:
            payload = dumps(body)
            self.log_request(status)
            reason = self.responses[status][0] if status in self.responses else ""
            head = (
                f"{self.protocol_version} {status} {reason}\r\nServer: {self.version_string()}\r\n"
                f"Date: {self.date_time_string()}\r\nContent-Type: {_CONTENT_TYPE}\r\n"
                f"Content-Length: {len(payload)}\r\nx-amzn-RequestId: local-timestream\r\n\r\n"
            )
            # One send for the headers and the body: each send on loopback also runs the receiver's
            # side in the kernel, and two of them were a sixth of a WriteRecords call in the server.
            self.wfile.write(head.encode("latin-1") + payload)

        def log_message(self, format: str, *args: Any) -> None:
            if _LOG.isEnabledFor(logging.DEBUG):  # formatted only when kept: this runs on every request
                _LOG.debug("%s - %s", self.address_string(), format % args)

    return Handler
