"""`make demo`: the whole pipeline on this machine, stage by stage, then a summary of what each stage did.

generate -> Kinesis (moto) -> local event source mapping -> ingest Lambda -> local Timestream ->
export DAGs (Airflow dag.test on SQLite) -> S3 (moto) -> backfill of one hour -> summary -> the seed's
join over the lake.
Re-runnable: the window is the last whole hours, the data is seeded, and every write is idempotent.
"""

from __future__ import annotations

import os
import shlex
import signal
import sys
import time
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from local import demo_lake, demo_stages, demo_summary
from local.airflow_env import DAGS_FOLDER
from local.demo_data import Window
from local.demo_log import airflow_log
from local.deployed_config import DeployedFunction, deployed_functions
from local.stack import checkpoint_dir, down, up
from local.stack_commands import took_over
from local.stack_lock import stack_lock
from pipeline_config.local_state import DEFAULT_STATE_PATH, LocalStackState
from pipeline_config.settings import REPO_ROOT, Settings


class Progress:
    """One line per step, with the seconds since the demo started."""

    def __init__(self) -> None:
        self._started = time.monotonic()

    def __call__(self, message: str) -> None:
        print(f"[{time.monotonic() - self._started:5.1f}s] {message}", flush=True)


def _stop_on_signals() -> None:
    """Turn SIGTERM/SIGHUP into SystemExit so the `finally` below stops the servers (Ctrl-C already is)."""
    for number in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, lambda received, _frame: sys.exit(128 + received))


def run_demo(settings: Settings, *, keep: bool, hours: int, state_path: Path = DEFAULT_STATE_PATH) -> int:
    """Run every stage; 1 when any failed. The stack is stopped at the end unless `keep` (or it was
    already running). One demo per checkout at a time: it holds the stack's lock throughout.
    """
    with stack_lock(state_path.parent, "demo") as stale:
        _stop_on_signals()
        took_over(stale)
        return _demo(settings, keep=keep, hours=hours, state_path=state_path)


def _demo(settings: Settings, *, keep: bool, hours: int, state_path: Path) -> int:
    progress = Progress()
    window = Window.last_hours(hours)
    demo_started = datetime.now(UTC)
    progress(
        f"starting the local stack (moto + local Timestream); data for "
        f"{window.start:%Y-%m-%d %H:00}-{window.end:%H:00} UTC"
    )
    # The deployed functions' settings: cached, or a synth of several seconds when the code changed,
    # done while the stack starts and the data is sent rather than after.
    deployed = ThreadPoolExecutor(max_workers=1, thread_name_prefix="synth").submit(deployed_functions)
    state, started = up(settings, state_path)
    progress(
        ("started" if started else "reusing the running stack")
        + f": moto {state.moto_endpoint}, Timestream {state.timestream_endpoint}"
    )
    try:
        failures = _run_stages(settings, state, window, demo_started, progress, state_path, deployed)
        progress("done" if not failures else f"done, with {len(failures)} failure(s):")
        for failure in failures:
            print(f"  FAILED {failure}", flush=True)
        if keep or not started:
            print(how_to_explore(state, state_path))
    finally:
        if started and not keep:
            stopped = down(state_path)
            print(f"stopped the local stack ({', '.join(stopped)}); `make demo KEEP=1` leaves it running")
    return 1 if failures else 0


def airflow_home(state_path: Path) -> Path:
    """The demo's Airflow home (SQLite metadata DB, logs), beside the stack's state."""
    return state_path.parent / "airflow"


def _run_stages(
    settings: Settings,
    state: LocalStackState,
    window: Window,
    since: datetime,
    progress: Progress,
    state_path: Path,
    deployed: Future[dict[str, DeployedFunction]],
) -> list[str]:
    """Run every stage, print the summary; returns one line per failure."""
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")  # quarantines show in the summary instead
    log = airflow_log(state_path.parent)
    generated = demo_stages.generate_and_send(state, window, progress)
    ingested = demo_stages.ingest(state, checkpoint_dir(state_path), progress, deployed.result())
    quarantine = demo_stages.read_quarantine(settings, state, since)
    exports = demo_stages.export_hours(settings, state, window, airflow_home(state_path), progress, log)
    backfill = demo_stages.backfill_one_hour(settings, state, window, exports, progress, log)
    print()
    print(demo_summary.summary(settings, state, window, generated, ingested, quarantine, exports, backfill))
    print()
    failures: list[str] = []
    try:
        print(demo_lake.seed_join(settings, state, progress))
        print()
    except Exception as error:  # one line in the failure list, the demo's other stages still count
        failures.append(f"the seed's join over the lake: {type(error).__name__}: {error}")
    where = f"(Airflow's log: {shlex.quote(str(log))})"
    failures += [
        f"mapping {role}: {stats.records_kept} records kept for replay in s3://{state.kept_bucket}, "
        f"{stats.records_dropped} dropped (`python -m local replay`)"
        for role, stats in ingested.items()
        if stats.records_kept or stats.records_dropped
    ]
    failures += [
        f"export {e.export} {e.hour:%Y-%m-%d %H:00}: {e.error or 'the run did not succeed'} {where}"
        for e in exports
        if e.failed
    ]
    if backfill.failed:
        failures.append(
            f"backfill of {backfill.dag_id}: runs {backfill.run_states}, unchanged: "
            f"{backfill.unchanged} {where}"
        )
    return failures


def how_to_explore(state: LocalStackState, state_path: Path) -> str:
    """Commands to poke at the running stack, shell-quoted; Airflow's paths absolute (it needs them)."""
    local = ".venv/bin/python -m local"
    if state_path.resolve() != DEFAULT_STATE_PATH.resolve():
        local += f" --state-file {shlex.quote(str(state_path.resolve()))}"
    home = airflow_home(state_path).resolve()
    ui_environment = (
        f"AIRFLOW_HOME={shlex.quote(str(home))} AIRFLOW__CORE__DAGS_FOLDER={shlex.quote(str(DAGS_FOLDER))}"
    )
    passwords = shlex.quote(str(home / "simple_auth_manager_passwords.json.generated"))
    sql = f"SELECT count(*) FROM {state.database}.{state.raw_table}"
    lines = [
        f"The stack is still running. In the repository (cd {shlex.quote(str(REPO_ROOT))}), poke at it:",
        f"  {local} query {shlex.quote(sql)}",
        f"  {local} status",
        f"  moto (S3, Kinesis, SQS): {state.moto_endpoint}   Timestream: {state.timestream_endpoint}",
        f"  boto3.client('s3', endpoint_url='{state.moto_endpoint}')"
        f".list_objects_v2(Bucket='{state.bucket}', Prefix='exports/')",
        "  .venv/bin/python -m generators sensors --count 1000   (finds the local stack)",
        f"  {local} esm   (the local event source mappings run the deployed functions on what arrived)",
        f"  {local} replay   (what the mappings gave up on and kept; --apply puts it back on its stream)",
        "  Airflow UI: make airflow   (a real Airflow on dags/ over this stack; prints the URL and login)",
        f"  Airflow UI over the demo runs: {ui_environment} .venv/bin/airflow api-server",
        f"    then http://localhost:8080 as admin, with the password in {passwords}",
        f"  Stop it: {local} down   (or make local-down; the data stays until make local-reset)",
    ]
    return "\n".join(lines)
