"""The few Airflow APIs that differ between MWAA's 3.0 image and 3.2+ (developed on 3.3, tested on both).

Each function imports lazily, so a DAG file pays for an import only when a task needs it. What moved:
- `CronDataIntervalTimetable`: `airflow.sdk` from 3.2; `airflow.timetables.interval` before.
- `AirflowFailException`: `airflow.sdk.exceptions` from 3.1; only `airflow.exceptions` on 3.0
  (where 3.3 still has it, it warns as deprecated).
- `BaseHook`: `airflow.sdk` from 3.1; `airflow.hooks.base` on 3.0.
- `retry_exponential_backoff`: a bool up to 3.1, a multiplier from 3.2.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

EXPONENTIAL_BACKOFF_MULTIPLIER = 2.0


def hourly_timetable() -> Any:
    """`[previous hour, this hour)` in UTC; a plain cron string would give a zero-width interval."""
    try:
        from airflow.sdk import CronDataIntervalTimetable  # Airflow 3.2+
    except ImportError:  # MWAA 3.0/3.1
        from airflow.timetables.interval import CronDataIntervalTimetable
    return CronDataIntervalTimetable("0 * * * *", timezone="UTC")


def exponential_backoff() -> bool | float:
    """The `retry_exponential_backoff` value meaning "double the delay each retry" on this version.

    Up to 3.1 it is a bool (True doubles); from 3.2 it is a multiplier, where True would mean 1.0,
    i.e. no backoff at all. The class default tells which one this Airflow has (False vs 0).
    """
    from airflow.sdk import BaseOperator

    if isinstance(BaseOperator.retry_exponential_backoff, bool):
        return True
    return EXPONENTIAL_BACKOFF_MULTIPLIER


def fail_now(message: str) -> Exception:
    """An AirflowFailException: the task fails at once, without its retries (raise what this returns)."""
    try:
        from airflow.sdk.exceptions import AirflowFailException  # Airflow 3.1+
    except ImportError:  # MWAA 3.0
        from airflow.exceptions import AirflowFailException
    return AirflowFailException(message)


def get_connection(conn_id: str) -> Any:
    """An Airflow connection by id, through the task SDK (the worker has no metadata-DB access)."""
    try:
        from airflow.sdk import BaseHook  # Airflow 3.1+
    except ImportError:  # MWAA 3.0
        from airflow.hooks.base import BaseHook
    return BaseHook.get_connection(conn_id)


def time_delta_trigger(delay: timedelta) -> Any:
    """Airflow's own timer trigger: the triggerer imports it from the standard provider, never from
    the DAG folder (which the triggerer does not put on sys.path)."""
    from airflow.providers.standard.triggers.temporal import TimeDeltaTrigger

    return TimeDeltaTrigger(delay)
