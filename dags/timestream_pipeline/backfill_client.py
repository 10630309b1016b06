"""What a backfill does over a Transport: create (or plan) it, list its runs, tell whether it is done.

Airflow's REST API does not say which runs a backfill made (the run's `backfill_id` is not in the
response, on 3.0 or 3.3). A backfill creates its runs queued, or re-queues the existing runs it
reprocesses, all before its POST returns; a run queues again only when it is cleared or reprocessed.
So this backfill's runs are the range's backfill runs queued at or after the backfill was created:
a re-trigger that reprocesses nothing counts 0, however many older runs the range holds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from timestream_pipeline.backfill_request import (
    ApiCall,
    BackfillRequest,
    backfill_call,
    backfill_runs_call,
    get_backfill_call,
)
from timestream_pipeline.backfill_transport import BackfillApiError, Transport

PAGE_SIZE = 100
# Airflow answers 503 when its metadata database is locked (it undoes a half-made backfill first, so
# sending the same call again is safe); on SQLite that happens whenever the scheduler is busy.
RETRIED_STATUSES = frozenset({503})
ATTEMPTS = 4
FIRST_RETRY_DELAY_SECONDS = 2.0
FAILED_STATES = frozenset({"failed"})
FINISHED_STATES = frozenset({"success", "failed"})


@dataclass(frozen=True)
class BackfillOutcome:
    """What Airflow answered: the new backfill's id (None for a dry run) and its runs' logical dates."""

    backfill_id: int | None
    logical_dates: tuple[str, ...]

    def describe(self, request: BackfillRequest) -> str:
        conf = request.to_conf()
        if self.backfill_id is None:
            return (
                f"dry run of {request.dag_id} [{conf['from_date']}, {conf['to_date']}]: "
                f"would create or re-run {len(self.logical_dates)} run(s)"
            )
        return (
            f"backfill {self.backfill_id} of {request.dag_id} [{conf['from_date']}, {conf['to_date']}]: "
            f"{len(self.logical_dates)} run(s) created or re-queued "
            f"(reprocess_behavior={request.reprocess_behavior})"
        )


@dataclass(frozen=True)
class BackfillProgress:
    """A completed-or-not backfill, when it was created, and the states of the runs it made."""

    completed: bool
    runs: tuple[dict[str, Any], ...]
    created_at: datetime | None = None

    @property
    def failed_runs(self) -> tuple[dict[str, Any], ...]:
        return tuple(run for run in self.runs if run.get("state") in FAILED_STATES)


def send(transport: Transport, call: ApiCall, *, sleep: Any = time.sleep) -> Any:
    """One call, sent again (2 s, 4 s, 8 s later) while Airflow answers that its database is locked."""
    for attempt in range(ATTEMPTS):
        try:
            return transport.send(call)
        except BackfillApiError as error:
            if error.status not in RETRIED_STATUSES or attempt == ATTEMPTS - 1:
                raise
            sleep(FIRST_RETRY_DELAY_SECONDS * 2**attempt)
    raise AssertionError("unreachable")


def _moment(value: Any) -> datetime | None:
    """An API timestamp (ISO 8601, `Z` or an offset) as an aware datetime; None when absent."""
    if not value:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _queued_since(run: dict[str, Any], since: datetime | None) -> bool:
    queued = _moment(run.get("queued_at"))
    return since is None or (queued is not None and queued >= since)


def list_backfill_runs(
    transport: Transport, request: BackfillRequest, created_at: datetime | None
) -> tuple[dict[str, Any], ...]:
    """The runs of the backfill created at `created_at` (every backfill run of the range if None)."""
    runs: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = send(transport, backfill_runs_call(request, offset, PAGE_SIZE)) or {}
        batch = page.get("dag_runs", [])
        # dag_id_pattern is a substring match: keep only this DAG's runs, and only this backfill's.
        runs += [
            run for run in batch if run.get("dag_id") == request.dag_id and _queued_since(run, created_at)
        ]
        offset += len(batch)
        if len(batch) < PAGE_SIZE:
            return tuple(runs)


def start_backfill(transport: Transport, request: BackfillRequest) -> BackfillOutcome:
    """Create the backfill (or its dry run) with one call, then read back the runs it made."""
    response = send(transport, backfill_call(request)) or {}
    if request.dry_run:
        dates = tuple(str(item.get("logical_date")) for item in response.get("backfills", []))
        return BackfillOutcome(None, dates)
    runs = list_backfill_runs(transport, request, _moment(response.get("created_at")))
    return BackfillOutcome(int(response["id"]), tuple(str(run.get("logical_date")) for run in runs))


def backfill_progress(transport: Transport, request: BackfillRequest, backfill_id: int) -> BackfillProgress:
    """Whether the scheduler has finished the backfill; its runs only once it has."""
    backfill = send(transport, get_backfill_call(backfill_id)) or {}
    created_at = _moment(backfill.get("created_at"))
    if backfill.get("completed_at") is None:
        return BackfillProgress(False, (), created_at)
    return BackfillProgress(True, list_backfill_runs(transport, request, created_at), created_at)
