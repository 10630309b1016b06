"""What the DAGs need at run time, as one JSON document.

The CDK app writes it beside the DAGs (`pipeline_settings.json`); an Airflow Variable
(`timestream_pipeline_settings`) with the same JSON overrides it; the local stack sets that Variable.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from pipeline_config.settings import Settings, SettingsError


@dataclass(frozen=True)
class RuntimeSettings:
    """Names the DAG tasks read at run time (never at parse time)."""

    database: str
    raw_table: str
    cep_table: str
    bucket: str
    export_prefix: str = "exports"
    aws_conn_id: str = "aws_default"
    region: str = ""
    mwaa_environment_name: str = ""
    airflow_api_conn_id: str = ""
    backfill_max_span_days: int = 31

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
        missing = sorted(k for k in ("database", "raw_table", "cep_table", "bucket") if not data.get(k))
        if missing:
            raise SettingsError(f"{source}: missing value(s) for {missing}")
        try:
            return cls(**data)
        except TypeError as error:
            raise SettingsError(f"{source}: {error}") from error

    @classmethod
    def from_json(cls, text: str, source: str) -> RuntimeSettings:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise SettingsError(f"{source} is not valid JSON: {error}") from error
        if not isinstance(data, dict):
            raise SettingsError(f"{source} must hold a JSON object")
        return cls.from_mapping(data, source)

    @classmethod
    def from_settings(cls, settings: Settings, *, bucket: str, region: str = "") -> RuntimeSettings:
        """The runtime view of the deploy-time settings (used by the CDK app and the local stack)."""
        return cls(
            database=settings.database_name,
            raw_table=settings.raw_table_name,
            cep_table=settings.cep_table_name,
            bucket=bucket,
            export_prefix=settings.export_prefix,
            aws_conn_id=settings.aws_conn_id,
            region=region,
            mwaa_environment_name=settings.mwaa_environment_name,
            airflow_api_conn_id=settings.airflow_api_conn_id,
            backfill_max_span_days=settings.backfill_max_span_days,
        )
