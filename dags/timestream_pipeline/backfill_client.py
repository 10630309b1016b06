"""What a backfill does over a Transport: create (or plan) it, list its runs, tell whether it is done."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from timestream_pipeline.backfill_request import (
    BackfillRequest,
    backfill_call,
    backfill_runs_call,
    get_backfill_call,
)
from timestream_pipeline.backfill_transport import Transport

PAGE_SIZE = 100
FAILED_STATES = frozenset({"failed"})
FINISHED_STATES = frozenset({"success", "failed"})


@dataclass(frozen=True)
class BackfillOutcome:
    """What Airflow answered: the new backfill's id (None for a dry run) and its runs' logical dates."""

    backfill_id: int | None
    logical_dates: tuple[str, ...]

    def describe(self, request: BackfillRequest) -> str:
        what = f"backfill {self.backfill_id}" if self.backfill_id is not None else "dry run"
        return (
            f"{what} of {request.dag_id} [{request.to_conf()['from_date']}, "
            f"{request.to_conf()['to_date']}]: {len(self.logical_dates)} run(s)"
        )


@dataclass(frozen=True)
class BackfillProgress:
    """A completed-or-not backfill and the states of its runs."""

    completed: bool
    runs: tuple[dict[str, Any], ...]

    @property
    def failed_runs(self) -> tuple[dict[str, Any], ...]:
        return tuple(run for run in self.runs if run.get("state") in FAILED_STATES)


def list_backfill_runs(transport: Transport, request: BackfillRequest) -> tuple[dict[str, Any], ...]:
    """Every backfill run of the DAG in the request's range, page by page."""
    runs: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = transport.send(backfill_runs_call(request, offset, PAGE_SIZE)) or {}
        batch = page.get("dag_runs", [])
        # dag_id_pattern is a substring match: keep only this DAG's runs.
        runs += [run for run in batch if run.get("dag_id") == request.dag_id]
        offset += len(batch)
        if len(batch) < PAGE_SIZE:
            return tuple(runs)


def start_backfill(transport: Transport, request: BackfillRequest) -> BackfillOutcome:
    """Create the backfill (or its dry run) with one call, then read back its runs' logical dates."""
    response = transport.send(backfill_call(request)) or {}
    if request.dry_run:
        dates = tuple(str(item.get("logical_date")) for item in response.get("backfills", []))
        return BackfillOutcome(None, dates)
    runs = list_backfill_runs(transport, request)
    return BackfillOutcome(int(response["id"]), tuple(str(run.get("logical_date")) for run in runs))


def backfill_progress(transport: Transport, request: BackfillRequest, backfill_id: int) -> BackfillProgress:
    """Whether the scheduler has finished the backfill; its runs only once it has."""
    backfill = transport.send(get_backfill_call(backfill_id)) or {}
    if backfill.get("completed_at") is None:
        return BackfillProgress(False, ())
    return BackfillProgress(True, list_backfill_runs(transport, request))
