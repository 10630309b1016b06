"""The local stack: a moto server (S3, Kinesis, SQS, ...) and the local Timestream, on 127.0.0.1.

Two ways to run it:
- `InProcessStack` (tests): both servers on threads of this process, gone when it stops.
- `up()` / `down()` (`make local-up` / `make local-down`, `make demo`): detached server processes whose
  pids go into `.local/stack.json`; `down` stops exactly those pids. The data stays (see stack_data):
  the next `up`, or `restart` of one server, brings it back. Only `reset` deletes it.
"""

from __future__ import annotations

import logging
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import requests

from local import processes, stack_data
from local.resources import client, provision
from local.stack_data import checkpoint_dir
from pipeline_config.local_state import DEFAULT_STATE_PATH, LocalStackState
from pipeline_config.settings import Settings

MOTO_MODULE = "local.moto_server"  # moto's server, with Kinesis at a constant cost per record
TIMESTREAM_MODULE = "local.timestream"
SERVER_MODULES = {"moto": MOTO_MODULE, "timestream": TIMESTREAM_MODULE}
__all__ = ["InProcessStack", "checkpoint_dir", "down", "reset", "restart", "running_state", "up"]


class StackNotRunningError(RuntimeError):
    """A command needs the running local stack and there is none."""


class InProcessStack:
    """Both servers on threads of this process, resources provisioned; use as a context manager.

    moto keeps its accounts in module globals, so every moto server of a process shares them: a stack
    started after another would read the streams, buckets and tables the first one left. `start` therefore
    empties moto first, and only one in-process stack may run at a time.
    """

    _running: InProcessStack | None = None

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

        if InProcessStack._running is not None:
            raise RuntimeError("an in-process local stack is already running: stop that one first")
        moto_server.install()

        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
        self._moto = ThreadedMotoServer(ip_address=processes.HOST, port=0, verbose=False)
        self._moto.start()
        host, port = self._moto.get_host_and_port()
        moto_endpoint = f"http://{host}:{port}"
        InProcessStack._running = self
        try:
            requests.post(f"{moto_endpoint}/moto-api/reset", timeout=30).raise_for_status()
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
        if InProcessStack._running is self:
            InProcessStack._running = None


def running_state(state_path: Path = DEFAULT_STATE_PATH) -> LocalStackState | None:
    """The saved state when every server it names is still alive and ours; else None."""
    state = LocalStackState.load(state_path)
    if state is None or set(state.pids) != set(SERVER_MODULES):
        return None
    if all(processes.is_ours(pid, SERVER_MODULES[name]) for name, pid in state.pids.items()):
        return state
    return None


def up(settings: Settings, state_path: Path = DEFAULT_STATE_PATH) -> tuple[LocalStackState, bool]:
    """Start the servers detached with the stack's data (or reuse running ones), provision, save the state.

    Returns the state and whether this call started the servers.
    """
    existing = running_state(state_path)
    if existing is not None:
        return provision_existing(settings, existing, state_path), False
    down(state_path)  # what is left of a stack that crashed (one server may still run); data stays
    started: dict[str, int] = {}
    try:
        started["moto"], moto_endpoint = _start_moto(state_path, processes.free_port())
        started["timestream"], timestream_endpoint = _start_timestream(
            state_path, processes.free_port(), moto_endpoint
        )
        state = provision(settings, moto_endpoint=moto_endpoint, timestream_endpoint=timestream_endpoint)
    except BaseException:
        for name, pid in started.items():
            processes.stop_pid(pid, SERVER_MODULES[name])
        raise
    state = _with_pids(state, started)
    state.save(state_path)
    return state, True


def restart(settings: Settings, server: str, state_path: Path = DEFAULT_STATE_PATH) -> LocalStackState:
    """Stop one server and start it again on the same port, with its data; the other keeps running."""
    state = running_state(state_path)
    if state is None:
        raise StackNotRunningError("the local stack is not running: start it with `make local-up`")
    processes.stop_pid(state.pids[server], SERVER_MODULES[server])
    if server == "moto":
        pid, _ = _start_moto(state_path, _port(state.moto_endpoint))
    else:
        pid, _ = _start_timestream(state_path, _port(state.timestream_endpoint), state.moto_endpoint)
    restarted = _with_pids(state, {**state.pids, server: pid})
    restarted.save(state_path)
    return provision_existing(settings, restarted, state_path)


def _start_moto(state_path: Path, port: int) -> tuple[int, str]:
    """moto, recording every request; a recording left by an earlier run is replayed first."""
    endpoint = f"http://{processes.HOST}:{port}"
    log = stack_data.moto_log(state_path)
    process = processes.spawn(
        MOTO_MODULE,
        ["-H", processes.HOST, "-p", str(port)],
        log,
        env={**os.environ, **stack_data.moto_environment(state_path)},
    )
    try:
        processes.wait_until_ready(
            "moto server", process, port, log, lambda: client("s3", endpoint).list_buckets()
        )
        stack_data.replay_moto_state(endpoint, state_path)
    except BaseException:
        processes.stop_pid(process.pid, MOTO_MODULE)
        raise
    return process.pid, endpoint


def _start_timestream(state_path: Path, port: int, moto_endpoint: str) -> tuple[int, str]:
    """The local Timestream on its DuckDB file (kept across restarts), UNLOAD going to moto's S3."""
    endpoint = f"http://{processes.HOST}:{port}"
    log = state_path.parent / "logs" / "timestream.log"
    database = stack_data.timestream_db(state_path)
    arguments = ["serve", "--port", str(port), "--db", str(database), "--s3-endpoint", moto_endpoint]
    process = processes.spawn(TIMESTREAM_MODULE, arguments, log)
    processes.wait_until_ready(
        "local Timestream",
        process,
        port,
        log,
        lambda: client("timestream-write", endpoint).list_databases(),
    )
    return process.pid, endpoint


def provision_existing(settings: Settings, state: LocalStackState, state_path: Path) -> LocalStackState:
    """Re-create any missing resource on running servers (idempotent) and keep the saved pids."""
    fresh = provision(
        settings, moto_endpoint=state.moto_endpoint, timestream_endpoint=state.timestream_endpoint
    )
    fresh = _with_pids(fresh, state.pids)
    fresh.save(state_path)
    return fresh


def down(state_path: Path = DEFAULT_STATE_PATH) -> list[str]:
    """Stop the servers named in the state (only if they are ours) and forget them; the data stays."""
    state = LocalStackState.load(state_path)
    stopped = []
    if state is not None:
        for name, pid in sorted(state.pids.items()):
            module = SERVER_MODULES.get(name)
            if module and processes.stop_pid(pid, module):
                stopped.append(f"{name} (pid {pid})")
        state_path.unlink(missing_ok=True)
    return stopped


def reset(state_path: Path = DEFAULT_STATE_PATH) -> tuple[list[str], list[Path]]:
    """Stop the stack and delete its data: returns what was stopped and what was deleted."""
    stopped = down(state_path)
    return stopped, stack_data.delete_data(state_path)


def _with_pids(state: LocalStackState, pids: dict[str, int]) -> LocalStackState:
    return replace(state, pids=dict(pids))


def _port(endpoint: str) -> int:
    return int(endpoint.rsplit(":", 1)[1])
