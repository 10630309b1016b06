"""What the DAGs need at run time, as one JSON document, and where a task reads it from.

The CDK app writes it beside the DAGs (`pipeline_settings.json`); an Airflow Variable
(`timestream_pipeline_settings`) with the same JSON overrides it; the local stack sets that Variable.
Tasks read it at run time only: a Variable read at parse time costs a metadata call per parse.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from timestream_pipeline import names
from timestream_pipeline.errors import SettingsError

SETTINGS_FILE = Path(__file__).resolve().parent.parent / names.RUNTIME_SETTINGS_FILE
REQUIRED_KEYS = ("database", "raw_table", "cep_table", "bucket")
# A timer that fires before the scheduler has seen the task defer can get the resumed task failed
# (an Airflow race: apache/airflow#66374, #72716); checks at least this far apart stay clear of it.
MIN_BACKFILL_POLL_SECONDS = 10


@dataclass(frozen=True)
class RuntimeSettings:
    """Names the DAG tasks read at run time (never at parse time)."""

    database: str
    raw_table: str
    cep_table: str
    bucket: str
    export_prefix: str = "exports"
    aws_conn_id: str = names.DEFAULT_AWS_CONN_ID
    region: str = ""
    mwaa_environment_name: str = ""
    airflow_api_conn_id: str = ""
    backfill_max_span_days: int = 31
    # How often a backfill run with wait_for_completion checks on the backfill (a short task each time).
    backfill_poll_seconds: int = 120

    def table(self, role: str) -> str:
        """The Timestream table behind a role named in exports.toml (`raw` or `cep`)."""
        tables = {"raw": self.raw_table, "cep": self.cep_table}
        if role not in tables:
            raise SettingsError(f"unknown source table {role!r}: use one of {sorted(tables)}")
        return tables[role]

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], source: str) -> RuntimeSettings:
        """Parse and check the JSON document; `source` names where it came from for the error."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise SettingsError(f"{source}: unknown key(s) {unknown}; allowed: {sorted(known)}")
        missing = sorted(k for k in REQUIRED_KEYS if not data.get(k))
        if missing:
            raise SettingsError(f"{source}: missing value(s) for {missing}")
        try:
            settings = cls(**data)
        except TypeError as error:
            raise SettingsError(f"{source}: {error}") from error
        poll = settings.backfill_poll_seconds
        if isinstance(poll, bool) or not isinstance(poll, int) or poll < MIN_BACKFILL_POLL_SECONDS:
            raise SettingsError(
                f"{source}: backfill_poll_seconds={poll!r} must be a whole number of seconds, "
                f"at least {MIN_BACKFILL_POLL_SECONDS}"
            )
        return settings

    @classmethod
    def from_json(cls, text: str, source: str) -> RuntimeSettings:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise SettingsError(f"{source} is not valid JSON: {error}") from error
        if not isinstance(data, dict):
            raise SettingsError(f"{source} must hold a JSON object")
        return cls.from_mapping(data, source)


def load_runtime_settings() -> RuntimeSettings:
    """The settings for a task: the Airflow Variable if set, else the deployed file.

    With neither (or with a broken one) the task fails at once, without retries: retrying cannot
    make a missing setting appear.
    """
    from airflow.sdk import Variable

    from timestream_pipeline.airflow_compat import fail_now

    try:
        override = Variable.get(names.RUNTIME_SETTINGS_VARIABLE, default=None)
        if override:
            return RuntimeSettings.from_json(override, f"Airflow Variable {names.RUNTIME_SETTINGS_VARIABLE}")
        if SETTINGS_FILE.is_file():
            return RuntimeSettings.from_json(SETTINGS_FILE.read_text(encoding="utf-8"), str(SETTINGS_FILE))
    except SettingsError as error:
        raise fail_now(str(error)) from None
    raise fail_now(missing_settings_message())


def missing_settings_message() -> str:
    """What to set when a deployment has no settings: the Variable, its keys, an example."""
    example = {key: f"<{key}>" for key in REQUIRED_KEYS}
    optional = sorted(f.name for f in fields(RuntimeSettings) if f.name not in REQUIRED_KEYS)
    return (
        f"no pipeline settings: set the Airflow Variable {names.RUNTIME_SETTINGS_VARIABLE} to a JSON "
        f"object with the keys {list(REQUIRED_KEYS)} (optional: {optional}), e.g. "
        f"{json.dumps(example)}, or deploy the DAGs with the CDK app or `make deploy-dags`, which write "
        f"{names.RUNTIME_SETTINGS_FILE} beside them"
    )
