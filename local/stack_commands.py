"""`python -m local up|down|restart|reset`: each holds the stack's lock while it changes the stack.

Only `reset` deletes data, and only after a "yes" typed at a terminal or `--yes`.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from local import stack, stack_data
from local.stack_lock import Holder, stack_lock
from pipeline_config.settings import Settings


def took_over(stale: Holder | None) -> None:
    """Say so when the lock of a killed run was taken over (its servers may be left; `up` handles it)."""
    if stale is not None:
        print(f"(the lock of {stale.activity} pid {stale.pid}, which was killed, was taken over)")


def up(settings: Settings, _arguments: argparse.Namespace, state_path: Path) -> int:
    with stack_lock(state_path.parent, "up") as stale:
        took_over(stale)
        kept = stack_data.existing_data(state_path)
        state, started = stack.up(settings, state_path)
    print(
        ("started" if started else "already running") + f": moto {state.moto_endpoint}, "
        f"Timestream {state.timestream_endpoint} (state in {shlex.quote(str(state_path))})"
    )
    if started and kept:
        print("with the data of the previous run (`make local-reset` deletes it)")
    return 0


def down(_settings: Settings, _arguments: argparse.Namespace, state_path: Path) -> int:
    with stack_lock(state_path.parent, "down"):
        stopped = stack.down(state_path)
    print("stopped " + ", ".join(stopped) if stopped else "no local stack was running")
    if stack_data.existing_data(state_path):
        print("its data stays in " + shlex.quote(str(state_path.parent)) + " (`make local-reset` deletes it)")
    return 0


def restart(settings: Settings, arguments: argparse.Namespace, state_path: Path) -> int:
    with stack_lock(state_path.parent, "restart"):
        state = stack.restart(settings, arguments.server, state_path)
    print(f"restarted {arguments.server} (pid {state.pids[arguments.server]}) with its data")
    return 0


def reset(_settings: Settings, arguments: argparse.Namespace, state_path: Path) -> int:
    data = stack_data.existing_data(state_path)
    if not arguments.yes and not _confirmed(data):
        return 1
    with stack_lock(state_path.parent, "reset"):
        stopped, deleted = stack.reset(state_path)
    if stopped:
        print("stopped " + ", ".join(stopped))
    print("deleted " + ", ".join(shlex.quote(str(p)) for p in deleted) if deleted else "there was no data")
    return 0


def _confirmed(data: list[Path]) -> bool:
    listed = ", ".join(shlex.quote(str(p)) for p in data) or "nothing yet"
    if not sys.stdin.isatty():
        print(
            f"error: reset deletes the local stack's data ({listed}); "
            "confirm with --yes (make local-reset YES=1)",
            file=sys.stderr,
        )
        return False
    answer = input(f"Stop the local stack and delete its data ({listed})? [y/N] ")
    return answer.strip().lower() in ("y", "yes")
