"""Validate a backfill request (DAG conf or CLI arguments) and turn it into one REST API call.

Pure and stdlib-only: the DAG, the CLI and the tests share it, and it runs before any request is
made, so a bad request never reaches Airflow. Every problem is collected, not just the first.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

REPROCESS_BEHAVIORS = ("none", "failed", "completed")
DEFAULT_REPROCESS_BEHAVIOR = "failed"
MIN_ACTIVE_RUNS = 1
MAX_ACTIVE_RUNS = 16
DEFAULT_MAX_ACTIVE_RUNS = 4
REQUIRED_FIELDS = ("dag_id", "from_date", "to_date")
OPTIONAL_FIELDS = ("reprocess_behavior", "max_active_runs", "dry_run", "wait_for_completion")
ALLOWED_FIELDS = REQUIRED_FIELDS + OPTIONAL_FIELDS

# An Airflow DAG id is letters, digits, '_', '-' and '.'; ours are stricter (see names.export_dag_id).
DAG_ID_PATTERN = r"^[a-z][a-z0-9_]{0,199}$"
# ISO 8601 date-time in UTC; the offset must be spelled out (Z or +00:00). Fractions are allowed
# because browsers write them (JavaScript's toISOString gives 2026-11-01T00:00:00.000Z).
UTC_DATETIME_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|\+00:00)$"
_DAG_ID = re.compile(DAG_ID_PATTERN)
_UTC_DATETIME = re.compile(UTC_DATETIME_PATTERN)
_ANY_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?([+-]\d{2}:\d{2})$")
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
WIRE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def wire(moment: datetime) -> str:
    """UTC as Airflow prints it: 2026-11-01T00:00:00Z (fractions only when there are some)."""
    if moment.microsecond:
        return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return moment.astimezone(UTC).strftime(WIRE_FORMAT)


class BackfillConfError(ValueError):
    """Every problem found in one backfill request, each naming the field, the value and the fix."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid backfill request:\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass(frozen=True)
class BackfillRequest:
    """A checked backfill request; only instances of this reach a transport."""

    dag_id: str
    from_date: datetime
    to_date: datetime
    reprocess_behavior: str = DEFAULT_REPROCESS_BEHAVIOR
    max_active_runs: int = DEFAULT_MAX_ACTIVE_RUNS
    dry_run: bool = False
    wait_for_completion: bool = False

    def to_conf(self) -> dict[str, Any]:
        """The same request as a JSON-able conf (XCom, logs); `validate_backfill_conf` reads it back."""
        return {
            "dag_id": self.dag_id,
            "from_date": wire(self.from_date),
            "to_date": wire(self.to_date),
            "reprocess_behavior": self.reprocess_behavior,
            "max_active_runs": self.max_active_runs,
            "dry_run": self.dry_run,
            "wait_for_completion": self.wait_for_completion,
        }


@dataclass(frozen=True)
class ApiCall:
    """One Airflow REST API call as plain data; `path` is relative to /api/v2 (MWAA's convention)."""

    method: str
    path: str
    body: dict[str, Any] | None = None
    query: dict[str, Any] = field(default_factory=dict)


def _parse_utc(name: str, value: Any, problems: list[str]) -> datetime | None:
    if not isinstance(value, str):
        problems.append(
            f"{name}: expected an ISO 8601 UTC date-time string such as "
            f"'2026-11-01T00:00:00Z', got {type(value).__name__} {value!r}"
        )
        return None
    if _UTC_DATETIME.fullmatch(value):
        try:
            return datetime.fromisoformat(value).astimezone(UTC)
        except ValueError as error:
            problems.append(f"{name}: {value!r} is not a real date-time ({error}); fix the date")
            return None
    if _DATE_ONLY.fullmatch(value):
        problems.append(f"{name}: {value!r} has no time; write '{value}T00:00:00Z' (UTC)")
    elif _ANY_DATETIME.fullmatch(value):
        try:
            utc = wire(datetime.fromisoformat(value).astimezone(UTC))
            problems.append(f"{name}: {value!r} is not in UTC; write it as '{utc}'")
        except ValueError as error:
            problems.append(f"{name}: {value!r} is not a real date-time ({error}); fix the date")
    else:
        problems.append(
            f"{name}: {value!r} is not an ISO 8601 UTC date-time; write YYYY-MM-DDTHH:MM[:SS]Z, "
            "e.g. '2026-11-01T00:00:00Z' (a time zone offset is required: Z or +00:00)"
        )
    return None


def _check_dag_id(value: Any, allowed: Collection[str], problems: list[str]) -> str | None:
    choices = sorted(allowed)
    if not isinstance(value, str) or not _DAG_ID.fullmatch(value):
        problems.append(
            f"dag_id: {value!r} is not a valid DAG id (lowercase letters, digits, _); use one of {choices}"
        )
        return None
    if value not in allowed:
        problems.append(
            f"dag_id: {value!r} is not an export DAG; use one of {choices} "
            "(exports are declared in dags/exports.toml)"
        )
        return None
    return value


def _check_choice(name: str, value: Any, choices: tuple[str, ...], problems: list[str]) -> None:
    if not isinstance(value, str) or value not in choices:
        problems.append(f"{name}: {value!r} is not allowed; use one of {list(choices)}")


def _check_bool(name: str, value: Any, problems: list[str]) -> None:
    if not isinstance(value, bool):
        problems.append(f"{name}: expected true or false, got {type(value).__name__} {value!r}")


def _check_runs(value: Any, problems: list[str]) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        problems.append(
            f"max_active_runs: expected a whole number from {MIN_ACTIVE_RUNS} to "
            f"{MAX_ACTIVE_RUNS}, got {type(value).__name__} {value!r}"
        )
    elif not MIN_ACTIVE_RUNS <= value <= MAX_ACTIVE_RUNS:
        problems.append(f"max_active_runs: {value} is out of range; use {MIN_ACTIVE_RUNS}..{MAX_ACTIVE_RUNS}")


def validate_backfill_conf(
    conf: Any, *, allowed_dag_ids: Collection[str], max_span_days: int
) -> BackfillRequest:
    """Check a conf mapping against every rule; raise BackfillConfError listing all problems."""
    if not isinstance(conf, Mapping):
        raise BackfillConfError(
            [f"the conf must be a JSON object with {list(ALLOWED_FIELDS)}, got {type(conf).__name__}"]
        )
    problems: list[str] = [
        f"{key!r}: unknown field; remove it (allowed fields: {list(ALLOWED_FIELDS)})"
        for key in sorted(map(str, conf))
        if key not in ALLOWED_FIELDS
    ]
    problems += [f"{key}: missing; it is required" for key in REQUIRED_FIELDS if conf.get(key) is None]
    values = {
        "reprocess_behavior": DEFAULT_REPROCESS_BEHAVIOR,
        "max_active_runs": DEFAULT_MAX_ACTIVE_RUNS,
        "dry_run": False,
        "wait_for_completion": False,
        **{k: v for k, v in conf.items() if k in OPTIONAL_FIELDS and v is not None},
    }
    dag_id = _check_dag_id(conf["dag_id"], allowed_dag_ids, problems) if "dag_id" in conf else None
    start = _parse_utc("from_date", conf["from_date"], problems) if conf.get("from_date") else None
    end = _parse_utc("to_date", conf["to_date"], problems) if conf.get("to_date") else None
    _check_choice("reprocess_behavior", values["reprocess_behavior"], REPROCESS_BEHAVIORS, problems)
    _check_runs(values["max_active_runs"], problems)
    _check_bool("dry_run", values["dry_run"], problems)
    _check_bool("wait_for_completion", values["wait_for_completion"], problems)
    if start and end:
        if start >= end:
            problems.append(
                f"from_date/to_date: from_date {wire(start)} must be earlier than "
                f"to_date {wire(end)}; swap or widen them"
            )
        elif end - start > timedelta(days=max_span_days):
            problems.append(
                f"from_date/to_date: the range spans {end - start}, more than the limit of "
                f"{max_span_days} days; split it into several backfills"
            )
    if problems or dag_id is None or start is None or end is None:
        raise BackfillConfError(problems)
    return BackfillRequest(
        dag_id=dag_id,
        from_date=start,
        to_date=end,
        reprocess_behavior=values["reprocess_behavior"],
        max_active_runs=values["max_active_runs"],
        dry_run=values["dry_run"],
        wait_for_completion=values["wait_for_completion"],
    )


def backfill_call(request: BackfillRequest) -> ApiCall:
    """POST /backfills (or /backfills/dry_run): the one call that creates or plans a backfill."""
    body = {
        "dag_id": request.dag_id,
        "from_date": wire(request.from_date),
        "to_date": wire(request.to_date),
        "run_backwards": False,
        "dag_run_conf": {},
        "reprocess_behavior": request.reprocess_behavior,
        "max_active_runs": request.max_active_runs,
    }
    return ApiCall("POST", "/backfills/dry_run" if request.dry_run else "/backfills", body)


def get_backfill_call(backfill_id: int) -> ApiCall:
    """GET /backfills/{id}: its completed_at says when the scheduler has finished it."""
    return ApiCall("GET", f"/backfills/{int(backfill_id)}")


def backfill_runs_call(request: BackfillRequest, offset: int, limit: int = 100) -> ApiCall:
    """One page of the range's backfill runs; `~` keeps the path short (MWAA allows 64 characters)."""
    query = {
        "dag_id_pattern": request.dag_id,
        "run_type": "backfill",
        "logical_date_gte": wire(request.from_date),
        "logical_date_lte": wire(request.to_date),
        "order_by": "logical_date",
        "limit": limit,
        "offset": offset,
    }
    return ApiCall("GET", "/dags/~/dagRuns", None, query)
