"""The `timestream_backfill` DAG: validate the conf, create a native Airflow backfill, optionally wait.

Airflow validates the conf against the params (JSON Schema) before the run starts; `validate_conf`
then applies what a schema cannot say (no extra keys, from < to, the span limit) before any request.
The target environment comes from the runtime settings, never from the conf (backfill_target.py).
The optional wait sleeps in the triggerer between short checks (backfill_wait.py), so no worker slot
is held while the backfill runs.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import DAG, Param, dag, get_current_context, task

from timestream_pipeline import backfill_request as br
from timestream_pipeline import names
from timestream_pipeline.airflow_compat import fail_now
from timestream_pipeline.backfill_wait import WaitForBackfillOperator, checked_request

log = logging.getLogger(__name__)


def declared_export_dag_ids() -> tuple[str, ...]:
    """The export DAG ids from dags/exports.toml; empty (and logged) if the file is unreadable."""
    from timestream_pipeline.errors import SettingsError
    from timestream_pipeline.exports import load_exports

    try:
        return tuple(names.export_dag_id(spec.name) for spec in load_exports())
    except SettingsError as error:
        log.error("no export DAG can be backfilled: %s", error)
        return ()


def backfill_params(export_dag_ids: Sequence[str]) -> dict[str, Param]:
    """The trigger form / conf schema; Airflow refuses a conf that does not match before the run."""
    dag_id_schema: dict[str, Any] = {"enum": list(export_dag_ids)} if export_dag_ids else {}
    return {
        "dag_id": Param(
            type="string", pattern=br.DAG_ID_PATTERN, description="Export DAG to backfill.", **dag_id_schema
        ),
        "from_date": Param(
            type="string",
            format="date-time",
            pattern=br.UTC_DATETIME_PATTERN,
            description="First logical date, UTC, e.g. 2026-11-01T00:00:00Z.",
        ),
        "to_date": Param(
            type="string",
            format="date-time",
            pattern=br.UTC_DATETIME_PATTERN,
            description="Last logical date (inclusive), UTC, e.g. 2026-11-02T00:00:00Z.",
        ),
        "reprocess_behavior": Param(
            br.DEFAULT_REPROCESS_BEHAVIOR,
            type="string",
            enum=list(br.REPROCESS_BEHAVIORS),
            description="Which existing runs to re-run: none, failed or completed.",
        ),
        "max_active_runs": Param(
            br.DEFAULT_MAX_ACTIVE_RUNS,
            type="integer",
            minimum=br.MIN_ACTIVE_RUNS,
            maximum=br.MAX_ACTIVE_RUNS,
            description="Backfill runs at the same time.",
        ),
        "dry_run": Param(False, type="boolean", description="Only list the runs it would create."),
        "wait_for_completion": Param(
            False,
            type="boolean",
            description="Keep this run going until the backfill ends; fail if a run failed.",
        ),
    }


def build_backfill_dag(export_dag_ids: Sequence[str], *, poll_interval: timedelta | None = None) -> DAG:
    """The backfill DAG for these export DAG ids (the DAG file passes the declared ones).

    `poll_interval` is how often the wait checks the backfill; None reads it from the runtime
    settings (`backfill_poll_seconds`) when the task runs; tests shorten it.
    """
    allowed = tuple(sorted(export_dag_ids))

    @dag(
        dag_id=names.BACKFILL_DAG_ID,
        schedule=None,
        start_date=datetime(2024, 1, 1),
        catchup=False,
        max_active_runs=4,
        params=backfill_params(allowed),
        tags=["timestream", "backfill"],
        doc_md=__doc__,
        default_args={"retries": 0},
    )
    def timestream_backfill() -> None:
        @task
        def validate_conf() -> dict[str, Any]:
            """Every rule, every field, before any request; a failure lists all problems at once."""
            from timestream_pipeline.runtime_settings import load_runtime_settings

            context = get_current_context()
            raw_conf = dict(context["dag_run"].conf or {})
            params = context["params"]
            merged = {**{key: params[key] for key in br.ALLOWED_FIELDS if key in params}, **raw_conf}
            settings = load_runtime_settings()
            try:
                request = br.validate_backfill_conf(
                    merged, allowed_dag_ids=allowed, max_span_days=settings.backfill_max_span_days
                )
            except br.BackfillConfError as error:
                raise fail_now(str(error)) from None
            return request.to_conf()

        @task
        def create_backfill(request_conf: dict[str, Any]) -> int | None:
            """POST /backfills (or its dry run) once; logs the backfill id and the runs it made."""
            from timestream_pipeline.backfill_client import start_backfill
            from timestream_pipeline.backfill_target import transport_from_settings
            from timestream_pipeline.backfill_transport import BackfillApiError

            request = checked_request(request_conf)
            try:
                outcome = start_backfill(transport_from_settings(), request)
            except BackfillApiError as error:
                raise fail_now(str(error)) from None
            log.info("%s", outcome.describe(request))
            log.info("logical dates: %s", ", ".join(outcome.logical_dates) or "none")
            return outcome.backfill_id

        request_conf = validate_conf()
        WaitForBackfillOperator(
            task_id="wait_for_backfill",
            request_conf=request_conf,
            backfill_id=create_backfill(request_conf),
            poll_interval=poll_interval,
        )

    return timestream_backfill()
