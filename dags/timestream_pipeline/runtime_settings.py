"""Load the pipeline's runtime settings inside a task: Airflow Variable first, then the deployed file."""

from __future__ import annotations

from pathlib import Path

from pipeline_config import names
from pipeline_config.runtime import RuntimeSettings
from pipeline_config.settings import SettingsError

SETTINGS_FILE = Path(__file__).resolve().parent.parent / names.RUNTIME_SETTINGS_FILE


def load_runtime_settings() -> RuntimeSettings:
    """Call from task code only: reading a Variable at parse time costs a metadata/secrets call per parse."""
    from airflow.sdk import Variable

    override = Variable.get(names.RUNTIME_SETTINGS_VARIABLE, default=None)
    if override:
        return RuntimeSettings.from_json(override, f"Airflow Variable {names.RUNTIME_SETTINGS_VARIABLE}")
    if SETTINGS_FILE.is_file():
        return RuntimeSettings.from_json(SETTINGS_FILE.read_text(encoding="utf-8"), str(SETTINGS_FILE))
    raise SettingsError(
        f"no pipeline settings: deploy the DAGs with the CDK app (it writes {names.RUNTIME_SETTINGS_FILE} "
        f"beside them) or set the Airflow Variable {names.RUNTIME_SETTINGS_VARIABLE} to its JSON"
    )
