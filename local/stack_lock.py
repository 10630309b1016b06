"""One user of a checkout's local stack at a time.

`demo` holds the lock for its whole run; `up`, `down`, `restart` and `reset` while they change the stack.
A second one gets one line naming the holder. The lock is an advisory `flock` on `.local/stack.lock`,
which the kernel releases when its holder exits, however it exits: the lock of a killed demo is simply
taken over. The file holds the holder's pid and activity; a holder that ends normally empties it, so a
non-empty file found by the next holder is the trace of one that was killed.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

LOCK_FILE = "stack.lock"


@dataclass(frozen=True)
class Holder:
    pid: int
    activity: str  # "demo", "up", "down", ...

    def describe(self) -> str:
        if self.activity == "demo":
            return f"a demo is already running (pid {self.pid})"
        return f"`python -m local {self.activity}` is already running (pid {self.pid})"


class StackBusyError(RuntimeError):
    """Another process holds the stack's lock; the message names it."""

    def __init__(self, holder: Holder | None, lock_path: Path) -> None:
        self.holder = holder
        what = holder.describe() if holder else f"another process holds {lock_path}"
        super().__init__(f"{what} on this checkout's local stack; wait for it to end and try again")


@contextmanager
def stack_lock(state_dir: Path, activity: str) -> Iterator[Holder | None]:
    """Hold the lock for `activity`; yields the killed holder whose lock was taken over, if any."""
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StackBusyError(_holder_when_busy(fd), path) from None
        stale = _read_holder(fd)
        _write(fd, json.dumps({"pid": os.getpid(), "activity": activity}))
        try:
            yield stale
        finally:
            _write(fd, "")  # a clean end leaves no trace
    finally:
        os.close(fd)  # releases the lock


def _holder_when_busy(fd: int) -> Holder | None:
    """The holder writes its name right after taking the lock: give it a moment if we raced it."""
    for _ in range(10):
        holder = _read_holder(fd)
        if holder is not None:
            return holder
        time.sleep(0.05)
    return None


def _read_holder(fd: int) -> Holder | None:
    text = os.pread(fd, 4096, 0).decode("utf-8", errors="replace").strip()
    try:
        document = json.loads(text) if text else None
        return Holder(int(document["pid"]), str(document["activity"])) if document else None
    except (ValueError, KeyError, TypeError):
        return None


def _write(fd: int, text: str) -> None:
    os.ftruncate(fd, 0)
    os.pwrite(fd, text.encode("utf-8"), 0)
