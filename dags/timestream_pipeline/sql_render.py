"""Render an export's SQL file for one hour: quoted identifiers, a half-open window, nothing else.

SQL files use `string.Template` placeholders (`$source`, `$time_filter`, ...). Values never come from
`str.format` or from user text: identifiers are validated then double-quoted, timestamps are rendered
from timezone-aware datetimes, measure names come from `timestream_pipeline.names`.
"""

from __future__ import annotations

import hashlib
import re
import string
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from timestream_pipeline import names
from timestream_pipeline.errors import SettingsError

# Timestream database/table names: letters, digits, `_ . -` (never a quote, so quoting is safe).
_IDENTIFIER = re.compile(r"^[a-zA-Z0-9_.-]{3,256}$")
PLACEHOLDERS = (
    "source",
    "time_filter",
    "window_start",
    "window_end",
    "cep_measure",
    "temperature_measure",
)


@dataclass(frozen=True)
class Window:
    """The half-open hour `[start, end)` a run exports, in UTC."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        for label, value in (("start", self.start), ("end", self.end)):
            if value.tzinfo is None:
                raise ValueError(f"window {label} {value!r} must be timezone-aware (UTC)")
        if self.end <= self.start:
            raise ValueError(f"window end {self.end} must be after its start {self.start}")

    @property
    def start_utc(self) -> datetime:
        return self.start.astimezone(UTC)

    @property
    def end_utc(self) -> datetime:
        return self.end.astimezone(UTC)


def quote_identifier(name: str, what: str) -> str:
    """`"name"` after checking it can be nothing but a Timestream name (so it cannot close the quote)."""
    if not isinstance(name, str) or not _IDENTIFIER.fullmatch(name):
        raise SettingsError(
            f"{what}={name!r} is not a Timestream name (3-256 letters, digits, _ . -): "
            f"fix it in {names.RUNTIME_SETTINGS_FILE} or the Airflow Variable "
            f"{names.RUNTIME_SETTINGS_VARIABLE}"
        )
    return f'"{name}"'


def quote_string(value: str) -> str:
    """A SQL string literal (single quotes doubled)."""
    return "'" + value.replace("'", "''") + "'"


def timestamp_literal(moment: datetime) -> str:
    """`from_iso8601_timestamp('2026-11-22T09:00:00Z')`: a typed UTC timestamp, no implicit cast."""
    utc = moment.astimezone(UTC)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    if utc.microsecond:
        text += f".{utc.microsecond:06d}"
    return f"from_iso8601_timestamp('{text}Z')"


def time_filter(window: Window) -> str:
    """The half-open predicate: a record exactly on the hour belongs to the hour it starts."""
    return f"time >= {timestamp_literal(window.start)} AND time < {timestamp_literal(window.end)}"


def render_sql(template_text: str, *, database: str, table: str, window: Window, where: str) -> str:
    """The SQL of one export for one window; `where` names the file in error messages."""
    values = {
        "source": f"{quote_identifier(database, 'database')}.{quote_identifier(table, 'table')}",
        "time_filter": time_filter(window),
        "window_start": timestamp_literal(window.start),
        "window_end": timestamp_literal(window.end),
        "cep_measure": quote_string(names.CEP_MEASURE),
        "temperature_measure": quote_string(names.SENSOR_TEMPERATURE_MEASURE),
    }
    # Whole-line `--` comments document the file; they are not sent (nor part of the fingerprint).
    body = "\n".join(line for line in template_text.splitlines() if not line.lstrip().startswith("--"))
    template = string.Template(body)
    try:
        rendered = template.substitute(values)
    except KeyError as error:
        raise SettingsError(
            f"{where}: unknown placeholder ${error.args[0]}; use one of "
            + ", ".join(f"${p}" for p in PLACEHOLDERS)
        ) from error
    except ValueError as error:
        raise SettingsError(f"{where}: {error} (write a literal $ as $$)") from error
    if "$time_filter" not in body and "${time_filter}" not in body:
        raise SettingsError(f"{where}: the SQL must filter on $time_filter so each hour is exported once")
    return rendered.strip().rstrip(";").strip()


def render_sql_file(path: Path, *, database: str, table: str, window: Window) -> str:
    """Read and render one SQL file."""
    text = path.read_text(encoding="utf-8")
    return render_sql(text, database=database, table=table, window=window, where=str(path))


def fingerprint(sql: str) -> str:
    """sha256 of the rendered SQL: tells which query produced an hour's files."""
    return hashlib.sha256(sql.encode("utf-8")).hexdigest()
