"""Test helpers for the backfill component: a recording stand-in for Airflow's API, and the env it needs."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from timestream_pipeline import names

EXPORT_NAMES = ("backfill_probe", "other_probe")
EXPORT_DAG_IDS = tuple(names.export_dag_id(name) for name in EXPORT_NAMES)
PROBE_DAG_ID = EXPORT_DAG_IDS[0]
API_CONN_ID = "backfill_api"
SETTINGS_VARIABLE_ENV = f"AIRFLOW_VAR_{names.RUNTIME_SETTINGS_VARIABLE.upper()}"

VALID_CONF: dict[str, Any] = {
    "dag_id": PROBE_DAG_ID,
    "from_date": "2026-11-01T00:00:00Z",
    "to_date": "2026-11-01T05:00:00Z",
    "reprocess_behavior": "failed",
    "max_active_runs": 4,
    "dry_run": False,
}
EXPECTED_BODY = {
    "dag_id": PROBE_DAG_ID,
    "from_date": "2026-11-01T00:00:00Z",
    "to_date": "2026-11-01T05:00:00Z",
    "run_backwards": False,
    "dag_run_conf": {},
    "reprocess_behavior": "failed",
    "max_active_runs": 4,
}
HOURS = tuple(f"2026-11-01T0{hour}:00:00Z" for hour in range(6))
# When the stand-in's backfill was created (recently: a wait's deadline counts from it); its runs
# were queued then, or before it when a test says so.
_CREATED = datetime.now(UTC) - timedelta(minutes=1)
CREATED_AT = _CREATED.isoformat().replace("+00:00", "Z")
BEFORE_CREATION = (_CREATED - timedelta(seconds=1)).isoformat().replace("+00:00", "Z")


def backfill_run(logical_date: str, state: str, queued_at: str = CREATED_AT) -> dict[str, Any]:
    """One run as GET /dags/~/dagRuns lists it; queued at the backfill's creation unless said otherwise."""
    return {"dag_id": PROBE_DAG_ID, "logical_date": logical_date, "state": state, "queued_at": queued_at}


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    headers: dict[str, str]


@dataclass
class RecordingApi:
    """Answers like Airflow's API for the calls the backfill makes, and records every request."""

    url: str = ""
    requests: list[RecordedRequest] = field(default_factory=list)
    backfill: dict[str, Any] = field(
        default_factory=lambda: {"id": 7, "created_at": CREATED_AT, "completed_at": None}
    )
    runs: list[dict[str, Any]] = field(default_factory=list)

    def answer(self, request: RecordedRequest) -> tuple[Any, ...]:
        if request.path == "/auth/token":
            return 201, {"access_token": "token-from-login"}
        if request.path == "/api/v2/backfills/dry_run":
            return 200, {"backfills": [{"logical_date": hour} for hour in HOURS], "total_entries": 6}
        if request.path == "/api/v2/backfills" or request.path.startswith("/api/v2/backfills/"):
            return 200, self.backfill
        if request.path == "/api/v2/dags/~/dagRuns":
            return 200, {"dag_runs": self.runs, "total_entries": len(self.runs)}
        return 404, {"detail": "Not Found"}

    @property
    def api_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.startswith("/api/")]


@contextmanager
def recording_api() -> Iterator[RecordingApi]:
    """A RecordingApi on 127.0.0.1, served from a thread for the duration of the block."""
    api = RecordingApi()

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            request = RecordedRequest(
                self.command,
                parts.path,
                parse_qs(parts.query),
                json.loads(raw) if raw else None,
                dict(self.headers),
            )
            api.requests.append(request)
            status, payload, *headers = api.answer(request)  # a third item: extra headers (Location)
            data = json.dumps(payload).encode()
            self.send_response(status)
            for name, value in (headers[0] if headers else {}).items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = _handle

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    api.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()


def runtime_settings_json(**overrides: Any) -> str:
    """The runtime settings document the DAG tasks read (through the Variable's env var)."""
    settings = {"database": "db", "raw_table": "raw", "cep_table": "cep", "bucket": "lake", **overrides}
    return json.dumps(settings)


def api_connection_json(url: str, **extra: Any) -> str:
    """An Airflow HTTP connection (AIRFLOW_CONN_* JSON form) to an API server."""
    return json.dumps({"conn_type": "http", "host": url, "extra": extra})


def write_exports_file(folder: Path, export_names: tuple[str, ...] = EXPORT_NAMES) -> Path:
    """A minimal exports.toml declaring these exports (for the CLI, which reads the file)."""
    (folder / "probe.sql").write_text("SELECT 1 FROM $source WHERE $time_filter\n", encoding="utf-8")
    entries = "".join(
        f'[[export]]\nname = "{name}"\nsql = "probe.sql"\ncolumns = [{{ name = "x", type = "bigint" }}]\n\n'
        for name in export_names
    )
    path = folder / names.EXPORTS_FILE
    path.write_text(entries, encoding="utf-8")
    return path
