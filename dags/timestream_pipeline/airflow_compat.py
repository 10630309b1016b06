"""The few Airflow APIs that differ between MWAA's 3.0/3.1 images and 3.2+ (developed on 3.3)."""

from __future__ import annotations

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
