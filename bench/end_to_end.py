"""End to end through the user's commands: generator -> Kinesis -> mapping -> handler -> local Timestream.

    .venv/bin/python bench/end_to_end.py [--sizes 10000 100000 1000000] [--repo PATH] [--quick]

For each size, on a fresh local stack of its own (a state file in a temporary folder, so a stack you
have running is left alone), exactly what a user types, each timed as a whole process:
  python -m local --state-file S up
  python -m generators devops --count N --hours-back 1 --seed 16 --no-local-stack --endpoint-url ... \
      --stream ... --region ...   (with the local stack's fake credentials in the environment)
  python -m local --state-file S esm
then every record is counted in Timestream (a run that lost any is an error, not a figure) and the stack
is stopped. It prints the time per stage, records/s end to end (generator start to the mapping's
exit), the per-record cost relative to the smallest size (1.00 = linear), the servers' peak memory and
the wait that implies for an hour and a day of the seed's DevOps fleet. Each command's start-up (1-3 s
of imports) is in its stage's time, so the smallest size's cost per record carries more fixed cost.
`--repo` runs the commands in another checkout (e.g. an older commit, for a before/after comparison).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import harness
from process_cpu import cpu_seconds, run_measured

# The seed's DevOps fleet: 1,000 hosts x 20 metrics a minute (the generator also sends 6 events per host).
FLEET_RECORDS_PER_HOUR = 1_000 * 20 * 60
# What a user exports to point a generator at a local endpoint by hand (moto takes any credentials).
# The processes that run during `python -m local esm` (the others run while the generator sends).
MAPPING_STAGE = ("mapping", "functions", "moto reads", "timestream")
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


@dataclass(frozen=True)
class Run:
    records: int
    up: float
    generate: float
    mapping: float
    moto_peak_mib: float
    timestream_peak_mib: float
    cpu: dict[str, float]  # CPU seconds (user + system) per process and stage, see CPU_PARTS

    @property
    def cpu_per_record_us(self) -> dict[str, float]:
        return {part: seconds / self.records * 1e6 for part, seconds in self.cpu.items()}

    @property
    def end_to_end(self) -> float:
        return self.generate + self.mapping

    @property
    def per_record(self) -> float:
        return self.end_to_end / self.records


@dataclass(frozen=True)
class Command:
    seconds: float
    output: str  # stdout + stderr
    own_cpu: float  # CPU seconds of the command's process
    descendants_cpu: float  # and of the processes it started (the mapping's function workers)


def command(repo: Path, *arguments: str) -> Command:
    """Run `python -m ...` in `repo` as the user would: its time, output and CPU."""
    environment = {**os.environ, **FAKE_CREDENTIALS}
    started = time.perf_counter()
    result, own, descendants = run_measured([sys.executable, "-m", *arguments], cwd=repo, env=environment)
    elapsed = time.perf_counter() - started
    if result.returncode:
        raise SystemExit(
            f"`python -m {' '.join(arguments)}` failed ({result.returncode}):\n{result.stderr[-3000:]}"
        )
    return Command(elapsed, result.stdout + result.stderr, own, descendants)


def servers_cpu(state: dict[str, Any]) -> dict[str, float]:
    return {name: cpu_seconds(state["pids"][name]) for name in ("moto", "timestream")}


def peak_mib(pid: int) -> float:
    """A live process's peak resident memory (VmHWM), in MiB."""
    status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    match = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(match.group(1)) / 1024 if match else float("nan")


def stored_records(state: dict[str, str]) -> int:
    """Rows in the raw table, read through the local Timestream's Query API."""
    harness.on_path("")
    from local.resources import client

    query = client("timestream-query", state["timestream_endpoint"])
    sql = f'SELECT count(*) FROM "{state["database"]}"."{state["raw_table"]}"'
    return int(query.query(QueryString=sql)["Rows"][0]["Data"][0]["ScalarValue"])


def run_size(repo: Path, records: int) -> Run:
    with tempfile.TemporaryDirectory(prefix="bench-e2e-") as folder:
        state_file = str(Path(folder) / "stack.json")
        up = command(repo, "local", "--state-file", state_file, "up").seconds
        try:
            state = json.loads(Path(state_file).read_text(encoding="utf-8"))
            at_start = servers_cpu(state)
            generate = command(
                repo, "generators", "devops", "--count", str(records), "--hours-back", "1", "--seed", "16",
                "--no-local-stack", "--endpoint-url", state["moto_endpoint"], "--stream", state["raw_stream"],
                "--region", state["region"],
            )  # fmt: skip
            generated = servers_cpu(state)
            mapping = command(repo, "local", "--state-file", state_file, "esm")
            mapped = servers_cpu(state)
            stored = stored_records(state)
            if stored != records:
                raise SystemExit(
                    f"{records:,} records sent but {stored:,} stored; the mapping said:\n{mapping.output}"
                )
            moto, timestream = (peak_mib(state["pids"][name]) for name in ("moto", "timestream"))
        finally:
            command(repo, "local", "--state-file", state_file, "down")
    cpu = {
        "generator": generate.own_cpu,
        "moto puts": generated["moto"] - at_start["moto"],
        "mapping": mapping.own_cpu,
        "functions": mapping.descendants_cpu,
        "moto reads": mapped["moto"] - generated["moto"],
        "timestream": mapped["timestream"] - generated["timestream"],
    }
    return Run(records, up, generate.seconds, mapping.seconds, moto, timestream, cpu)


def report(run: Run, smallest: Run, previous: Run) -> None:
    relative = f"{run.per_record / smallest.per_record:.2f}x the {smallest.records:,} run"
    if previous is not smallest:
        relative += f", {run.per_record / previous.per_record:.2f}x the {previous.records:,} run"
    harness.say(
        f"  {run.records:>9,} records: up {run.up:.1f} s | generator + PutRecords {run.generate:.1f} s "
        f"({run.records / run.generate:,.0f} rec/s) | mapping + handler + Timestream {run.mapping:.1f} s "
        f"({run.records / run.mapping:,.0f} rec/s) | end to end {run.end_to_end:.1f} s = "
        f"{run.records / run.end_to_end:,.0f} rec/s | per-record cost {relative} | peak RSS moto "
        f"{run.moto_peak_mib:.0f} MiB, Timestream {run.timestream_peak_mib:.0f} MiB"
    )
    parts = run.cpu_per_record_us
    harness.say(
        "    CPU (user + sys) per record: "
        + ", ".join(f"{part} {micros:.0f} us" for part, micros in parts.items())
        + f"; total {sum(parts.values()):.0f} us, of which the mapping's stage "
        f"{sum(parts[p] for p in MAPPING_STAGE):.0f} us"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000], help="records per run"
    )
    parser.add_argument(
        "--repo", type=Path, default=harness.REPO_ROOT, help="checkout to run the commands in"
    )
    args = harness.parse_args(parser.description or "", argv, parser)
    sizes = [1_000] if args.quick else sorted(args.sizes)
    repo = args.repo.resolve()
    print(
        f"end to end through the user's commands in {repo} "
        "(DevOps single-measure records, one stack per size):"
    )
    runs = []
    for size in sizes:
        runs.append(run_size(repo, size))
        report(runs[-1], runs[0], runs[-2] if len(runs) > 1 else runs[0])
    largest = runs[-1]
    rate = harness.Figure(
        f"  end to end, {largest.records:,} records", largest.records / largest.end_to_end, "rec/s"
    )
    for smaller in reversed(runs[:-1]):  # a rate that holds as the size grows is a linear cost
        harness.compare(
            rate,
            harness.Figure(f"{smaller.records:,} records", smaller.records / smaller.end_to_end, "rec/s"),
        )
    hour = FLEET_RECORDS_PER_HOUR * largest.per_record
    harness.say(
        f"  at the {largest.records:,}-record run's cost per record, an hour of the seed's DevOps fleet "
        f"(1,000 hosts x 20 metrics a minute = {FLEET_RECORDS_PER_HOUR:,} records) takes "
        f"{hour / 60:,.1f} min to go through, a day {24 * hour / 3600:,.1f} h "
        "(if the cost per record stays as measured)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
