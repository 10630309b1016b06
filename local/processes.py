"""Start, find and stop the local stack's server processes by pid, and never someone else's.

Servers run as `python -m <module>` argv lists (no shell); a pid read back from `.local/stack.json` is
only signalled when its command line still names our module, since pids are reused.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from pipeline_config.settings import REPO_ROOT

HOST = "127.0.0.1"


def free_port() -> int:
    """A port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def spawn(
    module: str,
    arguments: list[str],
    log_path: Path,
    *,
    cwd: Path = REPO_ROOT,
    env: Mapping[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """`python -m module arguments...` detached from our terminal's signals, output to a log file.

    `cwd` defaults to this checkout, so `-m local.timestream` resolves to it wherever we are run from;
    `env` defaults to ours.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        return subprocess.Popen(  # noqa: S603 - a fixed argv list, no shell
            [sys.executable, "-m", module, *arguments],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            cwd=cwd,
            env=None if env is None else dict(env),
        )


def wait_until_ready(
    name: str, process: subprocess.Popen[bytes], port: int, log_path: Path, probe: Callable[[], None]
) -> None:
    """Wait for the port to accept connections and `probe()` to succeed; explain a failure with the log."""
    deadline = time.monotonic() + 60
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{name} exited with status {process.returncode} on start:\n{_tail(log_path)}")
        try:
            with socket.create_connection((HOST, port), timeout=1):
                pass
            probe()
            return
        except Exception as error:  # not listening yet
            last_error = error
            time.sleep(0.2)
    stop_pid(process.pid, _module_of(process))
    raise SystemExit(f"{name} did not become ready on port {port} in 60 s ({last_error}):\n{_tail(log_path)}")


def _module_of(process: subprocess.Popen[bytes]) -> str:
    return str(process.args[2]) if isinstance(process.args, list) else ""


def _tail(path: Path, lines: int = 20) -> str:
    if not path.is_file():
        return "(no log)"
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def is_ours(pid: int, module: str) -> bool:
    """True when `pid` is alive and its command line is `python -m <module> ...`."""
    cmdline = Path(f"/proc/{pid}/cmdline")
    if cmdline.exists():
        try:
            arguments = cmdline.read_bytes().split(b"\0")
        except OSError:
            return False
        return b"-m" in arguments and module.encode() in arguments
    try:  # no /proc (macOS): ask ps, with a fixed argv list
        output = subprocess.run(  # noqa: S603
            ["ps", "-p", str(pid), "-o", "command="],  # noqa: S607 - ps from PATH on purpose
            capture_output=True,
            text=True,
            check=False,
        ).stdout
    except OSError:
        return False
    return f"-m {module}" in output


def stop_pid(pid: int, module: str, grace_seconds: float = 5.0) -> bool:
    """SIGTERM, then SIGKILL after the grace period; returns False when the pid was not ours to stop."""
    if not is_ours(pid, module):
        return False
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return True
    deadline = time.monotonic() + grace_seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.1)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    return True


def _alive(pid: int) -> bool:
    try:
        finished, _ = os.waitpid(pid, os.WNOHANG)  # reaps it when it is our child
        if finished == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return not _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status")
    try:
        return "\nState:\tZ" in status.read_text(encoding="utf-8")
    except OSError:
        return False
