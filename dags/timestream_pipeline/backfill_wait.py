"""Wait for a backfill without holding a worker slot and without a trigger class of our own.

Airflow's triggerer rebuilds a trigger from its class path and does not put the DAG folder on
sys.path, so a trigger class shipped in dags/ cannot be imported there (nor on MWAA) without
PYTHONPATH. Here the triggerer only sleeps, with Airflow's own TimeDeltaTrigger; each time it wakes
the task, a worker checks the backfill once (one or two REST calls) and either finishes or defers
again. Between checks no worker slot is held.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from airflow.sdk import BaseOperator

from timestream_pipeline import backfill_request as br
from timestream_pipeline.airflow_compat import fail_now, time_delta_trigger

log = logging.getLogger(__name__)
WAIT_TIMEOUT = timedelta(hours=24)
# A deferral normally ends after one poll interval; this only ends a wait whose triggerer is down.
TRIGGERER_BACKSTOP = timedelta(hours=1)


def checked_request(conf: dict[str, Any]) -> br.BackfillRequest:
    """Re-read a request that validate_conf already accepted (XCom carries it as a plain dict)."""
    return br.validate_backfill_conf(conf, allowed_dag_ids=[conf["dag_id"]], max_span_days=10**6)


class WaitForBackfillOperator(BaseOperator):
    """Checks the backfill created upstream every poll interval until it completes; fails if a run failed.

    Returns (XCom) the number of runs the backfill made, or None when there was nothing to wait for:
    a dry run, or a conf without wait_for_completion.
    """

    template_fields = ("request_conf", "backfill_id")

    def __init__(
        self,
        *,
        request_conf: Any,
        backfill_id: Any,
        poll_interval: timedelta | None = None,
        wait_timeout: timedelta = WAIT_TIMEOUT,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.request_conf = request_conf
        self.backfill_id = backfill_id
        self.poll_interval = poll_interval
        self.wait_timeout = wait_timeout

    def execute(self, context: Any) -> int | None:
        """Returns at once when there is nothing to wait for; else checks once and defers."""
        request = checked_request(self.request_conf)
        if self.backfill_id is None or not request.wait_for_completion:
            log.info("nothing to wait for (dry run, or wait_for_completion is false)")
            return None
        return self.check(context)

    def check(self, context: Any, event: Any = None) -> int:
        """One check: the run count when the backfill completed cleanly, else fail or defer again.

        The deadline counts from the backfill's creation (Airflow reports it on every check), so it
        needs no state between resumes and a restart never extends it.
        """
        from timestream_pipeline.backfill_client import backfill_progress
        from timestream_pipeline.backfill_target import transport_from_settings
        from timestream_pipeline.backfill_transport import BackfillApiError

        request = checked_request(self.request_conf)
        what = f"backfill {self.backfill_id} of {request.dag_id}"
        try:
            progress = backfill_progress(transport_from_settings(), request, int(self.backfill_id))
        except BackfillApiError as error:
            raise fail_now(f"could not check {what}: {error}") from None
        if progress.completed:
            failed = [str(run.get("logical_date")) for run in progress.failed_runs]
            if failed:
                raise fail_now(
                    f"{what} finished with {len(failed)} failed run(s) of {len(progress.runs)}: "
                    f"{', '.join(failed)}; fix the cause and re-trigger with reprocess_behavior=failed"
                )
            log.info("%s completed: %d run(s), none failed", what, len(progress.runs))
            return len(progress.runs)
        deadline = (progress.created_at or datetime.now(UTC)) + self.wait_timeout
        if datetime.now(UTC) >= deadline:
            raise fail_now(
                f"{what} still running at the wait deadline {deadline.isoformat()}; the backfill itself "
                "keeps going: follow its runs in the Airflow UI"
            )
        delay = self._poll_interval()
        log.info("%s still running; next check in %.0f s", what, delay.total_seconds())
        self.defer(
            trigger=time_delta_trigger(delay),
            method_name="check",
            timeout=delay + TRIGGERER_BACKSTOP,
        )

    def _poll_interval(self) -> timedelta:
        if self.poll_interval is not None:
            return self.poll_interval
        from timestream_pipeline.runtime_settings import load_runtime_settings

        return timedelta(seconds=load_runtime_settings().backfill_poll_seconds)
