"""The local stack: a moto server (S3, Kinesis, SQS, ...) and the local Timestream, on 127.0.0.1.

Two ways to run it:
- `InProcessStack` (tests): both servers on threads of this process, gone when it stops.
- `up()` / `down()` (`make local-up` / `make local-down`, `make demo`): detached server processes whose
  pids go into `.local/stack.json`; `down` stops exactly those pids and removes the state.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

from local import processes
from local.resources import client, provision
from pipeline_config.local_state import DEFAULT_STATE_PATH, LocalStackState
from pipeline_config.settings import Settings

MOTO_MODULE = "local.moto_server"  # moto's server, with Kinesis at a constant cost per record
TIMESTREAM_MODULE = "local.timestream"
SERVER_MODULES = {"moto": MOTO_MODULE, "timestream": TIMESTREAM_MODULE}
TIMESTREAM_DB_FILE = "timestream.duckdb"


class InProcessStack:
    """Both servers on threads of this process, resources provisioned; use as a context manager."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._moto: Any = None
        self._timestream: Any = None

    def __enter__(self) -> LocalStackState:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def start(self) -> LocalStackState:
        from moto.server import ThreadedMotoServer

        from local import moto_server
        from local.timestream import TimestreamServer

        moto_server.install()

        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
        self._moto = ThreadedMotoServer(ip_address=processes.HOST, port=0, verbose=False)
        self._moto.start()
        host, port = self._moto.get_host_and_port()
        moto_endpoint = f"http://{host}:{port}"
        try:
            self._timestream = TimestreamServer(
                db_path=None, host=processes.HOST, port=0, s3_endpoint_url=moto_endpoint
            )
            timestream_endpoint = self._timestream.start()
            return provision(
                self.settings, moto_endpoint=moto_endpoint, timestream_endpoint=timestream_endpoint
            )
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        if self._timestream is not None:
            self._timestream.stop()
            self._timestream = None
        if self._moto is not None:
            self._moto.stop()
            self._moto = None


def running_state(state_path: Path = DEFAULT_STATE_PATH) -> LocalStackState | None:
    """The saved state when every server it names is still alive and ours; else None."""
    state = LocalStackState.load(state_path)
    if state is None or set(state.pids) != set(SERVER_MODULES):
        return None
    if all(processes.is_ours(pid, SERVER_MODULES[name]) for name, pid in state.pids.items()):
        return state
    return None


def up(settings: Settings, state_path: Path = DEFAULT_STATE_PATH) -> tuple[LocalStackState, bool]:
    """Start the servers detached (or reuse running ones), provision, save the state.

    Returns the state and whether this call started the servers.
    """
    existing = running_state(state_path)
    if existing is not None:
        return provision_existing(settings, existing, state_path), False
    down(state_path)  # clear a stale state whose servers died
    state_dir = state_path.parent
    logs = state_dir / "logs"
    moto_port, timestream_port = processes.free_port(), processes.free_port()
    moto_endpoint = f"http://{processes.HOST}:{moto_port}"
    timestream_endpoint = f"http://{processes.HOST}:{timestream_port}"
    started: dict[str, int] = {}
    try:
        moto = processes.spawn(MOTO_MODULE, ["-H", processes.HOST, "-p", str(moto_port)], logs / "moto.log")
        started["moto"] = moto.pid
        processes.wait_until_ready(
            "moto server",
            moto,
            moto_port,
            logs / "moto.log",
            lambda: client("s3", moto_endpoint).list_buckets(),
        )
        database = state_dir / TIMESTREAM_DB_FILE
        database.unlink(missing_ok=True)  # the lake (moto) starts empty, so the tables do too
        arguments = [
            "serve",
            "--port",
            str(timestream_port),
            "--db",
            str(database),
            "--s3-endpoint",
            moto_endpoint,
        ]
        timestream = processes.spawn(TIMESTREAM_MODULE, arguments, logs / "timestream.log")
        started["timestream"] = timestream.pid
        processes.wait_until_ready(
            "local Timestream",
            timestream,
            timestream_port,
            logs / "timestream.log",
            lambda: client("timestream-write", timestream_endpoint).list_databases(),
        )
        state = provision(settings, moto_endpoint=moto_endpoint, timestream_endpoint=timestream_endpoint)
    except BaseException:
        for name, pid in started.items():
            processes.stop_pid(pid, SERVER_MODULES[name])
        raise
    state = _with_pids(state, started)
    state.save(state_path)
    return state, True


def provision_existing(settings: Settings, state: LocalStackState, state_path: Path) -> LocalStackState:
    """Re-create any missing resource on running servers (idempotent) and keep the saved pids."""
    fresh = provision(
        settings, moto_endpoint=state.moto_endpoint, timestream_endpoint=state.timestream_endpoint
    )
    fresh = _with_pids(fresh, state.pids)
    fresh.save(state_path)
    return fresh


def down(state_path: Path = DEFAULT_STATE_PATH) -> list[str]:
    """Stop the servers named in the state (only if they are ours), remove the state; returns what stopped."""
    state = LocalStackState.load(state_path)
    stopped = []
    if state is not None:
        for name, pid in sorted(state.pids.items()):
            module = SERVER_MODULES.get(name)
            if module and processes.stop_pid(pid, module):
                stopped.append(f"{name} (pid {pid})")
        state_path.unlink(missing_ok=True)
    (state_path.parent / TIMESTREAM_DB_FILE).unlink(missing_ok=True)
    shutil.rmtree(state_path.parent / "esm", ignore_errors=True)
    return stopped


def _with_pids(state: LocalStackState, pids: dict[str, int]) -> LocalStackState:
    return replace(state, pids=dict(pids))


def checkpoint_dir(state_path: Path = DEFAULT_STATE_PATH) -> Path:
    """Where the local event source mappings keep their checkpoints (removed by `down`)."""
    return state_path.parent / "esm"
