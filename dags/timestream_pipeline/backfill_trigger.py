"""Wait for a backfill without holding a worker slot: an operator defers to a trigger that polls it.

A backfill can run for hours. The operator defers at once. The triggerer then polls the REST API on
its event loop and wakes the task once, with the outcome. Each check reuses the sync REST client
in a thread (asgiref's `sync_to_async`, as Airflow's own triggers do): the event loop never blocks,
and the Variables and connections it reads go through the triggerer's supervisor.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

from airflow.sdk import BaseOperator
from airflow.triggers.base import BaseTrigger, TriggerEvent

from timestream_pipeline import backfill_request as br

log = logging.getLogger(__name__)
POLL_INTERVAL = timedelta(minutes=2)
WAIT_TIMEOUT = timedelta(hours=24)
# Fixed rather than derived from __module__: the triggerer imports it from the DAG folder (on sys.path),
# whatever name the DAG code used to import this module.
TRIGGER_CLASSPATH = "timestream_pipeline.backfill_trigger.BackfillCompletedTrigger"


def checked_request(conf: dict[str, Any]) -> br.BackfillRequest:
    """Re-read a request that validate_conf already accepted (XCom carries it as a plain dict)."""
    return br.validate_backfill_conf(conf, allowed_dag_ids=[conf["dag_id"]], max_span_days=10**6)


def check_backfill(request_conf: dict[str, Any], backfill_id: int) -> dict[str, Any] | None:
    """One blocking check: None while the scheduler is still running the backfill, else the outcome."""
    from timestream_pipeline.backfill_client import backfill_progress

    # Imported here: the DAG module imports this one, and it owns the settings -> transport choice.
    from timestream_pipeline.backfill_dag import transport_from_settings

    progress = backfill_progress(transport_from_settings(), checked_request(request_conf), backfill_id)
    if not progress.completed:
        return None
    failed = [str(run.get("logical_date")) for run in progress.failed_runs]
    return {"status": "completed", "runs": len(progress.runs), "failed": failed}


class BackfillCompletedTrigger(BaseTrigger):
    """Fires once, when the backfill has completed, the API has failed, or the deadline has passed.

    Its kwargs are plain values (a dict, numbers, a datetime) that Airflow stores and uses to rebuild
    the trigger after a triggerer restart; the deadline is a moment, so a restart never extends the wait.
    """

    def __init__(
        self, *, request_conf: dict[str, Any], backfill_id: int, poll_interval: float, deadline: datetime
    ) -> None:
        super().__init__()
        self.request_conf = dict(request_conf)
        self.backfill_id = int(backfill_id)
        self.poll_interval = float(poll_interval)
        self.deadline = deadline if deadline.tzinfo else deadline.replace(tzinfo=UTC)

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return TRIGGER_CLASSPATH, {
            "request_conf": self.request_conf,
            "backfill_id": self.backfill_id,
            "poll_interval": self.poll_interval,
            "deadline": self.deadline,
        }

    async def run(self) -> AsyncIterator[TriggerEvent]:
        from asgiref.sync import sync_to_async

        # Not thread-sensitive: a slow API call must not queue other triggers' sync calls behind it.
        check = sync_to_async(check_backfill, thread_sensitive=False)
        what = f"backfill {self.backfill_id} of {self.request_conf.get('dag_id')}"
        while True:
            try:
                outcome = await check(self.request_conf, self.backfill_id)
            except Exception as error:  # API refusal, bad settings, missing connection: tell the task
                message = f"could not check {what}: {type(error).__name__}: {error}"
                yield TriggerEvent({"status": "error", "message": message})
                return
            if outcome is not None:
                yield TriggerEvent(outcome)
                return
            remaining = (self.deadline - datetime.now(UTC)).total_seconds()
            if remaining <= 0:
                message = (
                    f"{what} still running at the wait deadline {self.deadline.isoformat()}; the backfill "
                    "itself keeps going: follow its runs in the Airflow UI"
                )
                yield TriggerEvent({"status": "error", "message": message})
                return
            self.log.info("%s still running; next check in %.0f s", what, min(self.poll_interval, remaining))
            await asyncio.sleep(min(self.poll_interval, remaining))


class WaitForBackfillOperator(BaseOperator):
    """Defers until the backfill created upstream completes; fails if any of its runs failed.

    Returns (XCom) the number of runs, or None when there was nothing to wait for: a dry run, or a
    conf without wait_for_completion.
    """

    template_fields = ("request_conf", "backfill_id")

    def __init__(
        self,
        *,
        request_conf: Any,
        backfill_id: Any,
        poll_interval: timedelta = POLL_INTERVAL,
        wait_timeout: timedelta = WAIT_TIMEOUT,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.request_conf = request_conf
        self.backfill_id = backfill_id
        self.poll_interval = poll_interval
        self.wait_timeout = wait_timeout

    def execute(self, context: Any) -> int | None:
        """Returns at once when there is nothing to wait for; else hands the wait to the triggerer."""
        request = checked_request(self.request_conf)
        if self.backfill_id is None or not request.wait_for_completion:
            log.info("nothing to wait for (dry run, or wait_for_completion is false)")
            return None
        trigger = BackfillCompletedTrigger(
            request_conf=request.to_conf(),
            backfill_id=self.backfill_id,
            poll_interval=self.poll_interval.total_seconds(),
            deadline=datetime.now(UTC) + self.wait_timeout,
        )
        # The trigger reports its own deadline with a clear message; the task timeout is only a
        # backstop for a triggerer that is down.
        self.defer(
            trigger=trigger,
            method_name="execute_complete",
            timeout=self.wait_timeout + 2 * self.poll_interval,
        )

    def execute_complete(self, context: Any, event: dict[str, Any]) -> int:
        """Resumed with the trigger's one event: fail on an error or a failed run, else return the count."""
        from airflow.sdk.exceptions import AirflowFailException

        dag_id = self.request_conf["dag_id"]
        if event.get("status") != "completed":
            raise AirflowFailException(event.get("message") or f"unexpected event from the trigger: {event}")
        failed, runs = list(event["failed"]), int(event["runs"])
        if failed:
            raise AirflowFailException(
                f"backfill {self.backfill_id} of {dag_id} finished with {len(failed)} failed run(s) "
                f"of {runs}: {', '.join(failed)}; fix the cause and re-trigger with "
                "reprocess_behavior=failed"
            )
        log.info("backfill %s of %s completed: %d run(s), none failed", self.backfill_id, dag_id, runs)
        return runs
