"""CPU seconds (user + system) per process, read from /proc: the figure load does not distort much.

Wall time on 2 shared cores says little about what each process costs; its CPU time does. `CpuSampler`
runs a command and splits the CPU it used between the command's own process and its descendants (the
mapping's function workers), sampling the descendants while they live since they are gone, killed by the
command itself, by the time it exits.
"""

from __future__ import annotations

import os
import resource
import subprocess
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
SAMPLE_SECONDS = 0.1


def cpu_seconds(pid: int) -> float:
    """The live process's user + system CPU seconds (0.0 when it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14 and 15 of stat)


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            text = Path(f"/proc/{pid}/task/{task}/children").read_text(encoding="ascii")
        except OSError:
            continue
        found.extend(int(child) for child in text.split())
    return found


def _descendants(pid: int) -> list[int]:
    found, frontier = [], [pid]
    while frontier:
        children = _children(frontier.pop())
        found.extend(children)
        frontier.extend(children)
    return found


def children_cpu() -> float:
    """CPU seconds of this process's finished (waited-for) children and their waited descendants."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_measured(
    argv: Sequence[str], *, cwd: Path, env: Mapping[str, str]
) -> tuple[subprocess.CompletedProcess[str], float, float]:
    """Run `argv` to its end; its result, the CPU seconds of its own process and of its descendants.

    The total is exact (getrusage of waited children); the descendants' share is their last sample, so
    up to SAMPLE_SECONDS of a descendant's CPU may be counted as the command's own.
    """
    before = children_cpu()
    process = subprocess.Popen(
        list(argv), cwd=cwd, env=dict(env), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    last: dict[int, float] = {}
    done = threading.Event()

    def sample() -> None:
        while not done.wait(SAMPLE_SECONDS):
            for pid in _descendants(process.pid):
                last[pid] = max(last.get(pid, 0.0), cpu_seconds(pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    done.set()
    sampler.join()
    total = children_cpu() - before
    descendants = min(total, sum(last.values()))
    result = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    return result, total - descendants, descendants
