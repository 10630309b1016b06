"""Names the DAG bundle needs at run time: DAG ids, the data lake's layout, where settings come from.

The CDK app, the local stack and the tests import these names from here (the bundle is the source),
so what is deployed and what configures it cannot disagree.
"""

from __future__ import annotations

from datetime import datetime

# --- Airflow.
EXPORT_DAG_ID_PREFIX = "timestream_export_"
BACKFILL_DAG_ID = "timestream_backfill"
RUNTIME_SETTINGS_FILE = "pipeline_settings.json"
RUNTIME_SETTINGS_VARIABLE = "timestream_pipeline_settings"
EXPORTS_FILE = "exports.toml"
DEFAULT_AWS_CONN_ID = "aws_default"

# --- Measure names the export SQL reads. The ingest Lambda (another bundle) writes them; they are
# repeated here because each bundle is deployed alone, and a test keeps both equal.
SENSOR_TEMPERATURE_MEASURE = "temperature"
CEP_MEASURE = "cep_match"

# --- Data lake layout.
SUCCESS_MARKER = "_SUCCESS"
STAGING_PREFIX = "_staging"


def export_dag_id(export_name: str) -> str:
    """`timestream_export_<name>`: the DAG id of one declared export."""
    return f"{EXPORT_DAG_ID_PREFIX}{export_name}"


def glue_table_name(export_name: str) -> str:
    """The Athena/Glue table holding one export."""
    return export_name


def export_partition_prefix(export_prefix: str, export_name: str, hour_start: datetime) -> str:
    """`exports/<export>/dt=YYYY-MM-DD/hour=HH/`: the Hive partition of one exported hour (UTC)."""
    return f"{export_prefix}/{export_name}/dt={hour_start:%Y-%m-%d}/hour={hour_start:%H}/"


def export_table_prefix(export_prefix: str, export_name: str) -> str:
    """`exports/<export>/`: where all partitions of one export live (the Glue table location)."""
    return f"{export_prefix}/{export_name}/"
