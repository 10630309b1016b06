"""Deployment settings: read from cdk.json's `context`, overridable with `-c key=value`, validated.

Every consumer (CDK app, local stack, generators) loads them through `load_settings`; a bad value
raises `SettingsError` whose one-line message names the key, the value and what is allowed.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from pipeline_config import mapping_retries, names
from pipeline_config.bundles import REPO_ROOT
from pipeline_config.context_keys import check_context_keys, feature_flags
from timestream_pipeline import names as dag_names
from timestream_pipeline.errors import SettingsError
from timestream_pipeline.runtime_settings import RuntimeSettings

DEFAULT_CDK_JSON = REPO_ROOT / "cdk.json"

_TIMESTREAM_NAME = re.compile(r"^[a-zA-Z0-9_.-]{3,256}$")
_BUCKET_PREFIX = re.compile(r"^[a-z0-9][a-z0-9-]{1,29}[a-z0-9]$")
_S3_PREFIX = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_-]{0,62}$")
_MWAA_NAME = re.compile(r"^[a-zA-Z][0-9a-zA-Z_-]{0,79}$")
_IAM_ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_AIRFLOW_CONN_ID = re.compile(r"^[a-zA-Z0-9_.-]{1,250}$")
# CloudWatch Logs accepts only these retention periods.
LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)


def is_bucket_name(value: str) -> bool:
    """Whether `value` is a valid S3 bucket name (lowercase, digits, dots, hyphens; 3-63 long)."""
    return bool(_BUCKET_NAME.fullmatch(value))


@dataclass(frozen=True)
class Settings:
    """Every deploy-time setting, with its default. Keys are the cdk.json context keys."""

    stack_name: str = "TimestreamPipeline"
    database_name: str = "timeseries_pipeline"
    raw_table_name: str = "raw"
    cep_table_name: str = "cep"
    bucket_prefix: str = "ts-pipeline"
    memory_retention_hours: int = 24
    magnetic_retention_days: int = 365
    magnetic_writes_enabled: bool = True
    customer_managed_key: bool = True
    kinesis_stream_mode: str = "ON_DEMAND"
    kinesis_shard_count: int = 1
    kinesis_retention_hours: int = 24
    lambda_batch_size: int = 500
    lambda_batching_window_seconds: int = 1
    lambda_parallelization_factor: int = 2
    # None: derived from kinesis_retention_hours (pipeline_config/mapping_retries.py).
    lambda_retry_attempts: int | None = None
    lambda_max_record_age_seconds: int | None = None
    lambda_memory_mb: int = 512
    lambda_timeout_seconds: int = 60
    log_retention_days: int = 30
    export_prefix: str = "exports"
    quarantine_prefix: str = "quarantine"
    rejected_data_prefix: str = "timestream-rejected"
    access_logs_retention_days: int = 90
    noncurrent_version_expiration_days: int = 30
    removal_policy: str = "retain"
    aws_conn_id: str = dag_names.DEFAULT_AWS_CONN_ID
    airflow_api_conn_id: str = ""
    backfill_max_span_days: int = 31
    mwaa_environment_name: str = ""
    mwaa_execution_role_name: str = ""
    mwaa_source_bucket: str = ""
    mwaa_replace_requirements: bool = False

    def __post_init__(self) -> None:
        for key, check in _CHECKS.items():
            check(key, getattr(self, key))
        if self.raw_table_name == self.cep_table_name:
            _fail("cep_table_name", self.cep_table_name, "must differ from raw_table_name")
        mapping_retries.check_record_age(self.mapping_max_record_age_seconds, self.kinesis_retention_hours)
        prefixes = {self.export_prefix, self.quarantine_prefix, self.rejected_data_prefix}
        if len(prefixes) != 3:
            _fail(
                "export_prefix",
                self.export_prefix,
                "export_prefix, quarantine_prefix and rejected_data_prefix must all differ",
            )

    @property
    def mapping_max_record_age_seconds(self) -> int:
        """MaximumRecordAgeInSeconds of the ingest mappings: explicit, or derived from the retention."""
        return mapping_retries.max_record_age_seconds(
            self.kinesis_retention_hours, self.lambda_max_record_age_seconds
        )

    @property
    def mapping_retry_attempts(self) -> int:
        """MaximumRetryAttempts of the ingest mappings: explicit, or enough to fill the record age."""
        return mapping_retries.retry_attempts(
            self.mapping_max_record_age_seconds, self.lambda_timeout_seconds, self.lambda_retry_attempts
        )

    @property
    def provisioned_streams(self) -> bool:
        return self.kinesis_stream_mode == "PROVISIONED"

    def bucket_name(self, account: str, region: str) -> str:
        return names.data_lake_bucket_name(self.bucket_prefix, account, region)

    def kept_records_bucket_name(self, account: str, region: str) -> str:
        return names.kept_records_bucket_name(self.bucket_prefix, account, region)


def _fail(key: str, value: object, allowed: str) -> None:
    raise SettingsError(
        f'setting {key}={value!r}: {allowed} (fix it in cdk.json "context" or pass -c {key}=...)'
    )


def _int_range(low: int, high: int) -> Callable[[str, Any], None]:
    def check(key: str, value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            _fail(key, value, f"must be a whole number from {low} to {high}")

    return check


def _one_of(*allowed: Any) -> Callable[[str, Any], None]:
    def check(key: str, value: Any) -> None:
        if value not in allowed:
            _fail(key, value, "must be one of " + ", ".join(str(a) for a in allowed))

    return check


def _pattern(regex: re.Pattern[str], what: str, optional: bool = False) -> Callable[[str, Any], None]:
    def check(key: str, value: Any) -> None:
        if optional and value == "":
            return
        if not isinstance(value, str) or not regex.fullmatch(value):
            _fail(key, value, f"must be {what}" + (" (or empty to leave it out)" if optional else ""))

    return check


def _optional(check: Callable[[str, Any], None]) -> Callable[[str, Any], None]:
    def optional_check(key: str, value: Any) -> None:
        if value is not None:
            check(key, value)

    return optional_check


def _boolean(key: str, value: Any) -> None:
    if not isinstance(value, bool):
        _fail(key, value, "must be true or false")


_CHECKS: dict[str, Callable[[str, Any], None]] = {
    "stack_name": _pattern(
        re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,127}$"), "a CloudFormation stack name (letters, digits, hyphens)"
    ),
    "database_name": _pattern(_TIMESTREAM_NAME, "3-256 characters of letters, digits, _ . -"),
    "raw_table_name": _pattern(_TIMESTREAM_NAME, "3-256 characters of letters, digits, _ . -"),
    "cep_table_name": _pattern(_TIMESTREAM_NAME, "3-256 characters of letters, digits, _ . -"),
    "bucket_prefix": _pattern(_BUCKET_PREFIX, "3-31 lowercase letters, digits or hyphens"),
    "memory_retention_hours": _int_range(1, 8766),
    "magnetic_retention_days": _int_range(1, 73000),
    "magnetic_writes_enabled": _boolean,
    "customer_managed_key": _boolean,
    "kinesis_stream_mode": _one_of("ON_DEMAND", "PROVISIONED"),
    "kinesis_shard_count": _int_range(1, 500),
    "kinesis_retention_hours": _int_range(24, 8760),
    "lambda_batch_size": _int_range(1, 10000),
    "lambda_batching_window_seconds": _int_range(0, 300),
    "lambda_parallelization_factor": _int_range(1, 10),
    "lambda_retry_attempts": _optional(_int_range(0, mapping_retries.MAX_RETRY_ATTEMPTS)),
    "lambda_max_record_age_seconds": _optional(
        _int_range(mapping_retries.MIN_RECORD_AGE_SECONDS, mapping_retries.MAX_RECORD_AGE_LIMIT_SECONDS)
    ),
    "lambda_memory_mb": _int_range(128, 10240),
    "lambda_timeout_seconds": _int_range(3, 900),
    "log_retention_days": _one_of(*LOG_RETENTION_DAYS),
    "export_prefix": _pattern(_S3_PREFIX, "one S3 path segment of letters, digits, _ or -"),
    "quarantine_prefix": _pattern(_S3_PREFIX, "one S3 path segment of letters, digits, _ or -"),
    "rejected_data_prefix": _pattern(_S3_PREFIX, "one S3 path segment of letters, digits, _ or -"),
    "access_logs_retention_days": _int_range(1, 3650),
    "noncurrent_version_expiration_days": _int_range(1, 3650),
    "removal_policy": _one_of("retain", "destroy"),
    "aws_conn_id": _pattern(_AIRFLOW_CONN_ID, "an Airflow connection id"),
    "airflow_api_conn_id": _pattern(_AIRFLOW_CONN_ID, "an Airflow connection id", optional=True),
    "backfill_max_span_days": _int_range(1, 366),
    "mwaa_environment_name": _pattern(_MWAA_NAME, "an MWAA environment name", optional=True),
    "mwaa_execution_role_name": _pattern(_IAM_ROLE_NAME, "an IAM role name", optional=True),
    "mwaa_source_bucket": _pattern(_BUCKET_NAME, "an S3 bucket name", optional=True),
    "mwaa_replace_requirements": _boolean,
}

SETTING_KEYS: tuple[str, ...] = tuple(f.name for f in fields(Settings))


def _coerce(key: str, value: Any, default: Any) -> Any:
    """`-c key=value` arrives as a string: turn it into the type of the default."""
    if not isinstance(value, str) or isinstance(default, str):
        return value
    if isinstance(default, bool):
        lowered = value.strip().lower()
        if lowered in ("true", "false"):
            return lowered == "true"
        return value
    if (default is None or isinstance(default, int)) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    return value


def settings_from_context(context: Mapping[str, Any]) -> Settings:
    """Build Settings from a context mapping; keys that are not settings (feature flags) are ignored."""
    defaults = Settings.__dataclass_fields__
    values = {
        key: _coerce(key, context[key], defaults[key].default) for key in SETTING_KEYS if key in context
    }
    return Settings(**values)


def read_cdk_json_context(path: Path | None = None) -> dict[str, Any]:
    """The `context` object of cdk.json (explicit path > $PIPELINE_CDK_JSON > the repository's)."""
    path = path or Path(os.environ.get(names.ENV_PIPELINE_CDK_JSON, DEFAULT_CDK_JSON))
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise SettingsError(f"settings file {path} not found: run from a clone of the repository") from error
    except json.JSONDecodeError as error:
        raise SettingsError(f"{path} is not valid JSON: {error}") from error
    context = document.get("context", {})
    if not isinstance(context, dict):
        raise SettingsError(f'{path}: "context" must be a JSON object')
    return context


def load_settings(overrides: Mapping[str, Any] | None = None, path: Path | None = None) -> Settings:
    """Settings from cdk.json's context, with `overrides` (e.g. `-c` values) applied on top.

    An override key that is no setting (a typo) is refused, with the closest key suggested.
    """
    context = read_cdk_json_context(path)
    check_context_keys(overrides or {}, SETTING_KEYS, feature_flags(context))
    context.update(overrides or {})
    return settings_from_context(context)


def runtime_settings(settings: Settings, *, bucket: str, region: str = "") -> RuntimeSettings:
    """What the DAGs read at run time, from the deploy-time settings (CDK app and local stack)."""
    return RuntimeSettings(
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
