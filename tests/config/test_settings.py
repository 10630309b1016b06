"""The shared settings: defaults are valid, every bad value is refused with a one-line fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline_config.settings import SETTING_KEYS, Settings, SettingsError, load_settings, runtime_settings
from timestream_pipeline import names
from timestream_pipeline.runtime_settings import RuntimeSettings


def test_cdk_json_holds_every_setting_with_its_default() -> None:
    """cdk.json is the one place a user edits: it lists every key, with the code's defaults."""
    context = json.loads((Path(__file__).parents[2] / "cdk.json").read_text())["context"]
    assert {key: context[key] for key in SETTING_KEYS} == {
        key: getattr(Settings(), key) for key in SETTING_KEYS
    }


def test_command_line_strings_are_coerced_to_the_setting_type() -> None:
    """`-c key=value` arrives as text; numbers and booleans must still be understood."""
    # WHEN
    settings = load_settings({"memory_retention_hours": "48", "magnetic_writes_enabled": "false"})
    # THEN
    assert settings.memory_retention_hours == 48
    assert settings.magnetic_writes_enabled is False


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("memory_retention_hours", "0", "from 1 to 8766"),
        ("memory_retention_hours", "8767", "from 1 to 8766"),
        ("magnetic_retention_days", "73001", "from 1 to 73000"),
        ("kinesis_stream_mode", "fast", "ON_DEMAND, PROVISIONED"),
        ("lambda_batch_size", "ten", "whole number"),
        ("magnetic_writes_enabled", "yes", "true or false"),
        ("database_name", "a;b", "letters, digits"),
        ("bucket_prefix", "Upper", "lowercase"),
        ("log_retention_days", "2", "one of"),
        ("mwaa_environment_name", "bad name", "MWAA environment name"),
    ],
)
def test_a_bad_value_names_key_value_and_the_allowed_range(key: str, value: str, expected: str) -> None:
    """One line says which key, what value, what is allowed and how to fix it."""
    with pytest.raises(SettingsError) as error:
        load_settings({key: value})
    message = str(error.value)
    assert "\n" not in message
    assert f"{key}=" in message and value in message and expected in message
    assert f"-c {key}=" in message


def test_tables_and_prefixes_must_not_collide() -> None:
    """Two roles sharing a table or prefix would mix data silently."""
    with pytest.raises(SettingsError, match="must differ"):
        Settings(raw_table_name="same", cep_table_name="same")
    with pytest.raises(SettingsError, match="must all differ"):
        Settings(export_prefix="data", quarantine_prefix="data")


def test_a_broken_cdk_json_is_reported_with_its_path(tmp_path: Path) -> None:
    """A typo in cdk.json ends in a message naming the file, not a traceback from json."""
    broken = tmp_path / "cdk.json"
    broken.write_text("{not json")
    with pytest.raises(SettingsError, match=str(broken)):
        load_settings(path=broken)


def test_runtime_settings_round_trip_and_refuse_unknown_keys() -> None:
    """The DAGs' settings document survives JSON and rejects keys it does not know."""
    runtime = runtime_settings(Settings(), bucket="bucket-1", region="eu-west-1")
    assert RuntimeSettings.from_json(runtime.to_json(), "test") == runtime
    assert runtime.table("cep") == Settings().cep_table_name
    with pytest.raises(SettingsError, match="unknown key"):
        RuntimeSettings.from_json(
            '{"database": "d", "raw_table": "r", "cep_table": "c", "bucket": "b", "x": 1}', "v"
        )
    with pytest.raises(SettingsError, match="missing"):
        RuntimeSettings.from_json('{"database": "d"}', "v")


def test_export_partition_is_hive_style_in_utc() -> None:
    """The data lake layout Athena's partition projection expects."""
    from datetime import UTC, datetime

    hour = datetime(2026, 3, 4, 5, tzinfo=UTC)
    assert names.export_partition_prefix("exports", "cpu", hour) == "exports/cpu/dt=2026-03-04/hour=05/"
