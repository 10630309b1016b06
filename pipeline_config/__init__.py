"""The one source of truth for names and settings (stdlib only).

Imported by the CDK app, the ingest Lambda (bundled into its asset), the DAG bundle (deployed
beside the DAGs), the generators and the local stack.
"""

from pipeline_config.exports import ExportSpec, load_exports
from pipeline_config.runtime import RuntimeSettings
from pipeline_config.settings import Settings, SettingsError, load_settings

__all__ = [
    "ExportSpec",
    "RuntimeSettings",
    "Settings",
    "SettingsError",
    "load_exports",
    "load_settings",
]
